import Foundation
import Testing
import TrailCore
import TrailNetwork
@testable import TrailNotify
import TrailTestSupport

/// SNS Publish against moto_server with authentication on (moto checks the SigV4 signature),
/// read back through SQS subscriptions, one of them filtering on the `level` attribute.
@Suite(.serialized) struct SNSTargetTests {
    @Test func publishReachesSubscribersThatFilterOnTheLevel() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let moto = try MotoServer()
        defer { moto.stop() }
        let setup = try moto.boto3("""
            sns, sqs = boto3.client("sns", **kw), boto3.client("sqs", **kw)
            topic = sns.create_topic(Name="trail-alerts")["TopicArn"]
            print(topic)
            for name, policy in (("all", None), ("critical", {"level": ["critical"]})):
                url = sqs.create_queue(QueueName=name)["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                attributes = {"RawMessageDelivery": "true"}
                if policy:
                    attributes["FilterPolicy"] = json.dumps(policy)
                sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes)
                print(url)
            """)
        try #require(setup.status == 0 && setup.stdoutLines.count == 3, "\(setup.stderr)")
        let (topic, queues) = (setup.stdoutLines[0], Array(setup.stdoutLines.dropFirst()))
        let environment = moto.environment.merging(["AWS_ENDPOINT_URL_SNS": moto.endpoint]) { $1 }

        let alerts = [responderAlertLine(event: "n1"), responderAlertLine(event: "n2", level: "critical")]
        let (status, notifier, _) = try notify(alerts, to: ["sns://us-east-1/\(topic)?level=high"], in: dir, environment: environment)
        #expect(status == .success)
        #expect(notifier.delivered == 2)
        // The topic's ARN alone is a target too.
        let (plain, _, _) = try notify([responderAlertLine(event: "n3", level: "critical")], to: [topic], in: dir, environment: environment)
        #expect(plain == .success)

        let received = try moto.boto3("""
            sqs = boto3.client("sqs", **kw)
            for url in args:
                got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
                print(json.dumps([{"body": json.loads(m["Body"]), "level": m["MessageAttributes"]["level"]["StringValue"],
                                   "rule": m["MessageAttributes"]["rule"]["StringValue"]} for m in got]))
            """, queues)
        try #require(received.status == 0 && received.stdoutLines.count == 2, "\(received.stderr)")
        let all = try #require(try JSONSerialization.jsonObject(with: Data(received.stdoutLines[0].utf8)) as? [[String: Any]])
        let critical = try #require(try JSONSerialization.jsonObject(with: Data(received.stdoutLines[1].utf8)) as? [[String: Any]])
        #expect(Set(all.compactMap { value($0, "body.event.trail.id") as? String }) == ["n1", "n2", "n3"])
        #expect(Set(critical.compactMap { value($0, "body.event.trail.id") as? String }) == ["n2", "n3"])
        #expect(all.allSatisfy { $0["rule"] as? String == "iam-admin-attached" })
        let first = try #require(all.first { value($0, "body.event.trail.id") as? String == "n1" })
        #expect(first["level"] as? String == "high")
        #expect(value(first, "body.notify.id") as? String == Alert(json: Array(alerts[0].utf8))?.id)
    }

    @Test func aRefusedSignatureWaitsInTheSpool() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let moto = try MotoServer()
        defer { moto.stop() }
        let setup = try moto.boto3(#"print(boto3.client("sns", **kw).create_topic(Name="t")["TopicArn"])"#)
        try #require(setup.status == 0, "\(setup.stderr)")
        var environment = moto.environment.merging(["AWS_ENDPOINT_URL_SNS": moto.endpoint]) { $1 }
        environment["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
        let (status, notifier, _) = try notify([responderAlertLine(event: "w1")], to: [setup.stdoutLines[0]], in: dir, spool: true,
                                               environment: environment)
        #expect(status == .spooled)
        #expect(notifier.postponed == 1 && notifier.deadLettered == 0)
    }
}
