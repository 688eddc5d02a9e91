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

    /// Strings are skipped eight bytes at a time: a quote, backslash or control character at
    /// every position of a block, and multi-byte UTF-8 around them, must still be found.
    @Test func findsStringEndsAtEveryOffset() throws {
        for length in 0..<20 {
            for special in ["\\\"", "\\\\", "\\n", "é", "\u{7F}", "\u{1F600}"] {
                let body = String(repeating: "a", count: length) + special + String(repeating: "b", count: 19 - length)
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
