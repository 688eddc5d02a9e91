import TrailCore

/// One `field|modifier: values` line of a search: the field's values must match one of the
/// rule's values (or all of them with `|all`).
struct FieldMatcher: Sendable {
    enum Expected: Sendable, Equatable {
        case pattern(Pattern)
        /// `field: null`: the field is absent or null.
        case null
    }

    let path: JSONPath
    let expected: [Expected]
    let requireAll: Bool

    func matches(_ s: JSONScanner, _ root: Int) -> Bool {
        var values: [Int] = []
        s.forEachValue(at: path, from: root) { at in
            if s.kind(at: at) == .array {
                s.forEachElement(ofArrayAt: at) { values.append($0); return true }
            } else {
                values.append(at)
            }
        }
        let texts = values.map { s.text(at: $0) }
        func satisfied(_ e: Expected) -> Bool {
            switch e {
            case .null: return texts.allSatisfy { $0 == nil }
            case .pattern(let p): return texts.contains { $0.map(p.matches) ?? false }
            }
        }
        return requireAll ? expected.allSatisfy(satisfied) : expected.contains(where: satisfied)
    }
}

/// A named search of a detection: a map (every field matches) or a list of maps (any does).
enum Search: Sendable {
    case allFields([FieldMatcher])
    case anyOf([Search])

    func matches(_ s: JSONScanner, _ root: Int) -> Bool {
        switch self {
        case .allFields(let fields): return fields.allSatisfy { $0.matches(s, root) }
        case .anyOf(let searches): return searches.contains { $0.matches(s, root) }
        }
    }
}

/// A rule's detection: its searches and the condition that combines them.
struct Detection: Sendable {
    let searches: [String: Search]
    let condition: Condition

    func matches(_ s: JSONScanner, _ root: Int) -> Bool {
        evaluate(condition, s, root)
    }

    private func evaluate(_ c: Condition, _ s: JSONScanner, _ root: Int) -> Bool {
        switch c {
        case .search(let name): return searches[name]?.matches(s, root) ?? false
        case .not(let inner): return !evaluate(inner, s, root)
        case .and(let a, let b): return evaluate(a, s, root) && evaluate(b, s, root)
        case .or(let a, let b): return evaluate(a, s, root) || evaluate(b, s, root)
        case .oneOf(let names): return names.contains { searches[$0]?.matches(s, root) ?? false }
        case .allOf(let names): return names.allSatisfy { searches[$0]?.matches(s, root) ?? false }
        }
    }
}

/// A loaded rule: Sigma metadata, the cloud its logsource selects, and its detection.
public struct Rule: Sendable {
    public let id: String
    public let title: String
    public let level: String
    public let tags: [String]
    public let description: String?
    /// The monitoring scenarios (D1–D19) the rule serves: the `scenarios` attribute, an extension.
    public let scenarios: [String]
    /// Where the rule was read, for messages: `rules/root.yml:3`.
    public let origin: String
    /// nil: every event; else the `trail.cloud` value the logsource names.
    let cloud: String?
    let detection: Detection

    static let cloudPath = JSONPath("trail.cloud")

    /// Whether `event` (an object with the `trail` header) raises this rule.
    public func matches(_ s: JSONScanner, event root: Int) -> Bool {
        if let cloud, s.value(at: Rule.cloudPath, from: root).flatMap({ s.string(at: $0) }) != cloud { return false }
        return detection.matches(s, root)
    }
}
