/// A Sigma detection condition: `selection and not filter`, `1 of selection_*`, `all of them`,
/// parentheses; `and` binds tighter than `or`, `not` tighter than both.
indirect enum Condition: Sendable, Equatable {
    case search(String)
    case not(Condition)
    case and(Condition, Condition)
    case or(Condition, Condition)
    /// `1 of X*` / `all of X*` / `1 of them`: the names are resolved when the rule is loaded.
    case oneOf([String])
    case allOf([String])

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    /// Limits on a condition's size and nesting: the parser, the compiled form and its
    /// evaluation recurse once per level, and no real rule comes near either.
    static let maximumTokens = 4096
    static let maximumNesting = 256

    /// Parses `text`, resolving `X*` patterns and `them` against the rule's search names.
    static func parse(_ text: String, searches: Set<String>) throws(ParseError) -> Condition {
        let tokens = tokenize(text)
        guard tokens.count <= maximumTokens else {
            throw ParseError(description: "condition of \(tokens.count) words, more than \(maximumTokens)")
        }
        var parser = Parser(tokens: tokens, searches: searches)
        let condition = try parser.parseOr()
        if parser.peek == "|" { throw ParseError(description: "the pipe syntax (aggregations, near) is not Sigma 2: write a correlation rule") }
        if let extra = parser.peek { throw ParseError(description: "unexpected '\(extra)' in condition") }
        return condition
    }

    private static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for c in text {
            if c == "(" || c == ")" || c.isWhitespace {
                if !current.isEmpty { tokens.append(current) }
                current = ""
                if !c.isWhitespace { tokens.append(String(c)) }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    private struct Parser {
        let tokens: [String]
        let searches: Set<String>
        var position = 0
        /// Parentheses and `not`s open around the token being read.
        var nesting = 0

        var peek: String? { position < tokens.count ? tokens[position] : nil }

        mutating func next() -> String? {
            defer { position += 1 }
            return peek
        }

        mutating func parseOr() throws(ParseError) -> Condition {
            var left = try parseAnd()
            while peek?.lowercased() == "or" {
                position += 1
                left = .or(left, try parseAnd())
            }
            return left
        }

        mutating func parseAnd() throws(ParseError) -> Condition {
            var left = try parseNot()
            while peek?.lowercased() == "and" {
                position += 1
                left = .and(left, try parseNot())
            }
            return left
        }

        mutating func parseNot() throws(ParseError) -> Condition {
            if peek?.lowercased() == "not" {
                position += 1
                try enter()
                defer { nesting -= 1 }
                return .not(try parseNot())
            }
            return try parsePrimary()
        }

        mutating func enter() throws(ParseError) {
            nesting += 1
            guard nesting <= Condition.maximumNesting else {
                throw ParseError(description: "condition nested more than \(Condition.maximumNesting) deep")
            }
        }

        mutating func parsePrimary() throws(ParseError) -> Condition {
            guard let token = next() else { throw ParseError(description: "condition ends too early") }
            switch token.lowercased() {
            case "(":
                try enter()
                defer { nesting -= 1 }
                let inner = try parseOr()
                guard next() == ")" else { throw ParseError(description: "missing ')' in condition") }
                return inner
            case "1", "any", "all":
                guard next()?.lowercased() == "of", let target = next() else {
                    throw ParseError(description: "expected '\(token) of <name|pattern|them>'")
                }
                let names = try resolve(target)
                return token.lowercased() == "all" ? .allOf(names) : .oneOf(names)
            case ")", "and", "or", "of":
                throw ParseError(description: "unexpected '\(token)' in condition")
            case "|":
                throw ParseError(description: "the pipe syntax (aggregations, near) is not Sigma 2: write a correlation rule")
            case _ where Int(token) != nil && peek?.lowercased() == "of":
                throw ParseError(description: "'\(token) of' is not Sigma: only '1 of' (or 'any of') and 'all of', as pySigma reads them")
            default:
                guard searches.contains(token) else { throw ParseError(description: "condition names '\(token)', which the detection does not define") }
                return .search(token)
            }
        }

        func resolve(_ target: String) throws(ParseError) -> [String] {
            // As pySigma reads it: `them` and patterns leave out `_`-prefixed searches, unless
            // the pattern itself starts with `_`.
            let them = target.lowercased() == "them"
            let pattern = Pattern(them ? "*" : target)
            let names = searches.filter { (!$0.hasPrefix("_") || target.hasPrefix("_")) && pattern.matches($0) }.sorted()
            guard !names.isEmpty else { throw ParseError(description: "'\(target)' matches no search of the detection") }
            return names
        }
    }
}
