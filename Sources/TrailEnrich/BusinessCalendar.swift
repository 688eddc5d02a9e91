import Foundation
import TrailCore

/// `--business-hours 'ZONE DAYS HH:MM-HH:MM'` and `--holidays FILE`: when the company works,
/// so that each event can say whether it happened outside business hours (scenario D2).
/// The event's `trail.time` is turned into the zone's local time (daylight saving included,
/// from the system's tz database through Foundation's TimeZone).
public struct BusinessCalendar {
    /// Why a time is off hours.
    enum Reason: String {
        case holiday, weekend, afterHours = "after-hours"
    }

    let zone: TimeZone
    /// Working days, 0 = Sunday … 6 = Saturday.
    let workdays: Set<Int>
    /// Working hours as seconds after local midnight: from `opens` (included) to `closes` (excluded).
    let opens: Int, closes: Int
    /// Holidays as days since 1970-01-01 (local dates).
    let holidays: Set<Int>
    /// `calendar@…` and, with a holidays file, `holidays@sha256:…`, for `trail.enrichedBy`.
    let provenance: [String]

    private static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses the specification, e.g. `Asia/Tokyo Mon-Fri 09:00-18:00`, and reads the holidays
    /// file (one `YYYY-MM-DD` per line, `#` comments); errors name what was wrong.
    public init(specification: String, holidaysFile: String? = nil) throws {
        let parts = specification.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let usage = "--business-hours must look like 'Asia/Tokyo Mon-Fri 09:00-18:00' (zone, working days, hours), got \"\(specification)\""
        guard parts.count == 3 else { throw TableError("--business-hours", usage) }
        guard let zone = TimeZone(identifier: parts[0]) else {
            throw TableError("--business-hours", "unknown time zone '\(parts[0])' (a tz database name such as Asia/Tokyo, Europe/Berlin or UTC)")
        }
        self.zone = zone
        var days = Set<Int>()
        for item in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false).map { BusinessCalendar.dayNames.firstIndex(of: $0.lowercased()) }
            guard (1...2).contains(ends.count), let first = ends.first!, let last = ends.last! else {
                throw TableError("--business-hours", "working days must be day names or ranges like Mon-Fri or Mon,Wed,Fri, got '\(item)'")
            }
            // A range may wrap over the week's end (Sun-Thu is Sunday to Thursday, Fri-Mon four days).
            var day = first
            days.insert(day)
            while day != last {
                day = (day + 1) % 7
                days.insert(day)
            }
        }
        workdays = days
        let hours = parts[2].split(separator: "-", omittingEmptySubsequences: false)
        guard hours.count == 2, let opens = BusinessCalendar.secondsOfDay(hours[0]), let closes = BusinessCalendar.secondsOfDay(hours[1]) else {
            throw TableError("--business-hours", "hours must look like 09:00-18:00, got '\(parts[2])'")
        }
        guard opens < closes else {
            throw TableError("--business-hours", "hours must open before they close (00:00-24:00 at most), got '\(parts[2])'")
        }
        self.opens = opens
        self.closes = closes
        var provenance = ["calendar@\(zone.identifier) \(parts[1]) \(parts[2])"]
        var holidays = Set<Int>()
        if let holidaysFile {
            let bytes = try FileIO.readFile(holidaysFile)
            provenance.append("holidays@" + CSVFile.hash(bytes))
            for (index, rawLine) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = rawLine.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty else { continue }
                guard let day = BusinessCalendar.day(line) else {
                    throw TableError(holidaysFile, line: index + 1, "expected a date YYYY-MM-DD, got \"\(line.prefix(40))\"")
                }
                holidays.insert(day)
            }
        }
        self.holidays = holidays
        self.provenance = provenance
    }

    /// `HH:MM` (24:00 allowed) as seconds after midnight.
    private static func secondsOfDay(_ text: Substring) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let h = Int(parts[0]), let m = Int(parts[1]),
              (0...59).contains(m), (0...23).contains(h) || (h == 24 && m == 0) else { return nil }
        return h * 3600 + m * 60
    }

    /// `YYYY-MM-DD` as days since 1970-01-01.
    private static func day(_ text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...Timestamp.daysInMonth(year: y, month: m)).contains(d) else { return nil }
        return Timestamp.daysFromCivil(year: y, month: m, day: d)
    }

    /// Where `seconds` (UTC) falls in the calendar.
    struct Verdict {
        let local: String
        let reason: Reason?
    }

    func verdict(at seconds: Int64, offset: Int) -> Verdict {
        let local = seconds + Int64(offset)
        let day = Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
        let secondOfDay = Int(local - Int64(day) * 86_400)
        let weekday = ((day % 7) + 11) % 7
        let reason: Reason?
        if holidays.contains(day) {
            reason = .holiday
        } else if !workdays.contains(weekday) {
            reason = .weekend
        } else if secondOfDay < opens || secondOfDay >= closes {
            reason = .afterHours
        } else {
            reason = nil
        }
        return Verdict(local: BusinessCalendar.localText(local, offset: offset), reason: reason)
    }

    /// `2026-11-17T02:14:09+09:00`.
    static func localText(_ local: Int64, offset: Int) -> String {
        let text = Timestamp(seconds: local).rfc3339.dropLast()   // without "Z"
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(text)\(sign)\(two(minutes / 60)):\(two(minutes % 60))"
    }
}

/// Answers `trail.context.calendar` for events, remembering the zone's offset until its next
/// transition so that the tz database is consulted about once per daylight-saving period.
final class CalendarLookup {
    let calendar: BusinessCalendar
    private var validFrom: Int64 = .max, validUntil: Int64 = .min, offset = 0

    init(_ calendar: BusinessCalendar) {
        self.calendar = calendar
    }

    /// `{"local":…,"offHours":…,"reason":…}` for the event whose `trail.time` is `time`, or
    /// null when the time is missing or not a timestamp.
    func member(time: UnsafeRawBufferPointer?, into out: inout [UInt8]) {
        guard let time, let stamp = Timestamp.parse(time) else {
            out.append(contentsOf: "null".utf8)
            return
        }
        let seconds = stamp.seconds
        if seconds < validFrom || seconds >= validUntil {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            offset = calendar.zone.secondsFromGMT(for: date)
            validFrom = seconds
            validUntil = calendar.zone.nextDaylightSavingTimeTransition(after: date).map { Int64($0.timeIntervalSince1970) } ?? .max
        }
        let verdict = calendar.verdict(at: seconds, offset: offset)
        var w = JSONWriter(capacity: 96)
        w.beginObject()
        w.member("local", verdict.local)
        w.key("offHours")
        w.bool(verdict.reason != nil)
        w.member("reason", verdict.reason?.rawValue)
        w.endObject()
        out.append(contentsOf: w.bytes)
    }
}
