import Foundation
import Testing
import TrailTestSupport

/// Hostile records through the built executables in a pipe: each stage reports and skips the
/// ones that reach it, and the good events around them still raise their alerts.
@Suite struct HostileInputPipelineTests {
    let bin = builtExecutablesFolder()
    var env: [String: String] { ["PATH": "\(bin):/usr/bin:/bin", "NO_COLOR": "1"] }
    static let rule = """
        title: Console login
        id: login
        detection: {s: {eventName: ConsoleLogin}, condition: s}
        """

    private func login(_ id: String) -> String {
        #"{"eventTime":"2024-05-01T09:12:03Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","eventID":"\#(id)","userIdentity":{"type":"Root","accountId":"1"}}"#
    }

    /// A line as trail-flatten writes it, with `body` after the header.
    private func flattened(_ id: String, _ body: String) -> String {
        #"{"trail":{"cloud":"aws","time":"2024-05-01T09:12:03Z","id":"\#(id)","action":"ConsoleLogin"},"eventName":"ConsoleLogin","eventID":"\#(id)"\#(body)}"#
    }

    @Test(arguments: HostileInput.Nesting.allCases)
    func everyStageSkipsWhatReachesIt(nesting: HostileInput.Nesting) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let rules = try dir.write("rules.yml", Self.rule)
        let events = try dir.write("events.ndjson", [login("e1"), #"{"eventName":"ConsoleLogin","x":"# + nesting.text + "}", login("e2")].joined(separator: "\n") + "\n")
        let framed = try dir.write("framed.ndjson", [
            flattened("f1", #","x":"# + nesting.text), flattened("f2", #","ua":"a\ob""#), flattened("f3", ""),
        ].joined(separator: "\n") + "\n")
        let result = try runShell("""
            trail-flatten '\(events)' | cat - '\(framed)' | trail-enrich --business-hours 'UTC Mon-Fri 09:00-18:00' \
              | trail-match --rules '\(rules)'
            """, environment: env)
        #expect(result.status == 1, "\(result.stderr)")
        let ids = try result.stdoutLines.map { try #require(value(try parseJSON($0), "event.eventID") as? String) }
        #expect(ids == ["e1", "e2", "f3"])
        let reports = result.stderr.split(separator: "\n")
        #expect(reports.count == 3, "\(result.stderr)")
        #expect(reports.first?.hasPrefix("trail-flatten: \(events):2: ") == true && reports.first?.contains("nesting deeper than 512") == true)
        #expect(reports.dropFirst().allSatisfy { $0.hasPrefix("trail-enrich: <stdin>:") }, "\(reports)")
        #expect(!result.stdout.contains(#"\o"#))
    }

    /// An event time outside the years 0001-9999 is said by trail-flatten, which keeps the
    /// event with a null trail.time; its own rule still alerts, and the events around it too.
    @Test func anEventTimeOutOfRangeIsReportedAndItsEventStillAlerts() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let rules = try dir.write("rules.yml", Self.rule)
        let far = login("e2").replacingOccurrences(of: "2024-05-01T09:12:03Z", with: "+10000-01-01T00:00:00Z")
        let events = try dir.write("events.ndjson", [login("e1"), far, login("e3")].joined(separator: "\n") + "\n")
        let result = try runShell("trail-flatten '\(events)' | trail-match --rules '\(rules)'", environment: env)
        let ids = try result.stdoutLines.map { try #require(value(try parseJSON($0), "event.eventID") as? String) }
        #expect(ids == ["e1", "e2", "e3"], "\(result.stderr)")
        let said = result.stderr.split(separator: "\n").filter { $0.hasPrefix("trail-flatten: ") }
        #expect(said.count == 1 && said[0].contains("events.ndjson:2: eventTime is not a time of the years 0001-9999"), "\(result.stderr)")
    }

    @Test func aHundredMebibyteLineIsSkippedInFlatMemory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let rules = try dir.write("rules.yml", Self.rule)
        let before = try dir.write("before", flattened("a", "") + "\n")
        let after = try dir.write("after", flattened("b", "") + "\n")
        let result = try runShell("""
            { cat '\(before)'; head -c 100M /dev/zero | tr '\\0' x; echo; cat '\(after)'; } \
              | /usr/bin/time -f 'rss %M' trail-match --rules '\(rules)' --max-record-size 1M
            """, environment: env)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdoutLines.count == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.first == "trail-match: <stdin>:2: record longer than 1048576 bytes; skipped")
        let rss = try #require(lines.last.flatMap { Int($0.dropFirst("rss ".count)) })
        #expect(rss < 40_000, "peak memory \(rss) KiB: the long line must not be held")
    }

    @Test func theDefaultLimitIsSixtyFourMebibytes() throws {
        let result = try runShell("""
            { echo '{"trail":{"id":"a"}}'; head -c 100M /dev/zero | tr '\\0' x; echo; echo '{"trail":{"id":"b"}}'; } | trail-enrich
            """, environment: env)
        #expect(result.status == 1)
        let ids = try result.stdoutLines.map { value(try parseJSON($0), "trail.id") as? String }
        #expect(ids == ["a", "b"])
        #expect(result.stderr == "trail-enrich: <stdin>:2: record longer than 67108864 bytes; skipped\n")
    }
}
