import Foundation
import Testing
import TrailCore
import TrailNetwork
@testable import TrailFetch
import TrailTestSupport

@Suite struct AWSConfigurationTests {
    static let credentialsFile = """
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = default-secret
        [audit]
        aws_access_key_id = AKIDAUDIT
        aws_secret_access_key = audit-secret
        aws_session_token = audit-token
        """
    static let configFile = """
        [default]
        region = us-east-1
        [profile audit]
        region = eu-west-1
        services = oss-compat
        [profile minio]
        region = ap-northeast-1
        endpoint_url = http://127.0.0.1:9000
        aws_access_key_id = AKIDMINIO
        aws_secret_access_key = minio-secret
        [services oss-compat]
        s3 =
          endpoint_url = https://s3.oss-cn-hangzhou.aliyuncs.com
        """

    /// Resolves with the shared files written to a temporary folder (never the real ~/.aws).
    static func resolve(_ environment: [String: String], profile: String? = nil, region: String? = nil) throws -> AWSConfiguration {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var env = environment
        env["HOME"] = dir.path
        env["AWS_SHARED_CREDENTIALS_FILE"] = try dir.write("credentials", credentialsFile)
        env["AWS_CONFIG_FILE"] = try dir.write("config", configFile)
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        return try AWSConfiguration.resolve(environment: env, profile: profile, region: region)
    }

    @Test func environmentKeysComeFirst() throws {
        let c = try Self.resolve(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "t",
                                  "AWS_DEFAULT_REGION": "sa-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:1"])
        #expect(try c.credentials?.current().accessKeyID == "AKIDENV")
        #expect(try c.credentials?.current().sessionToken == "t")
        #expect(c.region == "sa-east-1")
        #expect(c.endpoint == "http://127.0.0.1:1")
    }

    @Test func profilesComeFromTheSharedFiles() throws {
        let byDefault = try Self.resolve([:])
        #expect(try byDefault.credentials?.current().accessKeyID == "AKIDDEFAULT")
        #expect(byDefault.region == "us-east-1")
        #expect(byDefault.endpoint == nil)

        let audit = try Self.resolve(["AWS_PROFILE": "audit", "AWS_REGION": "us-west-2"])
        #expect(try audit.credentials?.current().accessKeyID == "AKIDAUDIT")
        #expect(try audit.credentials?.current().sessionToken == "audit-token")
        #expect(audit.region == "us-west-2")
        #expect(audit.endpoint == "https://s3.oss-cn-hangzhou.aliyuncs.com")

        // --profile wins over keys in the environment; keys may live in the config file.
        let minio = try Self.resolve(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "x"], profile: "minio", region: "eu-north-1")
        #expect(try minio.credentials?.current().accessKeyID == "AKIDMINIO")
        #expect(minio.region == "eu-north-1")
        #expect(minio.endpoint == "http://127.0.0.1:9000")
        #expect(try Self.resolve(["AWS_PROFILE": "minio", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]).endpoint == nil)
        let missing = #expect(throws: CredentialFailure.self) { try Self.resolve(["AWS_PROFILE": "nobody"]) }
        #expect(missing?.description == "profile nobody is in neither ~/.aws/config nor ~/.aws/credentials")
    }
}

@Suite struct BucketLayoutTests {
    @Test func knowsTheFoldersOfBothLayouts() {
        #expect(FolderRole.of("") == .unknown)
        #expect(FolderRole.of("trails/AWSLogs/") == .unknown)
        #expect(FolderRole.of("AWSLogs/o-abc123/") == .organization)
        #expect(FolderRole.of("AWSLogs/o-abc123/111122223333/") == .account("111122223333"))
        #expect(FolderRole.of("AWSLogs/111122223333/") == .account("111122223333"))
        #expect(FolderRole.of("AWSLogs/111122223333/CloudTrail/") == .service(logs: true))
        #expect(FolderRole.of("AWSLogs/111122223333/CloudTrail-Digest/") == .service(logs: false))
        #expect(FolderRole.of("x/AWSLogs/o-a/111122223333/CloudTrail/us-east-1/") == .region("us-east-1"))
        #expect(FolderRole.of("AWSLogs/111122223333/CloudTrail/us-east-1/2024/") == .year(2024))
        #expect(FolderRole.of("AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/") == .month(2024, 1))
        #expect(FolderRole.of("AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/") == .day(19737))
        #expect(FolderRole.of("AliyunLogs/Actiontrail/cn-hangzhou/") == .region("cn-hangzhou"))
        #expect(FolderRole.of("AliyunLogs/Actiontrail/cn-hangzhou/2024/01/15/") == .day(19737))
        #expect(FolderRole.of("AliyunLogs/Actiontrail/rd-x1/1234567890123456/") == .account("1234567890123456"))
        #expect(FolderRole.of("AliyunLogs/Actiontrail/rd-x1/1234567890123456/cn-shanghai/") == .region("cn-shanghai"))
        #expect(KeyOrigin(folderKey: "AWSLogs/o-a/111122223333/CloudTrail/eu-west-1/2024/01/15/").account == "111122223333")
        #expect(KeyOrigin(folderKey: "AliyunLogs/Actiontrail/cn-hangzhou/2024/01/15/").region == "cn-hangzhou")
    }

    @Test func filtersByDay() {
        let filters = FetchFilters(since: FetchFilters.day("2024-01-15"), until: FetchFilters.day("2024-02-01T23:00:00Z"))
        #expect(filters.admits(year: 2024) && !filters.admits(year: 2023))
        #expect(filters.admits(year: 2024, month: 2) && !filters.admits(year: 2024, month: 3) && !filters.admits(year: 2023, month: 12))
        #expect(FetchFilters.day("2024-01-15") == 19737)
        #expect(FetchFilters.day("yesterday") == nil)
    }
}

@Suite struct FetchStateTests {
    static let stream = "s3://b/AWSLogs/111122223333/CloudTrail/us-east-1/"

    @Test func survivesAKillThroughItsJournalAndCollapsesClosedDays() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/state.json"
        let day15 = DayFolder(stream: Self.stream, day: 19737)
        do {
            let state = try FetchState(path: path)
            try state.record([(day15, "a.json.gz", "\"e1\""), (day15, "b.json.gz", "\"e2\"")])
            // No save(): the process dies here.
        }
        // A torn last line, as a kill in the middle of an append leaves it.
        let journal = try FileIO.readFile(path + ".journal")
        try FileIO.writeAtomically(journal + Array(#"{"folder":"s3://b/x/","na"#.utf8), to: path + ".journal")

        let reopened = try FetchState(path: path)
        #expect(reopened.wasDelivered("a.json.gz", etag: "\"e1\"", in: day15))
        #expect(!reopened.wasDelivered("a.json.gz", etag: "\"changed\"", in: day15))
        #expect(!reopened.wasDelivered("c.json.gz", etag: "\"e1\"", in: day15))
        for day in [19737, 19738, 19739, 19741] { reopened.closeDay(DayFolder(stream: Self.stream, day: day)) }
        try reopened.save()
        #expect(!FileIO.exists(path + ".journal"))
        let text = String(decoding: try FileIO.readFile(path), as: UTF8.self)
        #expect(text == #"{"version":1,"closed":{"\#(Self.stream)":["2024-01-15/2024-01-17","2024-01-19/2024-01-19"]},"open":{}}"# + "\n")

        let again = try FetchState(path: path)
        #expect(again.isClosed(DayFolder(stream: Self.stream, day: 19738)))
        #expect(!again.isClosed(DayFolder(stream: Self.stream, day: 19740)))
        #expect(!again.isClosed(DayFolder(stream: "s3://b/other/", day: nil)))
    }

    @Test func refusesAFileThatIsNotAState() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("state.json", "[1,2]")
        #expect(throws: StateFileError.self) { try FetchState(path: path) }
    }
}
