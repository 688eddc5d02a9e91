#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON syntax error at a byte offset of the scanned text.
public struct JSONError: Error, Equatable, CustomStringConvertible {
    public let offset: Int
    public let message: String
    /// The text ended inside the value: more bytes could complete it (a reader that holds
    /// only part of its input reads on and scans again).
    public let isEndOfInput: Bool

    public init(offset: Int, _ message: String, endOfInput: Bool = false) {
        self.offset = offset
        self.message = message
        self.isEndOfInput = endOfInput
    }

    public var description: String { "\(message) at byte \(offset + 1)" }
}

/// The kind of a JSON value, decided by its first byte.
public enum JSONKind: Equatable, Sendable {
    case object, array, string, number, bool, null
}

/// A dotted field path such as `userIdentity.sessionContext.sessionIssuer.type`, split once
/// into byte components so that lookups compare raw bytes.
public struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    public let components: [[UInt8]]
    public let description: String

    public init(_ dotted: String) {
        description = dotted
        components = dotted.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
    }
}

/// A read-only, allocation-free view over one JSON text. Values are addressed by the byte
/// offset of their first character; nothing is decoded until asked for. Every access is
/// bounds-checked, so malformed or truncated input yields an error or `nil`, never a crash.
public struct JSONScanner {
    /// How deeply objects and arrays may nest by default. Checking recurses once per level,
    /// so a hostile record of thousands of `[` would otherwise exhaust the stack; real events
    /// nest a dozen levels at most.
    public static let defaultMaxDepth = 512

    public let bytes: UnsafeRawBufferPointer
    /// Deeper nesting is a syntax error ("nesting deeper than N"), and walks stop there.
    public let maxDepth: Int

    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONScanner.defaultMaxDepth) {
        precondition(maxDepth > 0, "a JSON text needs at least one level")
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    @inlinable @inline(__always) public var count: Int { bytes.count }

    @inlinable @inline(__always) public func byte(_ i: Int) -> UInt8 { bytes[i] }

    @inlinable @inline(__always) public func skipWhitespace(_ i: Int) -> Int {
        // Compact text, most of a trail, has none here: one comparison settles it.
        if i < bytes.count, bytes[i] > 0x20 { return i }
        var i = i
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return i
            }
        }
        return i
    }

    /// Checks that the whole text is exactly one JSON value (surrounding whitespace allowed)
    /// and returns the offset of its first byte.
    public func validateDocument() throws(JSONError) -> Int {
        let start = skipWhitespace(0)
        guard start < bytes.count else { throw JSONError(offset: 0, "empty input") }
        let end = try valueEnd(at: start)
        let rest = skipWhitespace(end)
        guard rest == bytes.count else { throw JSONError(offset: rest, "unexpected data after the JSON value") }
        return start
    }

    public func kind(at i: Int) -> JSONKind? {
        guard i < bytes.count else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: return nil
        }
    }

    /// The offset just past the value starting at `i`, checking its syntax on the way.
    /// Strings, most values, go straight to the inlined scan.
    @inlinable @inline(__always)
    public func valueEnd(at i: Int) throws(JSONError) -> Int {
        try valueEnd(at: i, depth: 0)
    }

    /// `valueEnd(at:)` for a value inside `depth` containers.
    @inlinable @inline(__always)
    public func valueEnd(at i: Int, depth: Int) throws(JSONError) -> Int {
        if i < bytes.count, bytes[i] == UInt8(ascii: "\"") { return try stringEnd(at: i) }
        return try nonStringValueEnd(at: i, depth: depth)
    }

    @usableFromInline func nonStringValueEnd(at i: Int, depth: Int) throws(JSONError) -> Int {
        guard i < bytes.count else { throw JSONError(offset: i, "unexpected end of input", endOfInput: true) }
        switch bytes[i] {
        case UInt8(ascii: "\""): return try stringEnd(at: i)
        case UInt8(ascii: "{"): return try containerEnd(at: i, close: UInt8(ascii: "}"), isObject: true, depth: depth + 1)
        case UInt8(ascii: "["): return try containerEnd(at: i, close: UInt8(ascii: "]"), isObject: false, depth: depth + 1)
        case UInt8(ascii: "t"): return try literalEnd(at: i, "true")
        case UInt8(ascii: "f"): return try literalEnd(at: i, "false")
        case UInt8(ascii: "n"): return try literalEnd(at: i, "null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try numberEnd(at: i)
        default: throw JSONError(offset: i, "unexpected character '\(printable(bytes[i]))'")
        }
    }

    private func printable(_ b: UInt8) -> String {
        (0x21...0x7E).contains(b) ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16)
    }

    private func literalEnd(at i: Int, _ word: StaticString) throws(JSONError) -> Int {
        let n = word.utf8CodeUnitCount
        assert(n == 4 || n == 5, "the literals are true, false and null")
        assert(i >= 0, "a literal starts inside the text")
        guard i + n <= bytes.count else { throw JSONError(offset: i, "truncated literal", endOfInput: true) }
        // The first four bytes as one word (every literal has four or five), the fifth apart.
        let head = bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)
        if head == UnsafeRawPointer(word.utf8Start).loadUnaligned(as: UInt32.self), n == 4 || bytes[i + 4] == word.utf8Start[4] {
            return i + n
        }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] {
            throw JSONError(offset: i + k, "invalid literal")
        }
        return i + n
    }

    private func numberEnd(at i: Int) throws(JSONError) -> Int {
        var j = i
        if bytes[j] == UInt8(ascii: "-") { j += 1 }
        let digitsStart = j
        while j < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[j]) { j += 1 }
        guard j > digitsStart else { throw JSONError(offset: j, "invalid number", endOfInput: j >= bytes.count) }
        // RFC 8259: an integer part is 0 or starts with a non-zero digit.
        guard bytes[digitsStart] != UInt8(ascii: "0") || j == digitsStart + 1 else {
            throw JSONError(offset: digitsStart, "invalid number: leading zero")
        }
        if j < bytes.count, bytes[j] == UInt8(ascii: ".") {
            j += 1
            let f = j
            while j < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[j]) { j += 1 }
            guard j > f else { throw JSONError(offset: j, "invalid number", endOfInput: j >= bytes.count) }
        }
        if j < bytes.count, bytes[j] | 0x20 == UInt8(ascii: "e") {
            j += 1
            if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
            let e = j
            while j < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[j]) { j += 1 }
            guard j > e else { throw JSONError(offset: j, "invalid number", endOfInput: j >= bytes.count) }
        }
        return j
    }

    /// The offset just past the closing quote of the string starting at `i`, checking that
    /// the string holds no raw control characters and is well-formed UTF-8 (RFC 8259 §8.1),
    /// so that no later decoding silently replaces bytes.
    @inlinable @inline(__always) public func stringEnd(at i: Int) throws(JSONError) -> Int {
        // Inlined where validation runs: most strings are short plain ASCII that end in their
        // first or second word, for which a call (and its set-up) cost as much as the scan.
        assert(i >= 0 && i < bytes.count && bytes[i] == UInt8(ascii: "\""), "a string opens at i")
        if let base = bytes.baseAddress {
            var j = i + 1
            while j + 16 <= bytes.count {
                let k = JSONScanner.firstSpecialByte(base.loadUnaligned(fromByteOffset: j, as: SIMD16<Int8>.self))
                if k == 16 {
                    j += 16
                    continue
                }
                j += k
                if base.load(fromByteOffset: j, as: UInt8.self) == UInt8(ascii: "\"") { return j + 1 }
                return try stringEnd(at: i, from: j)
            }
            // The last bytes of the text, a word at a time.
            while j + 8 <= bytes.count {
                let special = JSONScanner.specialBytes(base.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                if special == 0 {
                    j += 8
                    continue
                }
                j += special.trailingZeroBitCount >> 3
                assert(j < bytes.count, "the special byte is one of the eight loaded")
                if base.load(fromByteOffset: j, as: UInt8.self) == UInt8(ascii: "\"") { return j + 1 }
                return try stringEnd(at: i, from: j)
            }
            return try stringEnd(at: i, from: j)
        }
        return try stringEnd(at: i, from: i + 1)
    }

    /// `stringEnd(at: i)` from offset `j` on, where an escape, a control character, a byte that
    /// is not ASCII or the end of the text is near.
    @usableFromInline @inline(never) func stringEnd(at i: Int, from j: Int) throws(JSONError) -> Int {
        var j = j
        let n = bytes.count
        while j < n {
            // Plain ASCII bytes sixteen or eight at a time: most of a trail is long runs of them.
            if j + 16 <= n {
                let k = JSONScanner.firstSpecialByte(bytes.loadUnaligned(fromByteOffset: j, as: SIMD16<Int8>.self))
                j += k
                if k == 16 { continue }
            } else if j + 8 <= n {
                let w = bytes.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                let special = JSONScanner.specialBytes(w)
                if special == 0 {
                    j += 8
                    continue
                }
                // Straight to the first special byte: short strings (keys) end in this word.
                j += special.trailingZeroBitCount >> 3
            }
            assert(j < n, "the byte read is inside the text")
            let b = bytes[j]
            if b == UInt8(ascii: "\"") { return j + 1 }
            if b == UInt8(ascii: "\\") {
                j = try escapeEnd(at: j)
                continue
            }
            if b < 0x20 { throw JSONError(offset: j, "control character in string") }
            if b >= 0x80 {
                j = try utf8SequenceEnd(at: j)
                continue
            }
            j += 1
        }
        throw JSONError(offset: i, "unterminated string", endOfInput: true)
    }

    /// The end of the escape sequence whose backslash is at `j`: one of `\" \\ \/ \b \f \n \r \t`
    /// or `\u` and four hex digits (RFC 8259 §7). A `\u` escape of a lone surrogate passes:
    /// decoding turns it into U+FFFD, as a producer's truncated UTF-16 should not hide an event.
    private func escapeEnd(at j: Int) throws(JSONError) -> Int {
        guard j + 1 < bytes.count else { throw JSONError(offset: j, "unterminated string", endOfInput: true) }
        switch bytes[j + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return j + 2
        case UInt8(ascii: "u"):
            for k in (j + 2)..<(j + 6) {
                guard k < bytes.count else { throw JSONError(offset: j, "unterminated string", endOfInput: true) }
                guard JSONScanner.hexValue(bytes[k]) != nil else { throw JSONError(offset: k, "invalid \\u escape") }
            }
            return j + 6
        default:
            throw JSONError(offset: j, "invalid escape '\\\(printable(bytes[j + 1]))'")
        }
    }

    /// The value of a hexadecimal digit, either case.
    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// The high bit of each of the eight bytes of `w` (loaded little-endian) that is a quote, a
    /// backslash, a control character or not ASCII (the classic SWAR "has zero byte" test, applied
    /// to each condition). Bytes after the first special one may be flagged wrongly, never the
    /// bytes before it: the lowest set bit marks the first special byte.
    @inlinable @inline(__always) static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let quote = hasZero(w ^ (ones &* 0x22)), backslash = hasZero(w ^ (ones &* 0x5C))
        let control = (w &- ones &* 0x20) & ~w & highs
        return quote | backslash | control | (w & highs)
    }

    /// Where the first of sixteen bytes that is a quote, a backslash, a control character or
    /// not ASCII is among them (16: none is): three vector comparisons (SSE2, NEON) where
    /// `specialBytes` takes two words of bit arithmetic for eight. Read as signed, the bytes
    /// below 0x20 are the control characters and those that are not ASCII (0x80 and up).
    @inlinable @inline(__always) static func firstSpecialByte(_ v: SIMD16<Int8>) -> Int {
        firstSet((v .< SIMD16(repeating: 0x20)) .| (v .== SIMD16(repeating: 0x22)) .| (v .== SIMD16(repeating: 0x5C)))
    }

    /// Where the first quote or backslash of sixteen bytes is among them (16: none is).
    @inline(__always) static func firstQuoteOrBackslash(_ v: SIMD16<Int8>) -> Int {
        firstSet((v .== SIMD16(repeating: 0x22)) .| (v .== SIMD16(repeating: 0x5C)))
    }

    /// The first lane set in `mask` (16: none), read from its two words: the standard
    /// library's reductions are loops over the lanes where they are not inlined.
    @inlinable @inline(__always) static func firstSet(_ mask: SIMDMask<SIMD16<Int8>>) -> Int {
        let words = unsafeBitCast(mask, to: SIMD2<UInt64>.self)
        return words[0] != 0 ? words[0].trailingZeroBitCount >> 3 : 8 + words[1].trailingZeroBitCount >> 3
    }

    /// The end of the multi-byte UTF-8 sequence starting at `j` (Unicode Table 3-7: no
    /// overlong forms, no surrogates, nothing above U+10FFFF).
    private func utf8SequenceEnd(at j: Int) throws(JSONError) -> Int {
        let b = bytes[j]
        assert(b >= 0x80, "a multi-byte sequence starts with a byte that is not ASCII")
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch b {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw JSONError(offset: j, "invalid UTF-8 byte \\x\(String(b, radix: 16))")
        }
        for k in 1..<length {
            guard j + k < bytes.count else { throw JSONError(offset: j, "unterminated string", endOfInput: true) }
            let c = bytes[j + k]
            guard c >= (k == 1 ? low : 0x80), c <= (k == 1 ? high : 0xBF) else {
                throw JSONError(offset: j + k, "invalid UTF-8 sequence")
            }
        }
        return j + length
    }

    /// The end of the value at `i` without checking its syntax, for text validated before:
    /// strings are skipped with memchr, containers by counting brackets outside strings.
    /// Still bounds-checked: malformed text gives nil or a wrong end, never a crash.
    public func skipValue(at i: Int) -> Int? {
        guard i < bytes.count else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            return skipString(at: i)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var j = i
            while j < bytes.count {
                switch bytes[j] {
                case UInt8(ascii: "\""):
                    guard let end = skipString(at: j) else { return nil }
                    j = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return j + 1 }
                default:
                    break
                }
                j += 1
            }
            return nil
        default:
            var j = i
            while j < bytes.count {
                switch bytes[j] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09: return j
                default: j += 1
                }
            }
            return j
        }
    }

    /// The end of the string at `i`: the first quote not escaped by an odd run of backslashes.
    @inline(__always)
    private func skipString(at i: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        return JSONScanner.stringEnd(base, bytes.count, opening: i)
    }

    /// Just past the closing quote of the string opening at `i`, without checking its content:
    /// a backslash escapes the byte after it, so the first quote not escaped ends the string.
    /// Eight bytes at a time: most strings are short, and a call to memchr per string (with a
    /// look back over backslashes) cost more than a short string's whole scan.
    @inline(__always) static func stringEnd(_ base: UnsafeRawPointer, _ n: Int, opening i: Int) -> Int? {
        assert(i >= 0 && i < n && base.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: "\""), "a string opens at i")
        var j = i + 1
        while j < n {
            if j + 16 <= n {
                let k = JSONScanner.firstQuoteOrBackslash(base.loadUnaligned(fromByteOffset: j, as: SIMD16<Int8>.self))
                j += k
                if k == 16 { continue }
            } else if j + 8 <= n {
                let special = JSONScanner.quoteOrBackslash(base.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                if special == 0 {
                    j += 8
                    continue
                }
                j += special.trailingZeroBitCount >> 3
            }
            assert(j < n, "the byte loaded is inside the text")
            switch base.load(fromByteOffset: j, as: UInt8.self) {
            case UInt8(ascii: "\""): return j + 1
            case UInt8(ascii: "\\"): j += 2
            default: j += 1
            }
        }
        return nil
    }

    /// The high bit of each byte of `w` that is a quote or a backslash; as in `specialBytes`,
    /// the lowest set bit marks the first such byte.
    @inline(__always) static func quoteOrBackslash(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        return hasZero(w ^ (ones &* 0x22)) | hasZero(w ^ (ones &* 0x5C))
    }

    /// The end of the object or array at `i`, itself at nesting level `depth` (1 at the top):
    /// recursion is bounded by `maxDepth`.
    private func containerEnd(at i: Int, close: UInt8, isObject: Bool, depth: Int) throws(JSONError) -> Int {
        guard depth <= maxDepth else { throw JSONError(offset: i, "nesting deeper than \(maxDepth)") }
        let j = skipWhitespace(i + 1)
        guard j < bytes.count else { throw JSONError(offset: i, "unterminated \(isObject ? "object" : "array")", endOfInput: true) }
        if bytes[j] == close { return j + 1 }
        return try containerRest(opening: i, memberAt: j, close: close, isObject: isObject, depth: depth)
    }

    /// The end of the container opened at `i` from `j`, the start of one of its members (or
    /// elements), checking each on the way.
    private func containerRest(opening i: Int, memberAt j: Int, close: UInt8, isObject: Bool, depth: Int) throws(JSONError) -> Int {
        var j = j
        while true {
            if isObject {
                guard j < bytes.count, bytes[j] == UInt8(ascii: "\"") else {
                    throw JSONError(offset: j, j < bytes.count ? "expected a member name" : "unterminated object", endOfInput: j >= bytes.count)
                }
                j = skipWhitespace(try stringEnd(at: j))
                guard j < bytes.count, bytes[j] == UInt8(ascii: ":") else { throw JSONError(offset: j, "expected ':'", endOfInput: j >= bytes.count) }
                j = skipWhitespace(j + 1)
            }
            j = skipWhitespace(try valueEnd(at: j, depth: depth))
            guard j < bytes.count else { throw JSONError(offset: i, "unterminated \(isObject ? "object" : "array")", endOfInput: true) }
            if bytes[j] == close { return j + 1 }
            guard bytes[j] == UInt8(ascii: ",") else { throw JSONError(offset: j, "expected ',' or '\(Character(UnicodeScalar(close)))'") }
            j = skipWhitespace(j + 1)
        }
    }

    /// Walks the members of the object at `i`, checking its syntax on the way: `body` gets each
    /// member's name (the offsets of its opening quote and just past its closing one) and the
    /// start of its value, and returns the end of the value, checked (with `valueEnd(at:)`, or
    /// as the caller reads it). Returns the offset just past the closing brace. The member loop
    /// of every stage that reads an object's members itself.
    @inlinable @inline(__always)
    public func walkCheckedMembers(ofObjectAt i: Int, _ body: (_ name: Int, _ nameEnd: Int, _ value: Int) throws -> Int) throws -> Int {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { throw JSONError(offset: i, "expected an object") }
        var j = skipWhitespace(i + 1)
        if j < bytes.count, bytes[j] == UInt8(ascii: "}") { return j + 1 }
        while true {
            guard j < bytes.count, bytes[j] == UInt8(ascii: "\"") else {
                throw JSONError(offset: j, j < bytes.count ? "expected a member name" : "unterminated object", endOfInput: j >= bytes.count)
            }
            let nameEnd = try stringEnd(at: j)
            let colon = skipWhitespace(nameEnd)
            guard colon < bytes.count, bytes[colon] == UInt8(ascii: ":") else {
                throw JSONError(offset: colon, "expected ':'", endOfInput: colon >= bytes.count)
            }
            j = skipWhitespace(try body(j, nameEnd, skipWhitespace(colon + 1)))
            guard j < bytes.count else { throw JSONError(offset: i, "unterminated object", endOfInput: true) }
            if bytes[j] == UInt8(ascii: "}") { return j + 1 }
            guard bytes[j] == UInt8(ascii: ",") else { throw JSONError(offset: j, "expected ',' or '}'") }
            j = skipWhitespace(j + 1)
        }
    }

    /// Checks the rest of a text that is one object whose members up to offset `j` (just after
    /// a member's value) were checked already: the members after it, the closing brace, and
    /// nothing but whitespace after that. For a stage that read a line's first member itself.
    public func validateObjectRest(from j: Int) throws(JSONError) {
        let opening = skipWhitespace(0)
        var end = skipWhitespace(j)
        guard end < bytes.count else { throw JSONError(offset: opening, "unterminated object", endOfInput: true) }
        if bytes[end] == UInt8(ascii: ",") {
            end = try containerRest(opening: opening, memberAt: skipWhitespace(end + 1), close: UInt8(ascii: "}"), isObject: true, depth: 1)
        } else {
            guard bytes[end] == UInt8(ascii: "}") else { throw JSONError(offset: end, "expected ',' or '}'") }
            end += 1
        }
        let rest = skipWhitespace(end)
        guard rest == bytes.count else { throw JSONError(offset: rest, "unexpected data after the JSON value") }
    }

    // MARK: Navigation

    /// Calls `body` with (key start, value start) for each member of the object at `i`;
    /// `body` returns false to stop early.
    public func forEachMember(ofObjectAt i: Int, _ body: (_ key: Int, _ value: Int) throws -> Bool) rethrows {
        try walkMembers(ofObjectAt: i) { key, _, value in try body(key, value) }
    }

    /// Calls `body` with the raw name of each member of the object at `i` (the bytes between
    /// its quotes, escapes as written) and the start of its value; `body` returns false to stop.
    @inline(__always)
    public func forEachNamedMember(ofObjectAt i: Int, _ body: (_ name: UnsafeRawBufferPointer, _ value: Int) throws -> Bool) rethrows {
        try walkMembers(ofObjectAt: i) { key, keyEnd, value in
            try body(UnsafeRawBufferPointer(rebasing: bytes[(key + 1)..<(keyEnd - 1)]), value)
        }
    }

    @inline(__always)
    private func walkMembers(ofObjectAt i: Int, _ body: (_ key: Int, _ keyEnd: Int, _ value: Int) throws -> Bool) rethrows {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return }
        var j = skipWhitespace(i + 1)
        while j < bytes.count, bytes[j] == UInt8(ascii: "\"") {
            guard let keyEnd = skipString(at: j) else { return }
            var v = skipWhitespace(keyEnd)
            guard v < bytes.count, bytes[v] == UInt8(ascii: ":") else { return }
            v = skipWhitespace(v + 1)
            guard try body(j, keyEnd, v), let end = skipValue(at: v) else { return }
            j = skipWhitespace(end)
            guard j < bytes.count, bytes[j] == UInt8(ascii: ",") else { return }
            j = skipWhitespace(j + 1)
        }
    }

    /// Calls `body` with the start of each element of the array at `i`; `body` returns false to stop.
    public func forEachElement(ofArrayAt i: Int, _ body: (_ value: Int) throws -> Bool) rethrows {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { return }
        var j = skipWhitespace(i + 1)
        while j < bytes.count, bytes[j] != UInt8(ascii: "]") {
            guard try body(j), let end = skipValue(at: j) else { return }
            j = skipWhitespace(end)
            guard j < bytes.count, bytes[j] == UInt8(ascii: ",") else { return }
            j = skipWhitespace(j + 1)
        }
    }

    /// True when the string starting at `i` equals `key` byte for byte (escapes decoded).
    public func stringEquals(at i: Int, _ key: [UInt8]) -> Bool {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return false }
        // Up to the first backslash raw and decoded bytes agree, so a mismatch before any
        // escape settles it; only keys written with escapes take the decoding path.
        var k = 0
        var j = i + 1
        while j < bytes.count {
            let b = bytes[j]
            if b == UInt8(ascii: "\\") { return string(at: i).map { Array($0.utf8) == key } ?? false }
            if b == UInt8(ascii: "\"") { return k == key.count }
            guard k < key.count, b == key[k] else { return false }
            k += 1
            j += 1
        }
        return false
    }

    /// The value of member `key` of the object at `i`: the first of that name, nothing past a
    /// malformed member (as `forEachMember` walks). The walk of every nested field lookup, so
    /// it compares names by length and memcmp rather than byte by byte.
    public func member(_ key: [UInt8], ofObjectAt i: Int) -> Int? {
        var found: Int?
        walkMembers(ofObjectAt: i) { name, nameEnd, value in
            guard nameEquals(name, nameEnd, key) else { return true }
            found = value
            return false
        }
        return found
    }

    /// `stringEquals(at: name, key)` for a name string ending at `nameEnd`. An escape makes the
    /// text longer than what it stands for, so a name written as long as `key` is equal only as
    /// the same bytes without a backslash, a shorter one never, a longer one only with escapes.
    @inline(__always)
    private func nameEquals(_ name: Int, _ nameEnd: Int, _ key: [UInt8]) -> Bool {
        let length = nameEnd - name - 2
        let text = bytes.baseAddress! + name + 1
        if length == key.count {
            guard length > 0 else { return true }
            return key.withUnsafeBytes { wanted in
                let w = wanted.baseAddress!
                return text.load(as: UInt8.self) == wanted[0] && memcmp(text, w, length) == 0 && memchr(w, 0x5C, length) == nil
            }
        }
        return length > key.count && memchr(text, 0x5C, length) != nil && stringEquals(at: name, key)
    }

    public func member(_ key: String, ofObjectAt i: Int) -> Int? {
        member(Array(key.utf8), ofObjectAt: i)
    }

    /// The value at `path` below the object at `root`, not descending into arrays.
    public func value(at path: JSONPath, from root: Int) -> Int? {
        member(path.components[0], ofObjectAt: root).flatMap { value(at: path, below: $0) }
    }

    /// Every value at `path` below `root`, descending into arrays on the way (an array met
    /// where an object is expected applies the rest of the path to each element), as Sigma
    /// field matching wants.
    /// Arrays nested deeper than `maxDepth` are not entered.
    public func forEachValue(at path: JSONPath, from root: Int, _ body: (Int) -> Void) {
        walk(path.components, from: 0, at: root, depth: 0, body)
    }

    /// `forEachValue(at:from:)` from an object whose member named by the path's first
    /// component was found at `first` by the caller (which indexed the object's members).
    public func forEachValue(at path: JSONPath, below first: Int, _ body: (Int) -> Void) {
        walk(path.components, from: 1, at: first, depth: 1, body)
    }

    /// `value(at:from:)` from an object whose member named by the path's first component was
    /// found at `first` by the caller.
    public func value(at path: JSONPath, below first: Int) -> Int? {
        var at = first
        for c in path.components.indices.dropFirst() {
            guard let next = member(path.components[c], ofObjectAt: at) else { return nil }
            at = next
        }
        return at
    }

    /// The walk of `forEachValue` over `components[next...]`: indices, not slices, so that a
    /// step retains nothing.
    private func walk(_ components: [[UInt8]], from next: Int, at i: Int, depth: Int, _ body: (Int) -> Void) {
        guard next < components.count else {
            body(i)
            return
        }
        guard depth < maxDepth else { return }
        if kind(at: i) == .array {
            forEachElement(ofArrayAt: i) { e in
                walk(components, from: next, at: e, depth: depth + 1, body)
                return true
            }
        } else if let value = member(components[next], ofObjectAt: i) {
            walk(components, from: next + 1, at: value, depth: depth + 1, body)
        }
    }

    // MARK: Decoding

    /// The raw bytes of the value at `i`.
    public func raw(at i: Int) -> UnsafeRawBufferPointer? {
        guard let end = skipValue(at: i) else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[i..<end])
    }

    /// The decoded string at `i`, or nil when the value is not a string.
    public func string(at i: Int) -> String? {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\""), let end = skipString(at: i) else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: bytes[(i + 1)..<(end - 1)])
        // memchr, not a byte loop: most strings have no escape to decode.
        guard let start = body.baseAddress, memchr(start, Int32(UInt8(ascii: "\\")), body.count) != nil else {
            return String(decoding: body, as: UTF8.self)
        }
        return JSONScanner.unescape(body)
    }

    /// The value at `i` as text: strings decoded, numbers and literals as written, objects
    /// and arrays as their compact JSON text. Null gives nil.
    public func text(at i: Int) -> String? {
        switch kind(at: i) {
        case .string: return string(at: i)
        case .null, nil: return nil
        case .object, .array:
            guard let r = raw(at: i) else { return nil }
            return String(decoding: JSONCompactor.compact(r), as: UTF8.self)
        case .number, .bool:
            return raw(at: i).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    public func bool(at i: Int) -> Bool? {
        guard i < bytes.count else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }

    static func unescape(_ body: UnsafeRawBufferPointer) -> String {
        var out = [UInt8]()
        out.reserveCapacity(body.count)
        var j = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= body.count else { return nil }
            var v: UInt32 = 0
            for k in 0..<4 {
                guard let d = hexValue(body[at + k]) else { return nil }
                v = v << 4 | d
            }
            return v
        }
        while j < body.count {
            let b = body[j]
            guard b == UInt8(ascii: "\\"), j + 1 < body.count else {
                out.append(b)
                j += 1
                continue
            }
            let e = body[j + 1]
            j += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(j) else {
                    out.append(contentsOf: "\u{FFFD}".utf8)
                    continue
                }
                j += 4
                if (0xD800...0xDBFF).contains(scalar), j + 6 <= body.count, body[j] == UInt8(ascii: "\\"),
                   body[j + 1] == UInt8(ascii: "u"), let low = hex4(j + 2), (0xDC00...0xDFFF).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    j += 6
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Removes insignificant whitespace from valid JSON text, leaving strings untouched.
public enum JSONCompactor {
    public static func compact(_ text: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(text.count)
        compact(text, into: &out)
        return out
    }

    public static func compact(_ text: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        guard let base = text.baseAddress else { return }
        let n = text.count
        var runStart = 0
        var i = 0
        // Copy runs between whitespace bytes in bulk, and jump over strings to their closing quote:
        // CloudTrail files are already compact, so most documents are one run of mostly strings.
        while i < n {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            if b == UInt8(ascii: "\"") {
                i = JSONScanner.stringEnd(base, n, opening: i) ?? n
                continue
            }
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 {
                if i > runStart { out.append(contentsOf: UnsafeRawBufferPointer(start: base + runStart, count: i - runStart)) }
                runStart = i + 1
            }
            i += 1
        }
        if n > runStart { out.append(contentsOf: UnsafeRawBufferPointer(start: base + runStart, count: n - runStart)) }
    }
}
