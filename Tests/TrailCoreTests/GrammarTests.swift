import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// The one grammar each for durations, times, calendars, hex and base64, checked against
/// Python's own libraries (zoneinfo, base64, time.strftime) where there is a reference.
@Suite struct GrammarTests {
    @Test func durationsOfEveryOptionAndRule() {
        #expect(TimeSpan.seconds("90") == 90 && TimeSpan.seconds("90s") == 90)
        #expect(TimeSpan.seconds("15m") == 900 && TimeSpan.seconds("2h") == 7200)
        #expect(TimeSpan.seconds("7d") == 604_800 && TimeSpan.seconds("2w") == 1_209_600)
        #expect(TimeSpan.nanoseconds("15m") == 900_000_000_000)
        #expect(TimeSpan.seconds("3650d") == TimeSpan.maximumSeconds)
        for bad in ["", "s", "-1s", "10x", "1.5h", "3651d", "522w", "99999999999999999999d", "9223372036854775807s"] {
            #expect(TimeSpan.seconds(bad) == nil, "\(bad)")
        }
    }

    /// Each byte string round-trips, and encodes exactly as Python's base64 and hex do.
    @Test func hexAndBase64AgreeWithPython() throws {
        let samples: [[UInt8]] = [[], [0], [0xFF, 0x00], Array("f".utf8), Array("fo".utf8), Array("foo".utf8),
                                  Array("foob".utf8), Array(0...255), (0..<100).map { UInt8(($0 * 37 + 11) % 256) }]
        let script = "import base64, sys\nfor line in sys.stdin.read().split():\n    b = bytes.fromhex(line[1:])\n"
            + "    print(base64.b64encode(b).decode(), b.hex().upper())"
        let reference = try runShell("python3 -c '\(script)'", stdin: samples.map { "x" + Hex.encode($0) }.joined(separator: "\n") + "\n")
        #expect(reference.status == 0, "\(reference.stderr)")
        let lines = reference.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        for (sample, line) in zip(samples, lines) {
            let expected = line.split(separator: " ", omittingEmptySubsequences: false)
            #expect(Base64.encode(sample) == expected[0])
            #expect(Hex.encode(sample, uppercase: true) == expected[1])
            #expect(Base64.decode(Base64.encode(sample)) == sample)
            #expect(Hex.decode(Hex.encode(sample)) == sample)
        }
        #expect(Base64.decode("Zm9v\nYmFy") == Array("foobar".utf8))
        #expect(Base64.decode("Zm9v!") == nil && Hex.decode("abc") == nil && Hex.decode("zz") == nil)
    }

    @Test func timesAreLaidOutAsStrftimeDoes() throws {
        let times: [Int64] = [0, 951_782_400, 1_772_942_400, 1_795_000_003, 253_402_300_799]
        let script = "import sys, time\nfor s in sys.stdin.read().split():\n"
            + "    print(time.strftime(\"%Y-%m-%dT%H:%M:%SZ|%Y%m%d|%a, %d %b %Y %H:%M:%S +0000\", time.gmtime(int(s))))"
        let reference = try runShell("LC_ALL=C python3 -c '\(script)'", stdin: times.map(String.init).joined(separator: "\n") + "\n")
        #expect(reference.status == 0, "\(reference.stderr)")
        let pattern = "%Y-%m-%dT%H:%M:%SZ|%Y%m%d|%a, %d %b %Y %H:%M:%S +0000"
        #expect(times.map { Timestamp(seconds: $0).utc(pattern) } == reference.stdout.split(separator: "\n").map(String.init))
        #expect(Timestamp(seconds: 0).utc("100%% at %H") == "100% at 00")
        #expect(Timestamp(seconds: -62_135_596_800).rfc3339 == "0001-01-01T00:00:00Z")
    }

    /// Local times in zones with and without daylight saving time, as Python's zoneinfo has them.
    @Test func localTimesAgreeWithZoneinfo() throws {
        let cases: [(String, Int64)] = [("America/New_York", 1_772_953_199), ("America/New_York", 1_772_953_200),
                                        ("America/New_York", 1_793_512_799), ("America/New_York", 1_793_512_800),
                                        ("Europe/Berlin", 1_774_746_000), ("Asia/Tokyo", 1_795_000_003),
                                        ("Australia/Lord_Howe", 1_775_318_400), ("UTC", -1)]
        let script = "import sys, datetime, zoneinfo\nfor line in sys.stdin.read().splitlines():\n    z, s = line.split()\n"
            + "    print(datetime.datetime.fromtimestamp(int(s), zoneinfo.ZoneInfo(z)).isoformat())"
        let reference = try runShell("python3 -c '\(script)'", stdin: cases.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n")
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = reference.stdout.split(separator: "\n").map(String.init)
        for (index, (zone, seconds)) in cases.enumerated() {
            var clock = try #require(LocalCalendar(zone: zone))
            #expect(String(decoding: clock.local(seconds).quotedRFC3339, as: UTF8.self) == "\"\(expected[index])\"", "\(zone) \(seconds)")
        }
        // One clock walks across both of New York's 2026 changes, as CalendarLookup does.
        var walking = try #require(LocalCalendar(zone: "America/New_York"))
        #expect(walking.local(1_772_953_199).offset == -18_000 && walking.local(1_772_953_200).offset == -14_400)
        #expect(walking.local(1_793_512_800).offset == -18_000)
    }

    @Test func daysHoursAndOffsetsOfTheCalendars() {
        #expect(LocalCalendar.weekdays("Mon-Fri") == [1, 2, 3, 4, 5])
        #expect(LocalCalendar.weekdays("fri-mon") == [5, 6, 0, 1])
        #expect(LocalCalendar.weekdays("Sat,Sunday") == [6, 0])
        #expect(LocalCalendar.weekdays("Mon-Fry") == nil && LocalCalendar.weekdays("Mo") == nil && LocalCalendar.weekdays("Mon,") == nil)
        #expect(LocalCalendar.secondOfDay("09:00") == 32_400 && LocalCalendar.secondOfDay("8:30") == 30_600)
        #expect(LocalCalendar.secondOfDay("24:00") == 86_400 && LocalCalendar.secondOfDay("24:30") == nil)
        #expect(LocalCalendar.secondOfDay("9") == nil && LocalCalendar.secondOfDay("09:60") == nil)
        #expect(Timestamp(date: "1970-01-02")?.day == 1 && Timestamp(date: "1969-12-31")?.day == -1)
        #expect(Timestamp(date: "2026-02-30") == nil && Timestamp(date: "20260101") == nil && Timestamp(date: "2026-01-01Z") == nil)
        #expect(LocalCalendar(utcOffset: "+09:00")?.zone.secondsFromGMT() == 32_400)
        #expect(LocalCalendar(utcOffset: "-0530")?.zone.secondsFromGMT() == -19_800)
        #expect(LocalCalendar(utcOffset: "Z")?.zone.secondsFromGMT() == 0)
        #expect(LocalCalendar(utcOffset: "+05:45")?.zone.secondsFromGMT() == 20_700)
        #expect(LocalCalendar(utcOffset: "+09:75") == nil && Timestamp(iso8601: "2026-01-01T00:00:00+09:75") == nil)
        #expect(LocalCalendar(utcOffset: "99") == nil && LocalCalendar(utcOffset: "") == nil && LocalCalendar(utcOffset: "+15:00") == nil)
        #expect(LocalCalendar(zone: "Mars/Olympus") == nil)
    }
}
