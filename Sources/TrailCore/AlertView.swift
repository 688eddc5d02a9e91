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
        case tags = "rule.tags", resources
    }

    /// By field and by list, in the order of `allCases`.
    private let values: [String?]
    private let lists: [[String]]
    /// The `event` object's offset in the line, if the alert has one.
    public let eventAt: Int?
    /// The event's `trail` header, if it has one.
    public let event: TrailHeader?

    public subscript(_ field: Field) -> String? { values[AlertView.fields.firstIndex(of: field)!] }
    public subscript(_ list: List) -> [String] { lists[AlertView.lists.firstIndex(of: list)!] }

    public var ruleID: String? { self[.ruleID] }
    public var title: String? { self[.title] }
    public var level: String? { self[.level] }
    /// `alert.time` (the event's `trail.time`) as written, and as a time when it is one.
    public var time: String? { self[.time] }
    public var timestamp: Timestamp? { self[.time].flatMap { Timestamp(iso8601: $0) } }
    public var correlationCount: Int? { self[.correlationCount].flatMap { Int($0) } }

    private static let alertKey = Array("alert".utf8), ruleKey = Array("rule".utf8), eventKey = Array("event".utf8)
    private static let fields = Field.allCases, lists = List.allCases
    private static let table = MemberTable(fields.map(\.rawValue) + lists.map(\.rawValue))

    /// Reads the alert line's object at `root`; nil when it has no `alert.rule` object.
    public init?(_ s: JSONScanner, alert root: Int) {
        guard let alert = s.member(AlertView.alertKey, ofObjectAt: root), s.kind(at: alert) == .object,
              s.member(AlertView.ruleKey, ofObjectAt: alert).map({ s.kind(at: $0) == .object }) == true else { return nil }
        var values = [String?](repeating: nil, count: AlertView.fields.count), lists = [[String]](repeating: [], count: AlertView.lists.count)
        AlertView.table.read(s, object: alert) { field, value in
            guard field >= values.count else { return values[field] = values[field] ?? s.text(at: value) }
            s.forEachElement(ofArrayAt: value) { element in
                if let text = s.text(at: element) { lists[field - values.count].append(text) }
                return true
            }
        }
        (self.values, self.lists) = (values, lists)
        eventAt = s.member(AlertView.eventKey, ofObjectAt: root)
        event = eventAt.flatMap { TrailHeader(s, event: $0) }
    }

    /// Reads one alert line; nil when it is not JSON or not an alert.
    public init?(json: [UInt8]) {
        guard let view = json.withUnsafeBytes({ raw in (try? JSONScanner(raw).validateDocument()).flatMap { AlertView(JSONScanner(raw), alert: $0) } }) else { return nil }
        self = view
    }
}
