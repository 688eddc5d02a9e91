import CCurl
import Foundation
import TrailCore

/// A response body passed the caller's cap; the transfer was stopped there.
public struct BodyTooLarge: Error {}

/// Signed requests over libcurl (S3, STS, SQS, the credential endpoints). URLSession is not
/// used: on Linux it hands URLs to libcurl without CURLOPT_PATH_AS_IS, so `/../` and `/./` in
/// an S3 key were removed after signing (a signature mismatch), and it follows redirects with
/// the Authorization header to any host. Here the path goes out byte for byte as signed, a
/// redirect is returned to the caller like any other status, and a body stops at a cap.
public final class CurlTransport: @unchecked Sendable {
    static let initialiseCurl: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
    private let timeout: TimeInterval
    /// A PEM file of certificates to trust instead of the system's (a private CA).
    private let caCertificates: String?
    /// Idle handles: curl keeps their connections open for the next request.
    private var idle: [UnsafeMutableRawPointer] = []
    private let lock = NSLock()

    public init(timeout: TimeInterval, caCertificates: String? = nil) {
        _ = CurlTransport.initialiseCurl
        self.timeout = timeout
        self.caCertificates = caCertificates
    }

    deinit { idle.forEach { curl_easy_cleanup($0) } }

    /// GETs `url` with `headers` (Host among them, as signed); a body longer than `maxBody`
    /// throws `BodyTooLarge`.
    public func get(_ url: String, headers: [(name: String, value: String)], maxBody: Int) throws -> HTTPResponse {
        try send("GET", url, headers: headers, body: nil, maxBody: maxBody)
    }

    /// Sends `method` to `url` with `headers` and `body` (none: no body at all).
    public func send(_ method: String, _ url: String, headers: [(name: String, value: String)], body: [UInt8]?,
                     maxBody: Int) throws -> HTTPResponse {
        guard let curl = lock.withLock({ idle.popLast() }) ?? curl_easy_init() else {
            throw HTTPTransportError(url: url, reason: "libcurl could not start", isTimeout: false)
        }
        defer {
            curl_easy_reset(curl)
            lock.withLock { idle.append(curl) }
        }
        let received = Received(maxBody: maxBody)
        var list: UnsafeMutablePointer<curl_slist>?
        // No `Expect: 100-continue`: one round trip, and small servers need not answer it.
        for header in headers + [(name: "Expect", value: "")] { list = curl_slist_append(list, "\(header.name): \(header.value)") }
        defer { curl_slist_free_all(list) }
        // The callbacks get `received` unretained: it must outlive the transfer, and the
        // handle is reset (forgetting the pointer) before it is used again.
        let context = Unmanaged.passUnretained(received).toOpaque()
        configure(curl, url: url, headers: list, context: context)
        _ = trail_curl_set_pointer(curl, CURLOPT_CUSTOMREQUEST, method)
        let code = (body ?? []).withUnsafeBufferPointer { bytes in
            if body != nil {
                _ = trail_curl_set_long(curl, CURLOPT_POSTFIELDSIZE, bytes.count)
                _ = trail_curl_set_pointer(curl, CURLOPT_POSTFIELDS, bytes.baseAddress ?? UnsafePointer(bitPattern: 1))
            }
            return withExtendedLifetime(received) { curl_easy_perform(curl) }
        }
        if received.tooLarge { throw BodyTooLarge() }
        guard code == CURLE_OK else {
            throw HTTPTransportError(url: URL(string: url).map(\.redactedForDisplay) ?? "<url>", reason: String(cString: curl_easy_strerror(code)),
                                     isTimeout: code == CURLE_OPERATION_TIMEDOUT)
        }
        var status = 0
        _ = trail_curl_get_long(curl, CURLINFO_RESPONSE_CODE, &status)
        // Retry-After in either of its forms (seconds or a date), as curl reads it; 0 if none.
        var retryAfter: curl_off_t = 0
        _ = trail_curl_get_off_t(curl, CURLINFO_RETRY_AFTER, &retryAfter)
        return HTTPResponse(status: status, headers: received.headers, body: received.body,
                            retryAfter: retryAfter > 0 ? Int(retryAfter) : nil)
    }

    private func configure(_ curl: UnsafeMutableRawPointer, url: String, headers: UnsafeMutablePointer<curl_slist>?,
                           context: UnsafeMutableRawPointer) {
        _ = trail_curl_set_pointer(curl, CURLOPT_URL, url)
        _ = trail_curl_set_pointer(curl, CURLOPT_HTTPHEADER, headers)
        // The path as signed: S3 keys may hold `..`, `.` and empty segments.
        _ = trail_curl_set_long(curl, CURLOPT_PATH_AS_IS, 1)
        // Redirects are the caller's to judge (they are never followed with credentials).
        _ = trail_curl_set_long(curl, CURLOPT_FOLLOWLOCATION, 0)
        _ = trail_curl_set_long(curl, CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
        _ = trail_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
        _ = trail_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT, Int(timeout))
        // A stalled transfer (under 1 byte/s for the timeout) fails; a slow large one does not.
        _ = trail_curl_set_long(curl, CURLOPT_LOW_SPEED_LIMIT, 1)
        _ = trail_curl_set_long(curl, CURLOPT_LOW_SPEED_TIME, Int(timeout))
        if let caCertificates { _ = trail_curl_set_pointer(curl, CURLOPT_CAINFO, caCertificates) }
        _ = trail_curl_set_writer(curl, CURLOPT_WRITEFUNCTION, CURLOPT_WRITEDATA, { data, size, count, context in
            Unmanaged<Received>.fromOpaque(context!).takeUnretainedValue().append(data!, size * count)
        }, context)
        _ = trail_curl_set_writer(curl, CURLOPT_HEADERFUNCTION, CURLOPT_HEADERDATA, { data, size, count, context in
            Unmanaged<Received>.fromOpaque(context!).takeUnretainedValue().header(data!, size * count)
        }, context)
    }

    /// What the callbacks collect for one transfer.
    private final class Received {
        let maxBody: Int
        var body: [UInt8] = []
        var headers: [String: String] = [:]
        var tooLarge = false

        init(maxBody: Int) { self.maxBody = maxBody }

        /// Returning less than `count` makes curl stop the transfer.
        func append(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
            guard body.count + count <= maxBody else {
                tooLarge = true
                return 0
            }
            body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: count))
            return count
        }

        /// One header line, or a status line, which starts a new response's headers.
        func header(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
            if line.hasPrefix("HTTP/") {
                headers = [:]
            } else if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return count
        }
    }
}
