import Foundation

/// A Sigma `re` value: searched anywhere in the field's value, case-sensitive unless `i`;
/// `m` lets `^`/`$` match at line breaks, `s` lets `.` match a newline. The required literal
/// (or one of a few, for an alternation) is looked for first; only values holding it reach the linear-time engine. A pattern using
/// what that engine lacks (backreferences, lookaround, possessive or atomic groups, POSIX
/// classes, `\p{…}`) is run by Foundation's backtracking engine instead.
struct SigmaRegex: @unchecked Sendable {
    private enum Engine {
        case linear(RegexProgram)
        /// The pattern is its literal: finding it is the match.
        case literal
        case foundation(NSRegularExpression)
    }

    private let engine: Engine
    /// One of these occurs in every value the pattern matches, with the pattern's other
    /// requirements (`RequiredLiteral.alongside`), looked for after it.
    let required: [RequiredLiteral]?
    let pattern: String

    init(_ pattern: String, flags: RegexFlags, prefilter: Bool = true) throws {
        self.pattern = pattern
        do {
            let node = try RegexSyntax.parse(pattern, flags: flags)
            required = prefilter ? RequiredLiteral.needs(node) : nil
            engine = prefilter && RequiredLiteral.isWhole(node) ? .literal : .linear(RegexProgram(node))
        } catch is RegexSyntax.Unsupported {
            var options: NSRegularExpression.Options = []
            if flags.caseless { options.insert(.caseInsensitive) }
            if flags.multiline { options.insert(.anchorsMatchLines) }
            if flags.dotAll { options.insert(.dotMatchesLineSeparators) }
            engine = .foundation(try NSRegularExpression(pattern: pattern, options: options))
            required = nil
        }
    }

    /// Whether the pattern matches somewhere in `text` (UTF-8).
    func matches(_ text: UnsafeRawBufferPointer) -> Bool {
        if let required {
            guard let held = required.first(where: { $0.occurs(in: text) }), held.alongsideOccur(in: text) else { return false }
        }
        switch engine {
        case .literal: return true
        case .linear(let program): return program.search(text)
        case .foundation(let regex):
            let string = String(decoding: text, as: UTF8.self)
            return regex.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
        }
    }

    /// Which engine runs the pattern, for tests.
    var usesLinearEngine: Bool {
        if case .foundation = engine { return false }
        return true
    }
}
