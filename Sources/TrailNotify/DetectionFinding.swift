import Foundation
import TrailCore

/// `format=ocsf`: an alert as an OCSF Detection Finding (class 2004, category 2): the rule as
/// the analytic, the event's actor, API call, caller and resources as evidence, the runbook
/// as the remediation, the event as the cloud wrote it in `raw_data`, and what OCSF has no
/// attribute for (the rule's metadata, the trail header's geo and context) in `unmapped`.
enum DetectionFinding {
    static func json(_ message: Message) -> [UInt8] {
        guard let alert = message.alert, let facts = message.facts else { return message.json }
        return alert.record.withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            let event = s.member("event", ofObjectAt: 0).map { OCSF.Event(s, event: $0) }
            var w = JSONWriter()
            w.beginObject()
            OCSF.writeClassification(category: (2, "Findings"), class: (2004, "Detection Finding"), activity: (1, "Create"), to: &w)
            let severity = severity(alert.level)
            w.key("severity_id"); w.number(severity.id)
            w.member("severity", severity.name)
            w.key("time"); w.number(Int((alert.time ?? Timestamp(epoch: Date().timeIntervalSince1970)).milliseconds))
            w.key("status_id"); w.number(1)
            w.member("status", "New")
            w.key("is_alert"); w.bool(true)
            w.member("message", alert.title)
            writeFindingInfo(alert, facts, to: &w)
            if let runbook = facts.runbook { w.key("remediation"); w.beginObject(); w.member("desc", runbook); w.endObject() }
            if !facts.resources.isEmpty { writeResources(facts.resources, to: &w) }
            if let event {
                OCSF.writeCloud(event, to: &w)
                writeEvidence(event, resources: facts.resources, to: &w)
                w.member("raw_data", String(decoding: event.original, as: UTF8.self))
            }
            OCSF.writeMetadata(product: "trail", vendor: "trail", uid: alert.id, to: &w)
            w.key("unmapped")
            w.beginObject()
            if let rule = s.value(at: JSONPath("alert.rule"), from: 0), let text = s.raw(at: rule) { w.key("rule"); w.raw(JSONCompactor.compact(text)) }
            if let event { w.key("trail"); w.raw(event.header) }
            w.key("suppressed"); w.number(message.suppressed)
            w.endObject()
            w.endObject()
            return w.bytes
        }
    }

    /// `finding_info`: the alert id and title, the rule's tags as types, the rule as analytic.
    private static func writeFindingInfo(_ alert: Alert, _ facts: AlertFacts, to w: inout JSONWriter) {
        w.key("finding_info")
        w.beginObject()
        w.member("uid", alert.id)
        w.member("title", alert.title)
        if let runbook = facts.runbookLine { w.member("desc", runbook) }
        w.key("types")
        w.beginArray()
        for tag in alert.tags.isEmpty ? ["trail-match"] : alert.tags { w.string(tag) }
        w.endArray()
        if let time = alert.time { w.key("created_time"); w.number(Int(time.milliseconds)) }
        if let url = facts.consoleURL { w.member("src_url", url) }
        w.key("analytic")
        w.beginObject()
        w.member("uid", alert.ruleID)
        w.member("name", alert.title)
        w.key("type_id"); w.number(1)
        w.member("type", "Rule")
        w.endObject()
        w.endObject()
    }

    private static func writeEvidence(_ event: OCSF.Event, resources: [String], to w: inout JSONWriter) {
        w.key("evidences")
        w.beginArray()
        w.beginObject()
        OCSF.writeActor(event, to: &w)
        OCSF.writeAPI(event, to: &w)
        OCSF.writeSource(event, to: &w)
        if !resources.isEmpty { writeResources(resources, to: &w) }
        w.endObject()
        w.endArray()
    }

    /// An ARN is a resource's uid; anything else its name.
    private static func writeResources(_ resources: [String], to w: inout JSONWriter) {
        w.key("resources")
        w.beginArray()
        for resource in resources {
            w.beginObject()
            w.member(resource.hasPrefix("arn:") || resource.hasPrefix("acs:") ? "uid" : "name", resource)
            w.endObject()
        }
        w.endArray()
    }

    /// OCSF's severity_id: 1 Informational … 5 Critical, 0 Unknown.
    static func severity(_ level: AlertLevel?) -> (id: Int, name: String) {
        level.map { ($0.rawValue + 1, ["Informational", "Low", "Medium", "High", "Critical"][$0.rawValue]) } ?? (0, "Unknown")
    }
}
