import Foundation
import TrailCore

/// `opsgenie://${API_KEY}` (`?region=eu` for the EU instance): Opsgenie's Alert API.
public struct OpsgenieSettings: Sendable {
    public let apiKey: String
    public let endpoint: APIEndpoint

    init(url: URLComponents, options: inout TargetOptions) throws {
        guard let key = url.percentEncodedHost?.removingPercentEncoding, !key.isEmpty else {
            throw NotifyError("the API key is missing: opsgenie://API_KEY")
        }
        apiKey = key
        let region = options.take("region") ?? "us"
        guard region == "us" || region == "eu" else { throw NotifyError("region is us or eu, not \(region)") }
        endpoint = try APIEndpoint(default: "https://api.\(region == "eu" ? "eu." : "")opsgenie.com/v2/alerts", options: &options)
    }
}

/// Creates one Opsgenie alert per message, its alias the alert id: Opsgenie folds a second
/// create with an open alert's alias into that alert, so a resend does not page twice.
struct OpsgenieTransport: Transport {
    let settings: OpsgenieSettings
    let client: APIClient

    func send(_ message: Message) throws {
        let response = try client.post(OpsgenieTransport.alert(message), headers: [
            ("Content-Type", "application/json"), ("Authorization", "GenieKey \(settings.apiKey)"),
        ])
        // A malformed key is a 422, as a bad alert is: told apart by its reason.
        try APIClient.check(response, hiding: [settings.apiKey]) { APIClient.reply($0, mentions: "key format") }
    }

    /// Within Opsgenie's limits: message 130 characters, description 15,000, tags 50 each.
    static func alert(_ message: Message) -> [UInt8] {
        let facts = message.facts
        var w = JSONWriter()
        w.beginObject()
        w.member("message", String(message.subject.prefix(130)))
        w.member("alias", message.id)
        w.member("description", String(message.body.prefix(15_000)))
        w.member("priority", priority(message.level))
        w.member("source", "trail")
        if let facts { w.member("entity", "\(facts.account) \(facts.region)") }
        w.key("tags")
        w.beginArray()
        for tag in ([message.levelName] + (message.alert?.tags ?? [])).prefix(20) { w.string(String(tag.prefix(50))) }
        w.endArray()
        w.key("details")
        w.beginObject()
        for (name, value) in facts?.details ?? [("alerts", String(message.alertIDs.count))] { w.member(name, String(value.prefix(1000))) }
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// P1 for critical … P5 for informational (and an alert without a known level).
    static func priority(_ level: AlertLevel?) -> String { "P\(5 - (level ?? .informational).rawValue)" }
}
