import TrailCore

/// A Sigma correlation rule: it counts, across events, the matches of other rules that share
/// the values of the `group-by` fields, within `timespan` of event time.
public struct CorrelationRule: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// At least N matching events in the window.
        case eventCount = "event_count"
        /// At least N distinct values of `condition.field` in the window.
        case valueCount = "value_count"
        /// Every referenced rule matched in the window, in any order.
        case temporal
        /// Every referenced rule matched in the window, in the order listed.
        case temporalOrdered = "temporal_ordered"
        /// Extension: a value of `condition.field` never seen before for the group (within
        /// `timespan`, the retention of what was seen).
        case firstSeen = "first_seen"
    }

    public let id: String
    /// Sigma's `name`: how `--tune` (and other rules) can refer to it.
    public let name: String?
    public let title: String
    public let level: String
    public let tags: [String]
    public let references: [String]
    public let scenarios: [String]
    public let origin: String
    public let kind: Kind
    /// Names or ids of the referenced rules, as written.
    let ruleNames: [String]
    /// The referenced rules' positions in the loaded rule list, in the order listed.
    var ruleIndices: [Int] = []
    let groupBy: [JSONPath]
    /// Nanoseconds.
    public internal(set) var timespan: Int64
    /// For the counting kinds: the smallest count that raises the alert.
    public internal(set) var minimum: Int
    /// The field whose distinct values are counted (value_count) or remembered (first_seen).
    let field: JSONPath?
    /// Sigma's `generate`: whether the referenced rules also raise their own alerts.
    let generate: Bool
    let examples: Examples
    /// Runbook, false positives and resource fields, for its alerts.
    public var guidance = RuleGuidance()
}

/// One event counted by a correlation: when, which event, which referenced rule (its slot in
/// the correlation's list) and the value of the counted field.
struct WindowEntry: Sendable, Equatable {
    var time: Int64
    var id: String
    var slot: Int
    var value: String
}

/// What a correlation raises: the entries that made it, the event that completed it.
struct CorrelationHit {
    let correlation: Int
    let group: [String?]
    let count: Int
    let entries: [WindowEntry]
}

extension CorrelationRule {
    /// Adds `entries` (one per referenced rule the event matched, all of one event) to a
    /// group's window and returns what fires. Entries arrive in event-time order.
    func advance(_ window: inout [WindowEntry], with entries: [WindowEntry]) -> (count: Int, used: [WindowEntry])? {
        guard let now = entries.first?.time else { return nil }
        let horizon = EventTime.before(now, by: timespan)
        switch kind {
        case .firstSeen:
            window.removeAll { $0.time < horizon }
            let value = entries[0].value
            if let k = window.firstIndex(where: { $0.value == value }) {
                window[k].time = now
                return nil
            }
            let known = !window.isEmpty
            window.append(entries[0])
            return known ? (window.count, [entries[0]]) : nil
        case .eventCount, .valueCount:
            window.removeAll { $0.time < horizon }
            window.append(entries[0])
            let count = kind == .eventCount ? window.count : Set(window.map(\.value)).count
            guard count >= minimum else { return nil }
            defer { window.removeAll() }
            return (count, window)
        case .temporal:
            window.removeAll { $0.time < horizon }
            window.append(contentsOf: entries)
            var latest: [Int: WindowEntry] = [:]
            for e in window { latest[e.slot] = e }
            guard latest.count == ruleIndices.count else { return nil }
            defer { window.removeAll() }
            return (latest.count, latest.values.sorted { ($0.time, $0.slot) < ($1.time, $1.slot) })
        case .temporalOrdered:
            window.removeAll { $0.time < horizon }
            window.append(contentsOf: entries)
            // Greedy earliest chain: rule 0, then rule 1 after it, …; an event fills one step.
            var chain: [WindowEntry] = []
            for e in window where e.slot == chain.count && e.id != chain.last?.id {
                chain.append(e)
                if chain.count == ruleIndices.count { break }
            }
            guard chain.count == ruleIndices.count else { return nil }
            defer { window.removeAll() }
            return (chain.count, chain)
        }
    }
}
