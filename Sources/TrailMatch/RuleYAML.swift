import Yams

/// Reads the YAML documents of a rule or filter file as Yams' default reader
/// would, without its cost. Yams resolves a plain scalar's tag (int, bool, null, …) with
/// regular expressions when two nodes are compared or hashed, as its check for duplicate
/// mapping keys does for every key: about 0.1 s of every run with the bundled pack. Nothing
/// here reads a resolved tag (values are read as text, `Modifiers.write` looks at a scalar's
/// style), so the text is read with no resolution rules, and again with Yams' default ones
/// only where the two readings could differ: when the fast reading fails (duplicate keys
/// among them: `1` and `'1'` are two keys by default, one without rules), and when a key
/// carries an explicit tag (`!!int 1` and `1` are one key by default).
enum RuleYAML {
    /// The documents read before the first error, and that error (nil: the whole text was read).
    static func documents(_ text: String) -> (documents: [Node], error: Error?) {
        let fast = read(text, resolver: .basic)
        // A tag is written with `!`: most rule files have none to look for.
        let mayDiffer = fast.error != nil || (text.utf8.contains(UInt8(ascii: "!")) && fast.documents.contains(where: hasTaggedKey))
        return mayDiffer ? read(text, resolver: .default) : fast
    }

    private static func read(_ text: String, resolver: Resolver) -> (documents: [Node], error: Error?) {
        var documents: [Node] = []
        do {
            // UTF-8 named, not Yams' `.default`, which reads the whole environment on each call.
            var sequence = try Yams.compose_all(yaml: text, resolver, .default, .utf8)
            while let document = sequence.next() { documents.append(document) }
            return (documents, sequence.error)
        } catch {
            return (documents, error)
        }
    }

    /// Tags that make a key a string whatever the resolution rules: none (plain), `!!str`
    /// (what a quoted key gets) and `!`.
    private static let untagged: Set = [Tag.Name.implicit.rawValue, Tag.Name.str.rawValue, Tag.Name.nonSpecific.rawValue]

    /// Whether some mapping key below `node` has an explicit tag other than those.
    private static func hasTaggedKey(_ node: Node) -> Bool {
        switch node {
        case .mapping(let map):
            return map.contains { key, value in
                !untagged.contains(key.tag.rawValue) || hasTaggedKey(key) || hasTaggedKey(value)
            }
        case .sequence(let list): return list.contains(where: hasTaggedKey)
        case .scalar, .alias: return false
        }
    }
}
