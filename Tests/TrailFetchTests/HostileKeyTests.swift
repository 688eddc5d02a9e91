import Foundation
import Testing
import TrailCore
@testable import TrailFetch
import TrailTestSupport

/// Keys of every form S3 allows, against moto (which checks each request's signature), and
/// the archive's mapping of them to safe paths.
@Suite struct HostileKeyTests {
    static let day = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/17/"

    /// Names below a day folder that a bucket may hold: path-like segments S3 does not
    /// normalize, characters URLs and listings encode, and a key of 1,024 bytes.
    static var names: [String] {
        let long = String(repeating: "x", count: 1024 - day.utf8.count - ".json".count) + ".json"
        return ["a/../b.json", "./c.json", "/d.json", "e f.json", "..json", long, "g+h.json", "ünï-日本.json", "100%.json"]
    }

    /// Moto checks signatures against its decoded path, so that a key with `+`, `%` or
    /// non-ASCII fails for any client (boto3 too): those are left to `signedListener`.
    static let motoNames = Array(names.prefix(6))

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Objects `{"Records":[{"eventID":"e<n>"}]}` under `names`, as (key, body) pairs.
    static func objects(_ names: [String]) -> [(key: String, body: String)] {
        names.enumerated().map { (day + $0.element, #"{"Records":[{"eventID":"e\#($0.offset)"}]}"#) }
    }

    /// Fetches the bucket with `--archive` and `--state`, each key as a single-object source,
    /// then again with the state; every object arrives once and is archived inside the folder.
    static func fetchesEveryKey(_ objects: [(key: String, body: String)], bucket: String, environment: [String: String]) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let tool = S3FetchTests.tool
        let archive = dir.path + "/archive"
        let run = try runShell("\(tool) --state \(dir.path)/state.json --archive \(archive) s3://\(bucket)", environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let expected = objects.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { object in
            #"{"trailFile":"s3://\#(bucket)/\#(object.key)",\#(object.body.dropFirst())"#
        }
        #expect(run.stdoutLines == expected)

        // Every copy is a file inside the archive, named from its key.
        let root = Self.realPath(archive)!
        let archived = try FileIO.filesBelow(archive)
        #expect(archived.count == objects.count)
        for path in archived {
            #expect(Self.realPath(path)?.hasPrefix(root + "/111122223333/us-east-1/2026/11/17/") == true, "\(path)")
        }
        #expect(FileIO.exists("\(archive)/111122223333/us-east-1/2026/11/17/a%2F..%2Fb.json"))

        for object in objects {
            let one = try runShell("\(tool) --quiet 's3://\(bucket)/\(object.key)'", environment: environment)
            #expect(one.status == 0 && one.stdoutLines.count == 1, "\(object.key): \(one.stderr)")
        }
        let again = try runShell("\(tool) --state \(dir.path)/state.json s3://\(bucket)", environment: environment)
        #expect(again.status == 0 && again.stdout.isEmpty, "\(again.stderr)")
    }

    @Test func motoListsSignsAndServesPathLikeKeys() throws {
        #expect(Self.names[5].utf8.count + Self.day.utf8.count == 1024)
        let moto = try MotoServer()
        defer { moto.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let objects = Self.objects(Self.motoNames)
        try moto.put(bucket: "keys", try objects.enumerated().map { ($0.element.key, try dir.write("\($0.offset)", $0.element.body)) })
        try Self.fetchesEveryKey(objects, bucket: "keys", environment: moto.environment)
    }

    @Test func aServerCheckingSignaturesAsS3DoesAcceptsEveryKeyForm() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let objects = Self.objects(Self.names)
        let table = try JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: objects.map { ("keys/" + $0.key, $0.body) }))
        let path = try dir.write("objects.json", String(decoding: table, as: UTF8.self))
        let server = try LoopbackServer(["python3", packageRoot + "/Tests/TrailFetchTests/signed_s3_listener.py", "AKIDLISTENER", "listener/secret+key", path])
        defer { server.stop() }
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDLISTENER", "AWS_SECRET_ACCESS_KEY": "listener/secret+key",
                           "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:\(server.port)", "AWS_REGION": "us-east-1",
                           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"]
        try Self.fetchesEveryKey(objects, bucket: "keys", environment: environment)
        #expect(!server.log.contains("403 "), "\(server.log)")
        // The listener does refuse a wrong signature.
        var wrong = environment
        wrong["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
        let refused = try runShell("\(S3FetchTests.tool) s3://keys", environment: wrong)
        #expect(refused.status == 2 && refused.stderr.contains("SignatureDoesNotMatch"), "\(refused.stderr)")
    }

    @Test func anObjectThatCannotBeArchivedIsReportedAndStillDelivered() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let objects = Self.objects(["a.json", "b.json"])
        let table = try JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: objects.map { ("keys/" + $0.key, $0.body) }))
        let server = try LoopbackServer(["python3", packageRoot + "/Tests/TrailFetchTests/signed_s3_listener.py", "AKIDLISTENER", "secret",
                                         try dir.write("objects.json", String(decoding: table, as: UTF8.self))])
        defer { server.stop() }
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDLISTENER", "AWS_SECRET_ACCESS_KEY": "secret",
                           "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:\(server.port)", "AWS_REGION": "us-east-1",
                           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"]
        // A link planted in the archive, pointing outside it.
        try FileManager.default.createDirectory(atPath: dir.path + "/outside", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.path + "/archive", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/archive/111122223333", withDestinationPath: dir.path + "/outside")
        let command = "'\(S3FetchTests.tool)' --state '\(dir.path)/state.json' --archive '\(dir.path)/archive' s3://keys"
        let run = try runShell(command, environment: environment)
        #expect(run.status == 1)
        #expect(run.stdoutLines.count == 2)
        for object in objects {
            #expect(run.stderr.contains("trail-fetch: s3://keys/\(object.key): not archived: \(dir.path)/archive/111122223333: not a folder (a link?); not written through\n"), "\(run.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/outside").isEmpty)
        let again = try runShell(command, environment: environment)
        #expect(again.status == 0 && again.stdout.isEmpty, "\(again.stderr)")
    }

    @Test func mapsEveryKeyToSafeNames() {
        #expect(Archive.component("..") == "%2E." && Archive.component(".") == "%2E" && Archive.component("") == "%")
        #expect(Archive.component(".hidden.json") == "%2Ehidden.json")
        #expect(Archive.component("a/../b\u{0}c%.json") == "a%2F..%2Fb%00c%25.json")
        #expect(Archive.component("x.json.gz") == "x.json.gz")
        let long = Archive.component(Substring(String(repeating: "é", count: 300) + ".json.gz"))
        #expect(long.utf8.count <= 255 && long.hasSuffix(".json.gz"))
        #expect(long != Archive.component(Substring(String(repeating: "é", count: 301) + ".json.gz")), "a hash keeps long names apart")
        let undated = Archive.components(key: "../x/./y//z.json", folderKey: "", day: nil, bucket: "b")
        #expect(undated == ["b", "%2E.", "x", "%2E", "y", "%", "z.json"])
        let dated = Archive.components(key: Self.day + "../x.json", folderKey: Self.day, day: 20774, bucket: "b")
        #expect(dated == ["111122223333", "us-east-1", "2026", "11", "17", "%2E.%2Fx.json"])
    }

    @Test func refusesToWriteThroughALinkPlantedInTheArchive() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let outside = dir.path + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.path + "/archive/111122223333", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/archive/111122223333/us-east-1", withDestinationPath: outside)
        let archive = Archive(root: dir.path + "/archive")
        #expect(throws: IOFailure.self) {
            try archive.write([1, 2], at: ["111122223333", "us-east-1", "2026", "11", "17", "x.json"])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        // A link in the file's own place is replaced, not followed.
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/archive/111122223333/y.json", withDestinationPath: outside + "/y.json")
        try archive.write([1, 2], at: ["111122223333", "y.json"])
        #expect(!FileIO.exists(outside + "/y.json"))
        #expect(try FileIO.readFile(dir.path + "/archive/111122223333/y.json") == [1, 2])
    }
}
