import Foundation
import Testing
import TrailCore
import TrailFlatten
import TrailTestSupport

/// Shapes that real trails hold beyond the plain API call, found on public CloudTrail data:
/// Insights events, IAM Identity Center identities, and CloudWatch Logs events as trail-fetch
/// hands them over. The full records are in Golden/cloudtrail-insights.json and
/// Golden/identity-center.ndjson; these are the edge cases.
@Suite struct RealWorldShapeTests {
    static let record = #"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"bob","arn":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333"},"eventTime":"2024-05-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.7","eventID":"e1","recipientAccountId":"111122223333"}"#

    static func header(_ line: String) throws -> [String: Any] {
        try parseJSON(line)["trail"] as? [String: Any] ?? [:]
    }

    /// Every shape a CloudWatch Logs event can take when trail-fetch read it (`logs://`, or an
    /// object of a bucket holding what a subscription or EventBridge wrote) keeps the source
    /// trail-fetch named. A Lambda payload (`awslogs.data`) lost it before.
    @Test func cloudWatchLogsEventsFetchedKeepTheirSourceInEveryShape() throws {
        let payload = #"{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"trail","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1714557600000,"message":\#(JSONWriter.quoted(Self.record))}]}"#
        let gzip = try runShell("gzip -c | base64 -w0", stdin: payload)
        #expect(gzip.status == 0)
        let shapes = [
            Self.record,
            #"{"version":"0","id":"1","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":\#(Self.record)}"#,
            payload,
            #"{"awslogs":{"data":"\#(gzip.stdout.trimmingCharacters(in: .whitespacesAndNewlines))"}}"#,
            #"{"Events":[{"EventId":"e1","CloudTrailEvent":\#(JSONWriter.quoted(Self.record))}]}"#,
        ]
        let source = "logs://aws-cloudtrail-logs-111122223333/111122223333_CloudTrail_us-east-1"
        let (lines, diagnostics) = try flatten(shapes.map { #"{"trailFile":"\#(source)","# + $0.dropFirst() })
        #expect(diagnostics.skippedRecords == 0)
        #expect(lines.count == shapes.count)
        #expect(try lines.map { try Self.header($0)["file"] as? String } == Array(repeating: source, count: shapes.count))
        #expect(try lines.map { try Self.header($0)["action"] as? String } == Array(repeating: "ListBuckets", count: shapes.count))
    }

    /// ActionTrail's Insights events name no API: their type is the action.
    @Test func anActionTrailInsightIsNamedByItsType() throws {
        let insight = #"{"eventId":"493C2E32-0000-4267-8050-314C8E770001","eventCategory":"Insight","sharedEventId":"5A72E7C7-0000-4213-9AA1-6138492977A3","eventVersion":"1","eventTime":"2024-05-01T03:27:00Z","acsRegion":"cn-hangzhou","eventType":"ActionTrailInsight","recipientAccountId":"1047585191180000","insightDetails":{"state":"Start","insightType":"IpInsight","insightObject":"198.51.100.77","insightContext":{"statistics":{"insight":{"value":2},"insightDuration":5}}}}"#
        let h = try Self.header(try flatten([insight]).lines[0])
        #expect(h["cloud"] as? String == "alibaba")
        #expect(h["action"] as? String == "IpInsight")
        #expect(h["account"] as? String == "1047585191180000")
        #expect(value(h, "actor.type") as? String == "service")
        #expect(value(h, "source.service") as? String == "actiontrail.aliyuncs.com")
        #expect(h["category"] as? String == "read")
        #expect(h["id"] as? String == "493C2E32-0000-4267-8050-314C8E770001")
    }

    /// A record that only looks like one: `insightDetails` that is not an object changes nothing.
    @Test func anInsightDetailsThatIsNoObjectIsIgnored() throws {
        let h = try Self.header(try flatten([#"{"eventName":"PutObject","eventSource":"s3.amazonaws.com","insightDetails":"x"}"#]).lines[0])
        #expect(h["action"] as? String == "PutObject")
        #expect(h["category"] as? String == "modify")
        #expect(value(h, "actor.type") is NSNull)
    }

    @Test(arguments: [
        // No user name anywhere, no user id: the usual fallbacks.
        (#"{"type":"IdentityCenterUser","principalId":"AIDAEXAMPLE","accountId":"111122223333"}"#, "AIDAEXAMPLE", "federated"),
        (#"{"type":"IdentityCenterUser","userName":"carol","onBehalfOf":{"userId":"u-1"}}"#, "carol", "federated"),
        // An escaped user id is still read (as text made from it).
        (#"{"type":"IdentityCenterUser","onBehalfOf":{"identityStoreArn":"arn:aws:identitystore::1:identitystore/d-1","userId":"a\u002db"}}"#, "a-b", "federated"),
        // A permission-set role whose ARN names no session stays a role.
        (#"{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/AWSReservedSSO_ReadOnly_0123"}"#, "AWSReservedSSO_ReadOnly_0123", "role"),
        // Only Identity Center's own prefix counts.
        (#"{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/MyAWSReservedSSO_X/dave"}"#, "MyAWSReservedSSO_X/dave", "role"),
        (#"{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_0123/erin@example.com"}"#, "erin@example.com", "federated"),
        // The root is the root whatever else the identity says.
        (#"{"type":"Root","arn":"arn:aws:iam::1:root","userName":"AWSReservedSSO_X/y"}"#, "root", "root"),
    ])
    func identityCenterIdentitiesAreNamedAsThePerson(identity: String, name: String, type: String) throws {
        let event = #"{"eventName":"ListBuckets","eventSource":"s3.amazonaws.com","userIdentity":\#(identity)}"#
        let h = try Self.header(try flatten([event]).lines[0])
        #expect(value(h, "actor.name") as? String == name)
        #expect(value(h, "actor.type") as? String == type)
    }

    /// Identity Center's sign-in events name the person in `additionalEventData.UserName`.
    @Test func anIdentityCenterSignInNamesTheUserItWasFor() throws {
        let event = #"{"eventName":"CredentialChallenge","eventSource":"signin.amazonaws.com","userIdentity":{"type":"IdentityCenterUser","accountId":"1","onBehalfOf":{"userId":"u-1","identityStoreArn":"arn:aws:identitystore::1:identitystore/d-1"},"credentialId":"c"},"additionalEventData":{"CredentialType":"PASSWORD","UserName":"alice"},"serviceEventDetails":{"CredentialChallenge":"Success"}}"#
        let h = try Self.header(try flatten([event]).lines[0])
        #expect(value(h, "actor.name") as? String == "alice")
        #expect(h["category"] as? String == "auth")
    }
}
