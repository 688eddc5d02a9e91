import Crypto
import Foundation
import TrailCore

/// `dingtalk://${ACCESS_TOKEN}?secret=${SIGN_SECRET}`: a DingTalk group's custom robot. With
/// `secret` (the robot's "additional signature" security setting) each request is signed.
public struct DingTalkSettings: Sendable {
    static let defaultURL = "https://oapi.dingtalk.com/robot/send"

    public let accessToken: String
    public let secret: String?
    public let endpoint: APIEndpoint

    init(url: URLComponents, options: inout TargetOptions) throws {
        guard let token = url.percentEncodedHost?.removingPercentEncoding, !token.isEmpty else {
            throw NotifyError("the robot's access token is missing: dingtalk://ACCESS_TOKEN")
        }
        accessToken = token
        secret = options.take("secret").flatMap { $0.isEmpty ? nil : $0 }
        endpoint = try APIEndpoint(default: DingTalkSettings.defaultURL, options: &options)
    }
}

/// Posts a markdown message. DingTalk answers 200 even when it refuses, with the reason in
/// `errcode`: any non-zero code is a failure (a wrong signature, a keyword or address rule,
/// sending too fast), kept in the spool, as these hold for every message until fixed.
struct DingTalkTransport: Transport {
    let settings: DingTalkSettings
    let client: APIClient

    func send(_ message: Message) throws {
        let url = DingTalkTransport.signedURL(settings, at: Date())
        let response = try client.post(DingTalkTransport.markdown(message), headers: [("Content-Type", "application/json")], url: url)
        let secrets = [settings.accessToken] + (settings.secret.map { [$0] } ?? [])
        try APIClient.check(response, hiding: secrets)
        let (code, reason) = DingTalkTransport.errcode(response.body)
        guard code == "0" else {
            throw NotifyError("DingTalk errcode \(code ?? "missing")\(reason.map { ": " + Target.masking(secrets, in: PrintableText.escaped($0)) } ?? "")")
        }
    }

    /// The endpoint with `access_token`, and with `secret` also `timestamp` (milliseconds) and
    /// `sign`: base64 of HMAC-SHA256 over "timestamp\nsecret" keyed with the secret.
    static func signedURL(_ settings: DingTalkSettings, at date: Date) -> String {
        var query = [("access_token", settings.accessToken)]
        if let secret = settings.secret {
            let timestamp = String(Int64(date.timeIntervalSince1970 * 1000))
            query += [("timestamp", timestamp), ("sign", signature(timestamp: timestamp, secret: secret))]
        }
        let separator = settings.endpoint.url.contains("?") ? "&" : "?"
        return settings.endpoint.url + separator + query.map { "\($0.0)=\(queryEncoded($0.1))" }.joined(separator: "&")
    }

    static func signature(timestamp: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp)\n\(secret)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return Base64.encode(Array(mac))
    }

    private static func queryEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .urlUnreservedCharacters) ?? value
    }

    /// The card as DingTalk markdown: the title as a heading, each fact on a line of its own.
    static func markdown(_ message: Message) -> [UInt8] {
        let card = ChatCard(message.markdown, consoleURL: message.facts?.consoleURL)
        var lines = ["#### " + card.title]
        for part in card.parts {
            switch part {
            case .text(let text): lines.append(text)
            case .facts(let facts): lines += facts.map { "**\($0.label):** \($0.value)" }
            }
        }
        if let url = card.consoleURL { lines.append("[Open in the console](\(url))") }
        var w = JSONWriter()
        w.beginObject()
        w.member("msgtype", "markdown")
        w.key("markdown")
        w.beginObject()
        w.member("title", String(message.subject.prefix(100)))
        w.member("text", lines.joined(separator: "\n\n"))
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// `errcode` and `errmsg` of a reply.
    static func errcode(_ body: [UInt8]) -> (code: String?, reason: String?) {
        body.withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            guard let root = try? s.validateDocument(), s.kind(at: root) == .object else { return (nil, nil) }
            return (s.member("errcode", ofObjectAt: root).flatMap { s.text(at: $0) },
                    s.member("errmsg", ofObjectAt: root).flatMap { s.text(at: $0) })
        }
    }
}
