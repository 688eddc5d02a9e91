import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// What the scanner makes of records written to hurt it: deep nesting, broken escapes,
/// numbers and UTF-8 outside RFC 8259.
@Suite struct HostileJSONTests {
    private func problem(_ text: String, maxDepth: Int = JSONScanner.defaultMaxDepth) -> String? {
        Array(text.utf8).withUnsafeBytes { raw -> String? in
            do {
                _ = try JSONScanner(raw, maxDepth: maxDepth).validateDocument()
                return nil
            } catch {
                return (error as? JSONError)?.message
            }
        }
    }

    @Test(arguments: HostileInput.Nesting.allCases)
    func nestingPastTheLimitIsAnErrorNotACrash(nesting: HostileInput.Nesting) {
        #expect(problem(#"{"x":"# + nesting.text + "}") == "nesting deeper than 512")
        // Unclosed, as a truncated record would be.
        #expect(problem(String(nesting.text.prefix(HostileInput.depth))) == "nesting deeper than 512")
    }

    @Test func nestingUpToTheLimitIsFine() {
        func arrays(_ n: Int) -> String { String(repeating: "[", count: n) + String(repeating: "]", count: n) }
        #expect(problem(arrays(512)) == nil)
        #expect(problem(arrays(513)) == "nesting deeper than 512")
        #expect(problem(#"{"a":{"b":[1]}}"#, maxDepth: 3) == nil)
        #expect(problem(#"{"a":{"b":[[1]]}}"#, maxDepth: 3) == "nesting deeper than 3")
    }

    @Test func walksOverDeepNestingEndWithoutCrashing() {
        let text = #"{"a":"# + HostileInput.Nesting.arrays.text + #","b":"end"}"#
        Array(text.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            #expect(s.skipValue(at: 0) == raw.count)
            var found = 0
            s.forEachValue(at: JSONPath("a.b"), from: 0) { _ in found += 1 }
            #expect(found == 0)
            #expect(s.value(at: JSONPath("b"), from: 0).flatMap { s.string(at: $0) } == "end")
            let nested = s.member("a", ofObjectAt: 0)
            #expect(nested.flatMap { s.text(at: $0) }?.count == 2 * HostileInput.depth)
        }
    }

    @Test(arguments: [#"\o"#, #"\x41"#, #"\u12G4"#, #"\u12"#, #"\U0041"#, "\\\u{01}", #"\'"#])
    func onlyTheEscapesOfRFC8259Pass(escape: String) {
        let message = problem(#"{"a":"x"# + escape + #"y"}"#)
        #expect(message?.contains("escape") == true || message?.contains("unterminated") == true, "\(escape): \(String(describing: message))")
    }

    @Test func everyRFC8259EscapeDecodes() throws {
        let text = #"{"a":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}"#
        try Array(text.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            let root = try s.validateDocument()
            #expect(s.value(at: JSONPath("a"), from: root).flatMap { s.string(at: $0) } == "\"\\/\u{08}\u{0C}\n\r\té😀")
        }
    }

    @Test func loneSurrogatesDecodeAsReplacementCharacters() throws {
        let text = #"{"a":"x\ud800y\udc00z"}"#
        try Array(text.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            let root = try s.validateDocument()
            #expect(s.value(at: JSONPath("a"), from: root).flatMap { s.string(at: $0) } == "x\u{FFFD}y\u{FFFD}z")
        }
    }

    @Test(arguments: ["01", "-01", "00", "-", "1.", ".5", "+1", "1e", "1e+", "-.5", "0x1", "1.e3", "Infinity", "NaN"])
    func numbersOutsideRFC8259AreRejected(number: String) {
        #expect(problem(#"{"n":"# + number + "}") != nil, "\(number)")
    }

    @Test(arguments: ["0", "-0", "0.5", "-0.0e-0", "1e5", "1E+5", "10", "123456789012345678901234567890"])
    func numbersOfRFC8259Pass(number: String) {
        #expect(problem(#"{"n":"# + number + "}") == nil, "\(number)")
    }

    @Test(arguments: [
        [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0x80], [0xC3], [0xFF], [0x7F - 0x60],
    ] as [[UInt8]])
    func overlongsSurrogatesAndControlCharactersAreRejected(bytes: [UInt8]) {
        let text = Array(#"{"a":""#.utf8) + bytes + Array(#""}"#.utf8)
        let rejected = text.withUnsafeBytes { raw in (try? JSONScanner(raw).validateDocument()) == nil }
        #expect(rejected, "\(bytes)")
    }

    @Test func theRestOfAnObjectIsCheckedAfterItsFirstMember() throws {
        func check(_ text: String) -> String? {
            Array(text.utf8).withUnsafeBytes { raw -> String? in
                let s = JSONScanner(raw)
                do {
                    let first = try s.valueEnd(at: 9)  // after {"trail":
                    try s.validateObjectRest(from: first)
                    return nil
                } catch {
                    return (error as? JSONError)?.message
                }
            }
        }
        #expect(check(#"{"trail":{"a":1},"b":[true,null],"c":"d"}"#) == nil)
        #expect(check(#"{"trail":{"a":1}}"#) == nil)
        #expect(check(#"{"trail":{"a":1} , "b" : 2 } "#) == nil)
        #expect(check(#"{"trail":{"a":1},"b":"\o"}"#)?.contains("invalid escape") == true)
        #expect(check(#"{"trail":{"a":1},"b":01}"#)?.contains("leading zero") == true)
        #expect(check(#"{"trail":{"a":1},"b":1"#) != nil)
        #expect(check(#"{"trail":{"a":1},"b":1}x"#) != nil)
        #expect(check(#"{"trail":{"a":1},"x":"# + HostileInput.Nesting.arrays.text + "}") == "nesting deeper than 512")
    }
}

@Suite struct EventTimeRangeTests {
    @Test func yearsOneToNineThousandNineHundredNinetyNineParse() throws {
        for text in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1677-01-01T00:00:00Z", "2262-12-31T00:00:00Z"] {
            let time = try #require(Timestamp(iso8601: text), "\(text)")
            #expect(time.rfc3339 == text)
        }
    }

    @Test func yearsOutsideFourDigitsDoNotParse() {
        for text in ["10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z", "+2024-01-01T00:00:00Z", "999-01-01T00:00:00Z"] {
            #expect(Timestamp(iso8601: text) == nil, "\(text)")
        }
    }
}

@Suite struct RecordSizeTests {
    /// Reads `input` through a line reader taking lines of up to `limit` bytes.
    private func read(_ input: String, limit: Int, bufferSize: Int = 4) throws -> (lines: [String], tooLong: [Int]) {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("in", input)
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var lines: [String] = [], tooLong: [Int] = []
        try LineReader(fileDescriptor: fd, bufferSize: bufferSize, maxLineLength: limit).forEachLine({ line, number in
            lines.append("\(number):" + String(decoding: line, as: UTF8.self))
        }, tooLong: { tooLong.append($0) })
        return (lines, tooLong)
    }

    @Test func longerLinesAreReportedAndTheRestRead() throws {
        let long = String(repeating: "x", count: 100)
        let result = try read("ab\n\(long)\ncdefghij\n\(long)\nk\n\(long)", limit: 8)
        #expect(result.lines == ["1:ab", "3:cdefghij", "5:k"])
        #expect(result.tooLong == [2, 4, 6])
        let exact = try read("12345678\n123456789\n", limit: 8, bufferSize: 64)
        #expect(exact.lines == ["1:12345678"])
        #expect(exact.tooLong == [2])
    }

    @Test func aStageReportsALongRecordWithItsPlaceAndLimit() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("in.ndjson", "{\"a\":1}\n{\"b\":\"" + String(repeating: "x", count: 2000) + "\"}\n{\"c\":3}\n")
        let diagnostics = Diagnostics(tool: "test")
        var seen: [Int] = []
        try NDJSONInput([path], maxRecordSize: 1024).forEachObject(diagnostics: diagnostics) { _, _, location in seen.append(location.line) }
        #expect(seen == [1, 3])
        #expect(diagnostics.skippedRecords == 1)
    }

    @Test func sizesTakeBinarySuffixes() throws {
        #expect(try ByteCount.parse("64M") == 64 << 20)
        #expect(try ByteCount.parse("512k") == 512 << 10)
        #expect(try ByteCount.parse("1G") == 1 << 30)
        #expect(try ByteCount.parse("100") == 100)
        for bad in ["", "M", "0", "-1", "1.5M", "1T", "99999999999999999999G"] {
            #expect((try? ByteCount.parse(bad)) == nil, "\(bad)")
        }
    }
}
