import Foundation
import TrailCore

/// Quiet periods of a business calendar: weekly hours (`Mon-Fri 19:00-08:00`, `Sat,Sun`)
/// and dates (`2026-12-24`, `2026-12-24..2026-12-26`), in local time (`--timezone`, daylight
/// saving time included). A range that ends before it starts runs past midnight into the next day.
public struct QuietCalendar: Sendable {
    struct Weekly: Sendable {
        let days: Set<Int>  // 0 = Sunday
        let start: Int, end: Int  // seconds after local midnight
    }

    private var weekly: [Weekly] = []
    /// Inclusive ranges of days since 1970-01-01 (local).
    private var dates: [ClosedRange<Int>] = []
    public let clock: LocalCalendar

    public var isEmpty: Bool { weekly.isEmpty && dates.isEmpty }

    public init(_ specs: [String], clock: LocalCalendar = .utc) throws {
        self.clock = clock
        for spec in specs {
            let text = spec.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            if let range = QuietCalendar.dateRange(text) {
                dates.append(range)
            } else if let period = QuietCalendar.weekly(text) {
                weekly.append(period)
            } else {
                throw NotifyError("quiet period \(JSONWriter.quoted(text)): expected days and hours (Mon-Fri 19:00-08:00) or dates (2026-12-24..2026-12-26)")
            }
        }
    }

    public func isQuiet(_ time: Timestamp) -> Bool {
        var clock = clock
        let local = clock.local(time.seconds)
        if dates.contains(where: { $0.contains(local.day) }) { return true }
        let yesterday = (local.weekday + 6) % 7
        return weekly.contains { period in
            if period.start < period.end {
                return period.days.contains(local.weekday) && local.secondOfDay >= period.start && local.secondOfDay < period.end
            }
            return (period.days.contains(local.weekday) && local.secondOfDay >= period.start)
                || (period.days.contains(yesterday) && local.secondOfDay < period.end)
        }
    }

    /// The first minute after `time` that is not quiet (looked for up to 60 days ahead).
    public func end(after time: Timestamp) -> Timestamp {
        var t = Timestamp(seconds: (time.seconds / 60 + 1) * 60)
        for _ in 0..<(60 * 24 * 60) where isQuiet(t) { t.seconds += 60 }
        return t
    }

    static func weekly(_ text: String) -> Weekly? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard let dayPart = parts.first, parts.count <= 2, let days = LocalCalendar.weekdays(dayPart) else { return nil }
        guard parts.count == 2 else { return Weekly(days: days, start: 0, end: 86_400) }
        let hours = parts[1].split(separator: "-").map { LocalCalendar.secondOfDay($0) }
        guard hours.count == 2, let start = hours[0], let end = hours[1] else { return nil }
        return Weekly(days: days, start: start, end: end)
    }

    static func dateRange(_ text: String) -> ClosedRange<Int>? {
        let ends = text.components(separatedBy: "..").map { Timestamp(date: $0)?.day }
        guard ends.count <= 2, let first = ends.first ?? nil, let last = ends.last ?? nil, first <= last else { return nil }
        return first...last
    }
}

/// One key silenced until a time: `actor=alice,rule=root-login@2026-11-20T00:00:00Z`. Every
/// named field must match (rule: id or title; actor, account, region, source, level, tag);
/// the rest of the rule still alerts.
public struct Silence: Sendable {
    public let fields: [(name: String, value: String)]
    public let until: Timestamp

    static let names: Set<String> = ["rule", "actor", "account", "region", "source", "level", "tag"]

    public init(_ text: String) throws {
        guard let at = text.lastIndex(of: "@"),
              let until = Array(text[text.index(after: at)...].utf8).withUnsafeBytes({ Timestamp.parse($0) }) else {
            throw NotifyError("silence \(JSONWriter.quoted(text)): expected FIELD=VALUE[,FIELD=VALUE…]@UNTIL (an RFC 3339 time)")
        }
        var fields: [(String, String)] = []
        for pair in text[..<at].split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, Silence.names.contains(parts[0]) else {
                throw NotifyError("silence \(JSONWriter.quoted(text)): \(pair) is not one of \(Silence.names.sorted().joined(separator: ", "))=VALUE")
            }
            fields.append((parts[0], parts[1]))
        }
        guard !fields.isEmpty else { throw NotifyError("silence \(JSONWriter.quoted(text)): names nothing to silence") }
        self.fields = fields
        self.until = until
    }

    public func silences(_ alert: Alert, at now: Timestamp) -> Bool {
        guard now < until else { return false }
        let line = alert.line
        let actorName = line.actor.split(separator: " (").first.map(String.init) ?? line.actor
        return fields.allSatisfy { field in
            switch field.name {
            case "rule": return alert.ruleID == field.value || alert.title == field.value
            case "actor": return actorName == field.value || line.actor == field.value
            case "account": return line.account == field.value
            case "region": return line.region == field.value
            case "source": return line.source == field.value
            case "level": return alert.levelName.lowercased() == field.value.lowercased()
            default: return alert.tags.contains(field.value)
            }
        }
    }
}
