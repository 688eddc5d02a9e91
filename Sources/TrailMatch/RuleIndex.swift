import TrailCore

/// Files each rule under one field its detection requires, a value among a few or just a
/// non-null value, so that an event only reaches the rules its own values select. Most events
/// of a trail are routine calls no rule names: they reach none, and trail-match passes over
/// them after reading their `trail` header.
struct RuleIndex {
    /// A field rules are filed under, and where an event's value of it is read. A class: the
    /// index visits every key for every event, without copying their tables.
    final class Key {
        let path: JSONPath
        /// For a header field (`trail.NAME…`): NAME's position in `headerNames`, and the rest
        /// of the path below it, if any.
        let header: (member: Int, rest: JSONPath?)?
        /// Read when the event has nothing at `path`: the event's own field behind a header
        /// field, for input that was not flattened.
        let fallbacks: [JSONPath]
        /// Hash of a lower-cased value → the rules that require it.
        var byValue: [UInt64: [Int]] = [:]
        /// The rules that only require a non-null value.
        var present: [Int] = []

        init(path: JSONPath, header: (member: Int, rest: JSONPath?)?, fallbacks: [JSONPath]) {
            self.path = path
            self.header = header
            self.fallbacks = fallbacks
        }
    }

    private var keys: [Key] = []
    /// The members of the `trail` header the keys read, and their names' hashes (`rawHash`).
    private var headerNames: [[UInt8]] = []
    private var headerNameHashes: [UInt64] = []
    /// Rules no required field selects: tried on every event.
    private(set) var always: [Int] = []

    /// Event fields trail-flatten copies into the header verbatim: a rule naming the event's
    /// field is filed under the header's copy, which sits early in the line.
    private static let headerCopies = ["eventName": "trail.action", "errorCode": "trail.error"]

    init(_ rules: [Rule]) {
        var position: [String: Int] = [:]
        for (r, rule) in rules.enumerated() {
            guard let (path, requirement) = RuleIndex.choose(rule.detection.requirements()) else {
                always.append(r)
                continue
            }
            let k = position[path] ?? addKey(path)
            position[path] = k
            switch requirement {
            case .present:
                keys[k].present.append(r)
            case .oneOf(let values):
                for hash in Set(values.map { $0.withUnsafeBytes(RuleIndex.hash) }) {
                    keys[k].byValue[hash, default: []].append(r)
                }
            }
        }
    }

    private mutating func addKey(_ dotted: String) -> Int {
        let path = JSONPath(dotted)
        var header: (Int, JSONPath?)?
        if path.components.count > 1, path.components[0] == Array("trail".utf8) {
            let name = path.components[1]
            let member = headerNames.firstIndex(of: name) ?? headerNames.count
            if member == headerNames.count {
                headerNames.append(name)
                headerNameHashes.append(name.withUnsafeBytes(RuleIndex.rawHash))
            }
            let rest = dotted.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false).dropFirst(2).first
            header = (member, rest.map { JSONPath(String($0)) })
        }
        let fallbacks = RuleIndex.headerCopies.filter { $0.value == dotted }.keys.sorted().map(JSONPath.init)
        keys.append(Key(path: path, header: header, fallbacks: fallbacks))
        return keys.count - 1
    }

    /// The requirement that lets the fewest events through, by a rule of thumb: a few values
    /// rather than any value, a header field (cheap to reach) rather than a field deep in the
    /// event, and the action above all other fields.
    private static func choose(_ requirements: [String: FieldRequirement]) -> (String, FieldRequirement)? {
        func cost(_ path: String, _ requirement: FieldRequirement) -> Int {
            var cost = path.hasPrefix("trail.") ? 0 : 4
            if case .present = requirement { cost += 2 }
            if path != "trail.action" { cost += 1 }
            return cost
        }
        let filed = requirements.map { (headerCopies[$0.key] ?? $0.key, $0.value) }
        return filed.min { a, b in
            let (ca, cb) = (cost(a.0, a.1), cost(b.0, b.1))
            return ca != cb ? ca < cb : a.0 < b.0
        }
    }

    /// FNV-1a of the ASCII-lower-cased bytes: looking a value up allocates nothing. A collision
    /// only makes a rule a candidate; the rule's own match decides.
    @inline(__always) static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(Pattern.lower(b))
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// FNV-1a of the bytes as they are, for member names.
    @inline(__always) static func rawHash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    private static let headerOpening = Array(#"{"trail":"#.utf8)

    /// Reads the `trail` header a line trail-flatten wrote opens with (`{"trail":{…},…}`) in
    /// one pass that checks its syntax: where each header member the keys read starts, -1 where
    /// the header has none. False for a line that does not open so or end its object, or
    /// whose header is malformed.
    func readHeader(_ s: JSONScanner, into members: inout [Int]) -> Bool {
        let opening = RuleIndex.headerOpening.count
        guard s.count > opening + 2, s.byte(s.count - 1) == UInt8(ascii: "}"), s.byte(opening) == UInt8(ascii: "{"),
              RuleIndex.headerOpening.withUnsafeBytes({ $0.elementsEqual(UnsafeRawBufferPointer(rebasing: s.bytes[0..<opening])) })
        else { return false }
        members.removeAll(keepingCapacity: true)
        members.append(contentsOf: repeatElement(-1, count: headerNames.count))
        var j = s.skipWhitespace(opening + 1)
        if j < s.count, s.byte(j) == UInt8(ascii: "}") {
            j += 1
        } else {
            while true {
                guard j < s.count, s.byte(j) == UInt8(ascii: "\""), let keyEnd = try? s.stringEnd(at: j) else { return false }
                let colon = s.skipWhitespace(keyEnd)
                guard colon < s.count, s.byte(colon) == UInt8(ascii: ":") else { return false }
                let value = s.skipWhitespace(colon + 1)
                guard let valueEnd = try? s.valueEnd(at: value) else { return false }
                // Names are matched by hash first: comparing every name would cost more than
                // the rest of the header. A name written with escapes is compared in full.
                let name = UnsafeRawBufferPointer(rebasing: s.bytes[(j + 1)..<(keyEnd - 1)])
                let escaped = name.contains(UInt8(ascii: "\\"))
                let hash = RuleIndex.rawHash(name)
                for n in headerNameHashes.indices where members[n] < 0 && (escaped || headerNameHashes[n] == hash) {
                    if s.stringEquals(at: j, headerNames[n]) { members[n] = value }
                }
                j = s.skipWhitespace(valueEnd)
                guard j < s.count else { return false }
                if s.byte(j) == UInt8(ascii: "}") {
                    j += 1
                    break
                }
                guard s.byte(j) == UInt8(ascii: ",") else { return false }
                j = s.skipWhitespace(j + 1)
            }
        }
        j = s.skipWhitespace(j)
        return j < s.count && (s.byte(j) == UInt8(ascii: ",") || s.byte(j) == UInt8(ascii: "}"))
    }

    /// The rules worth trying on the event, in load order (so alerts come out in rule order).
    /// `header`: what `readHeader` found, for a line that opens with one. Reads only the
    /// indexed fields, with bounds-checked navigation: safe on text not yet validated.
    func candidates(_ s: JSONScanner, _ root: Int, header: [Int]? = nil, into out: inout [Int]) {
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: always)
        for key in keys {
            var found = false
            var nonNull = false
            if let header, let (member, rest) = key.header {
                if header[member] >= 0 {
                    if let rest {
                        s.forEachValue(at: rest, from: header[member]) { look(s, $0, key, &found, &nonNull, &out) }
                    } else {
                        look(s, header[member], key, &found, &nonNull, &out)
                    }
                }
            } else {
                s.forEachValue(at: key.path, from: root) { look(s, $0, key, &found, &nonNull, &out) }
            }
            for fallback in key.fallbacks where !found {
                s.forEachValue(at: fallback, from: root) { look(s, $0, key, &found, &nonNull, &out) }
            }
            if nonNull { out.append(contentsOf: key.present) }
        }
        if out.count > 1 {
            out.sort()
            // An array holding a value twice files its rules twice.
            var last = -1
            out.removeAll { r in
                defer { last = r }
                return r == last
            }
        }
    }

    /// Files the rules `key` selects by the value at `at` (each element of an array) in `out`.
    private func look(_ s: JSONScanner, _ at: Int, _ key: Key, _ found: inout Bool, _ nonNull: inout Bool, _ out: inout [Int]) {
        found = true
        switch s.kind(at: at) {
        case .null, nil:
            return
        case .array:
            s.forEachElement(ofArrayAt: at) { element in
                look(s, element, key, &found, &nonNull, &out)
                return true
            }
        default:
            nonNull = true
            guard !key.byValue.isEmpty else { return }
            var hash: UInt64 = 0
            guard FieldMatcher.withText(s, at, { hash = RuleIndex.hash($0); return true }),
                  let hits = key.byValue[hash] else { return }
            out.append(contentsOf: hits)
        }
    }
}
