import Testing
import TrailCore
import TrailFetch
import TrailTestSupport

/// Trail files written to hurt the scanner, between good ones: each hostile record is reported
/// and replaced by `null` (its position said in `trailSkipped`), the records around it kept.
@Suite struct FetchHostileInputTests {
    @Test(arguments: HostileInput.Nesting.allCases)
    func deepNestingCostsOnlyItsRecord(nesting: HostileInput.Nesting) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(LocalFetcherTests.prefix + "1.json", #"{"Records":[{"eventName":"A"}]}"#)
        try dir.write(LocalFetcherTests.prefix + "2.json", #"{"Records":[{"eventName":"X"},{"eventName":"Deep","x":"# + nesting.text + #"},{"eventName":"Y"}]}"#)
        try dir.write(LocalFetcherTests.prefix + "3.json", #"{"Records":[{"eventName":"B\u00e9"}]}"#)
        try dir.write(LocalFetcherTests.prefix + "4.json", #"[{"eventName":"C\o"}]"#)
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-fetch")
        let status = try LocalFetcher(output: output, diagnostics: diagnostics).run(sources: [dir.path])
        #expect(status == .recordsSkipped)
        #expect(diagnostics.skippedRecords == 2)
        let lines = try output.collectedLines.map { try parseJSON($0) }
        #expect(lines.count == 4)
        func names(_ line: [String: Any]) -> [String?] { (line["Records"] as? [Any] ?? []).map { ($0 as? [String: Any])?["eventName"] as? String } }
        #expect(lines.map(names) == [["A"], ["X", nil, "Y"], ["B\u{e9}"], [nil]])
        #expect(lines.map { $0["trailSkipped"] as? [Int] } == [nil, [1], nil, [0]])
    }
}
