import Foundation
import Testing
import TrailCore
import TrailEnrich
import TrailTestSupport

/// `--business-hours` and `--holidays`: `trail.context.calendar` in the zone's local time.
@Suite struct CalendarTests {
    private func enrich(_ times: [String?], _ options: EnrichmentOptions, in dir: TemporaryDirectory) throws -> [[String: Any]] {
        let lines = times.map { time in
            let timeJSON = time.map { JSONWriter.quoted($0) } ?? "null"
            return #"{"trail":{"time":\#(timeJSON),"action":"ConsoleLogin"},"eventName":"ConsoleLogin"}"#
        }
        let input = try dir.write("events-\(UUID().uuidString).ndjson", lines.joined(separator: "\n") + "\n")
        let output = OutputWriter(collectingAs: "out")
        let enricher = try Enricher(options: options, output: output, diagnostics: Diagnostics(tool: "trail-enrich"))
        #expect(try enricher.run(inputs: [input]) == .success)
        return try output.collectedLines.map(parseJSON)
    }

    private func tokyo(holidays: String? = nil) -> EnrichmentOptions {
        var options = EnrichmentOptions()
        options.businessHours = "Asia/Tokyo Mon-Fri 09:00-18:00"
        options.holidaysFile = holidays
        return options
    }

    @Test func workingHoursWeekendsHolidaysAndTheLocalTime() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let holidays = try dir.write("holidays.txt", "# Japan\n2026-11-23  # Labor Thanksgiving Day\n\n2026-11-03\n")
        let events = try enrich([
            "2026-11-17T00:00:00Z",   // Tue 09:00 JST: opens
            "2026-11-17T08:59:59Z",   // Tue 17:59:59
            "2026-11-17T09:00:00Z",   // Tue 18:00: closed
            "2026-11-16T23:59:59Z",   // Tue 08:59:59
            "2026-11-17T17:30:00Z",   // Wed 02:30
            "2026-11-21T03:00:00Z",   // Sat 12:00
            "2026-11-23T03:00:00Z",   // Mon 12:00, a holiday
            "2026-11-24T03:00:00.123Z",
        ], tokyo(holidays: holidays), in: dir)
        let verdicts = events.map { (value($0, "trail.context.calendar.offHours") as? Bool, value($0, "trail.context.calendar.reason") as? String) }
        #expect(verdicts.map(\.0) == [false, false, true, true, true, true, true, false])
        #expect(verdicts.map(\.1) == [nil, nil, "after-hours", "after-hours", "after-hours", "weekend", "holiday", nil])
        #expect(value(events[4], "trail.context.calendar.local") as? String == "2026-11-18T02:30:00+09:00")
        let provenance = try #require(value(events[0], "trail.enrichedBy") as? [String])
        #expect(provenance.first == "calendar@Asia/Tokyo Mon-Fri 09:00-18:00")
        #expect(provenance.last?.hasPrefix("holidays@sha256:") == true)
    }

    @Test func daylightSavingTimeAndWeeksThatWrap() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var options = EnrichmentOptions()
        options.businessHours = "America/New_York Sun-Thu 08:00-17:00"
        let events = try enrich([
            "2026-03-08T06:59:59Z",   // Sun 01:59:59 EST
            "2026-03-08T07:00:00Z",   // Sun 03:00 EDT
            "2026-03-08T12:30:00Z",   // Sun 08:30 EDT: in hours (Sunday works)
            "2026-03-06T14:00:00Z",   // Fri 09:00 EST: a day off
            nil,                      // no time: nothing to say
        ], options, in: dir)
        #expect(value(events[0], "trail.context.calendar.local") as? String == "2026-03-08T01:59:59-05:00")
        #expect(value(events[1], "trail.context.calendar.local") as? String == "2026-03-08T03:00:00-04:00")
        #expect(value(events[2], "trail.context.calendar.offHours") as? Bool == false)
        #expect(value(events[3], "trail.context.calendar.reason") as? String == "weekend")
        #expect(value(events[4], "trail.context.calendar") is NSNull)
        #expect(value(events[4], "trail.enrichedBy") as? [String] == [])
    }

    @Test func theCalendarSitsBesideLookupTablesInTheContext() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var options = tokyo()
        options.tables = [("trail.action", try dir.write("actions.csv", "action,kind\nConsoleLogin,sign-in\n"))]
        let event = try #require(try enrich(["2026-11-17T01:00:00Z"], options, in: dir).first)
        #expect(value(event, "trail.context.action.kind") as? String == "sign-in")
        #expect(value(event, "trail.context.calendar.offHours") as? Bool == false)
        options.tables = [("trail.calendar", try dir.write("calendar.csv", "calendar,x\na,b\n"))]
        #expect(throws: TableError.self) { try Enricher(options: options, output: OutputWriter(collectingAs: "x"), diagnostics: Diagnostics(tool: "t")) }
    }

    @Test(arguments: [
        ("Asia/Tokyo Mon-Fri", "--business-hours must look like"),
        ("Mars/Olympus Mon-Fri 09:00-18:00", "unknown time zone 'Mars/Olympus'"),
        ("Asia/Tokyo Mon-Fry 09:00-18:00", "working days must be day names"),
        ("Asia/Tokyo Mon-Fri 9-18", "hours must look like 09:00-18:00"),
        ("Asia/Tokyo Mon-Fri 18:00-09:00", "hours must open before they close"),
        ("Asia/Tokyo Mon-Fri 09:00-24:30", "hours must look like"),
    ])
    func badSpecificationsAreRefusedAtStartUp(spec: String, problem: String) throws {
        let error = try #require(throws: TableError.self) { try BusinessCalendar(specification: spec) }
        #expect(error.description.contains(problem), "\(error)")
    }

    @Test func aBadHolidayLineIsNamedByFileAndLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("holidays.txt", "2026-01-01\n# comment\n2026-02-30\n")
        let error = try #require(throws: TableError.self) { try BusinessCalendar(specification: "UTC Mon-Fri 09:00-17:00", holidaysFile: path) }
        #expect(error.description == "\(path):3: expected a date YYYY-MM-DD, got \"2026-02-30\"")
        var options = EnrichmentOptions()
        options.holidaysFile = path
        #expect(throws: TableError.self) { try Enricher(options: options, output: OutputWriter(collectingAs: "x"), diagnostics: Diagnostics(tool: "t")) }
    }
}
