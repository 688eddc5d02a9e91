import Foundation
import TrailCore

/// Where the members of an event's top level start, found in one walk of it. The rule index
/// and every rule tried on the event reach a field through its top-level member, and finding
/// that member by name walks the line's top level, skipping each value before it (the whole
/// line for a field the event lacks): once per field and rule, that was most of trail-match's
/// work per event. Here the walk is done once per event, and only as far as a lookup needs:
/// a member read before is found in a table. A name the line does not hold anywhere as
/// `"name"`, in a line without a backslash (so without names written with escapes), is
/// answered absent without walking further: most events lack most fields rules name.
///
/// Lookups answer as `JSONScanner.member` would: the first member of that name. A line whose
/// top level has a name written with escapes, or more members than the table holds, is
/// looked up by walking it, as before.
final class TopMembers {
    /// A member: its name's `ShortName`, where the name starts (for a name longer than 16
    /// bytes, compared in full) and where its value starts.
    private struct Slot {
        var generation: UInt32 = 0
        var name = ShortName(length: 0, head: 0, tail: 0)
        var nameStart = 0
        var value = 0
    }

    /// Power of two, at least twice the members a table holds.
    private static let capacity = 128
    private static let maximumMembers = 64
    /// Members (the header among them) read before a lookup searches the line for a name.
    private static let readFirst = 3
    private var slots = [Slot](repeating: Slot(), count: TopMembers.capacity)
    /// Slots of other generations are empty: a new event empties the table by counting up.
    private var generation: UInt32 = 0
    /// The object the table describes.
    private(set) var root = -1
    /// Whether lookups walk the object instead of the table.
    private var walks = true
    /// Where the walk stands: the start of the next member's name, or, while `valuePending`,
    /// the value of the member read last, whose end is found only when the walk goes on. A
    /// lookup that stops at a member leaves its value unread: the index looks into an event's
    /// `userIdentity`, not past it, and most lines are passed over after that. Nil once the
    /// walk has ended.
    private var next: Int?
    private var valuePending = false
    private var members = 0
    /// Whether the line holds a backslash; nil until asked.
    private var backslash: Bool?
    /// For a line opening with a checked header: the line is checked up to here, just after
    /// a member's value. The walk checks each member it reads, so a line a rule examines is
    /// checked once, from here on (`JSONScanner.validateObjectRest`), not read twice. Nil
    /// once a member does not check: the walk goes on unchecked, and the check of the whole
    /// line reports it.
    private var checkedEnd: Int?

    /// Starts on the object at `root` (its members are read as lookups need them), with
    /// bounds-checked navigation: safe on a line not checked yet (a malformed member ends the
    /// walk, as it ends `JSONScanner.member`'s). `headerEnd`: the line opens with the `trail`
    /// header (`TrailHeader`), checked and ending there: the walk starts after it.
    func read(_ s: JSONScanner, root: Int, headerEnd: Int? = nil) {
        self.root = root
        generation &+= 1
        if generation == 0 {
            for i in slots.indices { slots[i].generation = 0 }
            generation = 1
        }
        walks = s.kind(at: root) != .object
        next = walks ? nil : s.skipWhitespace(root + 1)
        valuePending = false
        members = 0
        backslash = nil
        checkedEnd = nil
        guard let headerEnd, root == 0 else { return }
        checkedEnd = headerEnd
        let name = ShortName(s.bytes, start: 2, length: TrailHeader.offset - 4)
        insert(name, nameStart: 2, value: TrailHeader.offset, s)
        members = 1
        let comma = s.skipWhitespace(headerEnd)
        next = comma < s.count && s.byte(comma) == UInt8(ascii: ",") ? s.skipWhitespace(comma + 1) : nil
    }

    /// Checks the rest of a line that opens with a checked header (`read(_:root:headerEnd:)`),
    /// as `NDJSONInput.checkFramedObject` does, reading each member into the table on the way:
    /// the rules tried on the line and its alerts' resources then find every member there,
    /// and a name the line lacks without a search. A line that does not check is checked
    /// again from the last member that did, for the same report.
    func checkRest(_ s: JSONScanner, headerEnd: Int) -> Result<Int, LineProblem> {
        precondition(root == 0, "the line opens with a header")
        if !walks {
            while checkedEnd != nil, readNext(s) {}
        }
        return NDJSONInput.checkFramedObject(s, checkedUpTo: checkedEnd ?? headerEnd)
    }

    /// Reads the next member into the table; false when there is none or lookups must walk.
    private func readNext(_ s: JSONScanner) -> Bool {
        if valuePending, let value = next {
            next = member(after: value, s)
            valuePending = false
        }
        guard let j = next, let (nameEnd, value) = name(at: j, s) else {
            next = nil
            return false
        }
        next = value
        valuePending = true
        let name = ShortName(s.bytes, start: j + 1, length: nameEnd - j - 2)
        members += 1
        if name.escaped || members > TopMembers.maximumMembers {
            walks = true
            return false
        }
        insert(name, nameStart: j + 1, value: value, s)
        return true
    }

    /// The end of the name of the member at `j` and the start of its value; the name is
    /// checked while the line is checked up to it (its value when the walk goes past it).
    private func name(at j: Int, _ s: JSONScanner) -> (nameEnd: Int, value: Int)? {
        guard j < s.count, s.byte(j) == UInt8(ascii: "\"") else { return nil }
        var nameEnd: Int?
        if checkedEnd != nil {
            nameEnd = try? s.stringEnd(at: j)
            if nameEnd == nil { checkedEnd = nil }
        }
        guard let nameEnd = nameEnd ?? s.skipValue(at: j) else { return nil }
        let colon = s.skipWhitespace(nameEnd)
        guard colon < s.count, s.byte(colon) == UInt8(ascii: ":") else {
            checkedEnd = nil
            return nil
        }
        return (nameEnd, s.skipWhitespace(colon + 1))
    }

    /// Where the member after the one whose value starts at `value` starts (nil after the
    /// last, or where the text is malformed), checking the value while the line is checked up
    /// to it: then the line is checked up to the value's end.
    private func member(after value: Int, _ s: JSONScanner) -> Int? {
        var end: Int?
        if checkedEnd != nil {
            end = try? s.valueEnd(at: value, depth: 1)
            checkedEnd = end
        }
        guard let end = end ?? s.skipValue(at: value) else { return nil }
        let comma = s.skipWhitespace(end)
        guard comma < s.count, s.byte(comma) == UInt8(ascii: ",") else { return nil }
        return s.skipWhitespace(comma + 1)
    }

    private func insert(_ name: ShortName, nameStart: Int, value: Int, _ s: JSONScanner) {
        var i = TopMembers.slot(name)
        while slots[i].generation == generation {
            // A name seen before keeps its first value.
            if slots[i].name == name, TopMembers.sameName(slots[i].nameStart, nameStart, name.length, s) { return }
            i = (i + 1) & (TopMembers.capacity - 1)
        }
        slots[i] = Slot(generation: generation, name: name, nameStart: nameStart, value: value)
    }

    /// The value of the member named `name` (unescaped bytes), as `s.member(name, ofObjectAt: root)`.
    func member(_ name: [UInt8], _ s: JSONScanner) -> Int? {
        if walks { return s.member(name, ofObjectAt: root) }
        return name.withUnsafeBytes { wanted -> Int? in
            let short = ShortName(wanted)
            if let value = find(short, wanted, s) { return value }
            // The members right after the header (`userIdentity` is the second) are read
            // before the line is searched for the name: reading them costs less.
            while members < TopMembers.readFirst, readNext(s) {
                if let value = find(short, wanted, s) { return value }
            }
            if walks { return s.member(name, ofObjectAt: root) }
            guard let next, TopMembers.mayHold(s, wanted, after: next, backslash: &backslash) else { return nil }
            while readNext(s) {
                if let value = find(short, wanted, s) { return value }
            }
            return walks ? s.member(name, ofObjectAt: root) : nil
        }
    }

    /// The value of the member read before whose name is `wanted`.
    private func find(_ short: ShortName, _ wanted: UnsafeRawBufferPointer, _ s: JSONScanner) -> Int? {
        var i = TopMembers.slot(short)
        while slots[i].generation == generation {
            let slot = slots[i]
            if slot.name == short, short.length <= 16 || memcmp(s.bytes.baseAddress! + slot.nameStart, wanted.baseAddress!, short.length) == 0 {
                return slot.value
            }
            i = (i + 1) & (TopMembers.capacity - 1)
        }
        return nil
    }

    /// How rare a byte is in CloudTrail's JSON text, roughly: lower-case letters by their
    /// frequency in English text, the most common lowest; any other byte rarer than them.
    private static let rarity: [UInt8] = {
        var rarity = [UInt8](repeating: 26, count: 256)
        for (rank, letter) in "etaoinsrhldcumfpgwybvkxjqz".utf8.enumerated() { rarity[Int(letter)] = UInt8(rank) }
        return rarity
    }()

    /// Whether the line may have a member named `name` after `from`, where the walk stopped
    /// (the members before it are in the table): it holds `"name"` there, or the line holds a
    /// backslash (a name written with escapes is not its text).
    private static func mayHold(_ s: JSONScanner, _ name: UnsafeRawBufferPointer, after from: Int, backslash: inout Bool?) -> Bool {
        let bytes = s.bytes
        guard let base = bytes.baseAddress, let wanted = name.baseAddress, bytes.count >= from + name.count + 2 else { return false }
        if backslash == nil { backslash = memchr(base, Int32(UInt8(ascii: "\\")), bytes.count) != nil }
        if backslash == true { return true }
        // memchr for the name's rarest byte in JSON text, then the name and its quotes around it.
        guard var anchor = name.indices.first else { return true }
        for i in name.indices where rarity[Int(name[i])] > rarity[Int(name[anchor])] { anchor = i }
        var i = from + anchor + 1
        let last = bytes.count - (name.count - anchor) - 1
        while i <= last {
            guard let hit = memchr(base + i, Int32(name[anchor]), last - i + 1) else { return false }
            i = UnsafeRawPointer(hit) - base
            let start = i - anchor
            if bytes[start - 1] == UInt8(ascii: "\""), bytes[start + name.count] == UInt8(ascii: "\""),
               memcmp(base + start, wanted, name.count) == 0 {
                return true
            }
            i += 1
        }
        return false
    }

    /// Every value at `path` below the object, as `s.forEachValue(at: path, from: root)`.
    func forEachValue(_ s: JSONScanner, at path: JSONPath, _ body: (Int) -> Void) {
        if walks { return s.forEachValue(at: path, from: root, body) }
        guard let first = path.components.first, let at = member(first, s) else { return }
        s.forEachValue(at: path, below: at, body)
    }

    /// The value at `path` below the object, as `s.value(at: path, from: root)`.
    func value(_ s: JSONScanner, at path: JSONPath) -> Int? {
        if walks { return s.value(at: path, from: root) }
        guard let first = path.components.first, let at = member(first, s) else { return nil }
        return s.value(at: path, below: at)
    }

    @inline(__always) private static func slot(_ name: ShortName) -> Int {
        let mixed = (name.head ^ (name.tail &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(name.length)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: mixed >> 57) & (capacity - 1)
    }

    private static func sameName(_ a: Int, _ b: Int, _ length: Int, _ s: JSONScanner) -> Bool {
        length <= 16 || memcmp(s.bytes.baseAddress! + a, s.bytes.baseAddress! + b, length) == 0
    }
}
