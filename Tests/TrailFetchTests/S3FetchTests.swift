import Foundation
import Testing
import TrailCore
import TrailNetwork
import TrailFetch
import TrailTestSupport

/// trail-fetch against a real S3 server (moto) on loopback, run as the built executable.
@Suite struct S3FetchTests {
    static let sample = packageRoot + "/pipelines/sample"
    static var tool: String { builtExecutablesFolder() + "/trail-fetch" }

    /// The bundled sample's log files as (key, path) pairs: two accounts, three AWS regions,
    /// three Alibaba regions, three days.
    static func sampleFiles(below relative: String = "") throws -> [(key: String, path: String)] {
        try FileIO.filesBelow(sample + "/" + relative).filter(LocalFetcher.isLogFile)
            .map { (String($0.dropFirst(sample.count + 1)), $0) }
    }

    /// Lines with `trailFile` made relative to `root`, so that bucket and folder fetches compare.
    static func relative(_ lines: [String], to root: String) -> [String] {
        lines.map { $0.replacingOccurrences(of: #"{"trailFile":"\#(root)/"#, with: #"{"trailFile":""#) }
    }

    static func fetch(_ arguments: String, _ moto: MotoServer, stdout: String? = nil) throws -> CommandResult {
        try runShell("\(tool) \(arguments)" + (stdout.map { " >\($0)" } ?? ""), environment: moto.environment, timeout: 60)
    }

    static func todayFolder(_ account: String, _ region: String, _ name: String) -> (key: String, day: String) {
        let c = Timestamp(epoch: Date().timeIntervalSince1970).utcComponents
        let day = String(format: "%04d/%02d/%02d", c.year, c.month, c.day)
        let compact = String(format: "%04d%02d%02d", c.year, c.month, c.day)
        return ("AWSLogs/\(account)/CloudTrail/\(region)/\(day)/\(account)_CloudTrail_\(region)_\(compact)T\(name).json.gz", day)
    }

    @Test func fetchesABucketIncrementallyAndResumesAfterKill() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let files = try Self.sampleFiles()
        try moto.put(bucket: "trail-logs", files)

        let local = try runShell("\(Self.tool) \(Self.sample)")
        #expect(local.status == 0)
        let expected = Self.relative(local.stdoutLines, to: Self.sample)
        #expect(expected.count > 150)

        // A full fetch equals the local tree, event for event and in the same order.
        let state = dir.path + "/state.json"
        let first = try Self.fetch("--state \(state) --archive \(dir.path)/archive --jobs 4 s3://trail-logs", moto)
        #expect(first.status == 0, "\(first.stderr)")
        let fetched = Self.relative(first.stdoutLines, to: "s3://trail-logs")
        #expect(fetched.count == expected.count)
        #expect(fetched == expected, "first difference: \(String(zip(fetched, expected).first { $0 != $1 }.debugDescription.prefix(300)))")
        #expect(first.stderr.contains("\(files.count) Get requests"))
        #expect(first.stderr.contains("\(files.count) new objects"))
        #expect(first.stderr.split(separator: "\n").count == 1, "only the cost report: \(first.stderr)")
        let archived = try FileIO.filesBelow(dir.path + "/archive")
        #expect(archived.count == files.count)
        let one = files.first { $0.key.hasPrefix("AWSLogs/769833847712/CloudTrail/eu-west-1/2026/11/17/") }!
        #expect(try FileIO.readFile("\(dir.path)/archive/769833847712/eu-west-1/2026/11/17/\((one.key as NSString).lastPathComponent)")
            == FileIO.readFile(one.path))

        // oss:// reads the same way; Alibaba's variables win over AWS's for it.
        var alibaba = moto.environment
        alibaba["ALIBABA_CLOUD_ACCESS_KEY_ID"] = moto.accessKeyID
        alibaba["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = moto.secretAccessKey
        alibaba["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
        let oss = try runShell("\(Self.tool) --quiet --endpoint \(moto.endpoint) oss://trail-logs/AliyunLogs/", environment: alibaba)
        #expect(oss.status == 0, "\(oss.stderr)")
        let actionTrail = expected.filter { $0.hasPrefix(#"{"trailFile":"AliyunLogs/"#) }
        #expect(!actionTrail.isEmpty && Self.relative(oss.stdoutLines, to: "oss://trail-logs") == actionTrail)

        // The sample's days are older than the rewind window: they are closed and not listed again.
        let second = try Self.fetch("--state \(state) s3://trail-logs", moto)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.isEmpty)
        #expect(second.stderr.contains(" 0 Get requests"))
        let stateText = String(decoding: try FileIO.readFile(state), as: UTF8.self)
        // Closed days, and the month's days without files, collapse into one range.
        #expect(stateText.contains(#""s3://trail-logs/AWSLogs/769833847712/CloudTrail/us-east-1/":["2026-11-01/"#))
        let reread = try FetchState(path: state)
        #expect((20773...20775).allSatisfy { reread.isClosed(DayFolder(stream: "s3://trail-logs/AWSLogs/769833847712/CloudTrail/us-east-1/", day: $0)) })
        #expect(!stateText.contains(".json.gz"), "closed days keep no names")

        // A new object of today is picked up, once.
        let late = try dir.write("late.json", #"{"Records":[{"eventName":"Late","eventID":"late-1"}]}"#)
        let newer = Self.todayFolder("769833847712", "us-east-1", "2359Z_ZZZZZZZZZZZZZZZZ")
        try moto.put(bucket: "trail-logs", [(newer.key, late)])
        let third = try Self.fetch("--state \(state) s3://trail-logs", moto)
        #expect(third.stdoutLines == [#"{"trailFile":"s3://trail-logs/\#(newer.key)","Records":[{"eventName":"Late","eventID":"late-1"}]}"#])
        #expect(try Self.fetch("--state \(state) s3://trail-logs", moto).stdout.isEmpty)

        // Delivered out of key order: a file whose name sorts before one already delivered.
        let earlier = Self.todayFolder("769833847712", "us-east-1", "0000Z_AAAAAAAAAAAAAAAA")
        try moto.put(bucket: "trail-logs", [(earlier.key, late)])
        let fifth = try Self.fetch("--state \(state) s3://trail-logs", moto)
        #expect(fifth.stdoutLines.count == 1)
        #expect(fifth.stdout.contains(earlier.key))

        // Killed mid-way with kill -9, then run again: nothing lost, at most the batch in
        // flight (--jobs 2) repeated.
        let killedState = dir.path + "/killed.json"
        let firstOut = dir.path + "/killed.ndjson"
        let child = try ChildProcess([Self.tool, "--state", killedState, "--jobs", "2", "--quiet", "s3://trail-logs/AWSLogs/"],
                                     environment: moto.environment, stdout: firstOut, stderr: dir.path + "/killed.err")
        let deadline = Date().addingTimeInterval(30)
        while (try? FileIO.readFile(firstOut).count) ?? 0 == 0, Date() < deadline, child.wait(timeout: 0) == nil { usleep(1000) }
        kill(child.pid, SIGKILL)
        #expect(child.wait(timeout: 10) == 128 + SIGKILL, "the run ended before it could be killed")
        let resumed = try Self.fetch("--state \(killedState) --jobs 2 --quiet s3://trail-logs/AWSLogs/", moto)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        var killedText = String(decoding: try FileIO.readFile(firstOut), as: UTF8.self)
        if !killedText.hasSuffix("\n"), let lastBreak = killedText.lastIndex(of: "\n") { killedText = String(killedText[...lastBreak]) }
        let killedLines = killedText.split(separator: "\n").map(String.init)
        let allAWS = expected.filter { $0.hasPrefix(#"{"trailFile":"AWSLogs/"#) }.count + 2
        #expect(Set(killedLines + resumed.stdoutLines).count == allAWS, "nothing lost")
        #expect(killedLines.count < allAWS, "the first run was killed before it finished")
        func file(_ line: String) -> Substring { line.split(separator: "\"")[3] }
        let repeated = Set(resumed.stdoutLines.filter(Set(killedLines).contains).map(file))
        #expect(repeated.count <= 2, "repeated files: \(repeated)")
    }

    @Test func readsOrganizationTrailsOnlyWhereTheFiltersPoint() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        var files: [(key: String, path: String)] = []
        for account in ["273300054171", "769833847712"] {
            for region in ["us-east-1", "eu-west-1"] {
                files += try Self.sampleFiles(below: "AWSLogs/\(account)/CloudTrail/\(region)/2026/11/17")
                    .map { ("trails/" + $0.key.replacingOccurrences(of: "AWSLogs/", with: "AWSLogs/o-abc123def4/"), $0.path) }
            }
        }
        try moto.put(bucket: "org-trail", files)
        let day = "AWSLogs/769833847712/CloudTrail/us-east-1/2026/11/17"
        let local = try runShell("\(Self.tool) \(Self.sample)/\(day)")
        let expected = Self.relative(local.stdoutLines, to: Self.sample + "/AWSLogs")
        #expect(expected.count > 5)

        for range in ["", "--since 2026-11-17 --until 2026-11-17"] {
            let run = try Self.fetch("--account 769833847712 --region us-east-1 \(range) --verbose s3://org-trail/trails", moto)
            #expect(run.status == 0, "\(run.stderr)")
            let fetched = Self.relative(run.stdoutLines, to: "s3://org-trail/trails/AWSLogs/o-abc123def4")
            #expect(fetched.count == expected.count)
            #expect(fetched == expected, "first difference: \(String(zip(fetched, expected).first { $0 != $1 }.debugDescription.prefix(300)))")
            let lists = run.stderr.split(separator: "\n").filter { $0.contains("List ") }
            #expect(!lists.isEmpty)
            #expect(!lists.contains { $0.contains("273300054171/") || $0.contains("eu-west-1") }, "\(lists)")
        }

        // A time on --since skips the first day's files delivered before it, with start-after.
        let afternoon = try Self.fetch("--account 769833847712 --region us-east-1 --since 2026-11-17T03:00:00Z --until 2026-11-17 s3://org-trail/trails", moto)
        let late = expected.filter { $0.split(separator: "\"")[3].split(separator: "_")[3] >= "20261117T0300Z" }
        #expect(!late.isEmpty && late.count < expected.count)
        #expect(Self.relative(afternoon.stdoutLines, to: "s3://org-trail/trails/AWSLogs/o-abc123def4") == late)

        // One object by its key.
        let key = "trails/" + String(expected[0].split(separator: "\"")[3]).replacingOccurrences(of: "769833847712/", with: "AWSLogs/o-abc123def4/769833847712/")
        let single = try Self.fetch("s3://org-trail/\(key)", moto)
        #expect(single.stdoutLines == [expected[0].replacingOccurrences(of: #"{"trailFile":""#, with: #"{"trailFile":"s3://org-trail/trails/AWSLogs/o-abc123def4/"#)])

        // Pages and start-after, as the client sees them.
        let client = try S3Client(location: BucketLocation("s3://org-trail")!,
                                  credentials: AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey),
                                  region: "us-east-1", endpoint: moto.endpoint)
        let prefix = "trails/AWSLogs/o-abc123def4/769833847712/CloudTrail/us-east-1/2026/11/17/"
        let whole = try client.list(prefix: prefix).objects.map(\.key)
        let paged = try client.list(prefix: prefix, maxKeys: 3).objects.map(\.key)
        #expect(whole.count == expected.count && paged == whole)
        #expect(client.requestCounts.lists == 1 + (whole.count + 2) / 3)
        #expect(try client.list(prefix: prefix, startAfter: whole[2], maxKeys: 2).objects.map(\.key) == Array(whole.dropFirst(3)))
        #expect(try client.get(whole[0])?.isEmpty == false)
        #expect(try client.get(prefix + "gone.json.gz") == nil, "an object deleted after the listing is no failure")

        // A request budget: the run stops, says so, and a later run delivers the rest.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // 23 listings find the four days; three downloads are left in the budget.
        let capped = try Self.fetch("--state \(dir.path)/s.json --max-requests 26 s3://org-trail/trails", moto)
        #expect(capped.status == 0)
        #expect(capped.stderr.contains("--max-requests 26 reached"))
        #expect(capped.stderr.contains("23 List and 3 Get requests"), "\(capped.stderr)")
        #expect(capped.stdoutLines.count == 3)
        let rest = try Self.fetch("--state \(dir.path)/s.json s3://org-trail/trails", moto)
        #expect(rest.status == 0)
        #expect(Set(capped.stdoutLines + rest.stdoutLines).count == files.count)
        #expect(capped.stdoutLines.count + rest.stdoutLines.count == files.count)
    }

    @Test func failsClearlyOnBadCredentialsAndMissingBuckets() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A truncated gzip object is reported with its key and skipped; the rest is delivered.
        let good = try Array(#"{"Records":[{"eventName":"Good"}]}"#.utf8).withUnsafeBytes { try Gzip.deflate($0) }
        let dayKey = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/17/111122223333_CloudTrail_us-east-1_20261117T"
        try moto.put(bucket: "trail-logs", [(dayKey + "0100Z_AAAAAAAAAAAAAAAA.json.gz", try dir.write("bad.gz", Array(good.dropLast(6)))),
                                            (dayKey + "0200Z_BBBBBBBBBBBBBBBB.json.gz", try dir.write("good.gz", good))])
        let corrupt = try Self.fetch("s3://trail-logs/AWSLogs/", moto)
        #expect(corrupt.status == 1)
        #expect(corrupt.stderr.contains("trail-fetch: s3://trail-logs/\(dayKey)0100Z_AAAAAAAAAAAAAAAA.json.gz: "))
        #expect(corrupt.stdoutLines == [#"{"trailFile":"s3://trail-logs/\#(dayKey)0200Z_BBBBBBBBBBBBBBBB.json.gz","Records":[{"eventName":"Good"}]}"#])

        var wrongSecret = moto.environment
        wrongSecret["AWS_SECRET_ACCESS_KEY"] = "WrongSecretWrongSecretWrongSecret0123456"
        let denied = try runShell("\(Self.tool) s3://trail-logs", environment: wrongSecret)
        #expect(denied.status == 2)
        #expect(denied.stderr == "trail-fetch: s3://trail-logs/: authentication failed: the secret access key does not match the key id (SignatureDoesNotMatch)\n")
        #expect(!denied.stderr.contains("WrongSecret") && !denied.stderr.contains(moto.secretAccessKey))

        var unknownKey = moto.environment
        unknownKey["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWNUNKNOWN00"
        let unknown = try runShell("\(Self.tool) s3://trail-logs", environment: unknownKey)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("authentication failed: the access key id is not known (InvalidAccessKeyId)"))

        let missing = try Self.fetch("s3://no-such-trail-bucket/AWSLogs/", moto)
        #expect(missing.status == 2)
        #expect(missing.stderr == "trail-fetch: s3://no-such-trail-bucket/AWSLogs/: no such bucket (NoSuchBucket)\n")

        // Temporary credentials: the session token is signed and checked.
        let temporary = try moto.temporaryCredentials()
        var session = moto.environment
        session["AWS_ACCESS_KEY_ID"] = temporary[0]
        session["AWS_SECRET_ACCESS_KEY"] = temporary[1]
        session["AWS_SESSION_TOKEN"] = temporary[2]
        let withToken = try runShell("\(Self.tool) --quiet s3://trail-logs/AWSLogs/", environment: session)
        #expect(withToken.status == 1 && withToken.stdoutLines.count == 1, "\(withToken.stderr)")
        session["AWS_SESSION_TOKEN"] = temporary[2] + "x"
        let badToken = try runShell("\(Self.tool) s3://trail-logs/AWSLogs/", environment: session)
        #expect(badToken.status == 2)
        #expect(badToken.stderr.contains("authentication failed: the session token is invalid or expired (InvalidToken)"))
        #expect(!badToken.stderr.contains(temporary[1]) && !badToken.stderr.contains(temporary[2]))

        let noObject = try Self.fetch("s3://trail-logs/AWSLogs/none.json.gz", moto)
        #expect(noObject.status == 2)
        #expect(noObject.stderr == "trail-fetch: s3://trail-logs/AWSLogs/none.json.gz: no such object\n")

        var nowhere = moto.environment
        nowhere["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:9"
        let unreachable = try runShell("\(Self.tool) s3://trail-logs", environment: nowhere)
        #expect(unreachable.status == 2)
        #expect(unreachable.stderr.hasPrefix("trail-fetch: cannot reach http://127.0.0.1:9"))
        #expect(unreachable.stderr.split(separator: "\n").count == 1)

        var none = moto.environment
        none["AWS_ACCESS_KEY_ID"] = ""
        none["AWS_EC2_METADATA_DISABLED"] = "true"
        let noCredentials = try runShell("\(Self.tool) s3://trail-logs", environment: none)
        #expect(noCredentials.status == 2)
        #expect(noCredentials.stderr.contains("no credentials"))
    }
}
