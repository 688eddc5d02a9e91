import Foundation
import Testing
import TrailCore
import TrailFlatten
import TrailTestSupport

/// Every input shape trail-flatten recognizes, with the exact output it must give
/// (Golden/<input> → Golden/<input>.expected; `file` is the input's name).
@Suite struct GoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    static let inputs = [
        "cloudtrail-file.json", "cloudtrail-fetched.ndjson", "actiontrail-array.json", "events.ndjson",
        "lookup-events.json", "cwl-export.log", "cwl-subscription.ndjson", "cwl-lambda.json", "eventbridge.json",
        "sls-actiontrail.ndjson", "cspm.ndjson", "cloudtrail-insights.json", "identity-center.ndjson",
    ]

    /// Flattens `names` (in the Golden folder) in-process; paths are shown as bare names.
    static func run(_ names: [String], options: FlattenOptions = FlattenOptions()) throws -> (text: String, diagnostics: Diagnostics) {
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-flatten")
        _ = try Flattener(output: output, diagnostics: diagnostics, options: options).run(inputs: names.map { folder + "/" + $0 })
        output.flush()
        let text = String(decoding: output.collected, as: UTF8.self).replacingOccurrences(of: folder + "/", with: "")
        return (text, diagnostics)
    }

    static func expected(_ name: String) throws -> String {
        try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
    }

    @Test(arguments: inputs) func flattensEveryShapeAsRecorded(input: String) throws {
        let (text, diagnostics) = try Self.run([input])
        #expect(diagnostics.skippedRecords == 0)
        #expect(text == (try Self.expected(input + ".expected")))
    }

    @Test func everyGoldenInputIsTested() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { !$0.hasSuffix(".expected") }
        #expect(Set(files) == Set(Self.inputs))
    }

    @Test func writesTheLineFormatInTheDocumentedOrder() throws {
        let (text, _) = try Self.run(["cloudtrail-file.json", "actiontrail-array.json", "cspm.ndjson"], options: FlattenOptions(format: .line))
        #expect(text == (try Self.expected("line-format.expected")))
        let columns = text.split(separator: "\n")[0].split(separator: "\t", omittingEmptySubsequences: false)
        #expect(columns.count == HeaderField.allCases.count + 1)
        #expect(try parseJSON(String(columns.last!))["eventName"] as? String == "ConsoleLogin")
    }

    @Test func chosenFieldsComeInTheChosenOrder() throws {
        let fields = try HeaderField.parseList("action, actor.name,time").get()
        let (text, _) = try Self.run(["cloudtrail-file.json"], options: FlattenOptions(format: .line, fields: fields))
        let lines = text.split(separator: "\n")
        #expect(lines[0].hasPrefix("ConsoleLogin\troot\t2024-05-01T09:12:03Z\t{\"eventVersion\":\"1.08\""))
        #expect(lines[1].hasPrefix("TerminateInstances\tOps/alice\t2024-05-01T09:13:03Z\t{"))
        #expect(lines[1].contains(#""note":"tab\there é漢 \"q\"""#))
        if case .failure(let unknown) = HeaderField.parseList("time,actor") {
            #expect(unknown.name == "actor")
        } else {
            Issue.record("an unknown field was accepted")
        }
    }

    @Test func controlMessagesAreSkippedSilently() throws {
        let (text, diagnostics) = try Self.run(["cwl-subscription.ndjson"])
        #expect(diagnostics.skippedRecords == 0)
        #expect(!text.contains("CONTROL"))
        #expect(text.split(separator: "\n").count == 2)
    }
}
