import Foundation
import Testing
import TrailCore
import TrailNetwork
@testable import TrailFetch
import TrailTestSupport

@Suite struct SigV4Tests {
    static let docCredentials = AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let listQuery = [("list-type", "2"), ("prefix", "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/")]
    static let listHost = "my-trail-bucket.s3.us-east-1.amazonaws.com"

    static func date(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text)!
    }

    // formats.md §5.1: the AWS S3 documentation's examples and this project's verified vectors.
    @Test func signsTheAWSDocumentationExamples() {
        let signer = SigV4Signer(credentials: Self.docCredentials, region: "us-east-1")
        let get = signer.sign(method: "GET", path: "/test.txt", query: [],
                              headers: [(name: "host", value: "examplebucket.s3.amazonaws.com"), (name: "range", value: "bytes=0-9")],
                              date: Self.date("2013-05-24T00:00:00Z"))
        #expect(get.signedHeaders == "host;range;x-amz-content-sha256;x-amz-date")
        #expect(get.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        let list = signer.sign(method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")],
                               headers: [(name: "host", value: "examplebucket.s3.amazonaws.com")], date: Self.date("2013-05-24T00:00:00Z"))
        #expect(list.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func signsListObjectsV2WithAndWithoutASessionToken() {
        let at = Self.date("2024-01-15T12:00:00Z")
        let host = [(name: "host", value: Self.listHost)]
        let plain = SigV4Signer(credentials: Self.credentials, region: "us-east-1").sign(method: "GET", path: "/", query: Self.listQuery, headers: host, date: at)
        #expect(plain.signature == "d4739644ae77ceedcc924badd2480d0834fc1cceaed85ec32c65e7a5382b3474")
        #expect(plain.headers.last?.value == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240115/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=d4739644ae77ceedcc924badd2480d0834fc1cceaed85ec32c65e7a5382b3474")

        let withToken = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.credentials.secretAccessKey, sessionToken: "FQoGZXIvYXdzEXAMPLETOKEN")
        let temporary = SigV4Signer(credentials: withToken, region: "us-east-1").sign(method: "GET", path: "/", query: Self.listQuery, headers: host, date: at)
        #expect(temporary.signature == "c2650e0c22769b07ec9d48312f38cfcd4c3f75edb1e61f612cb6e00f55fbd83b")
        #expect(temporary.headers.contains { $0.name == "x-amz-security-token" && $0.value == "FQoGZXIvYXdzEXAMPLETOKEN" })

        let unsigned = SigV4Signer(credentials: Self.credentials, region: "us-east-1")
            .sign(method: "GET", path: "/", query: Self.listQuery, headers: host, date: at, payloadHash: "UNSIGNED-PAYLOAD")
        #expect(unsigned.canonicalRequest == """
            GET
            /
            list-type=2&prefix=AWSLogs%2F111122223333%2FCloudTrail%2Fus-east-1%2F2024%2F01%2F15%2F
            host:my-trail-bucket.s3.us-east-1.amazonaws.com
            x-amz-content-sha256:UNSIGNED-PAYLOAD
            x-amz-date:20240115T120000Z

            host;x-amz-content-sha256;x-amz-date
            UNSIGNED-PAYLOAD
            """)
        #expect(unsigned.stringToSign.hasPrefix("AWS4-HMAC-SHA256\n20240115T120000Z\n20240115/us-east-1/s3/aws4_request\n"))
        #expect(unsigned.signature == "ca4b203da9dbde4b120dcd0020ed388b1d4a45b32f990553ec99e7f1a4685e07")
    }

    /// botocore's own S3 signer (installed with the AWS CLI) signs the same requests at the
    /// same time: list and get, path-style and virtual-hosted, with and without a token.
    @Test func agreesWithBotocore() throws {
        let cases: [(url: String, token: String?)] = [
            ("https://my-trail-bucket.s3.us-east-1.amazonaws.com/?list-type=2&prefix=AWSLogs%2F111122223333%2FCloudTrail%2F&start-after=AWSLogs%2Fa&delimiter=%2F", nil),
            ("https://s3.eu-west-1.amazonaws.com/my-trail-bucket/?list-type=2&prefix=AWSLogs%2F&continuation-token=1ueGcxLPRx1Tr%2Fab%3D%3D", "FQoGZXIvYXdzEXAMPLETOKEN"),
            ("https://my-trail-bucket.s3.us-east-1.amazonaws.com/AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/111122223333_CloudTrail_us-east-1_20240115T0005Z_AbCdEfGhIjKlMnOp.json.gz", nil),
            ("http://127.0.0.1:9000/trail/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/15/x~y.json.gz", "FQoGZXIvYXdzEXAMPLETOKEN"),
            // S3 keeps `..`, `.` and empty segments: signed as sent, not normalized.
            ("http://127.0.0.1:9000/trail/AWSLogs/a/../b/./c//d%20e%2Bf%25g%C3%BC.json", nil),
        ]
        for (url, token) in cases {
            let region = url.contains("eu-west-1.amazonaws") ? "eu-west-1" : "us-east-1"
            let result = try runShell("""
                python3 -c '
                import datetime, sys
                from unittest import mock
                from botocore.auth import S3SigV4Auth
                from botocore.awsrequest import AWSRequest
                from botocore.credentials import Credentials
                url, region, token = sys.argv[1], sys.argv[2], sys.argv[3] or None
                request = AWSRequest(method="GET", url=url)
                fixed = datetime.datetime(2024, 1, 15, 12, 0, 0)
                with mock.patch("botocore.auth.get_current_datetime", return_value=fixed):
                    S3SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token), "s3", region).add_auth(request)
                print(request.headers["X-Amz-Content-SHA256"]); print(request.headers["Authorization"])
                ' '\(url)' \(region) '\(token ?? "")'
                """)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdoutLines
            guard lines.count == 2 else { continue }
            let parts = URLComponents(string: url)!
            let host = parts.host! + (parts.port.map { ":\($0)" } ?? "")
            let query = (parts.queryItems ?? []).map { ($0.name, $0.value ?? "") }
            let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.credentials.secretAccessKey, sessionToken: token)
            let ours = SigV4Signer(credentials: credentials, region: region)
                .sign(method: "GET", path: parts.percentEncodedPath, query: query, headers: [(name: "host", value: host)],
                      date: Self.date("2024-01-15T12:00:00Z"), payloadHash: lines[0])
            #expect(ours.headers.last?.value == lines[1], "\(url)")
        }
    }

    @Test func encodesKeysOnceAndQueryValuesFully() {
        #expect(SigV4Signer.uriEncode("a b/c+d~e", keepSlash: true) == "a%20b/c%2Bd~e")
        #expect(SigV4Signer.uriEncode("a b/c") == "a%20b%2Fc")
        #expect(SigV4Signer.uriEncode("é") == "%C3%A9")
        #expect(SigV4Signer.canonicalQuery([("prefix", "b"), ("delimiter", "/"), ("list-type", "2")]) == "delimiter=%2F&list-type=2&prefix=b")
        #expect(!"\(Self.credentials)".contains("EXAMPLEKEY"))
    }
}
