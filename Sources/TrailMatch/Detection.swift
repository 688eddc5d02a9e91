import Foundation
import TrailCore

/// What one rule value asks of a field value, after the modifiers are applied.
enum ValueTest: @unchecked Sendable {
    /// Wildcard text (plain values, contains/startswith/endswith, base64, windash, expand).
    case pattern(Pattern)
    /// `re`: a regular expression searched anywhere in the value (Sigma's PCRE subset).
    case regex(SigmaRegex)
    /// `cidr`: the value is an IP address inside the network.
    case cidr(Network)
    /// `gt`/`gte`/`lt`/`lte`: the value is a number in that relation to the rule's number.
    case compare(Comparison, Double)
    /// `fieldref`: the value equals (or contains, starts or ends with) another field's value.
    case fieldref(JSONPath, before: Bool, after: Bool, cased: Bool)
    /// `minute`, `hour`, …, `year`: the value is an RFC 3339 time whose part (in UTC) is this.
    case timePart(TimePart, Int)

    enum Comparison: String, Sendable { case gt, gte, lt, lte }

    enum TimePart: String, Sendable {
        case minute, hour, day, week, month, year

        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .day: 1...31
            case .week: 1...53
            case .month: 1...12
            case .year: 1...9999
            }
        }

        /// The part of `t` in UTC; weeks are ISO 8601 weeks (Monday first, week 1 holds 4 January).
        func of(_ t: Timestamp) -> Int {
            let c = t.utcComponents
            switch self {
            case .minute: return c.minute
            case .hour: return c.hour
            case .day: return c.day
            case .month: return c.month
            case .year: return c.year
            case .week:
                let days = Timestamp.daysFromCivil(year: c.year, month: c.month, day: c.day)
                let mondayBased = (t.weekday + 6) % 7
                let thursday = days - mondayBased + 3
                let isoYear = Timestamp(seconds: Int64(thursday) * 86400, nanoseconds: 0).utcComponents.year
                return (thursday - Timestamp.daysFromCivil(year: isoYear, month: 1, day: 1)) / 7 + 1
            }
        }
    }

    struct Network: Sendable {
        let address: IPAddress
        let prefix: Int

        init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
            guard let address = IPAddress(parts[0]) else { return nil }
            let maxBits = address.isIPv4 ? 32 : 128
            let bits = parts.count == 2 ? Int(parts[1]) : maxBits
            guard let bits, (0...maxBits).contains(bits) else { return nil }
            self.address = address
            // IPv4 addresses are stored IPv4-mapped: their prefix starts after 96 bits.
            prefix = address.isIPv4 ? bits + 96 : bits
        }

        func contains(_ other: IPAddress) -> Bool {
            guard other.isIPv4 == address.isIPv4 else { return false }
            func masked(_ high: UInt64, _ low: UInt64) -> (UInt64, UInt64) {
                let highBits = min(prefix, 64), lowBits = max(prefix - 64, 0)
                let highMask: UInt64 = highBits == 0 ? 0 : ~0 << (64 - highBits)
                let lowMask: UInt64 = lowBits == 0 ? 0 : ~0 << (64 - lowBits)
                return (high & highMask, low & lowMask)
            }
            return masked(address.high, address.low) == masked(other.high, other.low)
        }
    }

    func matches(_ s: JSONScanner, value at: Int, root: Int) -> Bool {
        switch self {
        case .pattern(let p):
            return FieldMatcher.withText(s, at) { p.matches($0) }
        case .regex(let r):
            return FieldMatcher.withText(s, at) { r.matches($0) }
        case .cidr(let network):
            guard let text = s.string(at: at), let ip = IPAddress(text) else { return false }
            return network.contains(ip)
        case .compare(let op, let bound):
            guard let text = s.text(at: at), let n = Double(text) else { return false }
            switch op {
            case .gt: return n > bound
            case .gte: return n >= bound
            case .lt: return n < bound
            case .lte: return n <= bound
            }
        case .fieldref(let path, let before, let after, let cased):
            var found = false
            s.forEachValue(at: path, from: root) { other in
                guard !found, let text = s.text(at: other) else { return }
                let p = Pattern(text, wildcards: false, cased: cased).surrounded(before: before, after: after)
                found = FieldMatcher.withText(s, at) { p.matches($0) }
            }
            return found
        case .timePart(let part, let n):
            guard s.kind(at: at) == .string, let end = try? s.stringEnd(at: at),
                  let t = Timestamp.parse(UnsafeRawBufferPointer(rebasing: s.bytes[(at + 1)..<(end - 1)])) else { return false }
            return part.of(t) == n
        }
    }
}

/// One `field|modifier: values` line of a search: the field's values must match one of the
/// rule's values (or all of them with `|all`).
struct FieldMatcher: Sendable {
    enum Expected: Sendable {
        case test(ValueTest)
        /// One rule value that modifiers turned into several (base64offset, windash, expand).
        case anyTest([ValueTest])
        /// `field: null`: the field is absent or null.
        case null
        /// `field|exists: true/false`.
        case exists(Bool)
        /// The `element` extension: some element (an object) of the field matches every line.
        case element([FieldMatcher])
    }

    let path: JSONPath
    let expected: [Expected]
    let requireAll: Bool
    /// `neq`: the field has a (non-null) value and the line without `neq` does not match it.
    var negated = false

    /// Calls `body` with the bytes a value is matched as: a string's text (decoded only when it
    /// has escapes), a number or boolean as written, an object or array as compact JSON.
    @inline(__always)
    static func withText(_ s: JSONScanner, _ at: Int, _ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        switch s.kind(at: at) {
        case .string:
            guard let end = try? s.stringEnd(at: at) else { return false }
            let inner = UnsafeRawBufferPointer(rebasing: s.bytes[(at + 1)..<(end - 1)])
            if inner.isEmpty || memchr(inner.baseAddress!, Int32(UInt8(ascii: "\\")), inner.count) == nil { return body(inner) }
            guard var decoded = s.string(at: at) else { return false }
            return decoded.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        case .number, .bool:
            guard let end = try? s.valueEnd(at: at) else { return false }
            return body(UnsafeRawBufferPointer(rebasing: s.bytes[at..<end]))
        case .object, .array:
            guard let raw = s.raw(at: at) else { return false }
            return JSONCompactor.compact(raw).withUnsafeBytes { body($0) }
        case .null, nil:
            return false
        }
    }

    /// `top`: the members of `root`, read before (nil: found by walking it).
    func matches(_ s: JSONScanner, _ root: Int, _ top: TopMembers?) -> Bool {
        guard negated else { return positive(s, root, top) }
        var present = false
        forEachValue(s, root, top) { at in present = s.kind(at: at) != .null; return !present }
        return present && !positive(s, root, top)
    }

    private func positive(_ s: JSONScanner, _ root: Int, _ top: TopMembers?) -> Bool {
        // The usual case, one value that is not an array (or none): walk the path once and try
        // every expected value on it, instead of one walk per expected value.
        var single = -1
        var several = false
        FieldMatcher.forEachValue(s, at: path, root, top) { at in
            if single < 0, s.kind(at: at) != .array { single = at } else { several = true }
        }
        if !several {
            if requireAll { return expected.allSatisfy { satisfied($0, s, single, root) } }
            return expected.contains { satisfied($0, s, single, root) }
        }
        if requireAll {
            return expected.allSatisfy { satisfied($0, s, root, top) }
        }
        return expected.contains { satisfied($0, s, root, top) }
    }

    /// Every value at `path` below `root`, as `JSONScanner.forEachValue(at:from:)`.
    @inline(__always)
    static func forEachValue(_ s: JSONScanner, at path: JSONPath, _ root: Int, _ top: TopMembers?, _ body: (Int) -> Void) {
        if let top { top.forEachValue(s, at: path, body) } else { s.forEachValue(at: path, from: root, body) }
    }

    /// `e` against the field's only value at `at` (-1: the field is absent).
    private func satisfied(_ e: Expected, _ s: JSONScanner, _ at: Int, _ root: Int) -> Bool {
        switch e {
        case .null: return at < 0 || s.kind(at: at) == .null
        case .exists(let wanted): return (at >= 0) == wanted
        case .test(let test): return at >= 0 && test.matches(s, value: at, root: root)
        case .anyTest(let tests): return at >= 0 && tests.contains { $0.matches(s, value: at, root: root) }
        case .element(let lines): return at >= 0 && FieldMatcher.element(lines, s, at)
        }
    }

    private func satisfied(_ e: Expected, _ s: JSONScanner, _ root: Int, _ top: TopMembers?) -> Bool {
        switch e {
        case .null:
            var onlyNulls = true
            forEachValue(s, root, top) { onlyNulls = s.kind(at: $0) == .null; return onlyNulls }
            return onlyNulls
        case .exists(let wanted):
            var present = false
            FieldMatcher.forEachValue(s, at: path, root, top) { _ in present = true }
            return present == wanted
        case .test(let test):
            var hit = false
            forEachValue(s, root, top) { at in
                hit = test.matches(s, value: at, root: root)
                return !hit
            }
            return hit
        case .anyTest(let tests):
            var hit = false
            forEachValue(s, root, top) { at in
                hit = tests.contains { $0.matches(s, value: at, root: root) }
                return !hit
            }
            return hit
        case .element(let lines):
            var hit = false
            forEachValue(s, root, top) { at in
                hit = FieldMatcher.element(lines, s, at)
                return !hit
            }
            return hit
        }
    }

    /// Whether the object at `at` matches every line, its paths read from that object.
    static func element(_ lines: [FieldMatcher], _ s: JSONScanner, _ at: Int) -> Bool {
        s.kind(at: at) == .object && lines.allSatisfy { $0.matches(s, at, nil) }
    }

    /// Each value at the path, the elements of an array one by one; `body` returns false to stop.
    private func forEachValue(_ s: JSONScanner, _ root: Int, _ top: TopMembers?, _ body: (Int) -> Bool) {
        var going = true
        FieldMatcher.forEachValue(s, at: path, root, top) { at in
            guard going else { return }
            if s.kind(at: at) == .array {
                s.forEachElement(ofArrayAt: at) { going = body($0); return going }
            } else {
                going = body(at)
            }
        }
    }
}

/// A named search of a detection: a map (every field matches), a list of maps (any does), or
/// a list of keywords (any appears as a value anywhere in the event).
enum Search: Sendable {
    case allFields([FieldMatcher])
    case anyOf([Search])
    case keywords(Keywords)

    func matches(_ s: JSONScanner, _ root: Int, _ top: TopMembers?) -> Bool {
        switch self {
        case .allFields(let fields): return fields.allSatisfy { $0.matches(s, root, top) }
        case .anyOf(let searches): return searches.contains { $0.matches(s, root, top) }
        case .keywords(let keywords):
            guard keywords.mayMatch(s, root) else { return false }
            return Search.anyValue(s, root) { at in
                FieldMatcher.withText(s, at) { text in keywords.patterns.contains { $0.matches(text) } }
            }
        }
    }

    /// Whether `test` holds for some scalar value anywhere below `at`, to `maxDepth` levels
    /// (a checked event nests no deeper).
    private static func anyValue(_ s: JSONScanner, _ at: Int, depth: Int = 0, _ test: (Int) -> Bool) -> Bool {
        guard depth < s.maxDepth else { return false }
        var hit = false
        switch s.kind(at: at) {
        case .object: s.forEachMember(ofObjectAt: at) { _, v in hit = anyValue(s, v, depth: depth + 1, test); return !hit }
        case .array: s.forEachElement(ofArrayAt: at) { v in hit = anyValue(s, v, depth: depth + 1, test); return !hit }
        case .string, .number, .bool: hit = test(at)
        case .null, nil: break
        }
        return hit
    }
}

/// A rule's detection: its searches and the condition that combines them.
struct Detection: Sendable {
    let searches: [String: Search]
    let condition: Condition
    /// The condition with search names replaced by positions in `compiledSearches`: no name
    /// lookups (string hashing) per event.
    private let compiled: Compiled
    private let compiledSearches: [Search]

    indirect enum Compiled: Sendable {
        case search(Int)
        case not(Compiled)
        case and(Compiled, Compiled)
        case or(Compiled, Compiled)
        case oneOf([Int])
        case allOf([Int])
    }

    init(searches: [String: Search], condition: Condition) {
        self.searches = searches
        self.condition = condition
        let names = searches.keys.sorted()
        let position = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        compiledSearches = names.map { searches[$0]! }
        func compile(_ c: Condition) -> Compiled {
            switch c {
            case .search(let name): return .search(position[name]!)
            case .not(let inner): return .not(compile(inner))
            case .and(let a, let b): return .and(compile(a), compile(b))
            case .or(let a, let b): return .or(compile(a), compile(b))
            case .oneOf(let names): return .oneOf(names.map { position[$0]! })
            case .allOf(let names): return .allOf(names.map { position[$0]! })
            }
        }
        compiled = compile(condition)
    }

    func matches(_ s: JSONScanner, _ root: Int, _ top: TopMembers?) -> Bool {
        evaluate(compiled, s, root, top)
    }

    private func evaluate(_ c: Compiled, _ s: JSONScanner, _ root: Int, _ top: TopMembers?) -> Bool {
        switch c {
        case .search(let k): return compiledSearches[k].matches(s, root, top)
        case .not(let inner): return !evaluate(inner, s, root, top)
        case .and(let a, let b): return evaluate(a, s, root, top) && evaluate(b, s, root, top)
        case .or(let a, let b): return evaluate(a, s, root, top) || evaluate(b, s, root, top)
        case .oneOf(let ks): return ks.contains { compiledSearches[$0].matches(s, root, top) }
        case .allOf(let ks): return ks.allSatisfy { compiledSearches[$0].matches(s, root, top) }
        }
    }

    /// What the detection asks of single fields in every event it matches, by field path: a
    /// value among a few (`eventName` in [CreateUser, DeleteUser], lower-cased) or just a
    /// non-null value (`errorCode|startswith: AccessDenied`). The rule index files the rule
    /// under one of them so that other events never reach it.
    func requirements() -> [String: FieldRequirement] {
        required(condition)
    }

    private func required(_ c: Condition) -> [String: FieldRequirement] {
        switch c {
        case .search(let name): return searches[name].map(Detection.required) ?? [:]
        case .not: return [:]
        case .and(let a, let b): return required(a).merging(required(b), uniquingKeysWith: FieldRequirement.narrower)
        case .allOf(let names):
            return names.reduce(into: [:]) { all, name in all.merge(required(.search(name)), uniquingKeysWith: FieldRequirement.narrower) }
        case .or(let a, let b): return FieldRequirement.either([required(a), required(b)])
        case .oneOf(let names): return FieldRequirement.either(names.map { required(.search($0)) })
        }
    }

    private static func required(_ search: Search) -> [String: FieldRequirement] {
        switch search {
        case .keywords: return [:]
        case .anyOf(let alternatives): return FieldRequirement.either(alternatives.map(required))
        case .allFields(let fields):
            var all: [String: FieldRequirement] = [:]
            for field in fields where all[field.path.description] == nil {
                if let requirement = field.requirement { all[field.path.description] = requirement }
            }
            return all
        }
    }
}

/// What a detection needs of one field in every event it matches.
enum FieldRequirement: Equatable, Sendable {
    /// One of these values, or a value that starts with one of these prefixes; lower-cased
    /// (rules match plain values case-insensitively).
    case oneOf(Set<[UInt8]>, prefixes: Set<[UInt8]> = [])
    /// A value holding one of these literals (what regular expressions and contains-style
    /// patterns need): the index looks for them with a substring search.
    case containing([RequiredLiteral])
    /// Some value that is not null: every value test fails on an absent or null field.
    case present

    /// Of two requirements that both hold, the one that excludes more events.
    static func narrower(_ a: FieldRequirement, _ b: FieldRequirement) -> FieldRequirement {
        switch (a, b) {
        case (.present, _), (.containing, .oneOf): return b
        default: return a
        }
    }

    /// What holds whichever of the alternatives matched: the fields all of them require.
    static func either(_ alternatives: [[String: FieldRequirement]]) -> [String: FieldRequirement] {
        guard var all = alternatives.first else { return [:] }
        for other in alternatives.dropFirst() {
            all = all.reduce(into: [:]) { kept, entry in
                switch (entry.value, other[entry.key]) {
                case (_, nil): break
                case (.oneOf(let a, let pa), .oneOf(let b, let pb)?): kept[entry.key] = .oneOf(a.union(b), prefixes: pa.union(pb))
                case (.containing(let a), .containing(let b)?): kept[entry.key] = .containing(a + b)
                default: kept[entry.key] = .present
                }
            }
        }
        return all
    }
}

extension FieldMatcher {
    /// What this line asks of its field in every event it matches, if anything.
    var requirement: FieldRequirement? {
        // A negated line needs only some value.
        if negated { return .present }
        var values = Set<[UInt8]>(), prefixes = Set<[UInt8]>()
        var literalOnly = !requireAll
        // Each value needs one of these (nil once some value needs none).
        var needles: [RequiredLiteral]? = requireAll ? nil : []
        for e in expected {
            needles = needles.flatMap { n in FieldMatcher.needles(e).map { n + $0 } }
            switch e {
            case .test(.pattern(let p)) where !p.cased:
                if let text = p.literalText {
                    values.insert(text)
                } else if let prefix = p.literalPrefix {
                    prefixes.insert(prefix)
                } else {
                    literalOnly = false
                }
            case .test, .anyTest:
                literalOnly = false
            case .element:
                return .present
            case .null, .exists:
                // `exists: true` holds for a null value too.
                return nil
            }
        }
        guard !expected.isEmpty else { return nil }
        if literalOnly { return .oneOf(values, prefixes: prefixes) }
        if let needles, !needles.isEmpty { return .containing(needles) }
        return .present
    }

    /// The literals one of which a value matching `e` holds, if it needs one.
    private static func needles(_ e: Expected) -> [RequiredLiteral]? {
        switch e {
        case .test(.regex(let r)): return r.required
        case .test(.pattern(let p)): return p.requiredLiteral.map { [$0] }
        case .anyTest(let tests):
            var all: [RequiredLiteral] = []
            for test in tests {
                guard let more = needles(.test(test)) else { return nil }
                all += more
            }
            return all
        default: return nil
        }
    }
}

/// A loaded rule: Sigma metadata, the events its logsource selects, and its detection. A
/// class: the match loop reaches rules by index millions of times, without copying them.
public final class Rule: Sendable {
    public let id: String
    /// Sigma's `name`: how correlation rules may refer to this rule besides its id.
    public let name: String?
    public let title: String
    public let level: String
    public let tags: [String]
    public let references: [String]
    public let description: String?
    /// The monitoring scenarios (D1–D19) the rule serves: the `scenarios` attribute, an extension.
    public let scenarios: [String]
    /// Where the rule was read, for messages: `rules/root.yml:3`.
    public let origin: String
    /// nil: every event; else the `trail.cloud` value the logsource names.
    let cloud: [UInt8]?
    let detection: Detection
    /// The rule's own example events (the `examples` extension), as JSON lines.
    let examples: Examples
    /// Runbook, false positives and resource fields, for its alerts.
    public let guidance: RuleGuidance

    static let cloudPath = JSONPath("trail.cloud")

    init(id: String, name: String?, title: String, level: String, tags: [String], references: [String],
         description: String?, scenarios: [String], origin: String, cloud: [UInt8]?, detection: Detection,
         examples: Examples, guidance: RuleGuidance = RuleGuidance()) {
        self.id = id
        self.name = name
        self.title = title
        self.level = level
        self.tags = tags
        self.references = references
        self.description = description
        self.scenarios = scenarios
        self.origin = origin
        self.cloud = cloud
        self.detection = detection
        self.examples = examples
        self.guidance = guidance
    }

    /// Whether `event` (an object with the `trail` header) raises this rule.
    public func matches(_ s: JSONScanner, event root: Int) -> Bool {
        matches(s, event: root, nil)
    }

    /// `top`: the members of `root`, read before (nil: found by walking it).
    func matches(_ s: JSONScanner, event root: Int, _ top: TopMembers?) -> Bool {
        if let cloud {
            let at = top.map { $0.value(s, at: Rule.cloudPath) } ?? s.value(at: Rule.cloudPath, from: root)
            guard let at, s.stringEquals(at: at, cloud) else { return false }
        }
        return detection.matches(s, root, top)
    }
}

/// Example events a rule file carries: each case is a list of events (one for a plain rule,
/// a sequence for a correlation) that must, or must not, raise the rule.
struct Examples: Sendable {
    var match: [[String]] = []
    var noMatch: [[String]] = []
    var line = 1
    var isEmpty: Bool { match.isEmpty && noMatch.isEmpty }
}
