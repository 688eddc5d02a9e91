/// A Sigma string value compiled for matching: ASCII case-insensitive (unless `cased`), `*` matches any run of
/// characters, `?` one character, `\*` `\?` `\\` are literals (Sigma's escaping rules).
struct Pattern: Sendable, Equatable {
    enum Token: Sendable, Equatable {
        case literal([UInt8])
        case anyRun
        case anyOne
    }

    let tokens: [Token]
    /// The `cased` modifier: compare bytes exactly instead of ASCII case-insensitively.
    let cased: Bool

    /// `value` as written in the rule; `wildcards` false for modifiers that take it literally.
    init(_ value: String, wildcards: Bool = true, cased: Bool = false) {
        self.cased = cased
        var tokens: [Token] = []
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty { tokens.append(.literal(literal)) }
            literal = []
        }
        var bytes = Array(value.utf8)[...]
        while let b = bytes.popFirst() {
            if wildcards, b == UInt8(ascii: "\\"), let next = bytes.first,
               next == UInt8(ascii: "*") || next == UInt8(ascii: "?") || next == UInt8(ascii: "\\") {
                literal.append(next)
                bytes = bytes.dropFirst()
            } else if wildcards, b == UInt8(ascii: "*") {
                flush()
                if tokens.last != .anyRun { tokens.append(.anyRun) }
            } else if wildcards, b == UInt8(ascii: "?") {
                flush()
                tokens.append(.anyOne)
            } else {
                literal.append(cased ? b : Pattern.lower(b))
            }
        }
        flush()
        self.tokens = tokens
    }

    private init(tokens: [Token], cased: Bool) {
        self.tokens = tokens
        self.cased = cased
    }

    /// The exact text the pattern matches when it has no wildcards, lower-cased unless `cased`.
    var literalText: [UInt8]? {
        if tokens.isEmpty { return [] }
        if tokens.count == 1, case .literal(let bytes) = tokens[0] { return bytes }
        return nil
    }

    /// The text every match starts with when the pattern is that text and then `*` (what
    /// `startswith` makes), lower-cased unless `cased`.
    var literalPrefix: [UInt8]? {
        guard tokens.count == 2, case .literal(let bytes) = tokens[0], tokens[1] == .anyRun else { return nil }
        return bytes
    }

    /// The longest literal part, which every matching text holds.
    var requiredLiteral: RequiredLiteral? {
        var best: [UInt8] = []
        for case .literal(let bytes) in tokens where bytes.count > best.count { best = bytes }
        return best.isEmpty ? nil : RequiredLiteral(bytes: best, caseless: !cased)
    }

    /// The pattern with `*` added in front and/or behind (contains, startswith, endswith).
    func surrounded(before: Bool, after: Bool) -> Pattern {
        var t = tokens
        if before, t.first != .anyRun { t.insert(.anyRun, at: 0) }
        if after, t.last != .anyRun { t.append(.anyRun) }
        return Pattern(tokens: t, cased: cased)
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        b >= 0x41 && b <= 0x5A ? b | 0x20 : b
    }

    func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { matches(UnsafeRawBufferPointer($0)) }
    }

    /// Wildcard matching with single-star backtracking: linear for one `*`, never exponential.
    func matches(_ text: UnsafeRawBufferPointer) -> Bool {
        var ti = 0
        var k = 0
        var star: (token: Int, text: Int)?
        let cased = self.cased
        func literalMatches(_ lit: [UInt8], at: Int) -> Bool {
            guard at + lit.count <= text.count else { return false }
            if cased {
                for j in 0..<lit.count where text[at + j] != lit[j] { return false }
            } else {
                for j in 0..<lit.count where Pattern.lower(text[at + j]) != lit[j] { return false }
            }
            return true
        }
        while true {
            if k == tokens.count {
                if ti == text.count { return true }
            } else {
                switch tokens[k] {
                case .anyRun:
                    star = (k, ti)
                    k += 1
                    continue
                case .anyOne:
                    if ti < text.count {
                        // One character: one UTF-8 scalar.
                        ti += 1
                        while ti < text.count, text[ti] & 0xC0 == 0x80 { ti += 1 }
                        k += 1
                        continue
                    }
                case .literal(let lit):
                    if literalMatches(lit, at: ti) {
                        ti += lit.count
                        k += 1
                        continue
                    }
                }
            }
            // Mismatch: let the last star swallow one more byte, or fail.
            guard let s = star, s.text < text.count else { return false }
            star = (s.token, s.text + 1)
            k = s.token + 1
            ti = s.text + 1
        }
    }
}
