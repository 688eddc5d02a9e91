import Foundation
import Testing
import TrailCore
import TrailFlatten
import TrailTestSupport

/// A document far larger than the window trail-flatten holds is streamed record by record:
/// every record comes out, and the process's peak memory stays below the document's size.
@Suite struct StreamingTests {
    @Test func aLargeSingleDocumentStreamsInFlatMemory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // About 24 MB on one line, against a 1 MB window (debug builds are slow; a release
        // build streams a 1 GB document the same way, see docs/tools.md).
        let event = FlattenerTests.roleCall
        let count = 24_000_000 / event.utf8.count
        var document = [UInt8]()
        document.reserveCapacity(24_100_000)
        document += Array(#"{"trailFile":"s3://bucket/big.json.gz","Records":["#.utf8)
        let record = Array(event.utf8)
        for i in 0..<count {
            if i > 0 { document.append(UInt8(ascii: ",")) }
            document += record
        }
        document += Array("]}\n".utf8)
        let input = try dir.write("big.json", document)
        document = []

        // Python's getrusage of its only child gives the peak resident size of trail-flatten alone.
        let tool = builtExecutablesFolder() + "/trail-flatten"
        let script = """
            import resource, subprocess, sys
            with open(sys.argv[3], "wb") as out:
                status = subprocess.run([sys.argv[1], "--window-mb", "1", sys.argv[2]], stdout=out).returncode
            print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let result = try runShell("python3 -c '\(script)' '\(tool)' '\(input)' '\(dir.path)/out.ndjson'", timeout: 60)
        let fields = result.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(fields.count == 2, "\(result.stdout) \(result.stderr)")
        #expect(fields[0] == 0)
        let peakMB = fields[1] / 1024
        #expect(peakMB < 40, "peak resident size \(peakMB) MB for a 24 MB document; held whole it would be more than 50 MB")

        let lines = try runShell("wc -l < '\(dir.path)/out.ndjson'; tail -n 1 '\(dir.path)/out.ndjson'").stdoutLines
        #expect(Int(lines[0].trimmingCharacters(in: .whitespaces)) == count)
        let last = try parseJSON(lines[1])
        #expect(value(last, "trail.file") as? String == "s3://bucket/big.json.gz")
        #expect(value(last, "trail.index") as? Int == count - 1)
    }
}

/// The streamed path (documents larger than the window) gives the same lines as the whole
/// path, for every shape that carries an array, and reports what it cannot use.
@Suite struct StreamedShapeTests {
    static let window = 1 << 16

    /// A document of `shape` holding enough copies of the golden records to exceed the window.
    static func large(_ name: String) throws -> String {
        var text = try String(contentsOfFile: GoldenTests.folder + "/" + name, encoding: .utf8)
        // Of several documents, the last (a subscription's data message, after its control message).
        if name.hasSuffix(".ndjson") { text = String(text.split(separator: "\n").last ?? "") }
        var object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as Any
        func grow(_ array: [Any]) -> [Any] { Array(repeating: array, count: 200).flatMap { $0 } }
        if let array = object as? [Any] {
            object = grow(array)
        } else if var dict = object as? [String: Any] {
            for key in ["Records", "Events", "logEvents"] { if let array = dict[key] as? [Any] { dict[key] = grow(array) } }
            object = dict
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted]), as: UTF8.self)
    }

    /// Flattens `text` with the window given; `trail.file` (a temporary path) is blanked.
    static func run(_ text: String, window: Int) throws -> (lines: [String], diagnostics: Diagnostics, errors: String) {
        let result = try flatten(bytes: Array(text.utf8), options: FlattenOptions(windowLimit: window))
        let lines = result.lines.map { $0.replacingOccurrences(of: #""file":"[^"]*""#, with: #""file":"""#, options: .regularExpression) }
        return (lines, result.diagnostics, result.errors)
    }

    @Test(arguments: ["cloudtrail-file.json", "actiontrail-array.json", "lookup-events.json", "cwl-subscription.ndjson"])
    func streamingGivesTheSameLines(input: String) throws {
        let text = try Self.large(input)
        #expect(text.utf8.count > 2 * Self.window)
        let whole = try Self.run(text, window: 64 << 20)
        let streamed = try Self.run(text, window: Self.window)
        #expect(whole.diagnostics.skippedRecords == 0 && streamed.diagnostics.skippedRecords == 0)
        #expect(whole.lines.count >= 200)
        #expect(streamed.lines == whole.lines)
    }

    @Test func aLargeDocumentWithoutRecordsIsReported() throws {
        let text = #"{"items":[\#(Array(repeating: #"{"a":"\#(String(repeating: "x", count: 100))"}"#, count: 2000).joined(separator: ","))]}"#
        let result = try Self.run(text, window: Self.window)
        #expect(result.lines.isEmpty)
        #expect(result.diagnostics.skippedRecords == 1)
    }

    @Test func aTruncatedLargeDocumentKeepsTheRecordsBeforeTheCut() throws {
        let text = try Self.large("cloudtrail-file.json")
        let cut = String(text.prefix(text.count * 2 / 3))
        let result = try Self.run(cut, window: Self.window)
        #expect(result.lines.count > 100)
        #expect(result.diagnostics.skippedRecords == 1)
        #expect(result.errors.hasPrefix("trail-flatten: in.json:1: invalid JSON: "))
    }
}
