import Foundation
import Mustache
import TrailCore

/// A Mustache template rendered as plain text (no HTML escaping).
public struct TextTemplate: Sendable {
    private let template: MustacheTemplate

    /// `text` is the template itself, or `@PATH` to read it from a file.
    public init(_ text: String) throws {
        var source = text
        if text.hasPrefix("@") {
            let path = String(text.dropFirst())
            source = String(decoding: try FileIO.readFile(path), as: UTF8.self)
        }
        do {
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + source)
        } catch {
            throw NotifyError("bad template \(text.hasPrefix("@") ? text : JSONWriter.quoted(String(text.prefix(40)))): \(error)")
        }
    }

    public func render(_ context: [String: Any]) -> String { template.render(context) }
}

/// What a message says unless the target brings its own templates: who, what, when, from
/// where, which rule; for a digest, how many of each rule and each item.
public enum DefaultTemplates {
    public static let subject = "[trail] {{level}}: {{title}} by {{who}}"
    public static let body = """
        {{title}}

        Level:    {{level}}
        Who:      {{who}}
        What:     {{what}}
        When:     {{when}}
        From:     {{source}}
        Where:    account {{account}}, region {{region}}
        Rule:     {{rule.id}}
        Tags:     {{tagList}}
        Event:    {{eventID}}{{#file}} in {{file}}{{/file}}
        Alert id: {{id}}
        {{#suppressed}}

        {{suppressed}} more alerts like this one were held back since the previous message.
        {{/suppressed}}

        """
    /// Chat targets (Teams, Slack, DingTalk, Opsgenie's description): the alert in the order a
    /// responder reads it, after the subject's level and title. Lines `Label: value` become a
    /// card's facts; the console link is the target's own button or link.
    public static let chatBody = """
        Actor:     {{who}}
        Action:    {{what}}
        Resource:  {{resourceList}}
        From:      {{origin}}
        When:      {{when}}
        Where:     account {{account}}, region {{region}}
        {{#runbookLine}}
        Runbook:   {{runbookLine}}
        {{/runbookLine}}
        Rule:      {{rule.id}} ({{tagList}})
        Alert id:  {{id}}
        {{#suppressed}}

        {{suppressed}} more alerts like this one were held back since the previous message.
        {{/suppressed}}

        """
    public static let digestSubject = "[trail] {{count}} alerts, {{ruleCount}} rules, {{start}} to {{end}}"
    public static let digestBody = """
        {{count}} alerts from {{start}} to {{end}}.

        {{#rules}}
        {{title}} ({{level}}): {{count}}
        {{#items}}
          {{count}}  {{name}}
        {{/items}}

        {{/rules}}
        {{#suppressed}}
        {{suppressed}} more alerts were held back by throttling.
        {{/suppressed}}

        """
}

/// The values a template can use, every string escaped for the format the message is
/// rendered in (`EmbeddedText`): what an event says is never taken as the template's markup.
enum TemplateContext {
    /// One alert: the record itself (`alert.…`, `event.…`) and the ready-made answers.
    static func single(_ alert: Alert, suppressed: Int, format: EmbeddedText.Format) -> [String: Any] {
        var context = alert.object
        let trail = (context["event"] as? [String: Any])?["trail"] as? [String: Any] ?? [:]
        let line = alert.line
        let facts = AlertFacts(alert)
        var what = line.action.isEmpty ? "-" : line.action
        if let outcome = trail["outcome"] as? String {
            what += " (\(outcome)\((trail["error"] as? String).map { ": \($0)" } ?? ""))"
        }
        context["id"] = alert.id
        context["title"] = alert.title
        context["level"] = alert.levelName
        context["rule"] = ["id": alert.ruleID, "title": alert.title, "level": alert.levelName, "tags": alert.tags]
        context["tags"] = alert.tags
        context["tagList"] = alert.tags.isEmpty ? "-" : alert.tags.joined(separator: ", ")
        context["who"] = line.actor
        context["what"] = what
        context["when"] = line.time
        context["source"] = line.source
        context["account"] = line.account
        context["region"] = line.region
        context["action"] = line.action
        context["eventID"] = trail["id"] as? String ?? "-"
        context["resources"] = facts.resources
        context["resourceList"] = facts.resourceList
        context["origin"] = facts.origin
        if let country = facts.country { context["country"] = country }
        if let runbook = facts.runbook { context["runbook"] = runbook }
        if let runbookLine = facts.runbookLine { context["runbookLine"] = runbookLine }
        if let console = facts.consoleURL { context["console"] = console }
        if let file = trail["file"] as? String { context["file"] = file }
        if suppressed > 0 { context["suppressed"] = suppressed }
        context["line"] = line.render(colour: false)
        return templateValue(context, format) as? [String: Any] ?? [:]
    }

    /// A digest: counts per rule and, within each rule, per item.
    static func digest(_ digest: Digest, format: EmbeddedText.Format) -> [String: Any] {
        var context: [String: Any] = [
            "id": digest.id, "count": digest.alerts.count, "ruleCount": digest.rules.count,
            "start": digest.start.rfc3339, "end": digest.end.rfc3339,
            "rules": digest.rules.map { rule -> [String: Any] in
                ["id": rule.id, "title": rule.title, "level": rule.level, "count": rule.count,
                 "items": rule.items.map { ["name": $0.name, "count": $0.count] }]
            },
        ]
        if digest.suppressed > 0 { context["suppressed"] = digest.suppressed }
        return templateValue(context, format) as? [String: Any] ?? [:]
    }

    /// Strings escaped for `format`; JSON nulls left out: they would render as text and count
    /// as true in sections, and Mustache's missing key does neither.
    static func templateValue(_ value: Any, _ format: EmbeddedText.Format) -> Any? {
        switch value {
        case is NSNull: return nil
        case let text as String: return EmbeddedText.escaped(text, for: format)
        case let object as [String: Any]: return object.compactMapValues { templateValue($0, format) }
        case let array as [Any]: return array.compactMap { templateValue($0, format) }
        default: return value
        }
    }
}

/// A failure with a one-line message that is safe to print (no secrets in it). `permanent`:
/// a target refused the message for good (HTTP 4xx, an SMTP 5xx reply, exit status 65), so
/// sending it again cannot help; otherwise the failure is taken as temporary.
public struct NotifyError: Error, CustomStringConvertible {
    public let description: String
    public let permanent: Bool
    /// Seconds the receiver asked to wait before the next try (HTTP `Retry-After`).
    public let retryAfter: Int?

    public init(_ description: String, permanent: Bool = false, retryAfter: Int? = nil) {
        self.description = description
        self.permanent = permanent
        self.retryAfter = retryAfter
    }
}
