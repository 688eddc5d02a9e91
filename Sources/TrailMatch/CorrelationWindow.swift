import TrailCore

/// How a correlation's window of one group evolves. Two ways, by its condition:
///
/// - Only a lower bound (`gte: 10`): a sliding window over the last `timespan` before each
///   entry; the alert is raised by the entry that brings the measure into the condition, and
///   the window starts afresh.
/// - An upper bound or neq (`lt: 3`, `{gte: 2, lt: 10}`, `eq: 1`): a count below the bound may
///   still grow, so the window is decided when it closes. It opens with the group's first
///   entry and closes `timespan` later (once event time has passed its end); if the measure
///   over its entries holds, the alert is raised then. This is absence detection: `lt: 3`
///   fires for a group seen in the window fewer than three times.
///
/// Taken from the correlation's rule once: the end of the input counts every event through
/// it, and a copy of the rule (its every list and text) per event cost more than the counting.
struct WindowCount {
    let kind: CorrelationRule.Kind
    let timespan: Int64
    let threshold: Threshold
    let clauses: [[Int]]?
    /// How many rules the correlation refers to.
    let slotCount: Int
    let percentile: Double?

    init(_ rule: CorrelationRule) {
        (kind, timespan, threshold, clauses) = (rule.kind, rule.timespan, rule.threshold, rule.clauses)
        (slotCount, percentile) = (rule.ruleIndices.count, rule.percentile)
    }

    /// Adds `entries` (one per referenced rule the event matched, all of one event) to a
    /// sliding window and returns what fires. Entries arrive in event-time order.
    func advance(_ window: inout [WindowEntry], with entries: [WindowEntry]) -> (measure: Double, used: [WindowEntry])? {
        guard let now = entries.first?.time else { return nil }
        let horizon = EventTime.before(now, by: timespan)
        if kind == .firstSeen {
            window.removeAll { $0.time < horizon }
        } else {
            // In event-time order (first_seen moves a value's time): what is too old is a prefix.
            var old = 0
            while old < window.count, window[old].time < horizon { old += 1 }
            if old > 0 { window.removeFirst(old) }
        }
        switch kind {
        case .firstSeen:
            let value = entries[0].value
            if let k = window.firstIndex(where: { $0.value == value }) {
                window[k].time = now
                return nil
            }
            let known = !window.isEmpty
            window.append(entries[0])
            return known ? (Double(window.count), [entries[0]]) : nil
        case .temporal, .temporalOrdered:
            window.append(contentsOf: entries)
        default:
            window.append(entries[0])
        }
        // A count is at most the window's entries: while they are too few, nothing is counted.
        if clauses == nil, kind == .eventCount || kind == .valueCount, !threshold.allows(atMost: Double(window.count)) { return nil }
        guard let (measure, used) = measure(window), threshold.holds(measure) else { return nil }
        defer { window.removeAll() }
        return (measure, used)
    }

    /// The measure of a window's entries, and the entries that make it; nil when there is
    /// none (no numeric value to sum, average or rank).
    func measure(_ window: [WindowEntry]) -> (Double, [WindowEntry])? {
        if let clauses { return clauseMeasure(window, clauses) }
        switch kind {
        case .eventCount, .firstSeen:
            return (Double(window.count), window)
        case .valueCount:
            return (Double(Set(window.map(\.value)).count), window)
        case .valueSum, .valueAvg, .valuePercentile, .valueMedian:
            let numbers = window.compactMap { Double($0.value) }
            guard !numbers.isEmpty else { return nil }
            let sum = numbers.reduce(0, +)
            if kind == .valueSum { return (sum, window) }
            if kind == .valueAvg { return (sum / Double(numbers.count), window) }
            return (WindowCount.percentile(kind == .valueMedian ? 50 : percentile ?? 50, of: numbers), window)
        case .temporal:
            var latest: [Int: WindowEntry] = [:]
            for e in window { latest[e.slot] = e }
            return (Double(latest.count), latest.values.sorted { ($0.time, $0.slot) < ($1.time, $1.slot) })
        case .temporalOrdered:
            return orderedChain(window)
        }
    }

    /// The longest run of referenced rules matched in the order listed, each step by a later
    /// event; when every rule is asked for, the earliest such chain.
    private func orderedChain(_ window: [WindowEntry]) -> (Double, [WindowEntry]) {
        var chain: [WindowEntry] = []
        for e in window where e.slot == chain.count && e.id != chain.last?.id {
            chain.append(e)
            if chain.count == slotCount { return (Double(chain.count), chain) }
        }
        // Fewer than all (a count condition): the longest chain in listed order, by dynamic
        // programming over the window (an event's entries are adjacent and fill one step).
        var best = Array(repeating: 0, count: slotCount)
        var k = 0
        while k < window.count {
            var end = k
            while end < window.count, window[end].id == window[k].id, window[end].time == window[k].time { end += 1 }
            let before = best
            for e in window[k..<end] {
                best[e.slot] = max(best[e.slot], 1 + (before[..<e.slot].max() ?? 0))
            }
            k = end
        }
        return (Double(best.max() ?? 0), window)
    }

    /// 1 when some alternative of a condition over rule names holds (for temporal_ordered, its
    /// rules matched in the order listed), with the entries that make it; else 0.
    private func clauseMeasure(_ window: [WindowEntry], _ clauses: [[Int]]) -> (Double, [WindowEntry]) {
        for slots in clauses {
            var used: [WindowEntry] = []
            if kind == .temporalOrdered {
                for e in window where used.count < slots.count && e.slot == slots[used.count] && e.id != used.last?.id { used.append(e) }
            } else {
                var latest: [Int: WindowEntry] = [:]
                for e in window where slots.contains(e.slot) { latest[e.slot] = e }
                used = latest.values.sorted { ($0.time, $0.slot) < ($1.time, $1.slot) }
            }
            if used.count == slots.count { return (1, used) }
        }
        return (0, window)
    }

    /// pySigma's percentile: linear interpolation between the ranks around (n-1)·p/100.
    static func percentile(_ p: Double, of values: [Double]) -> Double {
        let sorted = values.sorted()
        let position = Double(sorted.count - 1) * p / 100
        let low = Int(position)
        let fraction = position - Double(low)
        guard low + 1 < sorted.count else { return sorted[low] }
        return sorted[low] * (1 - fraction) + sorted[low + 1] * fraction
    }
}
