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
            guard let text = node.string?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                throw fail(node, "runbook must be text whose first line says what to do")
            }
            guidance.runbook = text
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

    /// Writes `alert.resources`: the names of what `event`
    /// touched, its `resources[].ARN`, then the values of the rule's resource fields (an
    /// array's strings one by one), each once, in that order. `names`: a buffer kept between
    /// alerts, where each name is written quoted and compared with those before it. A string
    /// without escapes in a checked event is copied as it is written, which is how it is
    /// quoted: an alert builds no text per name.
    /// `top`: the members of `root`, read before (nil: found by walking it).
    func writeResources(_ s: JSONScanner, event root: Int, _ top: TopMembers?, names: inout ResourceNames, into alert: inout AlertWriter) {
        names.removeAll()
        func add(_ at: Int) {
            guard names.count < RuleGuidance.maximumResources else { return }
            switch s.kind(at: at) {
            case .string, .number:
                names.add(s, at)
            case .array:
                s.forEachElement(ofArrayAt: at) { element in
                    if s.kind(at: element) == .string || s.kind(at: element) == .number { add(element) }
                    return names.count < RuleGuidance.maximumResources
                }
            default:
                break
            }
        }
        let list = top.map { $0.value(s, at: RuleGuidance.eventResources) } ?? s.value(at: RuleGuidance.eventResources, from: root)
        if let list, s.kind(at: list) == .array {
            s.forEachElement(ofArrayAt: list) { element in
                if let arn = RuleGuidance.arnPaths.lazy.compactMap({ s.value(at: $0, from: element) }).first { add(arn) }
                return names.count < RuleGuidance.maximumResources
            }
        }
        for path in resourceFields {
            FieldMatcher.forEachValue(s, at: path, root, top, add)
        }
        alert.resources { names.write(into: &$0) }
    }
}

/// The names an alert's `resources` lists, each once, as quoted JSON strings one after the
/// other in one buffer, kept between alerts.
struct ResourceNames {
    private var text: [UInt8] = []
    private var ends: [Int] = []

    var count: Int { ends.count }

    mutating func removeAll() {
        text.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }

    /// Adds the string or number at `at` (of a checked text) unless it is empty or listed already.
    mutating func add(_ s: JSONScanner, _ at: Int) {
        let start = text.count
        if s.kind(at: at) == .string, let raw = s.raw(at: at), raw.firstIndex(of: UInt8(ascii: "\\")) == nil {
            text.append(contentsOf: raw)
        } else if let name = s.text(at: at) {
            JSONWriter.appendQuoted(name, to: &text)
        } else {
            return
        }
        let length = text.count - start
        var isNew = length > 2
        var previous = 0
        for end in ends where isNew {
            isNew = end - previous != length || !text[previous..<end].elementsEqual(text[start...])
            previous = end
        }
        if isNew { ends.append(text.count) } else { text.removeSubrange(start...) }
    }

    func write(into json: inout JSONWriter) {
        var previous = 0
        text.withUnsafeBytes { all in
            for end in ends {
                json.raw(UnsafeRawBufferPointer(rebasing: all[previous..<end]))
                previous = end
            }
        }
    }
}
