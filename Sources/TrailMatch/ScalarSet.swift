/// A set of Unicode scalars, as a regular expression's class or `.` stands for one: ASCII in a
/// 128-bit map, the rest as ranges. Case-insensitive classes fold ASCII letters, as PCRE does
/// without Unicode properties.
struct ScalarSet: Equatable, Sendable {
    var low: UInt64 = 0
    var high: UInt64 = 0
    var ranges: [ClosedRange<UInt32>] = []
    var negated = false

    static let any = ScalarSet(low: ~0, high: ~0, ranges: [0x80...0x10FFFF])
    static let anyButNewline: ScalarSet = {
        var s = ScalarSet.any
        s.low &= ~(1 << 10)
        return s
    }()

    @inline(__always) func contains(_ c: UInt32) -> Bool {
        let inside: Bool
        if c < 64 {
            inside = low & (1 << UInt64(c)) != 0
        } else if c < 128 {
            inside = high & (1 << UInt64(c - 64)) != 0
        } else {
            inside = ranges.contains { $0.contains(c) }
        }
        return inside != negated
    }

    mutating func insert(_ range: ClosedRange<UInt32>, caseless: Bool = false) {
        if range.upperBound >= 0x80 { ranges.append(max(range.lowerBound, 0x80)...range.upperBound) }
        guard range.lowerBound < 0x80 else { return }
        for c in range.lowerBound...min(range.upperBound, 0x7F) {
            insertASCII(c)
            if caseless, let u = Unicode.Scalar(c), ScalarSet.isASCIILetter(u) { insertASCII(c ^ 0x20) }
        }
    }

    private mutating func insertASCII(_ c: UInt32) {
        if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) }
    }

    /// Adds every scalar of `other` (a shorthand class such as `\w` or `\S`).
    mutating func formUnion(_ other: ScalarSet) {
        if other.negated {
            // Negated shorthands (\D \W \S): everything outside their ASCII map.
            low |= ~other.low
            high |= ~other.high
            ranges.append(0x80...0x10FFFF)
        } else {
            low |= other.low
            high |= other.high
            ranges += other.ranges
        }
    }

    /// `\d \w \s` and their negations `\D \W \S`, ASCII only (PCRE's default).
    static func shorthand(_ c: Unicode.Scalar) -> ScalarSet? {
        var set = ScalarSet()
        switch c {
        case "d", "D": set.insert(0x30...0x39)
        case "w", "W":
            set.insert(0x30...0x39)
            set.insert(0x41...0x5A)
            set.insert(0x61...0x7A)
            set.insert(0x5F...0x5F)
        case "s", "S":
            set.insert(0x09...0x0D)
            set.insert(0x20...0x20)
        default: return nil
        }
        set.negated = c.properties.isUppercase
        return set
    }

    static func isASCIILetter(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z")
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool {
        c >= "0" && c <= "9"
    }

    @inline(__always) static func isWord(_ c: UInt32) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }
}

/// Bracket classes `[…]` and escaped characters, shared by classes and the pattern itself.
enum ScalarClassSyntax {
    /// Parses a class after its `[`, through its `]`.
    static func parse(_ s: [Unicode.Scalar], _ i: inout Int, _ flags: RegexFlags) throws -> ScalarSet {
        var set = ScalarSet()
        if i < s.count, s[i] == "^" {
            set.negated = true
            i += 1
        }
        var first = true
        while true {
            guard i < s.count else { throw RegexSyntax.Unsupported(construct: "unterminated class") }
            var c = s[i]
            i += 1
            if c == "]" && !first { return set }
            first = false
            if c == "[" && i < s.count && (s[i] == ":" || s[i] == "=" || s[i] == ".") {
                throw RegexSyntax.Unsupported(construct: "POSIX class")
            }
            if c == "\\" {
                guard i < s.count else { throw RegexSyntax.Unsupported(construct: "pattern ends early") }
                let e = s[i]
                i += 1
                if let shorthand = ScalarSet.shorthand(e) {
                    set.formUnion(shorthand)
                    continue
                }
                c = try escapedScalar(e, s, &i)
            }
            var upper = c
            if i + 1 < s.count, s[i] == "-", s[i + 1] != "]" {
                i += 1
                upper = s[i]
                i += 1
                if upper == "\\" {
                    guard i < s.count, ScalarSet.shorthand(s[i]) == nil else { throw RegexSyntax.Unsupported(construct: "class range") }
                    i += 1
                    upper = try escapedScalar(s[i - 1], s, &i)
                }
                guard upper.value >= c.value else { throw RegexSyntax.Unsupported(construct: "class range out of order") }
            }
            set.insert(c.value...upper.value, caseless: flags.caseless)
        }
    }

    /// The character `\c` stands for (`c` read already): control escapes, `\xhh`, `\x{h…}`,
    /// and any punctuation as itself. Letters and digits with other meanings are not supported.
    static func escapedScalar(_ c: Unicode.Scalar, _ s: [Unicode.Scalar], _ i: inout Int) throws -> Unicode.Scalar {
        switch c {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "f": return "\u{0C}"
        case "v": return "\u{0B}"
        case "e": return "\u{1B}"
        case "a": return "\u{07}"
        case "x":
            var digits = ""
            if i < s.count, s[i] == "{" {
                i += 1
                while i < s.count, s[i] != "}" { digits.unicodeScalars.append(s[i]); i += 1 }
                i += 1
            } else {
                while i < s.count, digits.count < 2, s[i].properties.isASCIIHexDigit { digits.unicodeScalars.append(s[i]); i += 1 }
            }
            guard let v = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(v) else { throw RegexSyntax.Unsupported(construct: "\\x escape") }
            return scalar
        default:
            guard !c.properties.isAlphabetic, !ScalarSet.isDigit(c) else { throw RegexSyntax.Unsupported(construct: "escape '\\\(c)'") }
            return c
        }
    }
}
