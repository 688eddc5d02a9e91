import TrailCore

/// Files each rule under the values a field must have for it to match (its `eventName` or
/// `trail.action`, failing that its `eventSource`), so an event is only tried against the rules
/// filed under its own values plus the few rules that require none.
struct RuleIndex {
    /// The fields rules are filed under; `eventName` and `trail.action` share one table, as
    /// trail-flatten copies `eventName` into `trail.action`.
    static let keys = ["eventName", "trail.action", "eventSource"]
    private static let table = [0, 0, 1]

    /// Per table, where an event's value is looked up: the header first (early in the line,
    /// cheap to reach), the event's own field for input that was not flattened.
    private let lookups: [[JSONPath]] = [[JSONPath("trail.action"), JSONPath("eventName")], [JSONPath("eventSource")]]
    /// Per table: hash of the lower-cased value → rules, in load order.
    private let tables: [[UInt64: [Int]]]
    /// Rules no key selects: tried on every event.
    private let always: [Int]

    init(_ rules: [Rule]) {
        var tables = Array(repeating: [UInt64: [Int]](), count: 2)
        var always: [Int] = []
        for (r, rule) in rules.enumerated() {
            var filed = false
            for (k, key) in RuleIndex.keys.enumerated() {
                guard let values = rule.detection.requiredValues(of: key) else { continue }
                for hash in Set(values.map { $0.withUnsafeBytes(RuleIndex.hash) }) {
                    tables[RuleIndex.table[k]][hash, default: []].append(r)
                }
                filed = true
                break
            }
            if !filed { always.append(r) }
        }
        self.tables = tables
        self.always = always
    }

    /// FNV-1a of the ASCII-lower-cased bytes: looking a value up allocates nothing. A collision
    /// only makes a rule a candidate; the rule's own match decides.
    @inline(__always) static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(Pattern.lower(b))
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// The rules worth trying on the event, in load order (so alerts come out in rule order).
    func candidates(_ s: JSONScanner, _ root: Int, into out: inout [Int]) {
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: always)
        let before = out.count
        for k in tables.indices where !tables[k].isEmpty {
            guard let at = s.value(at: lookups[k][0], from: root) ?? lookups[k].dropFirst().lazy.compactMap({ s.value(at: $0, from: root) }).first else { continue }
            var hash: UInt64 = 0
            guard FieldMatcher.withText(s, at, { hash = RuleIndex.hash($0); return true }) else { continue }
            if let hits = tables[k][hash] { out.append(contentsOf: hits) }
        }
        if out.count > before, out.count > 1 { out.sort() }
    }
}
