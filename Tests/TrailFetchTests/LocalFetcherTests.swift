import Foundation
import Testing
import TrailCore
import TrailFetch
import TrailTestSupport

@Suite struct LocalFetcherTests {
    static let prefix = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/"

    @Test func deliversEachFileAsOneCompactLineInKeyOrder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pretty = "{\n  \"Records\": [ {\"eventName\": \"A b\"} ]\n}\n"
        let packed = try Array(pretty.utf8).withUnsafeBytes { try Gzip.deflate($0) }
        try dir.write(Self.prefix + "b.json.gz", packed)
        try dir.write(Self.prefix + "a.json", #"{"Records":[]}"#)
        try dir.write("AliyunLogs/Actiontrail/cn-hangzhou/2024/05/01/Actiontrail_x.gz",
                      try Array(#"[{"eventId":"1"}]"#.utf8).withUnsafeBytes { try Gzip.deflate($0) })
        try dir.write("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz", packed)
        try dir.write("notes.txt", "not a log")

        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-fetch")
        let status = try LocalFetcher(output: output, diagnostics: diagnostics).run(sources: [dir.path])
        #expect(status == .success)
        let lines = output.collectedLines
        #expect(lines == [
            #"{"trailFile":"\#(dir.path)/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/a.json","Records":[]}"#,
            #"{"trailFile":"\#(dir.path)/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/b.json.gz","Records":[{"eventName":"A b"}]}"#,
            #"{"trailFile":"\#(dir.path)/AliyunLogs/Actiontrail/cn-hangzhou/2024/05/01/Actiontrail_x.gz","Records":[{"eventId":"1"}]}"#,
        ].sorted())
    }

    @Test func numbersTheDocumentsOfAMultiDocumentFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("events.json", "{\"eventName\":\"A\"}\n{}\n")
        let output = OutputWriter(collectingAs: "out")
        _ = try LocalFetcher(output: output, diagnostics: Diagnostics(tool: "t")).run(sources: [path])
        #expect(output.collectedLines == [
            #"{"trailFile":"\#(path)","trailDoc":0,"eventName":"A"}"#,
            #"{"trailFile":"\#(path)","trailDoc":1}"#,
        ])
    }

    @Test func skipsCorruptFilesAndSaysSo() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let good = try Array(#"{"Records":[]}"#.utf8).withUnsafeBytes { try Gzip.deflate($0) }
        try dir.write(Self.prefix + "1-truncated.json.gz", Array(good.prefix(good.count - 5)))
        try dir.write(Self.prefix + "2-notjson.json", "{\"Records\": [")
        try dir.write(Self.prefix + "3-good.json.gz", good)
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-fetch")
        let status = try LocalFetcher(output: output, diagnostics: diagnostics).run(sources: [dir.path])
        #expect(status == .recordsSkipped)
        #expect(diagnostics.skippedRecords == 2)
        #expect(output.collectedLines.count == 1)
        #expect(output.collectedLines.first?.contains("3-good") == true)
    }

    @Test func aMissingSourceIsFatal() throws {
        let output = OutputWriter(collectingAs: "out")
        #expect(throws: IOFailure.self) {
            try LocalFetcher(output: output, diagnostics: Diagnostics(tool: "t")).run(sources: ["/nonexistent/trail"])
        }
    }
}
