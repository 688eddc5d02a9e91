import Foundation
import Testing
import TrailCore
import TrailFlatten
import TrailTestSupport

/// Input that is JSON from a cloud but not a trail is refused by name and counted, never
/// turned into events with an empty header.
@Suite struct ForeignShapeTests {
    static let s3Notification = #"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2024-05-01T09:12:03.000Z","eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:AIDA1"},"s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}"#
    static let sqsRecord = #"{"Records":[{"messageId":"1","body":"hi","eventSource":"aws:sqs","awsRegion":"us-east-1"}]}"#
    static let finding = #"{"schemaVersion":"2.0","accountId":"111122223333","region":"us-east-1","id":"f1","arn":"arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/f1","type":"Recon:EC2/PortProbeUnprotectedPort","service":{"serviceName":"guardduty"},"severity":2}"#
    static var findingInEventBridge: String {
        #"{"version":"0","id":"x","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"111122223333","detail":\#(finding)}"#
    }

    @Test(arguments: [
        (s3Notification, "an S3 event notification"),
        (sqsRecord, "an aws:sqs event-source record"),
        (finding, "a GuardDuty finding"),
        (findingInEventBridge, "a GuardDuty finding"),
        (#"{"detail-type":"Something","detail":{"a":1}}"#, "JSON without any trail shape"),
        (#"[{"a":1}]"#, "JSON without any trail shape"),
        (#"{"Records":[{"hello":"world"}]}"#, "JSON without any trail shape"),
        (#"{"hello":"world"}"#, "JSON without any trail shape"),
    ])
    func isRefusedByName(input: String, shape: String) throws {
        let (lines, diagnostics, errors) = try flatten(bytes: Array((input + "\n").utf8))
        #expect(lines.isEmpty)
        #expect(diagnostics.skippedRecords == 1)
        #expect(diagnostics.exitStatus == .recordsSkipped)
        #expect(errors == "trail-flatten: in.json:1: \(shape), not a trail; skipped\n")
    }

    @Test func trailEventsAroundAForeignDocumentStillFlatten() throws {
        let text = [FlattenerTests.rootLogin, Self.s3Notification, FlattenerTests.rootLogin].joined(separator: "\n")
        let (lines, diagnostics, errors) = try flatten(bytes: Array(text.utf8))
        #expect(lines.count == 2)
        #expect(diagnostics.skippedRecords == 1)
        #expect(errors.contains("in.json:2: an S3 event notification"))
    }

    @Test func anEventWithOnlyAnIDIsStillAnEvent() throws {
        let (lines, diagnostics, _) = try flatten(bytes: Array(#"{"eventID":"1","x":null}"#.utf8))
        #expect(lines.count == 1)
        #expect(diagnostics.skippedRecords == 0)
    }
}
