import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// The shape of Sources/ a newcomer can read (ARCHITECTURE.md): no function over 60 lines,
/// counted from the line of its `func`, `init`, `deinit` or `subscript` to the line of its
/// closing brace.
@Suite struct SourceShapeTests {
    static let limit = 60
    /// Functions still over the limit, as "path name": this list may only shrink.
    static let exceptions: Set<String> = []

    @Test func noFunctionIsOverSixtyLines() throws {
        var long: [String: String] = [:]
        for file in try FileIO.filesBelow(packageRoot + "/Sources") where file.hasSuffix(".swift") {
            let source = try FileIO.readFile(file)
            let path = String(file.dropFirst(packageRoot.count + 1))
            for function in FunctionLengths.measure(source) where function.lines > Self.limit {
                long["\(path) \(function.name)"] = "\(function.lines) lines from line \(function.line)"
            }
        }
        let unexpected = long.filter { !Self.exceptions.contains($0.key) }
        #expect(unexpected.isEmpty, "over \(Self.limit) lines (split them into functions that do one thing): \(unexpected)")
        let shortened = Self.exceptions.subtracting(long.keys)
        #expect(shortened.isEmpty, "no longer over the limit, take them off the exceptions: \(shortened)")
    }

    /// The counter itself: braces in strings, interpolations and comments do not count, a
    /// requirement without a body is no function, and a long body is seen.
    @Test func theCounterFindsBodiesAndSkipsLiterals() {
        let head = #"""
        protocol P {
            func requirement() -> Int
        }
        struct S {
            /* { a comment's brace */
            func short(a: Int,
                       b: Int) -> String {
                let s = "}\(a + (b))}" // }
                let raw = #"{\("#
                return s + raw + """
                    }
                    """
            }
            init?() {

        """#
        let source = head + String(repeating: "        _ = 0\n", count: 60) + "    }\n}\n"
        let found = FunctionLengths.measure(Array(source.utf8))
        #expect(found.map(\.name) == ["short", "init"], "\(found)")
        #expect(found.map(\.lines) == [8, 62], "\(found)")
    }
}

/// Functions in Swift source and their lengths in lines. Comments and the text of string
/// literals (not their interpolations) are blanked first, so that only code's braces count.
enum FunctionLengths {
    struct Function {
        let name: String
        let line: Int
        let lines: Int
    }

    private static let modifiers: Set<String> = [
        "public", "private", "fileprivate", "internal", "open", "static", "class", "final", "override", "mutating",
        "nonmutating", "convenience", "required", "nonisolated", "dynamic", "private(set)", "public(set)",
    ]

    static func measure(_ source: [UInt8]) -> [Function] {
        let code = blankLiterals(source)
        let starts = [0] + code.indices.filter { code[$0] == 0x0A }.map { $0 + 1 }
        var found: [Function] = []
        for (number, start) in starts.enumerated() {
            let end = number + 1 < starts.count ? starts[number + 1] - 1 : code.count
            guard let name = declaredName(String(decoding: code[start..<end], as: UTF8.self)),
                  let open = bodyStart(code, from: start), let close = matchingBrace(code, open) else { continue }
            let lastLine = starts.lastIndex { $0 <= close }!
            found.append(Function(name: name, line: number + 1, lines: lastLine - number + 1))
        }
        return found
    }

    /// The function a line declares, past attributes and modifiers; nil when it declares none.
    private static func declaredName(_ line: String) -> String? {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let at = words.firstIndex(where: { !$0.hasPrefix("@") && !modifiers.contains($0) }) else { return nil }
        let word = words[at]
        if word == "func", at + 1 < words.count { return String(words[at + 1].prefix { $0 != "(" && $0 != "<" }) }
        for keyword in ["init", "deinit", "subscript"] where word.hasPrefix(keyword) {
            let rest = word.dropFirst(keyword.count)
            if rest.isEmpty || "(<?!{".contains(rest.first!) { return keyword }
        }
        return nil
    }

    /// The body's opening brace: the first at bracket depth 0, unless the declaration ends
    /// first (a line at depth 0 that does not go on with `->`, `throws`, `where`, … or `{`).
    private static func bodyStart(_ code: [UInt8], from start: Int) -> Int? {
        var depth = 0
        for i in start..<code.count {
            switch code[i] {
            case UInt8(ascii: "("), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: ")"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: "{") where depth == 0: return i
            case UInt8(ascii: "}") where depth == 0: return nil
            case 0x0A where depth == 0:
                let next = String(decoding: code[(i + 1)...].prefix(16), as: UTF8.self).drop { $0 == " " || $0 == "\t" }
                guard ["->", "throws", "rethrows", "async", "where", "{"].contains(where: next.hasPrefix) else { return nil }
            default: break
            }
        }
        return nil
    }

    private static func matchingBrace(_ code: [UInt8], _ open: Int) -> Int? {
        var depth = 0
        for i in open..<code.count {
            if code[i] == UInt8(ascii: "{") { depth += 1 }
            if code[i] == UInt8(ascii: "}") { depth -= 1; if depth == 0 { return i } }
        }
        return nil
    }

    private enum Mode {
        /// Code, `parens` deep in parentheses (an interpolation ends at its own closing one).
        case code(parens: Int)
        case string(hashes: Int, multiline: Bool)
    }

    /// `source` with the text of comments and string literals replaced by spaces, line breaks kept.
    static func blankLiterals(_ source: [UInt8]) -> [UInt8] {
        var out = source
        var modes: [Mode] = [.code(parens: 0)]
        var i = 0
        func blank(_ count: Int) {
            for k in i..<min(i + count, out.count) where out[k] != 0x0A { out[k] = 0x20 }
            i += count
        }
        func at(_ text: String, _ offset: Int = 0) -> Bool {
            var k = i + offset
            for byte in text.utf8 {
                guard k < source.count, source[k] == byte else { return false }
                k += 1
            }
            return true
        }
        while i < source.count {
            switch modes[modes.count - 1] {
            case .code(let parens):
                if source[i] == UInt8(ascii: "/"), at("//") {
                    blank((source[i...].firstIndex(of: 0x0A) ?? source.count) - i)
                } else if source[i] == UInt8(ascii: "/"), at("/*") {
                    var depth = 0, end = i
                    repeat {
                        if source[end...].starts(with: "/*".utf8) { depth += 1; end += 2 }
                        else if source[end...].starts(with: "*/".utf8) { depth -= 1; end += 2 }
                        else { end += 1 }
                    } while depth > 0 && end < source.count
                    blank(end - i)
                } else if source[i] == UInt8(ascii: "#") || source[i] == UInt8(ascii: "\"") {
                    let hashes = source[i...].prefix { $0 == UInt8(ascii: "#") }.count
                    guard at("\"", hashes) else { i += 1; continue }
                    let multiline = at("\"\"\"", hashes)
                    modes.append(.string(hashes: hashes, multiline: multiline))
                    blank(hashes + (multiline ? 3 : 1))
                } else if source[i] == UInt8(ascii: "(") {
                    modes[modes.count - 1] = .code(parens: parens + 1)
                    i += 1
                } else if source[i] == UInt8(ascii: ")") {
                    if parens == 0, modes.count > 1 { modes.removeLast(); blank(1) }
                    else { modes[modes.count - 1] = .code(parens: parens - 1); i += 1 }
                } else {
                    i += 1
                }
            case .string(let hashes, let multiline):
                guard source[i] == UInt8(ascii: "\\") || source[i] == UInt8(ascii: "\"") else { blank(1); continue }
                let marks = String(repeating: "#", count: hashes)
                if at("\\" + marks + "(") {
                    blank(hashes + 2)
                    modes.append(.code(parens: 0))
                } else if hashes == 0, at("\\") {
                    blank(2)
                } else if at((multiline ? "\"\"\"" : "\"") + marks) {
                    blank((multiline ? 3 : 1) + hashes)
                    modes.removeLast()
                } else {
                    blank(1)
                }
            }
        }
        return out
    }
}
