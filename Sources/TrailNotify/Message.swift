import Crypto
import Foundation
import TrailCore

/// What one delivery carries, already rendered for every kind of target: a subject and body
/// for people, a one-line summary for logs, and a JSON record for machines.
public struct Message: Sendable {
    /// Stable: the alert's id, or for a digest a hash of its alerts' ids.
    public let id: String
    public let subject: String
    public let body: String
    /// Subject and body with the alert's text escaped for a format that embeds it, rendered
    /// when a target of that kind asks: most runs have none, and rendering is most of the work.
    private let render: @Sendable (EmbeddedText.Format) -> RenderedText
    public var slack: RenderedText { render(.slack) }
    /// For Teams' Adaptive Cards and DingTalk.
    public var markdown: RenderedText { render(.markdown) }
    public let line: String
    public let json: [UInt8]
    public let level: AlertLevel?
    public let levelName: String
    public let ruleID: String
    /// The alerts this message delivers (marked sent together).
    public let alertIDs: [String]
    /// How many alerts throttling held back since the last message like this one.
    public let suppressed: Int
    /// The alert of a one-alert message (nil for a digest), for targets that take its fields.
    public let alert: Alert?
    /// What a responder reads of the alert, for structured targets; read when asked.
    public var facts: AlertFacts? { alert.map(AlertFacts.init) }
    /// For the console: the alert's line, coloured there, unless a `line` template replaces it.
    let alertLine: AlertLine?
    let hasLineTemplate: Bool

    /// One alert. `suppressed` is how many like it throttling held back since the last one sent.
    public init(alert: Alert, suppressed: Int, templates: MessageTemplates) {
        let rendered: @Sendable (EmbeddedText.Format) -> RenderedText = { format in
            let context = TemplateContext.single(alert, suppressed: suppressed, format: format)
            return RenderedText(subject: templates.subject.render(context), body: templates.body.render(context))
        }
        id = alert.id
        (subject, body) = rendered(.plain).parts
        render = rendered
        line = templates.line.map { $0.render(TemplateContext.single(alert, suppressed: suppressed, format: .plain)) }
            ?? alert.line.render(colour: false)
        level = alert.level
        levelName = alert.levelName
        ruleID = alert.ruleID
        alertIDs = [alert.id]
        self.suppressed = suppressed
        self.alert = alert
        alertLine = alert.line
        hasLineTemplate = templates.line != nil
        // The record with a top-level `notify` member in front: the id a consumer can dedup on.
        var writer = JSONWriter()
        writer.bytes.append(UInt8(ascii: "{"))
        writer.bytes.append(contentsOf: #""notify":{"id":"#.utf8)
        JSONWriter.appendQuoted(alert.id, to: &writer.bytes)
        writer.bytes.append(contentsOf: #","suppressed":\#(suppressed)},"#.utf8)
        writer.bytes.append(contentsOf: alert.record.dropFirst())
        json = writer.bytes
    }

    init(digest: Digest, templates: MessageTemplates) {
        let rendered: @Sendable (EmbeddedText.Format) -> RenderedText = { format in
            let context = TemplateContext.digest(digest, format: format)
            return RenderedText(subject: templates.digestSubject.render(context), body: templates.digestBody.render(context))
        }
        id = digest.id
        (subject, body) = rendered(.plain).parts
        render = rendered
        line = templates.line.map { $0.render(TemplateContext.digest(digest, format: .plain)) } ?? subject
        level = digest.alerts.compactMap(\.level).max()
        levelName = level.map { "\($0)" } ?? "-"
        ruleID = "digest"
        alertIDs = digest.alerts.map(\.id)
        suppressed = digest.suppressed
        alert = nil
        alertLine = nil
        hasLineTemplate = templates.line != nil
        var w = JSONWriter()
        w.beginObject()
        w.key("digest")
        w.beginObject()
        w.member("id", digest.id)
        w.member("start", digest.start.rfc3339)
        w.member("end", digest.end.rfc3339)
        w.key("count"); w.number(digest.alerts.count)
        w.key("suppressed"); w.number(digest.suppressed)
        w.key("rules")
        w.beginArray()
        for rule in digest.rules {
            w.beginObject()
            w.member("id", rule.id)
            w.member("title", rule.title)
            w.member("level", rule.level)
            w.key("count"); w.number(rule.count)
            w.key("items")
            w.beginArray()
            for item in rule.items {
                w.beginObject()
                w.member("name", item.name)
                w.key("count"); w.number(item.count)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.key("alerts")
        w.beginArray()
        for alert in digest.alerts { w.raw(alert.record) }
        w.endArray()
        w.endObject()
        json = w.bytes
    }
}

/// A message's subject and body as one format embeds them.
public struct RenderedText: Sendable {
    public let subject: String
    public let body: String

    var parts: (String, String) { (subject, body) }
}

/// The templates of one target.
public struct MessageTemplates: Sendable {
    public var subject: TextTemplate
    public var body: TextTemplate
    public var digestSubject: TextTemplate
    public var digestBody: TextTemplate
    /// The one-line form for syslog and the console; nil: AlertLine's.
    public var line: TextTemplate?

    public static func defaults() throws -> MessageTemplates {
        MessageTemplates(subject: try TextTemplate(DefaultTemplates.subject), body: try TextTemplate(DefaultTemplates.body),
                         digestSubject: try TextTemplate(DefaultTemplates.digestSubject),
                         digestBody: try TextTemplate(DefaultTemplates.digestBody), line: nil)
    }
}

/// The alerts of one window gathered into one message, counted per rule and per item (a
/// CSPM check item, else the API action) — "which checks failed, on how many resources".
public struct Digest: Sendable {
    public struct Item: Sendable { public let name: String; public var count: Int }
    public struct Rule: Sendable {
        public let id: String
        public let title: String
        public let level: String
        public var count: Int
        public var items: [Item]
    }

    public let id: String
    public let start: Timestamp
    public let end: Timestamp
    public let alerts: [Alert]
    public let rules: [Rule]
    public let suppressed: Int

    /// Rules by level (worst first) then count; items by count. `itemPaths` are tried in order.
    init(alerts: [Alert], start: Timestamp, end: Timestamp, suppressed: Int, itemPaths: [JSONPath]) {
        self.alerts = alerts
        self.start = start
        self.end = end
        self.suppressed = suppressed
        var rules: [String: Rule] = [:]
        var order: [String] = []
        for alert in alerts {
            let item = Digest.item(of: alert, paths: itemPaths)
            if rules[alert.ruleID] == nil {
                order.append(alert.ruleID)
                rules[alert.ruleID] = Rule(id: alert.ruleID, title: alert.title, level: alert.levelName, count: 0, items: [])
            }
            rules[alert.ruleID]!.count += 1
            if let i = rules[alert.ruleID]!.items.firstIndex(where: { $0.name == item }) {
                rules[alert.ruleID]!.items[i].count += 1
            } else {
                rules[alert.ruleID]!.items.append(Item(name: item, count: 1))
            }
        }
        self.rules = order.compactMap { rules[$0] }.map { rule in
            var rule = rule
            rule.items = rule.items.enumerated().sorted { ($0.element.count, -$0.offset) > ($1.element.count, -$1.offset) }.map(\.element)
            return rule
        }.enumerated().sorted { a, b in
            let (la, lb) = (AlertLevel(name: a.element.level)?.rawValue ?? -1, AlertLevel(name: b.element.level)?.rawValue ?? -1)
            return (la, a.element.count, -a.offset) > (lb, b.element.count, -b.offset)
        }.map(\.element)
        let ids = alerts.map(\.id).sorted().joined(separator: "\n")
        id = Alert.hex(Array(ids.utf8), length: 32)
    }

    static func item(of alert: Alert, paths: [JSONPath]) -> String {
        alert.record.withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            for path in paths {
                if let at = s.value(at: path, from: 0), let text = s.text(at: at) { return text }
            }
            return "-"
        }
    }
}
