import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// trail-fetch --queue against moto's SQS and S3: the three forms of notification, what is
/// skipped and deleted, what is left for the redrive policy, and the deferred commit.
@Suite struct QueueFetchTests {
    /// The queue's messages, counted as SQS does (visible, and received but not deleted).
    static func counts(_ moto: MotoServer) throws -> [Int] {
        let result = try moto.boto3("""
            sqs = boto3.client("sqs", **kw)
            a = sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName="trail-objects")["QueueUrl"], AttributeNames=["All"])["Attributes"]
            print(a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"])
            """)
        return result.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Sends `bodies` to the queue.
    static func send(_ moto: MotoServer, _ bodies: [String]) throws {
        let result = try moto.boto3("""
            sqs = boto3.client("sqs", **kw)
            url = sqs.get_queue_url(QueueName="trail-objects")["QueueUrl"]
            for body in json.loads(args[0]):
                sqs.send_message(QueueUrl=url, MessageBody=body)
            """, [String(decoding: try JSONSerialization.data(withJSONObject: bodies), as: UTF8.self).replacingOccurrences(of: "'", with: "'\\''")])
        #expect(result.status == 0, "\(result.stderr)")
    }

    static func s3Event(_ key: String, bucket: String = "org-trail") -> String {
        let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/-_.")))!
        return #"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"\#(bucket)"},"object":{"key":"\#(encoded)","size":1,"eTag":"abc"}}}]}"#
    }

    static func snsWrapped(_ event: String) throws -> String {
        let envelope: [String: Any] = ["Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:trail",
                                       "Message": event]
        return String(decoding: try JSONSerialization.data(withJSONObject: envelope), as: UTF8.self)
    }

    static func eventBridge(_ key: String) -> String {
        #"{"version":"0","detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"org-trail"},"object":{"key":"\#(key)","etag":"abc","size":1}}}"#
    }

    @Test func deliversNotifiedObjectsAndDeletesOnlyCommittedMessages() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let files = Array(try S3FetchTests.sampleFiles(below: "AWSLogs").prefix(4))
        let digest = "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/17/111122223333_CloudTrail-Digest_us-east-1_x_20261117T0000Z.json.gz"
        try moto.put(bucket: "org-trail", files + [(digest, files[0].path), ("elsewhere/app.json.gz", files[0].path)])
        #expect(try moto.boto3(#"boto3.client("sqs", **kw).create_queue(QueueName="trail-objects")"#).status == 0)
        try Self.send(moto, [Self.s3Event(files[0].key), try Self.snsWrapped(Self.s3Event(files[1].key)), Self.eventBridge(files[2].key),
                             Self.s3Event(digest), Self.s3Event("elsewhere/app.json.gz"), #"{"Service":"Amazon S3","Event":"s3:TestEvent"}"#,
                             "not a notification", Self.s3Event(files[0].key)])
        var environment = moto.environment
        environment["AWS_ENDPOINT_URL_SQS"] = moto.endpoint
        // The console form of the URL: sent to AWS_ENDPOINT_URL_SQS, as the SDKs do.
        let queue = "https://sqs.us-east-1.amazonaws.com/123456789012/trail-objects"
        let state = dir.path + "/state.json"
        let run = "\(S3FetchTests.tool) --queue \(queue) --queue-wait 1 --state \(state)"

        let first = try runShell(run, environment: environment, timeout: 60)
        #expect(first.status == 1, "\(first.stderr)")
        let delivered = Set(first.stdoutLines.compactMap { try? parseJSON($0)["trailFile"] as? String })
        #expect(delivered == Set(files.prefix(3).map { "s3://org-trail/" + $0.key }))
        #expect(first.stderr.contains("message ") && first.stderr.contains(": not an S3 event notification; left on the queue for its redrive policy"))
        #expect(first.stderr.contains("\(queue): 3 new objects, 7 messages deleted"), "\(first.stderr)")
        // Only the message that is no notification is left, invisible until its timeout.
        #expect(try Self.counts(moto) == [0, 1])

        // The scheduled pipeline: the new object's message waits for the commit.
        try Self.send(moto, [Self.s3Event(files[3].key), Self.s3Event(files[1].key)])
        let deferred = try runShell(run + " --defer-commit", environment: environment, timeout: 60)
        #expect(deferred.status == 0, "\(deferred.stderr)")
        #expect(deferred.stdoutLines.compactMap { try? parseJSON($0)["trailFile"] as? String } .allSatisfy { $0.hasSuffix(files[3].key) })
        #expect(try Self.counts(moto) == [0, 3])
        let next = try parseJSON(String(decoding: try FileIO.readFile(state + ".next"), as: UTF8.self))
        #expect((next["receipts"] as? [String: [String]])?[queue]?.count == 2)

        // Once the pipeline commits (FILE.next over FILE), the next run deletes the held messages first.
        try FileIO.writeAtomically(try FileIO.readFile(state + ".next"), to: state)
        let after = try runShell(run, environment: environment, timeout: 60)
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout.isEmpty)
        #expect(try Self.counts(moto) == [0, 1])
        #expect(try parseJSON(String(decoding: try FileIO.readFile(state), as: UTF8.self))["receipts"] == nil)
    }

    /// --follow keeps polling, and deletes each batch's messages once its objects are out.
    @Test func followDeletesEachBatchAndKeepsPolling() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let files = Array(try S3FetchTests.sampleFiles(below: "AWSLogs").prefix(2))
        try moto.put(bucket: "org-trail", files)
        #expect(try moto.boto3(#"boto3.client("sqs", **kw).create_queue(QueueName="trail-objects")"#).status == 0)
        try Self.send(moto, [Self.s3Event(files[0].key)])
        let environment = moto.environment.merging(["AWS_ENDPOINT_URL_SQS": moto.endpoint]) { $1 }
        let output = dir.path + "/out.ndjson"
        let follower = try ChildProcess([S3FetchTests.tool, "--follow", "--queue-wait", "1", "--state", dir.path + "/state.json",
                                         "--queue", "https://sqs.us-east-1.amazonaws.com/123456789012/trail-objects"],
                                        environment: environment, stdout: output, stderr: dir.path + "/err")
        defer { follower.stop() }
        func delivered(_ count: Int) -> Bool {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                let lines = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n")
                if Set(lines.compactMap { try? parseJSON(String($0))["trailFile"] as? String }).count == count { return true }
                usleep(100_000)
            }
            return false
        }
        // The output comes before the deletion: wait for the queue to be empty.
        func drained() throws -> Bool {
            let deadline = Date().addingTimeInterval(15)
            while try Self.counts(moto) != [0, 0] {
                guard Date() < deadline else { return false }
                usleep(200_000)
            }
            return true
        }
        #expect(delivered(1))
        #expect(try drained())
        // Still polling: a later notification is read too, and its message deleted.
        try Self.send(moto, [Self.s3Event(files[1].key)])
        #expect(delivered(2))
        #expect(try drained())
        #expect(follower.wait(timeout: 0) == nil)
    }
}
