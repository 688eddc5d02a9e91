import Foundation
import Testing
import TrailCore
import TrailFlatten
import TrailTestSupport

/// `--format ocsf`: every event an OCSF API Activity that the schema's checks accept.
@Suite struct OCSFActivityTests {
    @Test func theBundledSampleIsValidAPIActivity() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bin = builtExecutablesFolder()
        let run = try runShell("""
            cd '\(packageRoot)' && '\(bin)/trail-fetch' pipelines/sample | '\(bin)/trail-flatten' --format ocsf > '\(dir.path)/ocsf.ndjson' \
              && '\(bin)/trail-fetch' pipelines/sample | '\(bin)/trail-flatten' | wc -l
            """)
        try #require(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOfFile: dir.path + "/ocsf.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(lines.count > 400)
        #expect(try OCSFValidator.problems(inFile: dir.path + "/ocsf.ndjson") == [])
        let activities = try lines.map { try parseJSON(String($0)) }
        #expect(Set(activities.compactMap { $0["activity_id"] as? Int }).isSuperset(of: [1, 2, 3, 4, 99]))
        #expect(Set(activities.compactMap { value($0, "cloud.provider") as? String }) == ["AWS", "Alibaba Cloud"])
    }

    @Test func oneEventMapsAsTheSchemaNamesIt() throws {
        let (lines, _) = try flattenOCSF([FlattenerTests.rootLogin, FlattenerTests.alibabaCall])
        try #require(lines.count == 2)
        let login = try parseJSON(lines[0])
        #expect(login["type_uid"] as? Int == 600399)
        #expect(login["activity_name"] as? String == "Authentication")
        #expect(login["time"] as? Int == 1_714_554_723_000)
        #expect(login["status_id"] as? Int == 2 && login["status_code"] as? String == "Failed authentication")
        #expect(value(login, "actor.user.uid") as? String == "arn:aws:iam::111122223333:root")
        #expect(value(login, "api.operation") as? String == "ConsoleLogin")
        #expect(value(login, "src_endpoint.ip") as? String == "203.0.113.10")
        #expect(value(login, "metadata.version") as? String == OCSFValidator.version)
        let raw = try parseJSON(login["raw_data"] as! String)
        #expect(raw["eventID"] as? String == "7d2f9a1e-0000-4000-8000-000000000001" && raw["trail"] == nil)
        #expect(value(login, "unmapped.trail.actor.root") as? Bool == true)
        let delete = try parseJSON(lines[1])
        #expect(delete["activity_id"] as? Int == 4)
        #expect(value(delete, "metadata.product.name") as? String == "ActionTrail")
    }

    @Test func theValidatorRefusesWhatTheSchemaRefuses() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (lines, _) = try flattenOCSF([FlattenerTests.rootLogin])
        var broken = try parseJSON(try #require(lines.first))
        broken["type_uid"] = 600301
        broken["api"] = ["service": ["name": "signin"]]
        broken["severity"] = nil
        broken["colour"] = "red"
        let path = try dir.write("broken.ndjson", String(decoding: try JSONSerialization.data(withJSONObject: broken), as: UTF8.self))
        let problems = try OCSFValidator.problems(inFile: path)
        #expect(problems.contains { $0.contains("type_uid") })
        #expect(problems.contains { $0.contains("api.operation") })
        #expect(problems.contains { $0.contains("unknown attribute colour") })
    }

    private func flattenOCSF(_ records: [String]) throws -> (lines: [String], diagnostics: Diagnostics) {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("in.ndjson", records.joined(separator: "\n"))
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-flatten")
        _ = try Flattener(output: output, diagnostics: diagnostics, options: FlattenOptions(format: .ocsf)).run(inputs: [input])
        return (output.collectedLines, diagnostics)
    }
}
