/// The alert contract, read: one line trail-match writes (docs/schema.md, "Alert schema"),
/// `{"alert":{"rule":{…},"time":…,"resources":[…],"correlation":{…}},"event":{"trail":{…},…}}`.
/// trail-notify, trail-report and the rule tester read alerts only through it. Each field is
/// its value's text (`JSONScanner.text`).
public struct AlertView: Sendable {
    /// The fields read, by their path below `alert`.
    public enum Field: String, CaseIterable, Sendable {
        case ruleID = "rule.id", title = "rule.title", level = "rule.level", runbook = "rule.runbook", time
        case correlationType = "correlation.type", correlationCount = "correlation.count"
    }

    /// The lists read (each element's text), by their path below `alert`.
    public enum List: String, CaseIterable, Sendable {
        case tags = "rule.tags", references = "rule.references", resources
    }

    private var values: [Field: String] = [:]
    private var lists: [List: [String]] = [:]
    /// The `event` object's offset in the line, if the alert has one.
    public let eventAt: Int?
    /// The event's `trail` header, if it has one.
    public let event: TrailHeader?

    public subscript(_ field: Field) -> String? { values[field] }
    public subscript(_ list: List) -> [String] { lists[list] ?? [] }

    public var ruleID: String? { values[.ruleID] }
    public var title: String? { values[.title] }
    public var level: String? { values[.level] }
    /// `alert.time` (the event's `trail.time`) as written, and as a time when it is one.
    public var time: String? { values[.time] }
    public var timestamp: Timestamp? { values[.time].flatMap { Timestamp(iso8601: $0) } }
    public var correlationCount: Int? { values[.correlationCount].flatMap { Int($0) } }

    private static let alertKey = Array("alert".utf8), ruleKey = Array("rule".utf8), eventKey = Array("event".utf8)
    private static let fieldPaths = Field.allCases.map { ($0, JSONPath($0.rawValue)) }
    private static let listPaths = List.allCases.map { ($0, JSONPath($0.rawValue)) }

    /// Reads the alert line's object at `root`; nil when it has no `alert.rule` object.
    public init?(_ s: JSONScanner, alert root: Int) {
        guard let alert = s.member(AlertView.alertKey, ofObjectAt: root), s.kind(at: alert) == .object,
              let rule = s.member(AlertView.ruleKey, ofObjectAt: alert), s.kind(at: rule) == .object else { return nil }
        for (field, path) in AlertView.fieldPaths {
            values[field] = s.value(at: path, from: alert).flatMap { s.text(at: $0) }
        }
        for (list, path) in AlertView.listPaths {
            guard let at = s.value(at: path, from: alert), s.kind(at: at) == .array else { continue }
            var texts: [String] = []
            s.forEachElement(ofArrayAt: at) { element in
                if let text = s.text(at: element) { texts.append(text) }
                return true
            }
            lists[list] = texts
        }
        eventAt = s.member(AlertView.eventKey, ofObjectAt: root)
        event = eventAt.flatMap { TrailHeader(s, event: $0) }
    }

    /// Reads one alert line; nil when it is not JSON or not an alert.
    public init?(json: [UInt8]) {
        guard let view = json.withUnsafeBytes({ raw -> AlertView? in
            let s = JSONScanner(raw)
            return (try? s.validateDocument()).flatMap { AlertView(s, alert: $0) }
        }) else { return nil }
        self = view
    }
}
