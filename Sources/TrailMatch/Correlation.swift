import Foundation
import TrailCore

/// A Sigma correlation rule: it measures, across events, the matches of other rules (or
/// correlations) that share the values of the `group-by` fields, within `timespan` of event time.
public struct CorrelationRule: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The number of matching events.
        case eventCount = "event_count"
        /// The number of distinct values of `condition.field` (or of the fields' combined values).
        case valueCount = "value_count"
        /// The sum, average or a percentile of the numeric values of `condition.field`.
        case valueSum = "value_sum"
        case valueAvg = "value_avg"
        case valuePercentile = "value_percentile"
        /// pySigma's: the 50th percentile.
        case valueMedian = "value_median"
        /// The number of distinct referenced rules that matched, in any order.
        case temporal
        /// The number of referenced rules that matched in the order listed.
        case temporalOrdered = "temporal_ordered"
        /// Extension: a value of `condition.field` never seen before for the group (within
        /// `timespan`, the retention of what was seen).
        case firstSeen = "first_seen"

        var isNumeric: Bool { self == .valueSum || self == .valueAvg || self == .valuePercentile || self == .valueMedian }
        var isTemporal: Bool { self == .temporal || self == .temporalOrdered }
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
    /// Names or ids of the referenced rules and correlations, as written.
    let ruleNames: [String]
    /// What each name refers to: below the number of loaded rules a rule's position, from
    /// there on `rules.count + k` for the k-th loaded correlation (a chained correlation).
    var ruleIndices: [Int] = []
    /// The group-by field names as written (aliases among them).
    let groupBy: [String]
    /// `aliases`: alias → referenced rule (name or id as written) → field.
    let aliases: [String: [String: String]]
    /// Per referenced rule (slot), the paths of the group-by fields in its events.
    var groupPaths: [[JSONPath]] = []
    /// Per slot, the paths of the condition's fields in its events.
    var fieldPaths: [[JSONPath]] = []
    /// Nanoseconds.
    public internal(set) var timespan: Int64
    /// What the measure must satisfy.
    public internal(set) var threshold: Threshold
    /// A temporal condition over rule names (`a and (b or c)`), as the slots of each of its
    /// alternatives (all of one must match); nil: the count condition.
    let clauses: [[Int]]?
    /// The condition's field names (value_* and first_seen kinds).
    let fields: [String]
    /// value_percentile: which percentile, 0–100.
    let percentile: Double?
    /// Sigma's `generate`: whether the referenced rules also raise their own alerts.
    let generate: Bool
    let examples: Examples
    /// Runbook, false positives and resource fields, for its alerts.
    public var guidance = RuleGuidance()

    /// The paths each slot's events are grouped by, and its condition fields, with aliases
    /// resolved: an alias names the field of the rule it maps (pySigma: by the name written
    /// in `rules`, the rule's name or its id), any other name is a field of every event.
    mutating func resolvePaths(_ identities: [[String]]) {
        groupPaths = identities.map { names in
            groupBy.map { field in JSONPath(aliases[field].flatMap { m in names.lazy.compactMap { m[$0] }.first } ?? field) }
        }
        fieldPaths = identities.map { names in
            fields.map { field in JSONPath(aliases[field].flatMap { m in names.lazy.compactMap { m[$0] }.first } ?? field) }
        }
    }
}

/// A correlation's condition: `{gte: 10}`, a range such as `{gt: 100, lte: 200}` (the members
/// are joined with and, as the specification says), `eq`, or pySigma's `neq`.
public struct Threshold: Sendable, Equatable {
    public var lower: Double?
    public var lowerStrict = false
    public var upper: Double?
    public var upperStrict = false
    public var excluded: Double?

    public init(lower: Double? = nil, lowerStrict: Bool = false, upper: Double? = nil, upperStrict: Bool = false) {
        self.lower = lower
        self.lowerStrict = lowerStrict
        self.upper = upper
        self.upperStrict = upperStrict
    }

    /// Adds one member of the condition, keeping the tighter bound when two bound one side.
    mutating func add(_ op: String, _ n: Double) {
        switch op {
        case "gt", "gte":
            let strict = op == "gt"
            if let lower, lower > n || (lower == n && lowerStrict) { return }
            lower = n
            lowerStrict = strict
        case "lt", "lte":
            let strict = op == "lt"
            if let upper, upper < n || (upper == n && upperStrict) { return }
            upper = n
            upperStrict = strict
        case "eq":
            add("gte", n)
            add("lte", n)
        default:
            excluded = n
        }
    }

    /// Whether some measure no greater than `x` could hold (the lower bound alone decides).
    func allows(atMost x: Double) -> Bool {
        guard let lower else { return true }
        return lowerStrict ? x > lower : x >= lower
    }

    func holds(_ x: Double) -> Bool {
        // The lower bound, as `allows(atMost:)` reads it.
        guard allows(atMost: x) else { return false }
        if let upper, upperStrict ? !(x < upper) : !(x <= upper) { return false }
        return excluded != x
    }

    /// Whether any value satisfies it.
    var satisfiable: Bool {
        guard let lower, let upper else { return true }
        return lower < upper || (lower == upper && !lowerStrict && !upperStrict && excluded != lower)
    }

    /// A condition with an upper bound (or neq) can only be decided once the window has
    /// closed: a count below it may still grow. One with only a lower bound holds for good
    /// as soon as the measure reaches it.
    var decidedAtClose: Bool { upper != nil || excluded != nil }

    var description: String {
        var parts: [String] = []
        if let lower { parts.append("\(lowerStrict ? "gt" : "gte"): \(Threshold.text(lower))") }
        if let upper { parts.append("\(upperStrict ? "lt" : "lte"): \(Threshold.text(upper))") }
        if let excluded { parts.append("neq: \(Threshold.text(excluded))") }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    static func text(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}

/// One event counted by a correlation: when, which event, which referenced rule (its slot in
/// the correlation's list) and the value of the measured field(s).
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
    let measure: Double
    let entries: [WindowEntry]
}
