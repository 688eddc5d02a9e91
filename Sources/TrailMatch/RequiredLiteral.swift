import Foundation

/// A run of plain characters every match of a regular expression contains (the longest, as
/// `:assumed-role/aws:` in `.+:assumed-role/aws:.+`), found with a fast substring search
/// before the engine runs, as ripgrep and Hyperscan do: a value without it cannot match, and
/// most values never reach the engine.
struct RequiredLiteral: Sendable, Equatable {
    /// UTF-8, ASCII lower-cased when `caseless`.
    let bytes: [UInt8]
    /// Some character of the run is matched ignoring ASCII case.
    let caseless: Bool
    /// The pattern's other requirements, each one of a few literals, that a value holding this
    /// one must meet too: `:root` beside `arn:aws:iam::` in `^arn:aws:iam::\d{12}:root$`, so
    /// a user's ARN, which holds only the first, is turned away by the rule index too.
    private(set) var alongside: [[RequiredLiteral]] = []

    /// What the pattern needs: one of these literals (one for most patterns, one per branch
    /// for an alternation such as `kali|parrot`), if every match holds one worth searching for.
    static func of(_ node: RegexNode) -> [RequiredLiteral]? {
        guard let best = needed(node), best.allSatisfy({ !$0.bytes.isEmpty }) else { return nil }
        return best
    }

    /// What the pattern needs (`of`), each literal carrying the pattern's other requirements
    /// (`all`) as `alongside`.
    static func needs(_ node: RegexNode) -> [RequiredLiteral]? {
        guard let best = of(node) else { return nil }
        let others = all(node).filter { $0 != best }
        return best.map { literal in
            var needing = literal
            needing.alongside = others
            return needing
        }
    }

    /// Every requirement of the pattern, each one of a few literals: each run of plain
    /// characters of a top-level concatenation, and what each item between them needs (one
    /// group for a pattern that is not a concatenation). A match holds one literal of each
    /// group: `^arn:aws:iam::\d{12}:root$` needs `arn:aws:iam::` and `:root`, so the
    /// ARN of a user, which holds only the first, is turned away without the engine.
    static func all(_ node: RegexNode) -> [[RequiredLiteral]] {
        guard case .concat(let items) = node else { return of(node).map { [$0] } ?? [] }
        return parts(of: items).compactMap { $0 }.filter { $0.allSatisfy { !$0.bytes.isEmpty } }
    }

    /// Whether the pattern is one run of plain characters: finding it settles the match.
    static func isWhole(_ node: RegexNode) -> Bool {
        switch node {
        case .char: return true
        case .concat(let items): return items.allSatisfy { if case .char = $0 { return true } else { return false } }
        default: return false
        }
    }

    /// At most this many literals for an alternation: each is one pass over the value.
    private static let maxBranches = 8

    private static func needed(_ node: RegexNode) -> [RequiredLiteral]? {
        switch node {
        case .char(let c, let caseless): return [RequiredLiteral(run: [(c, caseless)])]
        case .repeated(let inner, let min, _) where min >= 1: return needed(inner)
        case .concat(let items): return needed(concatenation: items)
        case .alternation(let branches) where branches.count <= maxBranches:
            var all: [RequiredLiteral] = []
            for branch in branches {
                guard let literals = needed(branch), all.count + literals.count <= maxBranches else { return nil }
                all += literals
            }
            return all
        default: return nil
        }
    }

    /// Of a concatenation's parts, the one whose shortest literal is longest.
    private static func needed(concatenation items: [RegexNode]) -> [RequiredLiteral]? {
        var best: [RequiredLiteral]?
        for case let candidate? in parts(of: items) {
            guard let shortest = candidate.map(\.bytes.count).min(), shortest > 0 else { continue }
            if shortest > best.flatMap({ $0.map(\.bytes.count).min() }) ?? 0 { best = candidate }
        }
        return best
    }

    /// What each part of a concatenation needs, in order: its runs of adjacent characters
    /// (assertions match no character and keep a run going; a run may be empty), and what
    /// each item between them needs (nil: nothing worth searching for).
    private static func parts(of items: [RegexNode]) -> [[RequiredLiteral]?] {
        var parts: [[RequiredLiteral]?] = []
        var run: [(Unicode.Scalar, Bool)] = []
        for item in items {
            switch item {
            case .char(let c, let caseless): run.append((c, caseless))
            case .assertion: continue
            default:
                parts.append([RequiredLiteral(run: run)])
                run = []
                parts.append(needed(item))
            }
        }
        parts.append([RequiredLiteral(run: run)])
        return parts
    }

    init(bytes: [UInt8], caseless: Bool) {
        self.bytes = caseless ? bytes.map(Pattern.lower) : bytes
        self.caseless = caseless
    }

    private init(run: [(Unicode.Scalar, Bool)]) {
        caseless = run.contains { $0.1 }
        var bytes: [UInt8] = []
        for (c, _) in run { bytes += Array(String(c).utf8) }
        self.bytes = caseless ? bytes.map(Pattern.lower) : bytes
    }

    var hasAlongside: Bool { !alongside.isEmpty }

    /// Whether `text`, which holds this literal, meets the pattern's other requirements too.
    func alongsideOccur(in text: UnsafeRawBufferPointer) -> Bool {
        alongside.allSatisfy { group in group.contains { $0.occurs(in: text) } }
    }

    /// Whether the literal occurs in `text`.
    func occurs(in text: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        guard n <= text.count, let base = text.baseAddress else { return n == 0 }
        return bytes.withUnsafeBytes { needle in
            let last = text.count - n
            if caseless {
                var i = 0
                while i <= last {
                    if Pattern.lower(text[i]) == needle[0] {
                        var j = 1
                        while j < n, Pattern.lower(text[i + j]) == needle[j] { j += 1 }
                        if j == n { return true }
                    }
                    i += 1
                }
                return false
            }
            // memchr for the first byte, memcmp for the rest: both vectorised in the C library.
            var i = 0
            while i <= last {
                guard let hit = memchr(base + i, Int32(needle[0]), last - i + 1) else { return false }
                i = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + i, needle.baseAddress!, n) == 0 { return true }
                i += 1
            }
            return false
        }
    }
}
