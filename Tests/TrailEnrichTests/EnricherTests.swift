import Testing
import TrailCore
import TrailEnrich
import TrailTestSupport

@Suite struct EnricherTests {
    @Test func passesEventsThroughAndReportsBadLines() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let events = [#"{"trail":{"action":"A"},"x":1}"#, #"{"trail":{"action":"B"}}"#]
        let input = try dir.write("in.ndjson", events[0] + "\n[1,2]\n{\"x\":\n" + events[1] + "\n")
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-enrich")
        #expect(try Enricher(output: output, diagnostics: diagnostics).run(inputs: [input]) == .recordsSkipped)
        #expect(output.collectedLines == events)
        #expect(diagnostics.skippedRecords == 2)
    }
}
