#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed list of names (member names, a vocabulary) to look raw text up in, without making
/// strings: most text is ruled out by its length alone, which a bit per length answers.
public struct NameList: ExpressibleByArrayLiteral, Sendable {
    public let names: [StaticString]
    /// Bit `n` is set when a name is `n` bytes long (bit 63: 63 bytes or more).
    private let lengths: UInt64

    public init(_ names: [StaticString]) {
        self.names = names
        lengths = names.reduce(0) { $0 | NameList.bit($1.utf8CodeUnitCount) }
    }

    public init(arrayLiteral names: StaticString...) {
        self.init(names)
    }

    @inline(__always) private static func bit(_ length: Int) -> UInt64 { 1 << UInt64(min(length, 63)) }

    /// The position of `text`, compared as written (no escapes decoded), in the list.
    public func position(of text: UnsafeRawBufferPointer) -> Int? {
        guard lengths & NameList.bit(text.count) != 0, let base = text.baseAddress else { return nil }
        for k in names.indices where names[k].utf8CodeUnitCount == text.count {
            if memcmp(base, names[k].utf8Start, text.count) == 0 { return k }
        }
        return nil
    }

    public func contains(_ text: UnsafeRawBufferPointer) -> Bool { position(of: text) != nil }

    /// The position of the JSON string at `i` in `s`, which ends at `end` (as `stringEnd(at:)`
    /// found), with its escapes decoded: a string written without any is looked up as it is.
    public func position(ofStringAt i: Int, end: Int, in s: JSONScanner) -> Int? {
        assert(i >= 0 && i + 2 <= end && end <= s.count, "the string and its quotes lie inside the text")
        let raw = UnsafeRawBufferPointer(rebasing: s.bytes[(i + 1)..<(end - 1)])
        if let k = position(of: raw) { return k }
        // Names are short: a loop costs less here than a call to memchr.
        guard raw.contains(UInt8(ascii: "\\")), var decoded = s.string(at: i) else { return nil }
        return decoded.withUTF8 { position(of: UnsafeRawBufferPointer($0)) }
    }
}
