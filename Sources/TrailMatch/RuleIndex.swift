import TrailCore

/// Files each rule under one field its detection requires, a value among a few or just a
/// non-null value, so that an event only reaches the rules its own values select. Most events
/// of a trail are routine calls no rule names: they reach none, and trail-match passes over
/// them after reading their `trail` header. A class: the closures of its per-event walks
/// capture one reference, not a copy of every table (a retain and release of each); its
/// tables are a constant, read without reference counting.
final class RuleIndex {
    /// A field rules are filed under: where an event's value of it is read, and where its
    /// rules are. Plain values only: the index visits every key for every event, and copying
    /// a key must not touch reference counts.
    fileprivate struct Key {
        /// For a header field (`trail.NAME…`), NAME's position in `headerNames`; else -1.
        var member = -1
        /// The path below the header member, as positions in `pathNames`.
        var rest: Range<Int> = 0..<0
        /// For a path one name below the header member (`trail.actor.type`): that name's
        /// position in `subNames`, which `readHeader` finds as it checks the member; else -1.
        var sub = -1
        /// Mixed into value hashes, so that one table serves every key.
        var salt: UInt64 = 0
        /// Whether some rule is filed under a value of this key.
        var hasValues = false
        /// Whether an empty value selects some of its rules (a rule requiring `''`, or any
        /// value): for a header copy, the event's own field is read too (`readsOwnField`).
        var selectedByEmpty = false
        /// The lengths of the prefixes rules are filed under, in `prefixLengths`, ascending.
        var prefixes: Range<Int> = 0..<0
        /// The rules that only require a non-null value, in `filed`.
        var present: Range<Int> = 0..<0
        /// The literals rules need a value to hold, in `needles`; and where, in `byFirstByte`,
        /// its 256 lists of them by the byte they start with begin (-1: none).
        var containing: Range<Int> = 0..<0
        var firstBytes = -1
        /// With literals of two bytes or more: the value is sampled every `stride` bytes (one
        /// less than the shortest literal, so each occurrence holds a sampled byte and the one
        /// after it), and the pair there looked up in the 65,536-bit set at `pairs` in
        /// `pairBits`; 0: every byte is tried (`firstBytes`).
        var stride = 0
        var pairs = 0
    }

    /// A literal some rule needs a value to hold, as plain values: its bytes in `needleBytes`.
    fileprivate struct Needle {
        var start: Int
        var count: Int
        var caseless: Bool
        var rule: Int
        /// The rule's pattern has other requirements, in `alongside`, checked once this holds.
        var hasAlongside: Bool
    }

    private static let prefixSalt: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let pairSalt: UInt64 = 0x94D0_49BB_1331_11EB

    /// A literal holding a byte pair `offset` bytes after its start.
    fileprivate struct PairNeedle {
        var needle: Int
        var offset: Int
    }

    /// Header fields trail-flatten gives every event: that one is present selects nothing.
    private static let everywhere: Set = ["trail.cloud", "trail.time", "trail.account", "trail.region", "trail.service",
                                          "trail.action", "trail.actor", "trail.outcome", "trail.category", "trail.id",
                                          "trail.file", "trail.index", "trail.source", "trail.readOnly"]

    /// Event fields trail-flatten copies into the header: a rule naming the event's field is
    /// filed under the header's copy, which sits early in the line. The copy is the field's
    /// text when that is a string that is not empty; an empty, absent or null field is null
    /// there (the error may then be errorMessage's), an object or array its compact JSON text.
    /// So the event's own field is read as well where those differ (`readsOwnField`).
    private static let headerCopies = ["eventName": "trail.action", "errorCode": "trail.error", "userAgent": "trail.agent"]

    /// The tables, built once (`Tables`) and never changed after: a constant, which the
    /// per-event walks read without reference counting (a variable of a class is retained
    /// and released around each read across a call, some twenty times a line).
    private let t: Tables

    /// Where `readHeader` puts the header's `time` and `id` members. They are found in every
    /// header, whether or not a rule is filed under them: the correlations' watermark, the
    /// run's newest event, every alert and every event correlations count read them, and
    /// finding them again meant walking the header a second time.
    static let timeMember = 0, idMember = 1

    init(_ rules: [Rule]) {
        t = Tables(rules)
    }

    @inline(__always) private static func hash(_ name: ShortName) -> UInt64 {
        name.head ^ (name.tail &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(name.length)
    }

    /// The requirement that lets the fewest events through, by a rule of thumb: a few values
    /// rather than literals a value must hold, rather than any value, a header field (cheap to reach) rather than a field deep in the
    /// event, and the action above all other fields.
    private static func choose(_ requirements: [String: FieldRequirement]) -> (String, FieldRequirement)? {
        func cost(_ path: String, _ requirement: FieldRequirement) -> Int {
            var cost = path.hasPrefix("trail.") ? 0 : 4
            if case .present = requirement { cost += everywhere.contains(path) ? 8 : 2 }
            if case .containing = requirement { cost += 1 }
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
        bytes.reduce(hashStart, hash)
    }

    static let hashStart: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always) static func hash(_ h: UInt64, _ b: UInt8) -> UInt64 {
        (h ^ UInt64(Pattern.lower(b))) &* 0x0000_0100_0000_01B3
    }

    /// The names of the header read last, in order, and the header name each is (-1: one no
    /// key reads): the lines of one trail-flatten run have the same names in the same order,
    /// so a name that is the one at its position in the line before is settled by comparing
    /// two words, not looked up. Each lane keeps its own; `readHeader` learns it.
    struct HeaderShape {
        fileprivate var names: [(name: ShortName, position: Int)] = []
    }

    /// Reads the `trail` header a line trail-flatten wrote opens with (`{"trail":{…},…}`) in
    /// one pass that checks its syntax: where each header member the keys read starts, -1 where
    /// the header has none. False for a line that does not open so or end its object, or
    /// whose header is malformed; else where the header ends.
    func readHeader(_ s: JSONScanner, into members: inout [Int], shape: inout HeaderShape) -> Int? {
        guard TrailHeader.isFramed(s) else { return nil }
        members.removeAll(keepingCapacity: true)
        members.append(contentsOf: repeatElement(-1, count: t.headerNames.count + t.subNames.count))
        let bytes = s.bytes
        var k = 0
        let end = try? s.walkCheckedMembers(ofObjectAt: TrailHeader.offset) { name, nameEnd, value in
            defer { k += 1 }
            let length = nameEnd - name - 2
            let n: Int
            if k < shape.names.count, shape.names[k].name.isSpelled(in: bytes, start: name + 1, length: length) {
                n = shape.names[k].position
            } else {
                let short = ShortName(bytes, start: name + 1, length: length)
                n = headerName(s, name, short)
                shape.learn(short, is: n, at: k)
            }
            // A name read twice is the first member of that name, as in a lookup.
            guard n >= 0, members[n] < 0 else { return try s.valueEnd(at: value) }
            members[n] = value
            guard !t.subsOf[n].isEmpty, s.kind(at: value) == .object else { return try s.valueEnd(at: value) }
            return try readSubFields(s, of: n, at: value, into: &members)
        }
        guard let end, TrailHeader.closes(s, at: end) else { return nil }
        return end
    }

    /// The position in `headerNames` of the member name at `name` (its opening quote), `short`,
    /// or -1. Names are told apart by length and their first bytes, in two words (which settle
    /// a name of up to 16 bytes); a longer name, or one written with escapes, is compared in full.
    @inline(never)
    private func headerName(_ s: JSONScanner, _ name: Int, _ short: ShortName) -> Int {
        if short.escaped {
            return t.headerNames.indices.first { s.stringEquals(at: name, t.headerNames[$0]) } ?? -1
        }
        for k in t.byHeaderName[RuleIndex.hash(short)] ?? 0..<0 {
            let n = t.headerNameOrder[k]
            if short == t.shortHeaderNames[n], short.length <= 16 || s.stringEquals(at: name, t.headerNames[n]) { return n }
        }
        return -1
    }

    /// Checks the object at `object`, header member `n`'s value, as `valueEnd` would, putting
    /// where the first member of each name keys read below it starts in `members`.
    @inline(never)
    private func readSubFields(_ s: JSONScanner, of n: Int, at object: Int, into members: inout [Int]) throws -> Int {
        let base = t.headerNames.count
        return try s.walkCheckedMembers(ofObjectAt: object) { name, nameEnd, value in
            // The object's members are one level down, as `valueEnd` counts the object's.
            let valueEnd = try s.valueEnd(at: value, depth: 1)
            let short = ShortName(s.bytes, start: name + 1, length: nameEnd - name - 2)
            for i in t.subsOf[n] {
                let f = t.subsByParent[i]
                guard members[base + f] < 0, short.escaped || short == t.shortSubNames[f] else { continue }
                if (!short.escaped && short.length <= 16) || s.stringEquals(at: name, t.subNames[f]) { members[base + f] = value }
            }
            return valueEnd
        }
    }

    /// The rules worth trying on the event, in load order (so alerts come out in rule order).
    /// `header`: what `readHeader` found, for a line that opens with one. Reads only the
    /// indexed fields, with bounds-checked navigation: safe on text not yet validated.
    /// `top`: the members of `root`, read before (nil: found by walking it).
    func candidates(_ s: JSONScanner, _ root: Int, header: [Int]? = nil, top: TopMembers? = nil, into out: inout [Int]) {
        out.removeAll(keepingCapacity: true)
        if !t.always.isEmpty { out.append(contentsOf: t.always) }
        for k in t.keys.indices {
            let key = t.keys[k]
            var found = false
            var nonNull = false
            // Where a header copy's value is (`headerCopies`), for `readsOwnField`.
            var copy = -1
            if let header, key.member >= 0 {
                let parent = header[key.member]
                copy = parent
                if parent >= 0, key.sub >= 0, s.kind(at: parent) == .object {
                    // Found by readHeader, as lookBelow would find it.
                    let at = header[t.headerNames.count + key.sub]
                    if at >= 0 { look(s, at, key, &found, &nonNull, &out, depth: 1) }
                } else if parent >= 0 {
                    lookBelow(s, parent, key.rest, key, &found, &nonNull, &out)
                }
            } else {
                FieldMatcher.forEachValue(s, at: t.paths[k], root, top) {
                    copy = $0
                    look(s, $0, key, &found, &nonNull, &out)
                }
            }
            if !t.fallbacks[k].isEmpty, !found || readsOwnField(s, key, copy: copy) {
                var own = false
                for fallback in t.fallbacks[k] where !own {
                    FieldMatcher.forEachValue(s, at: fallback, root, top) {
                        own = true
                        look(s, $0, key, &found, &nonNull, &out)
                    }
                }
            }
            if nonNull {
                for i in key.present { out.append(t.filed[i]) }
            }
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

    /// Whether a key filed under a header copy must read the event's own field besides the
    /// copy (see `headerCopies`): when an empty value selects some of its rules, or when the
    /// copy is the text of an object or array, whose elements rules match one by one.
    private func readsOwnField(_ s: JSONScanner, _ key: Key, copy: Int) -> Bool {
        if key.selectedByEmpty { return true }
        guard copy >= 0, s.kind(at: copy) == .string, copy + 1 < s.count else { return false }
        return s.byte(copy + 1) == UInt8(ascii: "[") || s.byte(copy + 1) == UInt8(ascii: "{")
    }

    /// Looks at the values at the path `rest` (positions in `pathNames`) below `at`, into
    /// arrays on the way, as `JSONScanner.forEachValue` does. The text is not checked yet, so
    /// nesting is followed only to `maxDepth` levels (`depth`: levels entered so far).
    private func lookBelow(_ s: JSONScanner, _ at: Int, _ rest: Range<Int>, _ key: Key,
                           _ found: inout Bool, _ nonNull: inout Bool, _ out: inout [Int], depth: Int = 0) {
        guard let first = rest.first else { return look(s, at, key, &found, &nonNull, &out, depth: depth) }
        guard depth < s.maxDepth else { return }
        switch s.kind(at: at) {
        case .array:
            s.forEachElement(ofArrayAt: at) { element in
                lookBelow(s, element, rest, key, &found, &nonNull, &out, depth: depth + 1)
                return true
            }
        case .object:
            s.forEachMember(ofObjectAt: at) { name, value in
                guard let nameEnd = s.skipValue(at: name), nameEnd - name >= 2 else { return false }
                let short = ShortName(s.bytes, start: name + 1, length: nameEnd - name - 2)
                guard short.escaped ? s.stringEquals(at: name, t.pathNames[first]) : short == t.shortPathNames[first] else { return true }
                lookBelow(s, value, rest.dropFirst(), key, &found, &nonNull, &out, depth: depth + 1)
                return false
            }
        default:
            return
        }
    }

    /// Files the rules `key` selects by the value at `at` (each element of an array) in `out`.
    /// Arrays within arrays are followed to `maxDepth` levels, as in `lookBelow`.
    private func look(_ s: JSONScanner, _ at: Int, _ key: Key, _ found: inout Bool, _ nonNull: inout Bool, _ out: inout [Int],
                      depth: Int = 0) {
        found = true
        switch s.kind(at: at) {
        case .null, nil:
            return
        case .array:
            guard depth < s.maxDepth else { return }
            s.forEachElement(ofArrayAt: at) { element in
                look(s, element, key, &found, &nonNull, &out, depth: depth + 1)
                return true
            }
        default:
            nonNull = true
            if !key.containing.isEmpty {
                _ = FieldMatcher.withText(s, at) { text in
                    fileByNeedles(text, key, &out)
                    return true
                }
            }
            guard key.hasValues else { return }
            // One pass over the value hashes it whole and at each prefix length rules use.
            var hash: UInt64 = 0
            guard FieldMatcher.withText(s, at, { text in
                var h: UInt64 = RuleIndex.hashStart
                var next = key.prefixes.lowerBound
                for (i, b) in text.enumerated() {
                    h = RuleIndex.hash(h, b)
                    guard next < key.prefixes.upperBound, t.prefixLengths[next] == i + 1 else { continue }
                    next += 1
                    if let hits = t.byValue[h ^ key.salt ^ RuleIndex.prefixSalt] {
                        for i in hits { out.append(t.filed[i]) }
                    }
                }
                hash = h
                return true
            }), let hits = t.byValue[hash ^ key.salt] else { return }
            for i in hits { out.append(t.filed[i]) }
        }
    }
}

extension RuleIndex {
    /// Files the rules whose literals `text` holds: one pass over it for all of the key's
    /// literals, looking at one byte pair every `stride` bytes (a literal of 13 bytes is found
    /// looking at every 12th), or trying at each byte the literals that start with it.
    private func fileByNeedles(_ text: UnsafeRawBufferPointer, _ key: Key, _ out: inout [Int]) {
        guard key.stride == 0 else { return fileBySampling(text, key, &out) }
        t.needleBytes.withUnsafeBytes { all in
            t.byFirstByte.withUnsafeBufferPointer { table in
                let lists = UnsafeBufferPointer(rebasing: table[key.firstBytes..<(key.firstBytes + 256)])
                for i in 0..<text.count where !lists[Int(text[i])].isEmpty {
                    fileByNeedles(at: i, text, lists[Int(text[i])], all, &out)
                }
            }
        }
    }

    private func fileBySampling(_ text: UnsafeRawBufferPointer, _ key: Key, _ out: inout [Int]) {
        t.pairBits.withUnsafeBufferPointer { bits in
            let set = bits.baseAddress! + key.pairs
            var q = 0
            while q + 1 < text.count {
                let pair = Int(text[q]) | Int(text[q + 1]) << 8
                if set[pair >> 6] & (1 << UInt64(pair & 63)) != 0 { fileByPair(at: q, pair, text, key, &out) }
                q += key.stride
            }
        }
    }

    /// Files the rules of the literals that hold the byte pair at `q` of `text` and hold there.
    private func fileByPair(at q: Int, _ pair: Int, _ text: UnsafeRawBufferPointer, _ key: Key, _ out: inout [Int]) {
        guard let hits = t.byPair[key.salt ^ RuleIndex.pairSalt ^ UInt64(pair)] else { return }
        t.needleBytes.withUnsafeBytes { all in
            for h in hits {
                let needle = t.needles[t.pairNeedles[h].needle]
                let start = q - t.pairNeedles[h].offset
                if start >= 0, RuleIndex.holds(needle, text, at: start, all), alongsideOccur(t.pairNeedles[h].needle, text) {
                    out.append(needle.rule)
                }
            }
        }
    }

    /// Files the rules of the literals `list` names that `text` holds at `i`.
    @inline(__always)
    private func fileByNeedles(at i: Int, _ text: UnsafeRawBufferPointer, _ list: Range<Int>, _ all: UnsafeRawBufferPointer, _ out: inout [Int]) {
        for n in list {
            let needle = t.needles[t.needlesByByte[n]]
            if RuleIndex.holds(needle, text, at: i, all), alongsideOccur(t.needlesByByte[n], text) { out.append(needle.rule) }
        }
    }

    /// Whether `text`, holding literal `n`, meets its rule's other requirements too.
    @inline(__always)
    private func alongsideOccur(_ n: Int, _ text: UnsafeRawBufferPointer) -> Bool {
        !t.needles[n].hasAlongside || t.alongside[n].alongsideOccur(in: text)
    }

    /// Whether `text` holds `needle` (its bytes in `all`) at `start`.
    @inline(__always)
    private static func holds(_ needle: Needle, _ text: UnsafeRawBufferPointer, at start: Int, _ all: UnsafeRawBufferPointer) -> Bool {
        guard start + needle.count <= text.count else { return false }
        var j = 0
        if needle.caseless {
            while j < needle.count, Pattern.lower(text[start + j]) == all[needle.start + j] { j += 1 }
        } else {
            while j < needle.count, text[start + j] == all[needle.start + j] { j += 1 }
        }
        return j == needle.count
    }
}

extension RuleIndex {
    /// What the index reads for each event, built here from the rules.
    fileprivate struct Tables {
        var keys: [Key] = []
        /// Per key: its whole path, for events without a header, and the event's own fields
        /// behind a header field, read when the event has nothing at the path (input that was
        /// not flattened).
        var paths: [JSONPath] = []
        var fallbacks: [[JSONPath]] = []
        /// The members of the `trail` header the keys read, and the names on their paths below
        /// it, with their `ShortName`s.
        var headerNames: [[UInt8]] = []
        var shortHeaderNames: [ShortName] = []
        /// `headerNames` by a hash of their `ShortName`, as positions in `headerNameOrder`: a
        /// header member's name is looked up once, not compared with every name.
        var byHeaderName = RangeTable([:])
        var headerNameOrder: [Int] = []
        /// Names one level below header members that keys read, the member each is below, and
        /// per header member the names below it: `readHeader` puts where they start after the
        /// header members, so the index does not walk those objects again.
        var subNames: [[UInt8]] = []
        var shortSubNames: [ShortName] = []
        var subParents: [Int] = []
        /// Per header member: the positions in `subsByParent` of the names below it (a list
        /// of lists would be retained around each member `readSubFields` reads).
        var subsOf: [Range<Int>] = []
        var subsByParent: [Int] = []
        var pathNames: [[UInt8]] = []
        var shortPathNames: [ShortName] = []
        /// Hash of a lower-cased value or prefix, mixed with the key's salt (and `prefixSalt` for
        /// a prefix) → the rules that require it, in `filed`.
        var byValue = RangeTable([:])
        var prefixLengths: [Int] = []
        var filed: [Int] = []
        /// The literals rules need a value to hold (regular expressions, contains-style values).
        var needles: [Needle] = []
        var needleBytes: [UInt8] = []
        /// Per literal: the literal as the rule needs it, carrying its other requirements
        /// (`RequiredLiteral.alongside`); read only for literals that have some.
        var alongside: [RequiredLiteral] = []
        /// Per key with literals, per byte: the literals starting with it (both cases of a
        /// caseless one's letter), as positions in `needlesByByte`.
        var byFirstByte: [Range<Int>] = []
        var needlesByByte: [Int] = []
        /// Per key sampled: which byte pairs some literal holds near its start, and by the pair
        /// (mixed with the key's salt and `pairSalt`) the literals holding it, in `pairNeedles`.
        var pairBits: [UInt64] = []
        var byPair = RangeTable([:])
        var pairNeedles: [PairNeedle] = []
        /// Rules no required field selects: tried on every event.
        var always: [Int] = []

        init(_ rules: [Rule]) {
            for name in ["time", "id"].map({ Array($0.utf8) }) {
                headerNames.append(name)
                shortHeaderNames.append(name.withUnsafeBytes { ShortName($0) })
            }
            assert(headerNames[RuleIndex.timeMember] == Array("time".utf8) && headerNames[RuleIndex.idMember] == Array("id".utf8))
            var position: [String: Int] = [:]
            var present: [[Int]] = []
            var withValue: [UInt64: [Int]] = [:]
            var lengths: [Set<Int>] = []
            var containing: [[(RequiredLiteral, Int)]] = []
            for (r, rule) in rules.enumerated() {
                guard let (path, requirement) = RuleIndex.choose(rule.detection.requirements()) else {
                    always.append(r)
                    continue
                }
                let k = position[path] ?? addKey(path)
                position[path] = k
                if present.count == k {
                    present.append([])
                    lengths.append([])
                    containing.append([])
                }
                switch requirement {
                case .present:
                    present[k].append(r)
                    keys[k].selectedByEmpty = true
                case .containing(let literals):
                    containing[k] += literals.map { ($0, r) }
                case .oneOf(let values, let prefixes):
                    keys[k].hasValues = true
                    if values.contains([]) || prefixes.contains([]) { keys[k].selectedByEmpty = true }
                    var hashes = Set(values.map { $0.withUnsafeBytes(RuleIndex.hash) ^ keys[k].salt })
                    for prefix in prefixes {
                        hashes.insert(prefix.withUnsafeBytes(RuleIndex.hash) ^ keys[k].salt ^ RuleIndex.prefixSalt)
                        lengths[k].insert(prefix.count)
                    }
                    for hash in hashes { withValue[hash, default: []].append(r) }
                }
            }
            var pairs: [UInt64: [PairNeedle]] = [:]
            for k in keys.indices {
                keys[k].present = filed.count..<(filed.count + present[k].count)
                filed += present[k]
                keys[k].prefixes = prefixLengths.count..<(prefixLengths.count + lengths[k].count)
                prefixLengths += lengths[k].sorted()
                if !containing[k].isEmpty {
                    addNeedles(containing[k], to: k)
                    addPairs(of: k, into: &pairs)
                }
            }
            filePairs(pairs)
            var byHash: [UInt64: Range<Int>] = [:]
            for (hash, rules) in withValue {
                byHash[hash] = filed.count..<(filed.count + rules.count)
                filed += rules
            }
            byValue = RangeTable(byHash)
            indexHeaderNames()
        }

        /// Files the literals by the byte pairs `addPairs` found in them.
        mutating func filePairs(_ pairs: [UInt64: [PairNeedle]]) {
            var pairRanges: [UInt64: Range<Int>] = [:]
            for (hash, list) in pairs {
                pairRanges[hash] = pairNeedles.count..<(pairNeedles.count + list.count)
                pairNeedles += list
            }
            byPair = RangeTable(pairRanges)
        }

        /// The header names by hash, and the names below each, for `readHeader`.
        mutating func indexHeaderNames() {
            var nameRanges: [UInt64: Range<Int>] = [:]
            for (hash, names) in Dictionary(grouping: shortHeaderNames.indices, by: { RuleIndex.hash(shortHeaderNames[$0]) }) {
                nameRanges[hash] = headerNameOrder.count..<(headerNameOrder.count + names.count)
                headerNameOrder += names
            }
            byHeaderName = RangeTable(nameRanges)
            for n in headerNames.indices {
                let below = subParents.indices.filter { subParents[$0] == n }
                subsOf.append(subsByParent.count..<(subsByParent.count + below.count))
                subsByParent += below
            }
        }

        /// Files the literals rules need key `k`'s value to hold, by the byte each starts with.
        mutating func addNeedles(_ literals: [(RequiredLiteral, Int)], to k: Int) {
            keys[k].containing = needles.count..<(needles.count + literals.count)
            var buckets = [[Int]](repeating: [], count: 256)
            for (literal, rule) in literals {
                let first = literal.bytes[0]
                buckets[Int(first)].append(needles.count)
                if literal.caseless, first >= 0x61 && first <= 0x7A { buckets[Int(first & ~0x20)].append(needles.count) }
                needles.append(Needle(start: needleBytes.count, count: literal.bytes.count, caseless: literal.caseless, rule: rule,
                                      hasAlongside: literal.hasAlongside))
                alongside.append(literal)
                needleBytes += literal.bytes
            }
            keys[k].firstBytes = byFirstByte.count
            for bucket in buckets {
                byFirstByte.append(needlesByByte.count..<(needlesByByte.count + bucket.count))
                needlesByByte += bucket
            }
        }

        /// Samples key `k`'s values when its literals are two bytes or longer: files the byte
        /// pairs each literal holds at the offsets a sample can fall on (both cases of a caseless
        /// one's letters).
        mutating func addPairs(of k: Int, into pairs: inout [UInt64: [PairNeedle]]) {
            let range = keys[k].containing
            guard let shortest = needles[range].map(\.count).min(), shortest >= 2 else { return }
            keys[k].stride = shortest - 1
            keys[k].pairs = pairBits.count
            pairBits += repeatElement(0, count: 65536 / 64)
            func cases(_ b: UInt8, _ caseless: Bool) -> [UInt8] {
                caseless && b >= 0x61 && b <= 0x7A ? [b, b & ~0x20] : [b]
            }
            for n in range {
                let needle = needles[n]
                for offset in 0..<keys[k].stride {
                    for a in cases(needleBytes[needle.start + offset], needle.caseless) {
                        for b in cases(needleBytes[needle.start + offset + 1], needle.caseless) {
                            let pair = Int(a) | Int(b) << 8
                            pairBits[keys[k].pairs + pair >> 6] |= 1 << UInt64(pair & 63)
                            pairs[keys[k].salt ^ RuleIndex.pairSalt ^ UInt64(pair), default: []].append(PairNeedle(needle: n, offset: offset))
                        }
                    }
                }
            }
        }

        mutating func addKey(_ dotted: String) -> Int {
            let path = JSONPath(dotted)
            var key = Key()
            key.salt = UInt64(keys.count) &* 0x9E37_79B9_7F4A_7C15
            if path.components.count > 1, path.components[0] == Array("trail".utf8) {
                let name = path.components[1]
                key.member = headerNames.firstIndex(of: name) ?? headerNames.count
                if key.member == headerNames.count {
                    headerNames.append(name)
                    shortHeaderNames.append(name.withUnsafeBytes { ShortName($0) })
                }
                let below = path.components.dropFirst(2)
                if below.count == 1, let name = below.first {
                    key.sub = subNames.indices.first { subParents[$0] == key.member && subNames[$0] == name } ?? subNames.count
                    if key.sub == subNames.count {
                        subNames.append(name)
                        shortSubNames.append(name.withUnsafeBytes { ShortName($0) })
                        subParents.append(key.member)
                    }
                }
                key.rest = pathNames.count..<(pathNames.count + below.count)
                pathNames += below
                shortPathNames += below.map { name in name.withUnsafeBytes { ShortName($0) } }
            }
            keys.append(key)
            paths.append(path)
            fallbacks.append(RuleIndex.headerCopies.filter { $0.value == dotted }.keys.sorted().map(JSONPath.init))
            return keys.count - 1
        }

    }
}

/// A member name as its length and first 16 bytes: equal names give equal values, and most
/// different names differ in these, so comparing them settles most names without a loop.
struct ShortName: Equatable {
    let length: Int
    let head: UInt64
    let tail: UInt64
    /// Whether the first 16 bytes hold a backslash: the name's text differs from its bytes.
    let escaped: Bool

    init(_ bytes: UnsafeRawBufferPointer) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(16))) }
        self.init(length: bytes.count, head: UInt64(littleEndian: words.0), tail: UInt64(littleEndian: words.1),
                  rest: bytes.count > 16 ? UnsafeRawBufferPointer(rebasing: bytes[16...]) : nil)
    }

    /// The name of `length` bytes at `start` in `text`, read as two whole words when 16 bytes
    /// are there to read (a name inside a line always has more bytes after it).
    @inline(__always)
    init(_ text: UnsafeRawBufferPointer, start: Int, length: Int) {
        guard let (head, tail) = ShortName.words(in: text, start: start, length: length) else {
            self.init(UnsafeRawBufferPointer(rebasing: text[start..<(start + length)]))
            return
        }
        self.init(length: length, head: head, tail: tail,
                  rest: length > 16 ? UnsafeRawBufferPointer(rebasing: text[(start + 16)..<(start + length)]) : nil)
    }

    @inline(__always)
    init(length: Int, head: UInt64, tail: UInt64, rest: UnsafeRawBufferPointer? = nil) {
        self.length = length
        self.head = head
        self.tail = tail
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasBackslash(_ w: UInt64) -> Bool {
            let v = w ^ (ones &* 0x5C)
            return (v &- ones) & ~v & highs != 0
        }
        escaped = hasBackslash(head) || hasBackslash(tail) || (rest?.contains(0x5C) ?? false)
    }

    static func == (a: ShortName, b: ShortName) -> Bool {
        a.length == b.length && a.head == b.head && a.tail == b.tail
    }

    /// Whether the `length` bytes at `start` in `text` are this name, for a name of up to 16
    /// bytes without escapes: two words compared, what they hold not looked at.
    @inline(__always)
    func isSpelled(in text: UnsafeRawBufferPointer, start: Int, length: Int) -> Bool {
        assert(self.length <= 16 && !escaped || self.length < 0, "a name settled by its two words")
        guard length == self.length, let (head, tail) = ShortName.words(in: text, start: start, length: length) else { return false }
        return head == self.head && tail == self.tail
    }

    /// The first 16 bytes of the name of `length` bytes at `start` in `text`, as two words with
    /// the bytes past the name cleared; nil where fewer than 16 bytes are there to read.
    @inline(__always)
    private static func words(in text: UnsafeRawBufferPointer, start: Int, length: Int) -> (UInt64, UInt64)? {
        guard start + 16 <= text.count, let base = text.baseAddress else { return nil }
        @inline(__always) func mask(_ bytes: Int) -> UInt64 { bytes >= 8 ? ~0 : (1 << (8 * UInt64(bytes))) &- 1 }
        return (UInt64(littleEndian: base.loadUnaligned(fromByteOffset: start, as: UInt64.self)) & mask(length),
                UInt64(littleEndian: base.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self)) & mask(max(length - 8, 0)))
    }
}

extension RuleIndex.HeaderShape {
    /// Notes that the name at position `k` of the header just read is header name `n`. A
    /// name longer than 16 bytes or written with escapes is not settled by its two words:
    /// it is noted as one that no name is spelled as, and looked up each time.
    fileprivate mutating func learn(_ name: ShortName, is n: Int, at k: Int) {
        let noted = (name: name.length <= 16 && !name.escaped ? name : ShortName(length: -1, head: 0, tail: 0), position: n)
        if k < names.count {
            names[k] = noted
        } else {
            names.append(noted)
        }
    }
}
