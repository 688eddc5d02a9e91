import TrailCore
import Yams

extension RuleLoader {
    /// The `element` extension: `field|element:` takes a mapping of lines (paths relative to
    /// one element, modifiers allowed), or a list of such mappings (any of them), that must all
    /// hold on the same element of the field's array. Plain Sigma checks each line against any
    /// element, so `fromPort: 22` and `cidrIp: 0.0.0.0/0` would match two different rules.
    func elementField(_ fieldName: String, _ modifiers: [String], _ keyNode: Node, _ value: Node,
                      fail: (Node?, String) -> RuleProblem) throws -> FieldMatcher {
        guard modifiers == ["element"] else {
            throw fail(keyNode, "'element' takes no other modifiers in '\(fieldName)|\(modifiers.joined(separator: "|"))'; put them on the lines inside")
        }
        let alternatives = value.sequence.map(Array.init) ?? [value]
        let expected: [FieldMatcher.Expected] = try alternatives.map { alternative in
            guard let map = alternative.mapping, !map.isEmpty else {
                throw fail(alternative, "'\(fieldName)|element' takes a mapping of lines (or a list of them) that one element must match")
            }
            return .element(try map.map { k, v in try field(k, v, fail: fail) })
        }
        return FieldMatcher(path: JSONPath(fieldName), expected: expected, requireAll: false)
    }
}
