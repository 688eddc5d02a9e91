import Testing
import TrailCore
import TrailFetch
import TrailTestSupport

/// A trail file written to hurt the scanner, between two good ones: reported and skipped.
@Suite struct FetchHostileInputTests {
    @Test(arguments: HostileInput.Nesting.allCases)
    func deepNestingIsReportedAndSkipped(nesting: HostileInput.Nesting) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(LocalFetcherTests.prefix + "1.json", #"{"Records":[{"eventName":"A"}]}"#)
        try dir.write(LocalFetcherTests.prefix + "2.json", #"{"Records":[{"eventName":"Deep","x":"# + nesting.text + "}]}")
        try dir.write(LocalFetcherTests.prefix + "3.json", #"{"Records":[{"eventName":"B\u00e9"}]}"#)
        try dir.write(LocalFetcherTests.prefix + "4.json", #"{"Records":[{"eventName":"C\o"}]}"#)
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-fetch")
        let status = try LocalFetcher(output: output, diagnostics: diagnostics).run(sources: [dir.path])
        #expect(status == .recordsSkipped)
        #expect(diagnostics.skippedRecords == 2)
        #expect(output.collectedLines.count == 2)
        #expect(output.collectedLines.first?.contains(#""eventName":"A""#) == true)
        #expect(output.collectedLines.last?.contains(#""eventName":"B\u00e9""#) == true)
    }
}
