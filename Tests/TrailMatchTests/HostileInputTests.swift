import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// Records written to hurt the matcher, between good events: reported and skipped (or, for an
/// unusable time, left out of correlations), the good events still raising their alerts.
@Suite struct MatchHostileInputTests {
    /// Runs `set` over `lines` as trail-match does; returns the alert lines, status and reports.
    private func run(_ set: RuleSet, _ lines: [String], lateness: Int64? = nil) throws -> (alerts: [[String: Any]], status: TrailCore.ExitStatus, skipped: Int) {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("events.ndjson", lines.joined(separator: "\n") + "\n")
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-match")
        let matcher = Matcher(set, lateness: lateness, output: output, diagnostics: diagnostics)
        let status = try matcher.run(inputs: [input])
        matcher.finish(keepPending: false)
        return (try output.collectedLines.map(parseJSON), status, diagnostics.skippedRecords)
    }

    private static let failures = RuleLoader().load(yaml: baseRules, file: "r.yml")
    private static let denied = RuleLoader().load(yaml: HeaderFastPathTests.rules, file: "r.yml")

    @Test(arguments: HostileInput.Nesting.allCases)
    func deepNestingIsReportedAndTheEventsAroundItAlert(nesting: HostileInput.Nesting) throws {
        let framed = event("deep", 1).dropLast() + #","x":"# + nesting.text + "}"
        let inTheHeader = event("deep", 1).replacingOccurrences(of: #""source":{"ip":"192.0.2.1"}"#, with: #""source":"# + nesting.text)
        let unframed = #"{"eventName":"X","x":"# + nesting.text + "}"
        let result = try run(Self.failures, [event("a", 0), String(framed), inTheHeader, unframed, event("b", 2)])
        #expect(result.alerts.compactMap { value($0, "event.trail.id") as? String } == ["a", "b"])
        #expect(result.skipped == 3)
        #expect(result.status == .recordsSkipped)
    }

    @Test(arguments: HostileInput.Nesting.allCases)
    func deepNestingAtAFieldARuleLooksUpIsReportedAndSkipped(nesting: HostileInput.Nesting) throws {
        let good = #"{"trail":{"action":"GetObject","error":"AccessDenied"},"errorCode":"AccessDenied"}"#
        let deep = #"{"trail":{"action":"GetObject","error":"AccessDenied"},"errorCode":"# + nesting.text + "}"
        let result = try run(Self.denied, [good, deep, #"{"errorCode":"# + nesting.text + "}", good])
        #expect(result.alerts.count == 2)
        #expect(result.skipped == 2)
    }

    /// trail-match checks a line a rule examines from where its walk of the line's members
    /// stopped, having checked each member it read: a fault before, within or after the
    /// members walked is reported all the same.
    @Test(arguments: [#""userIdentity":{"arn":"x","b":tru}"#, #""userIdentity":{"arn":"x"},"z":[1,}"#,
                      #""z":"\q","userIdentity":{"arn":"x"}"#])
    func aFaultAroundTheMembersARuleReadsIsReported(members: String) throws {
        let rules = RuleLoader().load(yaml: "title: t\ndetection: {s: {userIdentity.arn: x}, condition: s}", file: "r.yml")
        let good = #"{"trail":{"action":"A"},"userIdentity":{"arn":"x"}}"#
        let bad = #"{"trail":{"action":"A"},"# + members + "}"
        let result = try run(rules, [good, bad, good])
        #expect(result.alerts.count == 2)
        #expect(result.skipped == 1)
    }

    @Test func anEscapeOutsideRFC8259IsReportedAndNeverWritten() throws {
        let broken = event("x", 1).dropLast() + #","userAgent":"a\ob"}"#
        let result = try run(Self.failures, [event("a", 0), String(broken), event("b", 2)])
        #expect(result.alerts.count == 2)
        #expect(result.skipped == 1)
    }

    @Test func timesOutsideTheCorrelationRangeAreReportedAndLeftOut() throws {
        func at(_ id: String, _ time: String) -> String {
            event(id, 0).replacingOccurrences(of: "2024-05-01T09:00:00Z", with: time)
        }
        let lines = [
            event("a", 0), at("first", "0001-01-01T00:00:00Z"), event("b", 1), at("last", "9999-12-31T23:59:59Z"),
            at("beyond", "10000-01-01T00:00:00Z"), at("negative", "-0001-01-01T00:00:00Z"), event("c", 2),
        ]
        for lateness in [nil, 15 * 60 * 1_000_000_000] as [Int64?] {
            let result = try run(CorrelationTests.count3, lines, lateness: lateness)
            let correlated = result.alerts.compactMap { value($0, "alert.correlation.events") as? [String] }
            #expect(correlated == [["a", "b", "c"]], "a time out of range neither counts nor moves the watermark")
            #expect(result.skipped == 4)
        }
        // Each event still raises its own rule's alert.
        let singles = try run(Self.failures, lines).alerts.compactMap { value($0, "event.trail.id") as? String }
        #expect(singles == ["a", "first", "b", "last", "beyond", "negative", "c"])
    }

    @Test func durationsTooLongAreRejected() {
        // Ten years at most (far below what nanoseconds can hold: 106751 days).
        #expect(TimeSpan.nanoseconds("3650d") != nil)
        #expect(TimeSpan.nanoseconds("3651d") == nil)
        #expect(TimeSpan.nanoseconds("106752d") == nil)
        #expect(TimeSpan.nanoseconds("99999999999999w") == nil)
    }
}
