import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TrailCore
import TrailNetwork

/// `s3://bucket/prefix` or `oss://bucket/prefix`.
public struct BucketLocation: Sendable, Equatable {
    public let scheme: String
    public let bucket: String
    public let prefix: String

    public init?(_ uri: String) {
        guard let range = uri.range(of: "://") else { return nil }
        let scheme = String(uri[..<range.lowerBound])
        guard scheme == "s3" || scheme == "oss" else { return nil }
        let rest = uri[range.upperBound...]
        let bucket = rest.prefix { $0 != "/" }
        guard !bucket.isEmpty else { return nil }
        self.scheme = scheme
        self.bucket = String(bucket)
        prefix = String(rest.dropFirst(bucket.count + 1))
    }

    public var isAlibaba: Bool { scheme == "oss" }

    /// The URI of an object, as written in `trailFile` and the state.
    public func uri(_ key: String) -> String { "\(scheme)://\(bucket)/\(key)" }
}

/// One object of a listing.
public struct S3Object: Sendable, Equatable {
    public let key: String
    public let etag: String
    public let size: Int
}

/// A failure the run cannot go on after: bad credentials, access denied, no such bucket, an
/// endpoint that does not answer. One line, never holding a secret.
public struct S3Failure: Error, CustomStringConvertible {
    public let description: String
    /// The service's error code (`NoSuchKey`, `AccessDenied`, …), when it answered.
    public var code: String?
    /// The failure is the object's own (refused, too large): it fails the same way on every
    /// run, so it is reported and recorded as done instead of stopping the run.
    public var isObjectProblem: Bool

    public init(description: String, code: String? = nil, isObjectProblem: Bool = false) {
        self.description = description
        self.code = code
        self.isObjectProblem = isObjectProblem
    }

    /// The description without the leading `<uri>: `, for a report that names the object itself.
    public func reason(for uri: String) -> String {
        description.hasPrefix(uri + ": ") ? String(description.dropFirst(uri.count + 2)) : description
    }
}

/// The request budget of `--max-requests` is spent.
public struct RequestBudgetSpent: Error {}

/// Requests and bytes of a run, for the cost report.
public struct RequestCounts: Sendable, Equatable {
    public var lists = 0
    public var gets = 0
    public var bytes = 0
}

/// ListObjectsV2 and GetObject over `CurlTransport`, signed with SigV4, retried with backoff on
/// 5xx, throttling and timeouts. Thread-safe: downloads run in parallel.
public final class S3Client: @unchecked Sendable {
    public let location: BucketLocation
    private let http: CurlTransport
    private let credentials: AWSCredentialSource
    private let region: String
    private let base: URLComponents
    private let pathStyle: Bool
    private let maxRequests: Int?
    private let attempts: Int
    private let backoff: TimeInterval
    private let lock = NSLock()
    private var counts = RequestCounts()
    /// Called with one line per request under `--verbose` (`List s3://bucket/prefix`, `Get …`; no secret).
    public var log: (@Sendable (String) -> Void)?

    public enum Addressing: String, Sendable { case auto, path, virtual }

    /// `text` as an endpoint: an http or https URL with a host, else nil.
    public static func endpointURL(_ text: String) -> URLComponents? {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme, scheme == "http" || scheme == "https",
              let host = parts.host, !host.isEmpty else { return nil }
        return parts
    }

    /// A client signing with fixed keys.
    public convenience init(location: BucketLocation, credentials: AWSCredentials, region: String, endpoint: String?,
                            addressing: Addressing = .auto, attempts: Int = 4, backoff: TimeInterval = 0.25) throws(S3Failure) {
        try self.init(location: location, credentials: AWSCredentialSource(credentials), region: region, endpoint: endpoint,
                      addressing: addressing, attempts: attempts, backoff: backoff)
    }

    public init(location: BucketLocation, credentials: AWSCredentialSource, region: String, endpoint: String?,
                addressing: Addressing = .auto, maxRequests: Int? = nil, timeout: TimeInterval = 30,
                attempts: Int = 4, backoff: TimeInterval = 0.25) throws(S3Failure) {
        self.location = location
        self.credentials = credentials
        self.region = region
        let endpointText = endpoint ?? (location.isAlibaba ? "https://s3.oss-\(region).aliyuncs.com" : "https://s3.\(region).amazonaws.com")
        guard let parts = S3Client.endpointURL(endpointText) else {
            throw S3Failure(description: "\(endpointText): not an http(s) endpoint URL")
        }
        base = parts
        let host = parts.host ?? ""
        let dnsCompatible = location.bucket.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }
        switch addressing {
        case .path: pathStyle = true
        case .virtual: pathStyle = false
        case .auto:
            // Virtual-hosted on the clouds' own endpoints (OSS requires it); path-style on
            // custom endpoints (MinIO, test servers), whose DNS rarely has a name per bucket.
            let cloud = host.hasSuffix(".amazonaws.com") || host.hasSuffix(".aliyuncs.com")
            pathStyle = !(cloud && dnsCompatible)
        }
        http = CurlTransport(timeout: timeout)
        self.maxRequests = maxRequests
        self.attempts = attempts
        self.backoff = backoff
    }

    public var requestCounts: RequestCounts { lock.withLock { counts } }

    /// The URL and signed path of `key` (empty: the bucket), path-style or virtual-hosted.
    /// Each segment of the key is encoded once and kept, `..`, `.` and empty ones included:
    /// S3 names objects by the path as sent and does not normalize it.
    func url(key: String, query: [(String, String)]) -> (String, String, host: String) {
        var parts = base
        var path = parts.percentEncodedPath.hasSuffix("/") ? String(parts.percentEncodedPath.dropLast()) : parts.percentEncodedPath
        if pathStyle {
            path += "/" + SigV4Signer.uriEncode(location.bucket)
        } else {
            parts.host = "\(location.bucket).\(parts.host!)"
        }
        path += "/" + SigV4Signer.uriEncode(key, keepSlash: true)
        parts.percentEncodedPath = path
        parts.percentEncodedQuery = query.isEmpty ? nil : SigV4Signer.canonicalQuery(query)
        let host = parts.host! + (parts.port.map { ":\($0)" } ?? "")
        return (parts.string!, path, host)
    }

    public struct ListPage: Sendable {
        public var objects: [S3Object] = []
        public var commonPrefixes: [String] = []
        public var nextContinuationToken: String?
    }

    /// Every page of a listing below `prefix`, strictly after `startAfter`, in pages of at
    /// most `maxKeys` (the server's default, 1000, when nil).
    public func list(prefix: String, delimiter: String? = nil, startAfter: String? = nil, maxKeys: Int? = nil) throws -> ListPage {
        var all = ListPage()
        var token: String?
        repeat {
            // Keys come URL-encoded: XML 1.0 cannot carry every character a key may hold.
            var query = [("list-type", "2"), ("prefix", prefix), ("encoding-type", "url")]
            if let delimiter { query.append(("delimiter", delimiter)) }
            if let maxKeys { query.append(("max-keys", String(maxKeys))) }
            if let startAfter, token == nil { query.append(("start-after", startAfter)) }
            if let token { query.append(("continuation-token", token)) }
            let response = try send(key: "", query: query, counting: \.lists, what: location.uri(prefix))
            let page = try ListingParser.parse(response.body, what: location.uri(prefix))
            all.objects += page.objects
            all.commonPrefixes += page.commonPrefixes
            token = page.nextContinuationToken
        } while token != nil
        return all
    }

    /// The object's bytes, or nil when it is gone (deleted between listing and fetching). A
    /// body over `maxBytes` is an object problem (`S3Failure.isObjectProblem`).
    public func get(_ key: String, maxBytes: Int = .max) throws -> [UInt8]? {
        try getWithMetadata(key, maxBytes: maxBytes)?.body
    }

    /// The object's bytes and user metadata (`x-amz-meta-NAME` headers, by NAME), or nil when
    /// it is gone. Digest files carry their signature there.
    public func getWithMetadata(_ key: String, maxBytes: Int = .max) throws -> (body: [UInt8], metadata: [String: String])? {
        do {
            let response = try send(key: key, query: [], counting: \.gets, what: location.uri(key), maxBytes: maxBytes)
            lock.withLock { counts.bytes += response.body.count }
            var metadata: [String: String] = [:]
            for (name, value) in response.headers where name.hasPrefix("x-amz-meta-") {
                metadata[String(name.dropFirst("x-amz-meta-".count))] = value
            }
            return (response.body, metadata)
        } catch let failure as S3Failure where failure.code == "NoSuchKey" {
            return nil
        }
    }

    private func send(key: String, query: [(String, String)], counting: WritableKeyPath<RequestCounts, Int>, what: String,
                      maxBytes: Int = .max) throws -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            try lock.withLock {
                if let maxRequests, counts.lists + counts.gets >= maxRequests { throw RequestBudgetSpent() }
                counts[keyPath: counting] += 1
            }
            let (url, path, host) = url(key: key, query: query)
            let signer: SigV4Signer
            do {
                signer = SigV4Signer(credentials: try credentials.current(), region: region)
            } catch {
                throw S3Failure(description: "\(what): no credentials: \(error)")
            }
            let signing = signer.sign(method: "GET", path: path, query: query, headers: [(name: "host", value: host)], date: Date())
            // Identity encoding: the stored bytes as they are, for the archive and the byte count.
            let headers = signing.headers + [(name: "Accept-Encoding", value: "identity")]
            log?("\(counting == \RequestCounts.lists ? "List" : "Get") \(what)")
            let retryable: String
            do {
                let response = try http.get(url, headers: headers, maxBody: maxBytes)
                if (200..<300).contains(response.status) { return response }
                let error = ListingParser.error(response.body)
                if response.status >= 500 || response.status == 429 || error.code == "SlowDown" || error.code == "RequestTimeout" {
                    retryable = "HTTP \(response.status)" + (error.code.isEmpty ? "" : " \(error.code)")
                } else {
                    throw S3Failure(description: S3Client.explain(response, error: error, what: what), code: error.code,
                                    isObjectProblem: counting == \RequestCounts.gets && S3Client.isObjectRefusal(status: response.status, code: error.code))
                }
            } catch is BodyTooLarge {
                throw S3Failure(description: "\(what): size exceeds \(formatLimit(maxBytes)); skipped", isObjectProblem: true)
            } catch let transport as HTTPTransportError {
                guard attempt < attempts else {
                    throw S3Failure(description: "cannot reach \(base.url!.redactedForDisplay): \(transport.reason)")
                }
                retryable = transport.reason
            }
            guard attempt < attempts else {
                throw S3Failure(description: "\(what): gave up after \(attempts) attempts: \(retryable)")
            }
            log?("retrying after \(retryable)")
            // Exponential backoff with jitter, so parallel downloads do not retry in step.
            let delay = backoff * Double(1 << (attempt - 1)) * Double.random(in: 0.5...1.5)
            Thread.sleep(forTimeInterval: delay)
        }
    }

    /// A refusal of one object after the listing was allowed: the object's own (its key, its
    /// encryption key, its storage class), not the credentials', the clock's or the bucket's.
    static func isObjectRefusal(status: Int, code: String) -> Bool {
        let runWide: Set = ["InvalidAccessKeyId", "InvalidToken", "ExpiredToken", "TokenRefreshRequired", "RequestTimeTooSkewed",
                            "AccountProblem", "AllAccessDisabled", "NoSuchBucket"]
        return (400..<500).contains(status) && status != 408 && status != 429 && !runWide.contains(code)
    }

    /// The errors of a request sent to the wrong region (a 301 among them): the answer names
    /// the bucket's region, which says more than where a redirect points.
    static let otherRegionCodes: Set = ["PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"]

    static func explain(_ response: HTTPResponse, error: (code: String, message: String), what: String) -> String {
        if (300..<400).contains(response.status), !otherRegionCodes.contains(error.code) {
            // Never followed: the request's credentials would go to whatever host it names.
            let target = response.headers["location"].flatMap { URLComponents(string: $0)?.host } ?? "no Location"
            return "\(what): HTTP \(response.status) redirect to \(target) not followed (credentials go to the endpoint only)"
        }
        return explain(status: response.status, error: error, region: response.headers["x-amz-bucket-region"], what: what)
    }

    static func explain(status: Int, error: (code: String, message: String), region: String?, what: String) -> String {
        let reason: String
        switch error.code {
        case "InvalidAccessKeyId": reason = "authentication failed: the access key id is not known"
        case "SignatureDoesNotMatch": reason = "authentication failed: the secret access key does not match the key id"
        case "InvalidToken", "ExpiredToken": reason = "authentication failed: the session token is invalid or expired"
        case "AccessDenied": reason = "access denied"
        case "NoSuchBucket": reason = "no such bucket"
        case "NoSuchKey": reason = "no such object"
        case "RequestTimeTooSkewed": reason = "the local clock is too far from the server's"
        case let code where otherRegionCodes.contains(code):
            reason = "the bucket is in another region" + (region.map { ": use --bucket-region \($0)" } ?? "")
        default:
            reason = error.message.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(error.message)"
        }
        return "\(what): \(reason)" + (error.code.isEmpty ? "" : " (\(error.code))")
    }
}

/// Reads ListObjectsV2 results and `<Error>` bodies.
final class ListingParser: NSObject, XMLParserDelegate {
    private var page = S3Client.ListPage()
    private var path: [String] = []
    private var text = ""
    private var key = "", etag = "", size = 0
    private var errorCode = "", errorMessage = ""
    private var truncated = false

    static func parse(_ body: [UInt8], what: String) throws(S3Failure) -> S3Client.ListPage {
        let delegate = ListingParser()
        let parser = XMLParser(data: Data(body))
        parser.delegate = delegate
        guard parser.parse(), delegate.path.isEmpty else {
            throw S3Failure(description: "\(what): the listing is not valid XML")
        }
        if !delegate.truncated { delegate.page.nextContinuationToken = nil }
        return delegate.page
    }

    static func error(_ body: [UInt8]) -> (code: String, message: String) {
        let delegate = ListingParser()
        let parser = XMLParser(data: Data(body))
        parser.delegate = delegate
        _ = parser.parse()
        return (delegate.errorCode, delegate.errorMessage)
    }

    /// A key of an `encoding-type=url` listing: `+` is a space (S3 writes a `+` as `%2B`).
    static func urlDecoded(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        path.append(name)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let parent = path.count >= 2 ? path[path.count - 2] : ""
        switch (parent, name) {
        case ("Contents", "Key"): key = ListingParser.urlDecoded(text)
        case ("Contents", "ETag"): etag = text
        case ("Contents", "Size"): size = Int(text) ?? 0
        case ("ListBucketResult", "Contents"):
            page.objects.append(S3Object(key: key, etag: etag, size: size))
            key = ""; etag = ""; size = 0
        case ("CommonPrefixes", "Prefix"): page.commonPrefixes.append(ListingParser.urlDecoded(text))
        case ("ListBucketResult", "IsTruncated"): truncated = text == "true"
        case ("ListBucketResult", "NextContinuationToken"): page.nextContinuationToken = text
        case ("Error", "Code"): errorCode = text
        case ("Error", "Message"): errorMessage = text
        default: break
        }
        path.removeLast()
        text = ""
    }
}
