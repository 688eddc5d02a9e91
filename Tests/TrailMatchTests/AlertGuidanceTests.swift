import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// Every alert says what to do (`alert.rule.runbook`), when it is harmless
/// (`alert.rule.falsepositives`) and what was touched (`alert.resources`).
@Suite struct AlertGuidanceTests {
    static let ruleYAML = """
        title: Bucket policy changed
        id: guidance-test
        logsource: {product: aws, service: cloudtrail}
        detection:
          selection: {eventName: PutBucketPolicy}
          condition: selection
        runbook: |
          Check the new policy's principals; revert it if it was not planned.
          The statement to read is requestParameters.bucketPolicy.
        falsepositives: [Planned policy updates]
        resource: [requestParameters.bucketName, requestParameters.bucketPolicy.Statement.Resource]
        """

    func alerts(_ set: RuleSet, _ events: [String]) throws -> [[String: Any]] {
        let output = OutputWriter(collectingAs: "out")
        let matcher = Matcher(set, output: output, diagnostics: Diagnostics(tool: "test"))
        for e in events {
            Array(e.utf8).withUnsafeBytes { raw in
                let s = JSONScanner(raw)
                matcher.match(s, event: try! s.validateDocument())
            }
        }
        matcher.finish(keepPending: false)
        return try output.collectedLines.map(parseJSON)
    }

    @Test func theAlertCarriesRunbookFalsePositivesAndResourcesInOrder() throws {
        let set = RuleLoader().load(yaml: Self.ruleYAML, file: "g.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        let event = #"{"trail":{"cloud":"aws","time":"2024-05-01T09:00:00Z"},"eventName":"PutBucketPolicy","# +
            #""resources":[{"type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::b"}],"# +
            #""requestParameters":{"bucketName":"b","bucketPolicy":{"Statement":[{"Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"]},{"Resource":"arn:aws:s3:::b/x"}]}}}"#
        let alert = try #require(try alerts(set, [event]).first)
        #expect(value(alert, "alert.rule.runbook") as? String
            == "Check the new policy's principals; revert it if it was not planned.\nThe statement to read is requestParameters.bucketPolicy.")
        #expect(value(alert, "alert.rule.falsepositives") as? [String] == ["Planned policy updates"])
        #expect(value(alert, "alert.resources") as? [String] == ["arn:aws:s3:::b", "b", "arn:aws:s3:::b/*", "arn:aws:s3:::b/x"])
    }

    @Test func withoutRunbookOrResourcesTheMembersAreAbsentOrEmpty() throws {
        let set = RuleLoader().load(yaml: """
            title: Any
            logsource: {product: aws}
            detection: {selection: {eventName: X}, condition: selection}
            """, file: "a.yml")
        let alert = try #require(try alerts(set, [#"{"trail":{"cloud":"aws"},"eventName":"X","resources":[{"arn":"arn:aws:lambda:us-east-1:1:function:f"},{"ARN":7}]}"#]).first)
        #expect(value(alert, "alert.rule.runbook") == nil)
        #expect(value(alert, "alert.rule.falsepositives") as? [String] == [])
        #expect(value(alert, "alert.resources") as? [String] == ["arn:aws:lambda:us-east-1:1:function:f", "7"])
    }

    @Test func aHostileEventCannotMakeTheResourceListHuge() throws {
        let set = RuleLoader().load(yaml: Self.ruleYAML, file: "g.yml")
        let many = (0..<5000).map { "{\"ARN\":\"arn:aws:s3:::b\($0)\"}" }.joined(separator: ",")
        let alert = try #require(try alerts(set, [#"{"trail":{"cloud":"aws"},"eventName":"PutBucketPolicy","resources":["# + many + "]}"]).first)
        #expect((value(alert, "alert.resources") as? [String])?.count == RuleGuidance.maximumResources)
    }

    @Test func correlationAlertsNameTheResourcesOfTheEventThatCompletedThem() throws {
        let set = RuleLoader().load(yaml: """
            title: Secret read
            name: secret_read
            logsource: {product: aws}
            detection: {selection: {eventName: GetSecretValue}, condition: selection}
            ---
            title: Many secrets read
            correlation: {type: value_count, rules: [secret_read], group-by: [trail.actor.name], timespan: 10m, condition: {field: requestParameters.secretId, gte: 2}}
            runbook: Find out who holds the reading identity's credentials.
            resource: requestParameters.secretId
            """, file: "c.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        let events = ["a", "b"].enumerated().map { k, id in
            #"{"trail":{"cloud":"aws","time":"2024-05-01T09:00:0\#(k)Z","id":"e\#(k)","actor":{"name":"x"}},"eventName":"GetSecretValue","requestParameters":{"secretId":"\#(id)"}}"#
        }
        let alert = try #require(try alerts(set, events).first { value($0, "alert.correlation") != nil })
        #expect(value(alert, "alert.rule.runbook") as? String == "Find out who holds the reading identity's credentials.")
        #expect(value(alert, "alert.resources") as? [String] == ["b"])
    }

    /// A colon followed by a space makes a one-pair YAML mapping of an unquoted item (regression:
    /// the pack's privileged-user rule had its false positive silently dropped this way).
    @Test func anUnquotedFalsePositiveWithAColonKeepsItsText() throws {
        let set = RuleLoader().load(yaml: """
            title: T
            detection: {selection: {eventName: X}, condition: selection}
            falsepositives:
              - 'Quoted: fine'
              - Planned work by the administrators: the alert is the audit trail of it
            """, file: "g.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        #expect(set.rules.first?.guidance.falsePositives == ["Quoted: fine", "Planned work by the administrators: the alert is the audit trail of it"])
    }

    @Test(arguments: [
        ("runbook: ''", "g.yml:1: runbook must be text whose first line says what to do"),
        ("resource: []", "g.yml:1: resource must name event fields, such as [requestParameters.bucketName]"),
        ("resource: {a: b}", "g.yml:1: resource must name event fields, such as [requestParameters.bucketName]"),
        ("falsepositives:\n  - [a, b]", "g.yml:3: falsepositives must be a list of text"),
    ])
    func malformedGuidanceIsAProblemWithItsPlace(line: String, problem: String) {
        let set = RuleLoader().load(yaml: "title: T\n" + line + "\ndetection: {selection: {eventName: X}, condition: selection}\n", file: "g.yml")
        #expect(set.problems.map(\.description).first?.hasPrefix("g.yml:") == true, "\(set.problems)")
        #expect(set.problems.map(\.description).first?.hasSuffix(String(problem.split(separator: ":").last!)) == true, "\(set.problems)")
    }
}
