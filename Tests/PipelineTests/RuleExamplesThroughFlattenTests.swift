import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// Rule examples carry a hand-written `trail` header. Here each example record loses it and goes
/// through trail-flatten, which writes the header as it would for a real record (outcome from
/// errorCode, service from eventSource, category from the action…); the rule must still decide
/// the same. So an example cannot pass on a header trail-flatten would never write.
@Suite struct RuleExamplesThroughFlattenTests {
    let bin = builtExecutablesFolder()
    var env: [String: String] { ["PATH": "\(bin):/usr/bin:/bin", "NO_COLOR": "1"] }

    struct Case {
        let rule: Rule
        let shouldMatch: Bool
        let record: String
    }

    /// The example as the record a trail holds: no header, with the members every record has.
    static func record(from example: String) throws -> String? {
        var event = try parseJSON(example)
        let header = event.removeValue(forKey: "trail") as? [String: Any] ?? [:]
        // Headers that enrichment adds (context, source geo/AS) cannot be rebuilt from the record.
        guard event["eventName"] != nil, header["context"] == nil, header["source"] == nil,
              header["actor"] == nil, header["account"] == nil else { return nil }
        let alibaba = header["cloud"] as? String == "alibaba"
        event["eventTime"] = event["eventTime"] ?? header["time"] ?? "2024-05-01T09:00:00Z"
        if alibaba {
            event["acsRegion"] = event["acsRegion"] ?? "cn-hangzhou"
            event["eventId"] = event["eventId"] ?? UUID().uuidString
            event["eventSource"] = event["eventSource"] ?? "ecs.cn-hangzhou.aliyuncs.com"
        } else {
            event["awsRegion"] = event["awsRegion"] ?? "us-east-1"
            event["eventID"] = event["eventID"] ?? UUID().uuidString
            event["eventSource"] = event["eventSource"] ?? "ec2.amazonaws.com"
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func everyStandaloneExampleDecidesTheSameOnTheHeaderTrailFlattenWrites() throws {
        let pack = try RuleLoader().load(paths: [packageRoot + "/rules"])
        #expect(pack.problems.isEmpty, "\(pack.problems)")
        var cases: [Case] = []
        for rule in pack.rules {
            for (events, shouldMatch) in rule.examples.match.map({ ($0, true) }) + rule.examples.noMatch.map({ ($0, false) }) {
                guard events.count == 1, let record = try Self.record(from: events[0]) else { continue }
                cases.append(Case(rule: rule, shouldMatch: shouldMatch, record: record))
            }
        }
        #expect(cases.count >= 250, "examples checked: \(cases.count)")
        let flattened = try runShell("trail-flatten", environment: env, stdin: cases.map(\.record).joined(separator: "\n") + "\n")
        #expect(flattened.status == 0 && flattened.stderr.isEmpty, "\(flattened.stderr)")
        let lines = flattened.stdoutLines
        try #require(lines.count == cases.count, "trail-flatten wrote \(lines.count) lines for \(cases.count) records")
        for (c, line) in zip(cases, lines) {
            let matched = Array(line.utf8).withUnsafeBytes { raw in
                let s = JSONScanner(raw)
                guard let root = try? s.validateDocument() else { return false }
                return c.rule.matches(s, event: root)
            }
            #expect(matched == c.shouldMatch, "\(c.rule.origin) '\(c.rule.title)': \(c.shouldMatch ? "match" : "nomatch") example decides otherwise after trail-flatten: \(c.record)")
        }
    }
}
