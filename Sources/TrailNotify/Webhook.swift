import Foundation
import TrailCore

/// `https://…` web hooks. `format=json` (default) posts `{"id","subject","body","level",
/// "record"}`; `slack` an incoming-webhook message; `teams` an Adaptive Card for a Teams
/// Workflows webhook; `ocsf` an OCSF Detection Finding.
/// Slack's and Teams' hosts (Workflows: `*.logic.azure.com`, `*.api.powerplatform.com`)
/// choose their format by themselves. Other query items stay in the URL.
public struct WebhookSettings: Sendable {
    public enum Format: String, Sendable { case json, slack, teams, ocsf }

    public let format: Format
    /// The hook's URL, its timeout and `cacert=`, a private CA to trust.
    public let endpoint: APIEndpoint

    init(url: URLComponents, options: inout TargetOptions) throws {
        var url = url
        let host = url.host?.lowercased() ?? ""
        if let format = options.take("format") {
            guard let parsed = Format(rawValue: format) else { throw NotifyError("web hook format is json, slack, teams or ocsf, not \(format)") }
            self.format = parsed
        } else if host == "hooks.slack.com" {
            format = .slack
        } else if host.hasSuffix(".logic.azure.com") || host.hasSuffix(".api.powerplatform.com")
                    || host.hasSuffix(".webhook.office.com") || host == "outlook.office.com" {
            // Teams Workflows webhooks (Power Automate), and the retired connectors' hosts.
            format = .teams
        } else {
            format = .json
        }
        let timeout = options.take("timeout").flatMap(TimeSpan.seconds).map(Int.init) ?? 30
        let caCertificates = options.take("cacert")
        let rest = options.remaining
        url.queryItems = rest.isEmpty ? nil : rest
        guard let full = url.url else { throw NotifyError("not a web hook URL") }
        endpoint = APIEndpoint(url: full.absoluteString, timeout: timeout, caCertificates: caCertificates)
    }
}

struct WebhookTransport: Transport {
    let settings: WebhookSettings
    let client: APIClient

    func send(_ message: Message) throws {
        let response = try client.post(WebhookTransport.payload(message, format: settings.format), headers: [
            ("Content-Type", "application/json"),
            // Receivers that keep it can drop a copy sent again after a lost reply.
            ("Idempotency-Key", message.id),
        ])
        // The status only: a hook's reply may quote its URL, whose path holds the token.
        guard (200..<300).contains(response.status) else {
            throw NotifyError("HTTP \(response.status)", permanent: WebhookTransport.refusesForGood(response.status),
                              retryAfter: response.retryAfter)
        }
    }

    /// A 4xx says the request itself is wrong, except 408 (timeout) and 429 (too many requests).
    static func refusesForGood(_ status: Int) -> Bool {
        (400..<500).contains(status) && status != 408 && status != 429
    }

    static func payload(_ message: Message, format: WebhookSettings.Format) -> [UInt8] {
        switch format {
        case .json: return json(message)
        case .slack: return slack(message)
        case .teams: return AdaptiveCard.payload(message)
        case .ocsf: return DetectionFinding.json(message)
        }
    }

    private static func json(_ message: Message) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.member("id", message.id)
        w.member("subject", message.subject)
        w.member("body", message.body)
        w.member("level", message.levelName)
        w.key("record")
        w.raw(message.json)
        w.endObject()
        return w.bytes
    }

    /// An incoming-webhook message: the subject, and the body in a code block of an
    /// attachment coloured by level, titled with a link to the event in the console.
    private static func slack(_ message: Message) -> [UInt8] {
        let slack = message.slack
        var w = JSONWriter()
        w.beginObject()
        w.member("text", slack.subject)
        w.key("attachments")
        w.beginArray()
        w.beginObject()
        w.member("color", colour(message.level))
        w.member("fallback", slack.subject)
        if let url = message.facts?.consoleURL {
            w.member("title", "Open in the console")
            w.member("title_link", url)
        }
        w.member("text", "```\n" + slack.body + "```")
        w.endObject()
        w.endArray()
        w.endObject()
        return w.bytes
    }

    /// By level from informational up; an alert without a known level is grey, as informational.
    static func colour(_ level: AlertLevel?) -> String {
        ["#9E9E9E", "#0288D1", "#F9A825", "#D32F2F", "#7B1FA2"][(level ?? .informational).rawValue]
    }
}
