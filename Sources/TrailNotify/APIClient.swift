import CCurl
import Foundation
import TrailCore

/// Where an HTTP API target posts: the endpoint (the service's own, or `?url=` for tests and
/// proxies), a timeout, and certificates to trust instead of the system's (`cacert=`).
public struct APIEndpoint: Sendable {
    public let url: String
    public let timeout: Int
    public let caCertificates: String?

    /// Takes `url=`, `timeout=` and `cacert=` from the target's options; `url` is the default.
    init(default url: String, options: inout TargetOptions) throws {
        let given = options.take("url")
        if let given, URL(string: given)?.scheme.map({ ["http", "https"].contains($0.lowercased()) }) != true {
            throw NotifyError("url= must be an http:// or https:// URL")
        }
        self.url = given ?? url
        timeout = Int(options.take("timeout").flatMap(Interval.seconds) ?? 30)
        caCertificates = options.take("cacert")
    }
}

/// POSTs to HTTP APIs through libcurl: a private CA can be trusted (`cacert=`, which
/// URLSession on Linux cannot do), and redirects are never followed, so a key in a header
/// goes to its own host only. Errors name the reason, never the URL (tokens live in it).
final class APIClient: @unchecked Sendable {
    private static let initialiseCurl: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
    /// Replies longer than this are cut: only their status and a short error are read.
    static let maxReply = 64 * 1024
    let endpoint: APIEndpoint

    init(_ endpoint: APIEndpoint) {
        _ = APIClient.initialiseCurl
        self.endpoint = endpoint
    }

    /// Sends `body` to `url` (the endpoint's unless given); the reply, whatever its status.
    func post(_ body: [UInt8], headers: [(name: String, value: String)], url: String? = nil) throws -> HTTPResponse {
        guard let curl = curl_easy_init() else { throw NotifyError("libcurl could not start") }
        defer { curl_easy_cleanup(curl) }
        var list: UnsafeMutablePointer<curl_slist>?
        // No `Expect: 100-continue`: one round trip, and small servers need not answer it.
        for header in headers + [(name: "Expect", value: "")] { list = curl_slist_append(list, "\(header.name): \(header.value)") }
        defer { curl_slist_free_all(list) }
        let reply = Reply()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code = body.withUnsafeBufferPointer { bytes in
            errorBuffer.withUnsafeMutableBufferPointer { errors in
                withExtendedLifetime(reply) { () -> CURLcode in
                    configure(curl, url: url ?? endpoint.url, headers: list)
                    _ = trail_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, errors.baseAddress)
                    _ = trail_curl_set_long(curl, CURLOPT_POSTFIELDSIZE, bytes.count)
                    _ = trail_curl_set_pointer(curl, CURLOPT_POSTFIELDS, bytes.baseAddress ?? UnsafePointer(bitPattern: 1))
                    _ = trail_curl_set_writer(curl, CURLOPT_WRITEFUNCTION, CURLOPT_WRITEDATA, { data, size, count, context in
                        Unmanaged<Reply>.fromOpaque(context!).takeUnretainedValue().append(data!, size * count)
                    }, Unmanaged.passUnretained(reply).toOpaque())
                    return curl_easy_perform(curl)
                }
            }
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw NotifyError(detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
        var status = 0
        _ = trail_curl_get_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: [:], body: reply.body)
    }

    private func configure(_ curl: UnsafeMutableRawPointer, url: String, headers: UnsafeMutablePointer<curl_slist>?) {
        _ = trail_curl_set_pointer(curl, CURLOPT_URL, url)
        _ = trail_curl_set_pointer(curl, CURLOPT_HTTPHEADER, headers)
        _ = trail_curl_set_long(curl, CURLOPT_POST, 1)
        _ = trail_curl_set_long(curl, CURLOPT_FOLLOWLOCATION, 0)
        _ = trail_curl_set_long(curl, CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
        _ = trail_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
        _ = trail_curl_set_long(curl, CURLOPT_TIMEOUT, endpoint.timeout)
        _ = trail_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT, min(endpoint.timeout, 10))
        if let caCertificates = endpoint.caCertificates { _ = trail_curl_set_pointer(curl, CURLOPT_CAINFO, caCertificates) }
    }

    /// Throws unless the reply is a 2xx. A 4xx refuses the message for good, except 408 and
    /// 429 (try later), 401 and 403, and what `refusesTarget` recognises in a reply: refusals
    /// of the target's key or settings, which every message would meet, so they wait in the
    /// spool for a fixed target. `secrets` are masked in the reply quoted in the error.
    static func check(_ response: HTTPResponse, hiding secrets: [String], refusesTarget: (HTTPResponse) -> Bool = { _ in false }) throws {
        guard !(200..<300).contains(response.status) else { return }
        let permanent = WebhookTransport.refusesForGood(response.status) && ![401, 403].contains(response.status) && !refusesTarget(response)
        let detail = Target.masking(secrets, in: shortReply(response.body))
        throw NotifyError("HTTP \(response.status)\(detail.isEmpty ? "" : ": " + detail)", permanent: permanent)
    }

    /// Whether the reply's text holds `phrase`, in any case.
    static func reply(_ response: HTTPResponse, mentions phrase: String) -> Bool {
        String(decoding: response.body.prefix(maxReply), as: UTF8.self).range(of: phrase, options: .caseInsensitive) != nil
    }

    /// The start of a reply, on one line, for an error message.
    static func shortReply(_ body: [UInt8]) -> String {
        PrintableText.escaped(String(decoding: body.prefix(200), as: UTF8.self)).trimmingCharacters(in: .whitespaces)
    }

    /// What the write callback collects.
    private final class Reply {
        var body: [UInt8] = []

        func append(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
            if body.count < APIClient.maxReply {
                body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: min(count, APIClient.maxReply - body.count)))
            }
            return count
        }
    }
}
