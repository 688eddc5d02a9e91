import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// trail-fetch logs://GROUP against moto's CloudWatch Logs: what the group holds, then only
/// what is new (late events included), the stream prefix, and trail.file naming the stream.
@Suite struct LogsFetchTests {
    /// Puts `count` CloudTrail records of the sample into `stream`, `minutesAgo` before now
    /// (one millisecond apart); prints nothing.
    static func put(_ moto: MotoServer, stream: String, count: Int, minutesAgo: Int, first: Int = 0) throws {
        let sample = try S3FetchTests.sampleFiles(below: "AWSLogs")[0].path
        let result = try moto.boto3("""
            import gzip, time
            logs = boto3.client("logs", **kw)
            group, stream, count, ago, first = args[0], args[1], int(args[2]), int(args[3]), int(args[4])
            if group not in [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]:
                logs.create_log_group(logGroupName=group)
            if stream not in [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]]:
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            records = json.loads(gzip.open(args[5]).read())["Records"]
            now = int(time.time() * 1000) - ago * 60000
            events = []
            for n in range(count):
                record = dict(records[n % len(records)], eventID=f"{stream}-{first + n}")
                events.append({"timestamp": now + n, "message": json.dumps(record)})
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
            """, ["aws-cloudtrail-logs-org", stream, String(count), String(minutesAgo), String(first), sample])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func readsTheGroupThenOnlyWhatIsNew() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Self.put(moto, stream: "123456789012_CloudTrail_us-east-1", count: 5, minutesAgo: 30)
        try Self.put(moto, stream: "123456789012_CloudTrail_eu-west-1", count: 3, minutesAgo: 20)
        var environment = moto.environment
        environment["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"] = moto.endpoint
        let flatten = builtExecutablesFolder() + "/trail-flatten"
        func run(_ arguments: String = "") throws -> [[String: Any]] {
            let result = try runShell("\(S3FetchTests.tool) --state \(dir.path)/state.json \(arguments) logs://aws-cloudtrail-logs-org | \(flatten)",
                                      environment: environment, timeout: 60)
            #expect(result.status == 0, "\(result.stderr)")
            return try result.stdoutLines.map(parseJSON).filter { value($0, "trail.eventId") != nil || value($0, "eventID") != nil }
        }

        let first = try run()
        #expect(first.count == 8)
        let files = Set(first.compactMap { value($0, "trail.file") as? String })
        #expect(files == ["logs://aws-cloudtrail-logs-org/123456789012_CloudTrail_us-east-1",
                          "logs://aws-cloudtrail-logs-org/123456789012_CloudTrail_eu-west-1"])
        #expect(try run().isEmpty)

        // A new event, and a late one (its time before the newest already read).
        try Self.put(moto, stream: "123456789012_CloudTrail_us-east-1", count: 1, minutesAgo: 1, first: 100)
        try Self.put(moto, stream: "123456789012_CloudTrail_eu-west-1", count: 1, minutesAgo: 25, first: 200)
        let later = try run()
        #expect(Set(later.compactMap { $0["eventID"] as? String }) == ["123456789012_CloudTrail_us-east-1-100", "123456789012_CloudTrail_eu-west-1-200"])

        // Another state: the stream prefix reads one stream.
        let prefixed = try runShell("\(S3FetchTests.tool) --log-stream-prefix 123456789012_CloudTrail_eu logs://aws-cloudtrail-logs-org",
                                    environment: environment, timeout: 60)
        #expect(prefixed.status == 0, "\(prefixed.stderr)")
        #expect(prefixed.stdoutLines.count == 4)
        #expect(prefixed.stdoutLines.allSatisfy { $0.contains("CloudTrail_eu-west-1") })
    }

    /// The files a CloudWatch Logs export task writes to S3 (`PREFIX/TASK/STREAM/000000.gz`,
    /// each line a time and the event) are fetched like log files and flattened.
    @Test func readsAnExportToS3() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let sample = try S3FetchTests.sampleFiles(below: "AWSLogs")[0].path
        let script = """
            import gzip, json, sys
            records = json.loads(gzip.open(sys.argv[1]).read())["Records"][:3]
            lines = "".join(r["eventTime"][:19] + ".000Z " + json.dumps(r) + "\\n" for r in records)
            gzip.open(sys.argv[2], "wt").write(lines)
            print(len(records))
            """
        let made = try runShell("python3 -c \"$SCRIPT\" '\(sample)' '\(dir.path)/000000.gz'", environment: ["SCRIPT": script])
        #expect(made.status == 0, "\(made.stderr)")
        let key = "exportedlogs/8c7e0b0e-task/123456789012_CloudTrail_us-east-1/000000.gz"
        try moto.put(bucket: "org-trail", [(key, dir.path + "/000000.gz")])
        let result = try runShell("\(S3FetchTests.tool) s3://org-trail/exportedlogs/ | \(builtExecutablesFolder())/trail-flatten",
                                  environment: moto.environment, timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        let events = try result.stdoutLines.map(parseJSON).filter { value($0, "trail.action") != nil }
        #expect(events.count == Int(made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!events.isEmpty)
        #expect(events.allSatisfy { value($0, "trail.file") as? String == "s3://org-trail/" + key })
    }
}
