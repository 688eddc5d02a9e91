import Foundation
import TrailCore

/// Quiet periods of a business calendar: weekly hours (`Mon-Fri 19:00-08:00`, `Sat,Sun`)
/// and dates (`2026-12-24`, `2026-12-24..2026-12-26`), in local time at a fixed UTC offset.
/// A range that ends before it starts runs past midnight into the next day.
public struct QuietCalendar: Sendable {
    struct Weekly: Sendable {
        let days: Set<Int>  // 0 = Sunday
        let startMinute: Int
        let endMinute: Int
    }

    private var weekly: [Weekly] = []
    /// Inclusive ranges of days since 1970-01-01 (local).
    private var dates: [ClosedRange<Int>] = []
    public let utcOffsetSeconds: Int64

    public var isEmpty: Bool { weekly.isEmpty && dates.isEmpty }

    public init(_ specs: [String], utcOffsetSeconds: Int64 = 0) throws {
        self.utcOffsetSeconds = utcOffsetSeconds
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
        let local = time.seconds + utcOffsetSeconds
        let day = Int(local >= 0 ? local / 86400 : (local - 86399) / 86400)
        let minute = Int(local - Int64(day) * 86400) / 60
        if dates.contains(where: { $0.contains(day) }) { return true }
        let weekday = ((day % 7) + 11) % 7
        let yesterday = (weekday + 6) % 7
        return weekly.contains { period in
            if period.startMinute < period.endMinute {
                return period.days.contains(weekday) && minute >= period.startMinute && minute < period.endMinute
            }
            return (period.days.contains(weekday) && minute >= period.startMinute)
                || (period.days.contains(yesterday) && minute < period.endMinute)
        }
    }

    /// The first minute after `time` that is not quiet (looked for up to 60 days ahead).
    public func end(after time: Timestamp) -> Timestamp {
        var t = Timestamp(seconds: (time.seconds / 60 + 1) * 60)
        for _ in 0..<(60 * 24 * 60) where isQuiet(t) { t.seconds += 60 }
        return t
    }

    private static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    static func weekly(_ text: String) -> Weekly? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard let dayPart = parts.first, parts.count <= 2 else { return nil }
        var days = Set<Int>()
        for piece in dayPart.lowercased().split(separator: ",") {
            let ends = piece.split(separator: "-").map { dayNames.firstIndex(of: String($0.prefix(3))) }
            guard !ends.isEmpty, ends.count <= 2, let first = ends.first!, let last = ends.last! else { return nil }
            var d = first
            while true {
                days.insert(d)
                if d == last { break }
                d = (d + 1) % 7
            }
        }
        guard parts.count == 2 else { return Weekly(days: days, startMinute: 0, endMinute: 24 * 60) }
        let hours = parts[1].split(separator: "-").map { minuteOfDay($0) }
        guard hours.count == 2, let start = hours[0], let end = hours[1] else { return nil }
        return Weekly(days: days, startMinute: start, endMinute: end)
    }

    static func minuteOfDay(_ text: Substring) -> Int? {
        let hm = text.split(separator: ":")
        guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }

    static func dateRange(_ text: String) -> ClosedRange<Int>? {
        let ends = text.components(separatedBy: "..").map(day)
        guard ends.count <= 2, let first = ends.first ?? nil, let last = ends.last ?? nil, first <= last else { return nil }
        return first...last
    }

    static func day(_ text: String) -> Int? {
        let ymd = text.split(separator: "-")
        guard ymd.count == 3, ymd[0].count == 4, let y = Int(ymd[0]), let m = Int(ymd[1]), let d = Int(ymd[2]),
              (1...12).contains(m), (1...Timestamp.daysInMonth(year: y, month: m)).contains(d) else { return nil }
        return Timestamp.daysFromCivil(year: y, month: m, day: d)
    }

    /// `+09:00`, `-0500`, `Z` → seconds east of UTC.
    public static func utcOffset(_ text: String) -> Int64? {
        if text == "Z" || text == "UTC" { return 0 }
        guard let sign = text.first, sign == "+" || sign == "-" else { return nil }
        let digits = text.dropFirst().filter(\.isNumber)
        guard digits.count == 4 || digits.count == 2, let value = Int64(digits) else { return nil }
        let (h, m) = digits.count == 4 ? (value / 100, value % 100) : (value, 0)
        guard h <= 14, m < 60 else { return nil }
        return (sign == "-" ? -1 : 1) * (h * 3600 + m * 60)
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
