import Testing
import TrailCore
import TrailReport
import TrailTestSupport

/// Lines written to hurt trail-report, between two good events: reported and skipped.
@Suite struct ReportHostileInputTests {
    @Test(arguments: HostileInput.Nesting.allCases)
    func deepNestingIsReportedAndSkipped(nesting: HostileInput.Nesting) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let event = #"{"trail":{"cloud":"aws","time":"2024-05-01T09:12:03Z","account":"1","region":"r","service":"s","action":"A"}}"#
        let deep = String(event.dropLast()) + #","x":"# + nesting.text + "}"
        let escape = String(event.dropLast()) + #","x":"\o"}"#
        let yearOne = event.replacingOccurrences(of: "2024", with: "0001")
        let input = try dir.write("in.ndjson", [event, deep, escape, yearOne, event].joined(separator: "\n") + "\n")
        var options = ReportOptions()
        options.inputs = [input]
        let diagnostics = Diagnostics(tool: "trail-report")
        let data = try Reporter(options: options, diagnostics: diagnostics).aggregate()
        #expect(data.events == 3)
        #expect(diagnostics.skippedRecords == 2)
    }
}

/// Integrity findings are read through the one `IntegrityFinding` trail-fetch writes: a status
/// or type it never writes is reported and skipped, not counted as a status of its own.
@Suite struct ReportIntegrityFindingTests {
    @Test func aFindingTrailFetchCouldNotHaveWrittenIsReportedAndSkipped() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let written = IntegrityFinding(status: .missing, type: .log, object: "s3://b/AWSLogs/x.json.gz", reason: "not found",
                                       account: "1", region: "r", time: "2024-05-01T10:00:00Z")
        let good = String(decoding: written.json, as: UTF8.self)
        let forged = good.replacingOccurrences(of: #""status":"missing""#, with: #""status":"fine""#)
        let untyped = good.replacingOccurrences(of: #""type":"log""#, with: #""type":"ledger""#)
        let input = try dir.write("in.ndjson", [good, forged, untyped, good].joined(separator: "\n") + "\n")
        var options = ReportOptions()
        options.inputs = [input]
        let diagnostics = Diagnostics(tool: "trail-report")
        let data = try Reporter(options: options, diagnostics: diagnostics).aggregate()
        #expect(data.integrity.total == 2 && data.integrity.byStatus == ["missing": 2])
        #expect(data.integrity.problems.first == written)
        #expect(diagnostics.skippedRecords == 2)
    }
}
