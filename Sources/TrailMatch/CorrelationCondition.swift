import Yams

/// A correlation's `condition` section read: the threshold, the measured field(s) and the
/// percentile. Where the specification is silent, as pySigma reads it: numbers may have
/// fractions (for the value_* kinds), `neq` is accepted, a percentile is 0–100.
struct CorrelationCondition {
    var threshold = Threshold()
    var fields: [String] = []
    var percentile: Double?
    /// A condition over rule names: its alternatives, as slots in `ruleNames`.
    var clauses: [[Int]]?
    /// The rules a condition over rule names refers to, when `rules` is not given.
    var ruleNames: [String]?

    init(_ node: Node?, kind: CorrelationRule.Kind, rules names: [String], fail: (Node?, String) -> RuleProblem) throws {
        let rules = names.count
        guard let node else {
            guard kind.isTemporal || kind == .firstSeen else {
                throw fail(nil, "a \(kind.rawValue) correlation needs a condition such as {gte: 10}")
            }
            if kind.isTemporal { threshold.add("gte", Double(rules)) }
            return
        }
        if let text = node.string, kind.isTemporal {
            try readExpression(text, node, rules: names, fail: fail)
            return
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

    /// pySigma's condition over rule names for temporal correlations: `a and (b or c)`, names
    /// joined by and/or (any case) and parentheses; `rules` may be left out, or must list
    /// exactly the names used. `not` would need the window to close: refused.
    private mutating func readExpression(_ text: String, _ node: Node, rules written: [String], fail: (Node?, String) -> RuleProblem) throws {
        var used: [String] = []
        for word in text.split(whereSeparator: { $0 == "(" || $0 == ")" || $0.isWhitespace }) where !["and", "or"].contains(word.lowercased()) {
            guard word.lowercased() != "not" else { throw fail(node, "'not' in a temporal condition would need the window to close; not supported") }
            if !used.contains(String(word)) { used.append(String(word)) }
        }
        let names = written.isEmpty ? used : written
        guard Set(names) == Set(used) else {
            throw fail(node, "the condition and 'rules' must name the same rules (condition: \(used.joined(separator: ", ")))")
        }
        let parsed: Condition
        do { parsed = try Condition.parse(text, searches: Set(names)) } catch { throw fail(node, error.description) }
        guard let alternatives = CorrelationCondition.alternatives(parsed) else {
            throw fail(node, "a temporal condition joins rule names with and, or and parentheses only")
        }
        threshold.add("gte", 1)
        clauses = alternatives.map { clause in clause.map { names.firstIndex(of: $0)! }.sorted() }
        ruleNames = written.isEmpty ? names : nil
    }

    /// The condition as alternatives of names that must all match (disjunctive normal form);
    /// nil for anything but names, and, or.
    static func alternatives(_ c: Condition) -> [Set<String>]? {
        switch c {
        case .search(let name): return [[name]]
        case .or(let a, let b):
            guard let x = alternatives(a), let y = alternatives(b) else { return nil }
            return x + y
        case .and(let a, let b):
            guard let x = alternatives(a), let y = alternatives(b) else { return nil }
            return x.flatMap { l in y.map { l.union($0) } }
        default: return nil
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
