import Foundation
import Testing
import TrailCore
import TrailFlatten
import TrailTestSupport

/// Shapes that real trails hold beyond the plain API call, found on public CloudTrail data:
/// CloudWatch Logs events as trail-fetch hands them over.
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
}
