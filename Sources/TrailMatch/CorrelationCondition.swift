import Yams

/// A correlation's `condition` section read: the threshold, the measured field(s) and the
/// percentile. Where the specification is silent, as pySigma reads it: numbers may have
/// fractions (for the value_* kinds), `neq` is accepted, a percentile is 0–100.
struct CorrelationCondition {
    var threshold = Threshold()
    var fields: [String] = []
    var percentile: Double?

    init(_ node: Node?, kind: CorrelationRule.Kind, rules: Int, fail: (Node?, String) -> RuleProblem) throws {
        guard let node else {
            guard kind.isTemporal || kind == .firstSeen else {
                throw fail(nil, "a \(kind.rawValue) correlation needs a condition such as {gte: 10}")
            }
            if kind.isTemporal { threshold.add("gte", Double(rules)) }
            return
        }
        if node.string != nil, kind.isTemporal {
            throw fail(node, "a condition over rule names ('\(node.string!)') is not supported; give a count such as {gte: 2}")
        }
        guard let map = node.mapping else { throw fail(node, "correlation condition must be a mapping such as {gte: 10}") }
        var bounded = false
        for (k, v) in map {
            let key = k.string ?? ""
            switch key {
            case "field":
                fields = v.sequence.map { $0.compactMap(\.string) } ?? v.string.map { [$0] } ?? []
                guard !fields.isEmpty, fields.allSatisfy({ !$0.isEmpty }) else { throw fail(v, "condition field must be a field name or a list of them") }
            case "percentile":
                guard kind == .valuePercentile else { throw fail(k, "'percentile' belongs to a value_percentile correlation") }
                guard let p = v.string.flatMap(Double.init), (0...100).contains(p) else { throw fail(v, "percentile must be a number from 0 to 100") }
                percentile = p
            case "gt", "gte", "lt", "lte", "eq", "neq":
                guard kind != .firstSeen else { throw fail(k, "a first_seen correlation takes no count condition") }
                guard let n = v.string.flatMap(Double.init), n.isFinite, abs(n) < 1e15 else { throw fail(v, "'\(key)' needs a number") }
                guard kind.isNumeric || n == n.rounded() else { throw fail(v, "'\(key)' of a \(kind.rawValue) correlation needs a whole number") }
                threshold.add(key, n)
                bounded = true
            default:
                throw fail(k, "unknown correlation condition '\(key)' (gt, gte, lt, lte, eq, neq, field, percentile)")
            }
        }
        try check(node, kind: kind, rules: rules, bounded: bounded, fail: fail)
    }

    private mutating func check(_ node: Node, kind: CorrelationRule.Kind, rules: Int, bounded: Bool, fail: (Node?, String) -> RuleProblem) throws {
        if !bounded && kind != .firstSeen { throw fail(node, "the condition has no gt, gte, lt, lte or eq") }
        guard threshold.satisfiable else { throw fail(node, "the condition \(threshold.description) can never hold") }
        let needsField = kind == .valueCount || kind == .firstSeen || kind.isNumeric
        if needsField && fields.isEmpty { throw fail(node, "a \(kind.rawValue) correlation needs condition.field") }
        if !needsField && !fields.isEmpty { throw fail(node, "a \(kind.rawValue) correlation takes no condition.field") }
        if kind.isNumeric || kind == .firstSeen, fields.count > 1 {
            throw fail(node, "a \(kind.rawValue) correlation measures one field")
        }
        if kind == .valuePercentile && percentile == nil {
            throw fail(node, "a value_percentile correlation needs condition.percentile (0-100), as pySigma does")
        }
        if kind.isTemporal, (threshold.lower ?? 0) > Double(rules) {
            throw fail(node, "a \(kind.rawValue) correlation of \(rules) rules counts at most \(rules)")
        }
    }

    /// `aliases`: each alias maps referenced rules (as named in `rules`) to a field.
    static func aliases(_ node: Node?, ruleNames: [String], fail: (Node?, String) -> RuleProblem) throws -> [String: [String: String]] {
        guard let node else { return [:] }
        guard let map = node.mapping else { throw fail(node, "aliases must map alias names to {rule: field}") }
        var result: [String: [String: String]] = [:]
        for (k, v) in map {
            guard let alias = k.string, let targets = v.mapping else { throw fail(v, "alias '\(k.string ?? "?")' must map rule names to fields") }
            var fields: [String: String] = [:]
            for (rule, field) in targets {
                guard let name = rule.string, let path = field.string, !path.isEmpty else { throw fail(rule, "alias '\(alias)' must map rule names to field names") }
                fields[name] = path
            }
            result[alias] = fields
        }
        return result
    }
}
