import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// Runs `body` with a scanner over `text`.
func scan<T>(_ text: String, _ body: (JSONScanner) throws -> T) rethrows -> T {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBytes { try body(JSONScanner($0)) }
}

@Suite struct JSONScannerTests {
    static let event = #"{"eventName":"ConsoleLogin","userIdentity":{"type":"IAMUser","sessionContext":{"sessionIssuer":{"type":"Role","userName":"Ops"}}},"n":-1.5e3,"ok":true,"nothing":null,"list":[{"a":1},{"a":"two"}],"esc":"tab\there \"q\" \u00e9 \ud83d\ude00","k\u0065y":"escaped key"}"#

    @Test func findsValuesByPathWithoutBuildingATree() throws {
        try scan(Self.event) { s in
            let root = try s.validateDocument()
            #expect(s.value(at: JSONPath("userIdentity.sessionContext.sessionIssuer.type"), from: root).flatMap { s.string(at: $0) } == "Role")
            #expect(s.value(at: JSONPath("eventName"), from: root).flatMap { s.string(at: $0) } == "ConsoleLogin")
            #expect(s.value(at: JSONPath("userIdentity.missing"), from: root) == nil)
            #expect(s.value(at: JSONPath("n"), from: root).flatMap { s.text(at: $0) } == "-1.5e3")
            #expect(s.value(at: JSONPath("ok"), from: root).flatMap { s.bool(at: $0) } == true)
            #expect(s.value(at: JSONPath("nothing"), from: root).flatMap { s.text(at: $0) } == nil)
            #expect(s.value(at: JSONPath("nothing"), from: root) != nil)
        }
    }

    @Test func decodesEscapesInValuesAndKeys() throws {
        try scan(Self.event) { s in
            let root = try s.validateDocument()
            #expect(s.value(at: JSONPath("esc"), from: root).flatMap { s.string(at: $0) } == "tab\there \"q\" é 😀")
            #expect(s.value(at: JSONPath("key"), from: root).flatMap { s.string(at: $0) } == "escaped key")
        }
    }

    /// Member names are compared by length and bytes; a name written with escapes is longer
    /// than the name it stands for, and a backslash in the wanted name is never a match as
    /// written. Each answer must be what decoding the name and comparing gives.
    @Test(arguments: [
        (#"{"ab":1,"a":2}"#, "a", "2"), (#"{"a\u0062":1}"#, "ab", "1"), (#"{"a\\b":1}"#, #"a\b"#, "1"),
        (#"{"a\\b":1,"a\b":2}"#, #"a\\b"#, nil), (#"{"":1}"#, "", "1"), (#"{"x":1,"":2}"#, "", "2"),
        (#"{"abc":1}"#, "ab", nil), (#"{"\"":1}"#, "\"", "1"), (#"{"a":1,"a":2}"#, "a", "1"),
        (#"{"a":1,"b":"#, "b", ""), (#"{"a":{,"b":2}"#, "b", nil),
    ] as [(String, String, String?)])
    func findsMembersByTheirDecodedName(text: String, name: String, value: String?) {
        scan(text) { s in
            let found = s.member(Array(name.utf8), ofObjectAt: 0)
            #expect(found.map { s.raw(at: $0).map { String(decoding: $0, as: UTF8.self) } ?? "" } == value)
        }
    }

    @Test func descendsIntoArraysForEveryValue() throws {
        try scan(Self.event) { s in
            let root = try s.validateDocument()
            var found: [String] = []
            s.forEachValue(at: JSONPath("list.a"), from: root) { found.append(s.text(at: $0) ?? "nil") }
            #expect(found == ["1", "two"])
        }
    }

    @Test func objectsReadAsCompactText() throws {
        try scan(#"{"p": { "a" : [1, 2],  "b":"x y" }}"#) { s in
            let root = try s.validateDocument()
            #expect(s.value(at: JSONPath("p"), from: root).flatMap { s.text(at: $0) } == #"{"a":[1,2],"b":"x y"}"#)
        }
    }

    @Test(arguments: [
        (#"{"a":1"#, "unterminated object"),
        (#"{"a":tru}"#, "invalid literal"),
        (#"{"a":"x}"#, "unterminated string"),
        (#"{"a" 1}"#, "expected ':'"),
        (#"{"a":1,}"#, "expected a member name"),
        (#"[1 2]"#, "expected ',' or ']'"),
        (#"{"a":01.}"#, "invalid number"),
        (#"{} {}"#, "unexpected data after the JSON value"),
        ("", "empty input"),
        ("{\"a\":\"\u{01}\"}", "control character in string"),
    ])
    func rejectsMalformedInputWithAReason(text: String, reason: String) {
        scan(text) { s in
            let error = #expect(throws: JSONError.self) { try s.validateDocument() }
            #expect(error?.message.contains(reason) == true, "\(String(describing: error)) should mention \(reason)")
        }
    }

    /// Strings are skipped sixteen, then eight bytes at a time: a quote, backslash or control
    /// character at every position of either block and of the last bytes, and multi-byte UTF-8
    /// around them, must still be found, and a string must end where its quote is.
    @Test func findsStringEndsAtEveryOffset() throws {
        for length in 0..<40 {
            for special in ["\\\"", "\\\\", "\\n", "é", "\u{7F}", "\u{1F600}"] {
                let body = String(repeating: "a", count: length) + special + String(repeating: "b", count: 39 - length)
                let text = "\"" + body + "\""
                let end = try scan(text) { try $0.stringEnd(at: 0) }
                #expect(end == text.utf8.count, "\(text)")
            }
            for control in ["\n", "\u{01}", "\u{1F}"] {
                let text = "\"" + String(repeating: "a", count: length) + control + "\""
                #expect(throws: JSONError.self) { try scan(text) { try $0.stringEnd(at: 0) } }
            }
            let unterminated = "\"" + String(repeating: "a", count: length) + "\\"
            #expect(throws: JSONError.self) { try scan(unterminated) { try $0.stringEnd(at: 0) } }
            // A string that ends inside a longer text, checked and skipped to the same end.
            let text = "\"" + String(repeating: "a", count: length) + "\"," + String(repeating: "c", count: 40)
            let ends = scan(text) { s in [try? s.stringEnd(at: 0), s.skipValue(at: 0)] }
            #expect(ends == [length + 2, length + 2], "\(text)")
        }
    }

    @Test func agreesWithFoundationOnGeneratedDocuments() throws {
        // Random documents written by Foundation must validate and read back identically.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let object: [String: Any] = [
                "s": String((0..<Int.random(in: 0...20, using: &rng)).map { _ in "aé\"\\\n😀z ".randomElement(using: &rng)! }),
                "i": Int.random(in: -1_000_000...1_000_000, using: &rng),
                "nested": ["list": [1, "two", ["three": 3]], "flag": Bool.random(using: &rng)],
            ]
            let data = try JSONSerialization.data(withJSONObject: object)
            try data.withUnsafeBytes { raw in
                let s = JSONScanner(raw)
                let root = try s.validateDocument()
                #expect(s.value(at: JSONPath("s"), from: root).flatMap { s.string(at: $0) } == object["s"] as? String)
                #expect(s.value(at: JSONPath("i"), from: root).flatMap { s.text(at: $0) } == "\(object["i"]!)")
                let compact = JSONCompactor.compact(raw)
                let reparsed = try JSONSerialization.jsonObject(with: Data(compact)) as? NSDictionary
                #expect(reparsed == (object as NSDictionary))
            }
        }
    }
}

@Suite struct JSONWriterTests {
    @Test func writesNestedValuesThatFoundationReads() throws {
        var w = JSONWriter()
        w.beginObject()
        w.member("name", "quote \" back \\ nl \n ctl \u{01} é")
        w.key("list"); w.beginArray(); w.number(1); w.bool(false); w.null(); w.endArray()
        w.key("inner"); w.beginObject(); w.member("absent", nil); w.endObject()
        w.endObject()
        let parsed = try parseJSON(String(decoding: w.bytes, as: UTF8.self))
        #expect(parsed["name"] as? String == "quote \" back \\ nl \n ctl \u{01} é")
        #expect((parsed["list"] as? [Any])?.count == 3)
        #expect(value(parsed, "inner.absent") is NSNull)
    }
}

/// The word-at-a-time paths (string scanning, quoting, compaction) against byte-by-byte
/// expectations, with each special byte at every position around the 8-byte words.
@Suite struct WordAtATimeTests {
    static let specials: [String] = ["\"", "\\", "\n", "\t", "\u{01}", "\u{1F}", "é", "😀"]

    @Test func quotingEscapesEverySpecialByteWhereverItIs() throws {
        for special in Self.specials {
            for position in 0...20 {
                let text = String(repeating: "a", count: position) + special + String(repeating: "b", count: 20 - position)
                var out: [UInt8] = []
                JSONWriter.appendQuoted(text, to: &out)
                let parsed = try JSONSerialization.jsonObject(with: Data(out), options: .fragmentsAllowed) as? String
                #expect(parsed == text, "\(special.debugDescription) at \(position)")
                #expect(!out.dropFirst().dropLast().contains { $0 < 0x20 })
            }
        }
    }

    @Test func stringsEndAtTheirClosingQuoteWhereverItIs() throws {
        for special in Self.specials where special != "\n" && special != "\t" && special != "\u{01}" && special != "\u{1F}" {
            for position in 0...20 {
                let body = String(repeating: "a", count: position) + (special == "\"" || special == "\\" ? "\\" + special : special)
                let document = "[\"\(body)\",\"after \\\\\",  \"x\"]"
                try scan(document) { s in
                    let root = try s.validateDocument()
                    var strings: [String] = []
                    s.forEachElement(ofArrayAt: root) { strings.append(s.string(at: $0) ?? "?"); return true }
                    let expected = String(repeating: "a", count: position) + special
                    #expect(strings == [expected, "after \\", "x"], "\(special.debugDescription) at \(position)")
                    #expect(String(decoding: JSONCompactor.compact(s.bytes), as: UTF8.self) == document.replacingOccurrences(of: ",  ", with: ","))
                }
            }
        }
        #expect(throws: JSONError.self) { try scan("\"abcdefgh\u{01}ijklmnop\"") { try $0.validateDocument() } }
    }
}

/// The validator against a byte-at-a-time reference with the same acceptance, on generated
/// documents and on mutations of them (bytes replaced, dropped and inserted), so that its
/// word-at-a-time and inlined paths accept and reject exactly what a plain reading does.
@Suite struct ValidatorDifferentialTests {
    /// Reads one byte at a time. UTF-8 is checked by the standard library's own parser, not a
    /// copy of the scanner's table. Like the scanner, it takes a backslash to escape whatever
    /// byte follows, and digits after a leading zero.
    struct Reference {
        let b: [UInt8]

        func document() -> Bool {
            let start = whitespace(0)
            guard let end = value(start) else { return false }
            return whitespace(end) == b.count
        }

        func whitespace(_ i: Int) -> Int {
            var i = i
            while i < b.count, [0x20, 0x0A, 0x0D, 0x09].contains(b[i]) { i += 1 }
            return i
        }

        func value(_ i: Int) -> Int? {
            guard i < b.count else { return nil }
            switch b[i] {
            case UInt8(ascii: "\""): return string(i)
            case UInt8(ascii: "{"): return container(i, close: UInt8(ascii: "}"), object: true)
            case UInt8(ascii: "["): return container(i, close: UInt8(ascii: "]"), object: false)
            case UInt8(ascii: "t"): return literal(i, "true")
            case UInt8(ascii: "f"): return literal(i, "false")
            case UInt8(ascii: "n"): return literal(i, "null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number(i)
            default: return nil
            }
        }

        func string(_ i: Int) -> Int? {
            var j = i + 1
            while j < b.count {
                let c = b[j]
                if c == UInt8(ascii: "\"") { return j + 1 }
                if c == UInt8(ascii: "\\") {
                    guard j + 1 < b.count else { return nil }
                    if b[j + 1] == UInt8(ascii: "u") {
                        guard j + 6 <= b.count, b[(j + 2)..<(j + 6)].allSatisfy({ $0 < 0x80 && Character(UnicodeScalar($0)).isHexDigit }) else { return nil }
                        j += 6
                    } else {
                        guard "\"\\/bfnrt".utf8.contains(b[j + 1]) else { return nil }
                        j += 2
                    }
                } else if c < 0x20 {
                    return nil
                } else if c < 0x80 {
                    j += 1
                } else {
                    var bytes = b[j...].makeIterator()
                    var parser = Unicode.UTF8.ForwardParser()
                    guard case .valid(let scalar) = parser.parseScalar(from: &bytes) else { return nil }
                    j += scalar.count
                }
            }
            return nil
        }

        func literal(_ i: Int, _ word: String) -> Int? {
            let w = Array(word.utf8)
            return i + w.count <= b.count && Array(b[i..<(i + w.count)]) == w ? i + w.count : nil
        }

        func number(_ i: Int) -> Int? {
            var j = i
            func digits() -> Bool {
                let start = j
                while j < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[j]) { j += 1 }
                return j > start
            }
            if b[j] == UInt8(ascii: "-") { j += 1 }
            let integer = j
            guard digits(), b[integer] != UInt8(ascii: "0") || j == integer + 1 else { return nil }
            if j < b.count, b[j] == UInt8(ascii: ".") {
                j += 1
                guard digits() else { return nil }
            }
            if j < b.count, b[j] | 0x20 == UInt8(ascii: "e") {
                j += 1
                if j < b.count, b[j] == UInt8(ascii: "+") || b[j] == UInt8(ascii: "-") { j += 1 }
                guard digits() else { return nil }
            }
            return j
        }

        func container(_ i: Int, close: UInt8, object: Bool) -> Int? {
            var j = whitespace(i + 1)
            guard j < b.count else { return nil }
            if b[j] == close { return j + 1 }
            while true {
                if object {
                    guard j < b.count, b[j] == UInt8(ascii: "\""), let keyEnd = string(j) else { return nil }
                    j = whitespace(keyEnd)
                    guard j < b.count, b[j] == UInt8(ascii: ":") else { return nil }
                    j = whitespace(j + 1)
                }
                guard let end = value(j) else { return nil }
                j = whitespace(end)
                guard j < b.count else { return nil }
                if b[j] == close { return j + 1 }
                guard b[j] == UInt8(ascii: ",") else { return nil }
                j = whitespace(j + 1)
            }
        }
    }

    /// String pieces that put escapes, multi-byte characters and quotes on every side of the
    /// 8-byte words the scanner reads, with UTF-8 sequences just inside and just outside the
    /// well-formed ranges (surrogates, overlong forms, past U+10FFFF, truncated ones).
    static let textPieces: [[UInt8]] = ["\\\"", "\\\\", "\\n", "\\u00e9", "é", "€", "😀", " ", "/"].map { Array($0.utf8) }
    static let bytePieces: [[UInt8]] = [
        [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xE0, 0xA0, 0x80], [0xE0, 0x9F, 0xBF], [0xC2, 0x80], [0xC1, 0xBF],
        [0xF0, 0x90, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
        [0xE2, 0x82], [0xEF, 0xBF, 0xBF], [0x7F], Array("\\o".utf8), Array("\\u12G4".utf8), Array("\\uD800".utf8),
    ]

    static func string(_ rng: inout SplitMix) -> [UInt8] {
        var s: [UInt8] = [0x22]
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            // Runs past sixteen bytes: strings are read sixteen bytes at a time.
            s += Array(repeating: UInt8(ascii: "a"), count: Int.random(in: 0...40, using: &rng))
            guard Bool.random(using: &rng) else { continue }
            // Few byte-level pieces: most of them make the whole document invalid.
            s += Int.random(in: 0..<8, using: &rng) == 0 ? bytePieces.randomElement(using: &rng)! : textPieces.randomElement(using: &rng)!
        }
        return s + [0x22]
    }

    static func value(_ rng: inout SplitMix, depth: Int) -> [UInt8] {
        switch Int.random(in: 0..<(depth < 3 ? 8 : 5), using: &rng) {
        case 0, 1: return string(&rng)
        case 2: return Array(["-0.5e+3", "12", "0", "3.25", "-7E2"].randomElement(using: &rng)!.utf8)
        case 3: return Array(["true", "false"].randomElement(using: &rng)!.utf8)
        case 4: return Array("null".utf8)
        case 5, 6:
            let members = (0..<Int.random(in: 0...5, using: &rng)).map { _ in string(&rng) + [UInt8(ascii: ":")] + value(&rng, depth: depth + 1) }
            let separator = Array((Bool.random(using: &rng) ? "," : " ,\n ").utf8)
            return [UInt8(ascii: "{")] + Array(members.joined(separator: separator)) + [UInt8(ascii: "}")]
        default:
            let elements = (0..<Int.random(in: 0...5, using: &rng)).map { _ in value(&rng, depth: depth + 1) }
            return [UInt8(ascii: "[")] + Array(elements.joined(separator: [UInt8(ascii: ",")])) + [UInt8(ascii: "]")]
        }
    }

    /// Bytes that matter to a validator: structure, escapes, controls, and UTF-8 lead and
    /// continuation bytes at the edges of their ranges.
    static let mutations: [UInt8] = [0x00, 0x09, 0x0A, 0x1F, 0x20, 0x22, 0x2C, 0x3A, 0x5C, 0x5B, 0x5D, 0x7B, 0x7D, 0x7F,
                                     0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]

    @Test func acceptsAndRejectsWhatAByteAtATimeReadingDoes() throws {
        var rng = SplitMix(state: 8259)
        var accepted = 0, rejected = 0
        for round in 0..<3000 {
            var bytes = Self.value(&rng, depth: 0)
            if round % 4 != 0, !bytes.isEmpty {
                for _ in 0..<Int.random(in: 1...2, using: &rng) {
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: bytes[at] = Self.mutations.randomElement(using: &rng)!
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(Self.mutations.randomElement(using: &rng)!, at: at)
                    }
                    if bytes.isEmpty { break }
                }
            }
            let reference = Reference(b: bytes)
            bytes.withUnsafeBytes { raw in
                let s = JSONScanner(raw)
                let root = try? s.validateDocument()
                #expect((root != nil) == reference.document(), "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
                if let root {
                    accepted += 1
                    // Valid text is skipped (no checks) to the same end as it is validated to.
                    #expect(s.skipValue(at: root) == (try? s.valueEnd(at: root)), "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
                } else {
                    rejected += 1
                }
                // Every quote taken as a string's start ends (or fails) where the reference says;
                // skipping a valid string ends there too.
                for (at, byte) in bytes.enumerated() where byte == UInt8(ascii: "\"") {
                    let end = reference.string(at)
                    #expect((try? s.stringEnd(at: at)) == end, "string at \(at) of \(String(decoding: bytes, as: UTF8.self).debugDescription)")
                    if let end { #expect(s.skipValue(at: at) == end, "skipping the string at \(at)") }
                }
            }
        }
        // Both outcomes are exercised in earnest.
        #expect(accepted > 700 && rejected > 700, "\(accepted) accepted, \(rejected) rejected")
    }
}
