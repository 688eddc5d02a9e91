#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed list of names (member names, a vocabulary) to look raw text up in, compared as
/// written (no escapes decoded) and without making strings: most text is ruled out by its
/// length alone, which a bit per length answers.
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

    /// The position of `text` in the list.
    public func position(of text: UnsafeRawBufferPointer) -> Int? {
        guard lengths & NameList.bit(text.count) != 0, let base = text.baseAddress else { return nil }
        for k in names.indices where names[k].utf8CodeUnitCount == text.count {
            if memcmp(base, names[k].utf8Start, text.count) == 0 { return k }
        }
        return nil
    }

    public func contains(_ text: UnsafeRawBufferPointer) -> Bool { position(of: text) != nil }
}
