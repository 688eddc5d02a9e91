/// A Sigma `re` value parsed into the subset of PCRE syntax SigmaHQ's rules use, for the
/// linear-time engine (`RegexProgram`): literals, `.`, classes (`[…]`, `\d \w \s` and their
/// negations, ASCII as in PCRE), groups (capturing, named, non-capturing, with inline flags),
/// alternation, greedy and lazy quantifiers, and the anchors `^ $ \A \z \Z \b \B`.
/// Backreferences, lookaround, possessive and atomic forms are not in it (`RegexSyntax.Unsupported`).
indirect enum RegexNode: Equatable {
    /// One character: a scalar from the set.
    case set(ScalarSet)
    /// One character written as itself (`exact`), kept apart for the literal prefilter.
    case char(Unicode.Scalar, caseless: Bool)
    case concat([RegexNode])
    case alternation([RegexNode])
    case repeated(RegexNode, min: Int, max: Int?)
    case assertion(RegexAssertion)
}

enum RegexAssertion: UInt8, Equatable {
    case textStart, textEnd, textEndOrFinalNewline, lineStart, lineEnd, wordBoundary, notWordBoundary
}

/// The flags in force at a point of the pattern: Sigma's `i`, `m`, `s` modifiers, `(?ims)`.
struct RegexFlags: Equatable {
    var caseless = false
    var multiline = false
    var dotAll = false
}

struct RegexSyntax {
    struct Unsupported: Error {
        let construct: String
    }

    private let scalars: [Unicode.Scalar]
    private var i = 0
    /// The most states a pattern may make once `{n,m}` repeats are expanded (nested ones
    /// multiply): a bound on the memory and time of each search.
    static let maxSize = 5_000

    static func parse(_ pattern: String, flags: RegexFlags) throws -> RegexNode {
        var parser = RegexSyntax(scalars: Array(pattern.unicodeScalars))
        var flags = flags
        let node = try parser.alternation(&flags)
        guard parser.i == parser.scalars.count else { throw Unsupported(construct: "unbalanced ')'") }
        guard size(node) <= maxSize else { throw Unsupported(construct: "repetition too large") }
        return node
    }

    /// About how many states `node` makes, saturating above `maxSize`.
    private static func size(_ node: RegexNode) -> Int {
        switch node {
        case .set, .char, .assertion: return 1
        case .concat(let items), .alternation(let items):
            return min(items.reduce(1) { $0 + size($1) }, maxSize + 1)
        case .repeated(let inner, let low, let high):
            return min((max(low, high ?? low) + 1) * (size(inner) + 1), maxSize + 1)
        }
    }

    private init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    private var peek: Unicode.Scalar? { i < scalars.count ? scalars[i] : nil }

    private mutating func next() throws -> Unicode.Scalar {
        guard i < scalars.count else { throw Unsupported(construct: "pattern ends early") }
        defer { i += 1 }
        return scalars[i]
    }

    /// Branches separated by `|`, up to a `)` or the end. Inline flags `(?i)` last to the end
    /// of the group they are in, across its branches.
    private mutating func alternation(_ flags: inout RegexFlags) throws -> RegexNode {
        var branches = [try concatenation(&flags)]
        while peek == "|" {
            i += 1
            branches.append(try concatenation(&flags))
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func concatenation(_ flags: inout RegexFlags) throws -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek, c != "|", c != ")" {
            guard let atom = try atom(&flags) else { continue }
            items.append(try quantified(atom))
        }
        return items.count == 1 ? items[0] : .concat(items)
    }

    /// One atom; nil for an inline flag setting `(?i)`, which matches nothing.
    private mutating func atom(_ flags: inout RegexFlags) throws -> RegexNode? {
        let c = try next()
        switch c {
        case "(": return try group(&flags)
        case "[": return .set(try ScalarClassSyntax.parse(scalars, &i, flags))
        case ".": return .set(flags.dotAll ? .any : .anyButNewline)
        case "^": return .assertion(flags.multiline ? .lineStart : .textStart)
        case "$": return .assertion(flags.multiline ? .lineEnd : .textEndOrFinalNewline)
        case "\\": return try escape(flags)
        case "*", "+", "?": throw Unsupported(construct: "quantifier without an atom")
        case "{" where quantifierAhead(from: i - 1): throw Unsupported(construct: "quantifier without an atom")
        default: return RegexSyntax.char(c, flags)
        }
    }

    static func char(_ c: Unicode.Scalar, _ flags: RegexFlags) -> RegexNode {
        let folds = flags.caseless && ScalarSet.isASCIILetter(c)
        return .char(c, caseless: folds)
    }

    private mutating func group(_ flags: inout RegexFlags) throws -> RegexNode? {
        var inner = flags
        if peek == "?" {
            i += 1
            let c = try next()
            switch c {
            case ":": break
            case "<" where peek != "=" && peek != "!", "P" where peek == "<":
                if c == "P" { i += 1 }
                while try next() != ">" {}
            default:
                i -= 1
                // Flags: (?i) sets them for the rest of the enclosing group, (?i:…) for its own.
                let scoped = try flagSetting(&inner)
                if !scoped {
                    flags = inner
                    return nil
                }
            }
        }
        let node = try alternation(&inner)
        guard try next() == ")" else { throw Unsupported(construct: "unbalanced '('") }
        return node
    }

    /// Reads `ims-ims` up to `)` (returns false) or `:` (true).
    private mutating func flagSetting(_ flags: inout RegexFlags) throws -> Bool {
        var on = true
        while true {
            let c = try next()
            switch c {
            case "i": flags.caseless = on
            case "m": flags.multiline = on
            case "s": flags.dotAll = on
            case "-": on = false
            case ")": return false
            case ":": return true
            default: throw Unsupported(construct: "group '(?\(c)'")
            }
        }
    }

    private mutating func escape(_ flags: RegexFlags) throws -> RegexNode {
        let c = try next()
        switch c {
        case "A": return .assertion(.textStart)
        case "z": return .assertion(.textEnd)
        case "Z": return .assertion(.textEndOrFinalNewline)
        case "b": return .assertion(.wordBoundary)
        case "B": return .assertion(.notWordBoundary)
        default:
            if let set = ScalarSet.shorthand(c) { return .set(set) }
            return RegexSyntax.char(try ScalarClassSyntax.escapedScalar(c, scalars, &i), flags)
        }
    }

    /// `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` after an atom, lazy (`?`) or not: a yes/no match
    /// is the same either way. Possessive (`+`) changes which texts match: not supported.
    private mutating func quantified(_ atom: RegexNode) throws -> RegexNode {
        var node = atom
        while let c = peek {
            let bounds: (Int, Int?)
            switch c {
            case "*": bounds = (0, nil); i += 1
            case "+": bounds = (1, nil); i += 1
            case "?": bounds = (0, 1); i += 1
            case "{" where quantifierAhead(from: i): bounds = try counted()
            default: return node
            }
            if peek == "+" { throw Unsupported(construct: "possessive quantifier") }
            if peek == "?" { i += 1 }
            node = .repeated(node, min: bounds.0, max: bounds.1)
        }
        return node
    }

    /// Whether `{` at `at` opens a quantifier (`{2}`, `{2,}`, `{2,5}`); otherwise it is a literal.
    private func quantifierAhead(from at: Int) -> Bool {
        var k = at + 1
        var digits = 0, commas = 0
        while k < scalars.count, scalars[k] != "}" {
            if scalars[k] == "," { commas += 1 } else if ScalarSet.isDigit(scalars[k]) { digits += 1 } else { return false }
            k += 1
        }
        return k < scalars.count && commas <= 1 && digits > 0 && ScalarSet.isDigit(scalars[at + 1])
    }

    private mutating func counted() throws -> (Int, Int?) {
        i += 1
        var numbers: [String] = [""]
        while let c = peek, c != "}" {
            if c == "," { numbers.append("") } else { numbers[numbers.count - 1].unicodeScalars.append(c) }
            i += 1
        }
        i += 1
        guard let low = Int(numbers[0]), low <= RegexSyntax.maxSize else { throw Unsupported(construct: "repetition count") }
        if numbers.count == 1 { return (low, low) }
        if numbers[1].isEmpty { return (low, nil) }
        guard let high = Int(numbers[1]), high >= low, high <= RegexSyntax.maxSize else { throw Unsupported(construct: "repetition count") }
        return (low, high)
    }
}
