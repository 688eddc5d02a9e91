import TrailCore

/// The one-line, human-readable form of an alert: when, how bad, which rule, who, from
/// where, what, in which account and region.
public struct AlertLine: Sendable {
    public var time: String
    public var level: String
    public var title: String
    public var actor: String
    public var source: String
    public var action: String
    public var account: String
    public var region: String
    /// What was touched (`alert.resources`, when trail-match names it): the first, and how many more.
    public var resource: String?

    /// The line of an alert read; nil when it has no title.
    public init?(_ alert: AlertView) {
        // Shown on terminals and in logs: one line, no escape sequences.
        guard let title = alert.title.map(PrintableText.escaped) else { return nil }
        let event = alert.event ?? TrailHeader()
        func text(_ field: TrailHeader.Field) -> String? { event[field].map(PrintableText.escaped) }
        self.title = title
        time = alert.time.map(PrintableText.escaped) ?? "-"
        level = alert.level.map(PrintableText.escaped) ?? "-"
        let name = text(.actorName) ?? "-"
        actor = text(.actorType).map { "\(name) (\($0))" } ?? name
        source = text(.sourceIP) ?? text(.sourceService) ?? "-"
        action = [text(.service), text(.action)].compactMap { $0 }.joined(separator: ":")
        account = text(.account) ?? "-"
        region = text(.region) ?? "-"
        let resources = alert[.resources].map(PrintableText.escaped)
        resource = resources.first.map { resources.count > 1 ? "\($0) (+\(resources.count - 1))" : $0 }
    }

    /// `2026-11-16T09:12:03Z  high      Root account used  actor=root (root)  from=… action=… account=… region=…`
    /// `width`: the terminal's columns; a longer line is cut there, its end shown as `…`.
    public func render(colour: Bool, width: Int? = nil) -> String {
        let padded = level.count < 8 ? level + String(repeating: " ", count: 8 - level.count) : level
        let touched = resource.map { "  on=\($0)" } ?? ""
        let rest = "  actor=\(actor)  from=\(source)  action=\(action.isEmpty ? "-" : action)\(touched)  account=\(account)  region=\(region)"
        // Text and the style it is shown in (nil: plain).
        let parts: [(String, String?)] = [(time + "  ", nil), (padded, AlertLine.colour(for: level)), ("  ", nil), (title, "\u{1B}[1m"), (rest, nil)]
        let length = parts.reduce(0) { $0 + $1.0.count }
        var room = width.map { length > $0 ? max($0 - 1, 0) : length } ?? length
        var line = ""
        for (text, style) in parts where room > 0 {
            let shown = text.count > room ? String(text.prefix(room)) : text
            room -= shown.count
            line += colour ? style.map { $0 + shown + "\u{1B}[0m" } ?? shown : shown
        }
        return width.map { length > $0 } == true ? line + "…" : line
    }

    private static let levelColours = ["critical": "\u{1B}[1;35m", "high": "\u{1B}[1;31m", "medium": "\u{1B}[33m",
                                       "low": "\u{1B}[36m"]

    /// Dim for informational and unknown levels.
    static func colour(for level: String) -> String { levelColours[level.lowercased()] ?? "\u{1B}[2m" }
}
