import Foundation
import TrailCore
import Yams

/// What an alert tells its reader besides the match: what to do (the rule's `runbook`), when
/// it is harmless (`falsepositives`), and which fields of the event name what was touched (the
/// `resource` attribute, an extension). Written into every alert as `alert.rule.runbook`,
/// `alert.rule.falsepositives` and `alert.resources`.
public struct RuleGuidance: Sendable {
    /// Multi-line text; its first line is a one-line summary of what to do.
    public var runbook: String?
    public var falsePositives: [String] = []
    /// Event fields naming what was touched, after the event's own `resources[].ARN`.
    public var resourceFields: [JSONPath] = []

    public init(runbook: String? = nil, falsePositives: [String] = [], resourceFields: [JSONPath] = []) {
        self.runbook = runbook
        self.falsePositives = falsePositives
        self.resourceFields = resourceFields
    }

    /// Where CloudTrail lists what a call touched: `resources[]`, each with `ARN` (`arn` in
    /// some services).
    static let eventResources = JSONPath("resources")
    static let arnPaths = [JSONPath("ARN"), JSONPath("arn")]
    /// More names than any alert reader wants: a hostile event cannot make an alert huge.
    static let maximumResources = 50

    /// Reads `runbook`, `falsepositives` and `resource` (one field name or a list) of a rule.
    static func read(_ map: Node.Mapping, fail: (Node?, String) -> RuleProblem) throws -> RuleGuidance {
        var guidance = RuleGuidance()
        if let node = map["runbook"] {
            guard let text = node.string, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw fail(node, "runbook must be text whose first line says what to do")
            }
            guidance.runbook = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let node = map["falsepositives"] {
            let items = node.sequence.map(Array.init) ?? [node]
            let texts = items.map(RuleGuidance.text)
            if let bad = texts.firstIndex(of: nil) {
                throw fail(items[bad], "falsepositives must be a list of text")
            }
            guidance.falsePositives = texts.compactMap { $0 }
        }
        if let node = map["resource"] {
            guard let names = node.sequence.map({ $0.compactMap(\.string) }) ?? node.string.map({ [$0] }),
                  !names.isEmpty, !names.contains(where: \.isEmpty) else {
                throw fail(node, "resource must name event fields, such as [requestParameters.bucketName]")
            }
            guidance.resourceFields = names.map(JSONPath.init)
        }
        return guidance
    }

    /// An item's text. An unquoted item such as `- Planned work: the alert is the record` is a
    /// one-pair YAML mapping; it is read back as the text its author wrote, not dropped.
    static func text(_ item: Node) -> String? {
        if let text = item.string { return text }
        guard let map = item.mapping, map.count == 1, let (k, v) = map.first, let key = k.string, let value = v.string else { return nil }
        return key + ": " + value
    }

    /// The names of what `event` touched: its `resources[].ARN`, then the values of the rule's
    /// resource fields (an array's strings one by one), each once, in that order.
    /// `top`: the members of `root`, read before (nil: found by walking it).
    func resources(_ s: JSONScanner, event root: Int, _ top: TopMembers?) -> [String] {
        var found: [String] = []
        var seen = Set<String>()
        func add(_ at: Int) {
            guard found.count < RuleGuidance.maximumResources else { return }
            switch s.kind(at: at) {
            case .string, .number:
                if let text = s.text(at: at), !text.isEmpty, seen.insert(text).inserted { found.append(text) }
            case .array:
                s.forEachElement(ofArrayAt: at) { element in
                    if s.kind(at: element) == .string || s.kind(at: element) == .number { add(element) }
                    return found.count < RuleGuidance.maximumResources
                }
            default:
                break
            }
        }
        let list = top.map { $0.value(s, at: RuleGuidance.eventResources) } ?? s.value(at: RuleGuidance.eventResources, from: root)
        if let list, s.kind(at: list) == .array {
            s.forEachElement(ofArrayAt: list) { element in
                if let arn = RuleGuidance.arnPaths.lazy.compactMap({ s.value(at: $0, from: element) }).first { add(arn) }
                return found.count < RuleGuidance.maximumResources
            }
        }
        for path in resourceFields {
            FieldMatcher.forEachValue(s, at: path, root, top, add)
        }
        return found
    }

    /// Writes `runbook` (when there is one) and `falsepositives` into an open `alert.rule` object.
    func write(into json: inout JSONWriter) {
        if let runbook { json.member("runbook", runbook) }
        json.key("falsepositives")
        json.beginArray()
        for text in falsePositives { json.string(text) }
        json.endArray()
    }

    /// Writes `"resources":[…]` into the open `alert` object.
    func writeResources(_ s: JSONScanner, event root: Int, _ top: TopMembers?, into json: inout JSONWriter) {
        json.key("resources")
        json.beginArray()
        for name in resources(s, event: root, top) { json.string(name) }
        json.endArray()
    }
}
