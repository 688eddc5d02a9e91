import Testing
import TrailCore
import TrailEnrich
import TrailTestSupport

/// Lines written to hurt the enricher, between two good events: reported and skipped, and
/// nothing but JSON written, whichever path a line takes.
@Suite struct EnrichHostileInputTests {
    private static let good = #"{"trail":{"time":"2024-05-01T09:12:03Z","action":"A"},"eventName":"A"}"#

    /// Runs the enricher in-process (with nothing to add, or the calendar to add); returns the
    /// output lines and how many lines were reported.
    private func enrich(_ lines: [String], addingCalendar: Bool) throws -> (lines: [String], skipped: Int) {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("in.ndjson", lines.joined(separator: "\n") + "\n")
        var options = EnrichmentOptions()
        if addingCalendar { options.businessHours = "UTC Mon-Fri 09:00-18:00" }
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-enrich")
        let status = try Enricher(options: options, output: output, diagnostics: diagnostics).run(inputs: [input])
        #expect(status == (diagnostics.skippedRecords > 0 ? .recordsSkipped : .success))
        for line in output.collectedLines { #expect(throws: Never.self) { _ = try parseJSON(line) } }
        return (output.collectedLines, diagnostics.skippedRecords)
    }

    @Test(arguments: HostileInput.Nesting.allCases, [false, true])
    func deepNestingIsReportedAndSkipped(nesting: HostileInput.Nesting, addingCalendar: Bool) throws {
        let framedBody = String(Self.good.dropLast()) + #","x":"# + nesting.text + "}"
        let framedHeader = #"{"trail":{"action":"# + nesting.text + #"},"eventName":"A"}"#
        let unframed = #"{"x":"# + nesting.text + "}"
        let result = try enrich([Self.good, framedBody, framedHeader, unframed, Self.good], addingCalendar: addingCalendar)
        #expect(result.lines.count == 2)
        #expect(result.skipped == 3)
    }

    @Test(arguments: [false, true])
    func aBrokenBodyAfterAGoodHeaderIsReportedAndSkipped(addingCalendar: Bool) throws {
        let bodies = [#","eventName":"a\ob"}"#, #","n":01}"#, #","n":[1,]}"#, #","s":"x"#, #","a":1}}"#, "}x", #","s":"\#u{01}"}"#]
        let header = String(Self.good[..<Self.good.range(of: #","eventName""#)!.lowerBound])
        let lines = bodies.map { header + $0 }
        let result = try enrich([Self.good] + lines + [Self.good], addingCalendar: addingCalendar)
        #expect(result.lines.count == 2)
        #expect(result.skipped == bodies.count)
    }
}
