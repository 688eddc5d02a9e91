import Foundation
import Testing
import TrailCore
@testable import TrailNotify
import TrailTestSupport

/// `format=ocsf`: each alert an OCSF Detection Finding the schema's checks accept.
@Suite(.serialized) struct OCSFFindingTests {
    @Test func fileAndWebhookTargetsWriteValidDetectionFindings() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (posts, server) = try Peers.start(Peers.http, inbox: "posts", in: dir, ["0"])
        defer { server.stop() }
        let alerts = [responderAlertLine(event: "f1"), responderAlertLine(event: "f2", level: "low"), Hostile.alert(),
                      alertLine(level: "informational", event: "f3")]
        let out = dir.path + "/findings.ndjson"
        let (status, _, _) = try notify(alerts, to: ["file://\(out)?format=ocsf", "http://127.0.0.1:\(server.port)/lake?format=ocsf"],
                                        in: dir, spool: true)
        #expect(status == .success)
        #expect(try OCSFValidator.problems(inFile: out) == [])
        let posted = try Peers.received(in: posts, atLeast: 4).map { try parseJSON($0)["body"] as! String }
        #expect(posted.count == 4)
        let postedFile = try dir.write("posted.ndjson", posted.joined(separator: "\n"))
        #expect(try OCSFValidator.problems(inFile: postedFile) == [])

        let findings = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { try parseJSON(String($0)) }
        try #require(findings.count == 4)
        let first = findings[0]
        #expect(value(first, "finding_info.uid") as? String == Alert(json: Array(alerts[0].utf8))?.id)
        #expect(value(first, "finding_info.analytic.uid") as? String == "iam-admin-attached")
        #expect(value(first, "finding_info.types") as? [String] == ["attack.persistence"])
        #expect(first["severity_id"] as? Int == 4 && findings[1]["severity_id"] as? Int == 2 && findings[3]["severity_id"] as? Int == 1)
        #expect(first["time"] as? Int == 1_794_820_323_000)
        let evidence = try #require((first["evidences"] as? [[String: Any]])?.first)
        #expect(value(evidence, "actor.user.name") as? String == "mallory")
        #expect(value(evidence, "api.operation") as? String == "AttachUserPolicy")
        #expect(value(evidence, "src_endpoint.location.country") as? String == "NL")
        #expect((first["resources"] as? [[String: String]])?.first?["uid"] == "arn:aws:iam::111122223333:user/mallory")
        #expect(value(first, "remediation.desc") as? String == "Detach the policy and rotate the user's keys.\nThen ask the owner why.")
        #expect(value(first, "unmapped.trail.source.geo.country") as? String == "NL")
        #expect(value(first, "unmapped.rule.falsepositives") as? [String] == [])

        // Read again: the spool knows every finding was written, none is written twice.
        let (again, second, _) = try notify(alerts, to: ["file://\(out)?format=ocsf"], in: dir, spool: true)
        #expect(again == .success && second.delivered == 0)
    }

    @Test func aDigestCannotBeAFinding() {
        #expect(throws: NotifyError.self) { try Target("file:///tmp/x.ndjson?format=ocsf&digest=1h") }
    }
}
