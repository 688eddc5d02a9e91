import Foundation
import TrailCore
import TrailNetwork

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
        timeout = Int(options.take("timeout").flatMap(TimeSpan.seconds) ?? 30)
        caCertificates = options.take("cacert")
    }

    init(url: String, timeout: Int, caCertificates: String?) {
        self.url = url
        self.timeout = timeout
        self.caCertificates = caCertificates
    }
}

/// POSTs to HTTP APIs through TrailCore's libcurl transport: a private CA can be trusted
/// (`cacert=`), and redirects are never followed, so a key in a header goes to its own host
/// only. Errors name the reason, never the URL (tokens live in it).
final class APIClient: Sendable {
    /// Replies longer than this are refused: only their status and a short error are read.
    static let maxReply = 1 << 20
    let endpoint: APIEndpoint
    private let transport: CurlTransport

    init(_ endpoint: APIEndpoint) {
        self.endpoint = endpoint
        transport = CurlTransport(timeout: TimeInterval(endpoint.timeout), caCertificates: endpoint.caCertificates)
    }

    /// Sends `body` to `url` (the endpoint's unless given); the reply, whatever its status.
    func post(_ body: [UInt8], headers: [(name: String, value: String)], url: String? = nil) throws -> HTTPResponse {
        do {
            return try transport.send("POST", url ?? endpoint.url, headers: headers, body: body, maxBody: APIClient.maxReply)
        } catch let error as HTTPTransportError {
            throw NotifyError(error.reason)
        } catch is BodyTooLarge {
            throw NotifyError("a reply over \(APIClient.maxReply) bytes")
        }
    }

    /// Throws unless the reply is a 2xx. A 4xx refuses the message for good, except 408 and
    /// 429 (try later), 401 and 403, and what `refusesTarget` recognises in a reply: refusals
    /// of the target's key or settings, which every message would meet, so they wait in the
    /// spool for a fixed target. `secrets` are masked in the reply quoted in the error.
    static func check(_ response: HTTPResponse, hiding secrets: [String], refusesTarget: (HTTPResponse) -> Bool = { _ in false }) throws {
        guard !(200..<300).contains(response.status) else { return }
        let permanent = WebhookTransport.refusesForGood(response.status) && ![401, 403].contains(response.status) && !refusesTarget(response)
        let detail = Target.masking(secrets, in: shortReply(response.body))
        throw NotifyError("HTTP \(response.status)\(detail.isEmpty ? "" : ": " + detail)", permanent: permanent, retryAfter: response.retryAfter)
    }

    /// Whether the reply's text holds `phrase`, in any case.
    static func reply(_ response: HTTPResponse, mentions phrase: String) -> Bool {
        String(decoding: response.body.prefix(maxReply), as: UTF8.self).range(of: phrase, options: .caseInsensitive) != nil
    }

    /// The start of a reply, on one line, for an error message.
    static func shortReply(_ body: [UInt8]) -> String {
        PrintableText.escaped(String(decoding: body.prefix(200), as: UTF8.self)).trimmingCharacters(in: .whitespaces)
    }
}
