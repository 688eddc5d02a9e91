import TrailCore

/// A list of keywords (values searched for anywhere in the event), with the literals one of
/// which the event's text must hold for any keyword to match: checked on the event's bytes in
/// one pass before its values are walked.
struct Keywords: Sendable {
    let patterns: [Pattern]
    /// nil when some keyword has no literal part (`*`, `?`).
    let needles: [RequiredLiteral]?

    init(_ patterns: [Pattern]) {
        self.patterns = patterns
        let literals = patterns.compactMap(\.requiredLiteral)
        needles = literals.count == patterns.count && !literals.isEmpty ? literals : nil
    }

    /// False when no keyword can match: the event's text has no backslash (so every value's
    /// text is a piece of it, as written) and holds none of the literals.
    func mayMatch(_ s: JSONScanner, _ root: Int) -> Bool {
        guard let needles, let raw = s.raw(at: root), raw.firstIndex(of: UInt8(ascii: "\\")) == nil else { return true }
        return needles.contains { $0.occurs(in: raw) }
    }
}
