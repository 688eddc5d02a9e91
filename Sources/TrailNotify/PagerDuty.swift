import Foundation
import TrailCore

/// `pagerduty://${ROUTING_KEY}`: PagerDuty's Events API v2 (an integration's routing key).
public struct PagerDutySettings: Sendable {
    static let defaultURL = "https://events.pagerduty.com/v2/enqueue"

    public let routingKey: String
    public let endpoint: APIEndpoint

    init(url: URLComponents, options: inout TargetOptions) throws {
        guard let key = url.percentEncodedHost?.removingPercentEncoding, !key.isEmpty else {
            throw NotifyError("the routing key is missing: pagerduty://ROUTING_KEY")
        }
        routingKey = key
        endpoint = try APIEndpoint(default: PagerDutySettings.defaultURL, options: &options)
    }
}

/// Triggers one PagerDuty event per message: `dedup_key` is the alert id, so a message sent
/// again after a lost reply updates the same incident instead of opening a second one.
struct PagerDutyTransport: Transport {
    let settings: PagerDutySettings
    let client: APIClient

    func send(_ message: Message) throws {
        let response = try client.post(PagerDutyTransport.event(message, routingKey: settings.routingKey),
                                       headers: [("Content-Type", "application/json")])
        // PagerDuty answers a wrong routing key with a 400 like a bad event's: told apart by its reason.
        try APIClient.check(response, hiding: [settings.routingKey]) { APIClient.reply($0, mentions: "routing key") }
    }

    /// The event: the subject as summary, severity from the level, the account and region as
    /// source, the service as component, the rule as class, the facts as custom_details.
    static func event(_ message: Message, routingKey: String) -> [UInt8] {
        let facts = message.facts
        var w = JSONWriter()
        w.beginObject()
        w.member("routing_key", routingKey)
        w.member("event_action", "trigger")
        w.member("dedup_key", message.id)
        w.member("client", "trail")
        if let url = facts?.consoleURL { w.member("client_url", url) }
        w.key("payload")
        w.beginObject()
        w.member("summary", String(message.subject.prefix(1024)))
        w.member("severity", severity(message.level))
        w.member("source", facts.map { "\($0.cloud ?? "cloud") account \($0.account) \($0.region)" } ?? "trail")
        if let facts {
            if let time = message.alert?.time { w.member("timestamp", time.rfc3339) }
            if let service = facts.service { w.member("component", service) }
            w.member("group", facts.account)
            w.member("class", facts.ruleID)
        }
        w.key("custom_details")
        w.beginObject()
        for (name, value) in facts?.details ?? [("alerts", String(message.alertIDs.count)), ("body", message.body)] {
            w.member(name, value)
        }
        w.endObject()
        w.endObject()
        if let url = facts?.consoleURL {
            w.key("links")
            w.beginArray()
            w.beginObject(); w.member("href", url); w.member("text", "Open in the console"); w.endObject()
            w.endArray()
        }
        w.endObject()
        return w.bytes
    }

    /// PagerDuty's four severities, by level from informational up; an alert without a known
    /// level counts as informational.
    static func severity(_ level: AlertLevel?) -> String {
        ["info", "info", "warning", "error", "critical"][(level ?? .informational).rawValue]
    }
}
