import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// pipelines/watch.sh reading an SQS queue of the bucket's notifications (moto): a run's
/// messages stay on the queue, invisible, until the run has committed; the next run deletes
/// them, and a notification of an object already delivered raises nothing again.
@Suite struct QueuedScheduledRunTests {
    @Test func messagesAreDeletedOnlyAfterTheCommit() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let dir = try TemporaryDirectory("trail-queued")
        defer { dir.remove() }
        let sample = packageRoot + "/pipelines/sample"
        let files = try FileIO.filesBelow(sample + "/AWSLogs").filter { $0.hasSuffix(".json.gz") }
            .map { (key: String($0.dropFirst(sample.count + 1)), path: $0) }
        try moto.put(bucket: "org-trail", files)
        let sent = try moto.boto3("""
            sqs = boto3.client("sqs", **kw)
            url = sqs.create_queue(QueueName="trail-objects")["QueueUrl"]
            for key in args:
                sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Records": [{"eventName": "ObjectCreated:Put",
                    "s3": {"bucket": {"name": "org-trail"}, "object": {"key": key, "eTag": "e"}}}]}))
            print(url)
            """, files.map(\.key) + [files[0].key])
        #expect(sent.status == 0, "\(sent.stderr)")
        let bin = builtExecutablesFolder()
        var environment = moto.environment
        environment.merge(["STATE_DIR": dir.path + "/state", "TRAIL_QUEUE": sent.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                           "TRAIL_QUEUE_WAIT": "1", "AWS_ENDPOINT_URL_SQS": moto.endpoint, "TRAIL_BIN": bin,
                           "TRAIL_RULES": packageRoot + "/rules", "TRAIL_NOTIFY": "--to file://\(dir.path)/alerts.ndjson",
                           "PATH": "\(bin):/usr/bin:/bin"]) { $1 }
        func counts() throws -> String {
            try moto.boto3("""
                sqs = boto3.client("sqs", **kw)
                a = sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName="trail-objects")["QueueUrl"], AttributeNames=["All"])["Attributes"]
                print(a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"])
                """).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func alerts() -> Int {
            ((try? String(contentsOfFile: dir.path + "/alerts.ndjson", encoding: .utf8)) ?? "").split(separator: "\n").count
        }

        let first = try runShell("'\(packageRoot)/pipelines/watch.sh'", environment: environment, timeout: 300)
        #expect(first.status == 0 || first.status == 1, "\(first.stderr)")
        let raised = alerts()
        #expect(raised > 0)
        // Committed, but the messages are still held: the next run deletes them.
        #expect(try counts() == "0 \(files.count + 1)")

        let second = try runShell("'\(packageRoot)/pipelines/watch.sh'", environment: environment, timeout: 300)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try counts() == "0 0")
        #expect(alerts() == raised)
    }
}
