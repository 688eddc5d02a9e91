import Foundation
import TrailCore

/// What a responder reads of an alert, in the order they read it: who did what to which
/// resources, from where, when, where in the cloud, what to do, and where to look. Taken from
/// the alert record for the structured targets (PagerDuty, Opsgenie, OCSF) and the templates.
/// Text is as the event has it (not escaped): each target escapes for its own format.
public struct AlertFacts: Sendable {
    private let alert: Alert
    public var alertID: String { alert.id }
    public var ruleID: String { alert.ruleID }
    public var title: String { alert.title }
    public var level: AlertLevel? { alert.level }
    public var levelName: String { alert.levelName }
    public let actor: String
    public let action: String
    /// `alert.resources` (trail-match's ARNs or names), empty when the alert has none.
    public let resources: [String]
    /// The caller's address, or the calling service.
    public let address: String
    /// ISO country code of the address (trail-enrich `--geo`), if known.
    public let country: String?
    public let time: String
    public let account: String
    public let region: String
    public let service: String?
    public let cloud: String?
    public let eventID: String?
    /// `alert.rule.runbook`: what to do; its first line is the summary.
    public let runbook: String?
    /// The event in its cloud's console (AWS only: the CloudTrail event history).
    public let consoleURL: String?

    init(_ alert: Alert) {
        let view = alert.view, event = view.event ?? TrailHeader()
        self.alert = alert
        resources = view[.resources]
        actor = event.actorName ?? "-"
        service = event.service
        action = [service, event.action].compactMap { $0 }.joined(separator: ":")
        address = event.sourceIP ?? event.sourceService ?? "-"
        country = event.country
        time = view.time ?? event.time ?? "-"
        account = event.account ?? "-"
        region = event.region ?? "-"
        cloud = event.cloud
        eventID = event.id
        runbook = view[.runbook].flatMap { $0.isEmpty ? nil : $0 }
        consoleURL = AlertFacts.consoleURL(cloud: cloud, region: region, eventID: eventID)
    }

    /// The runbook's first line: the one-line summary of what to do.
    public var runbookLine: String? {
        runbook.map { String($0.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first ?? "") }
            .flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The resources on one line, `-` when there are none.
    public var resourceList: String { resources.isEmpty ? "-" : resources.joined(separator: ", ") }

    /// Name and value pairs for a target's "details" (PagerDuty's custom_details, Opsgenie's
    /// details), in the order a responder reads them; absent facts left out.
    public var details: [(name: String, value: String)] {
        var pairs: [(String, String?)] = [
            ("actor", actor), ("action", action), ("resources", resources.isEmpty ? nil : resourceList),
            ("address", address), ("country", country), ("time", time), ("account", account), ("region", region),
            ("rule", "\(ruleID) (\(title))"), ("level", levelName), ("runbook", runbook), ("console", consoleURL),
            ("event", eventID), ("alert", alertID),
        ]
        pairs.removeAll { $0.1 == nil || $0.1 == "-" }
        return pairs.map { ($0.0, $0.1!) }
    }

    /// The address with its country: `203.0.113.10 (JP)`.
    public var origin: String { country.map { "\(address) (\($0))" } ?? address }

    /// The event in its cloud's console, from parts checked to be what the cloud writes (a
    /// region name, an id of URL-safe characters), so an event cannot forge a link. AWS:
    /// the event in CloudTrail's event history. Alibaba Cloud: ActionTrail's event query page
    /// of the region (its console has no documented link to one event; the id is in the alert).
    static func consoleURL(cloud: String?, region: String, eventID: String?) -> String? {
        guard !region.isEmpty, region.count <= 32,
              region.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else { return nil }
        switch cloud {
        case "aws":
            guard let eventID, !eventID.isEmpty, eventID.count <= 128,
                  eventID.unicodeScalars.allSatisfy({ CharacterSet.urlUnreservedCharacters.contains($0) }) else { return nil }
            return "https://\(region).console.aws.amazon.com/cloudtrail/home?region=\(region)#/events/\(eventID)"
        case "alibaba":
            return "https://actiontrail.console.aliyun.com/\(region)/event-list"
        default:
            return nil
        }
    }
}
