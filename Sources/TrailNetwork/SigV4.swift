import Crypto
import Foundation
import TrailCore

/// An access key pair, with the session token of temporary credentials. Its description
/// shows the key id only: the secret and token never reach a log or an error message.
public struct AWSCredentials: Sendable, CustomStringConvertible {
    public let accessKeyID: String
    public let secretAccessKey: String
    public let sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "credentials \(accessKeyID)" }
}

/// AWS Signature Version 4, as in formats.md §5.1: for S3 requests without a body (GetObject,
/// ListObjectsV2; S3 paths are not normalized, every path segment is encoded once) and for
/// query-API POSTs with a form body (SNS Publish). The payload hash is sent in
/// `x-amz-content-sha256`.
public struct SigV4Signer: Sendable {
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public let credentials: AWSCredentials
    public let region: String
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// What a signature is made of, kept apart so that tests can compare each step.
    public struct Signing: Sendable {
        public let canonicalRequest: String
        public let stringToSign: String
        public let signature: String
        public let signedHeaders: String
        /// Headers to send: the given ones plus `x-amz-date`, `x-amz-content-sha256`, the
        /// session token, and `Authorization`.
        public let headers: [(name: String, value: String)]
    }

    /// Signs `method` on `path` (already percent-encoded, as sent) with `query` pairs
    /// (unencoded) and extra `headers` (`host` is required among them).
    public func sign(method: String, path: String, query: [(String, String)], headers: [(name: String, value: String)],
                     date: Date, payloadHash: String = SigV4Signer.emptyPayloadHash) -> Signing {
        let (amzDate, day) = SigV4Signer.timestamps(date)
        var all = headers
        all.append((name: "x-amz-content-sha256", value: payloadHash))
        all.append((name: "x-amz-date", value: amzDate))
        if let token = credentials.sessionToken { all.append((name: "x-amz-security-token", value: token)) }

        let canonicalHeaders = all
            .map { (name: $0.name.lowercased(), value: SigV4Signer.trimmed($0.value)) }
            .sorted { $0.name < $1.name }
        let signedHeaders = canonicalHeaders.map(\.name).joined(separator: ";")
        let canonicalRequest = [
            method,
            path.isEmpty ? "/" : path,
            SigV4Signer.canonicalQuery(query),
            canonicalHeaders.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")

        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(Hex.encode(SHA256.hash(data: Array(canonicalRequest.utf8))))"
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        all.append((name: "Authorization", value:
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return Signing(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                       signedHeaders: signedHeaders, headers: all)
    }

    /// `name=value` pairs encoded, sorted by name then value, joined with `&`.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.map { (uriEncode($0.0), uriEncode($0.1)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// RFC 3986 encoding, unreserved characters kept; `/` kept too when `keepSlash`
    /// (object keys in paths), else encoded (query values).
    public static func uriEncode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += "%" + Hex.encode([byte], uppercase: true)
            }
        }
        return out
    }

    /// `YYYYMMDDTHHMMSSZ` and `YYYYMMDD` in UTC.
    static func timestamps(_ date: Date) -> (String, String) {
        let time = Timestamp(epoch: date.timeIntervalSince1970)
        return (time.utc("%Y%m%dT%H%M%SZ"), time.utc("%Y%m%d"))
    }

    /// Trimmed, with inner runs of spaces collapsed to one.
    static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// The hash of a request body, as `payloadHash` takes it.
    public static func payloadHash(_ body: [UInt8]) -> String { Hex.encode(SHA256.hash(data: body)) }
}
