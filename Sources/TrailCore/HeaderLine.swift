#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The framing of the lines trail-flatten writes: the `trail` header first, `{"trail":{…},…}`.
/// Later stages read the header or add to it and pass the rest on. A stage reads such a line's
/// header itself, member by member, and checks the rest with one pass of
/// `JSONScanner.validateObjectRest` (trail-enrich, on a second thread: `CheckedLineReader`), or only when
/// a rule looks further into it (trail-match, which writes on no line it passes over).
public enum HeaderLine {
    private static let opening: StaticString = #"{"trail":"#
    /// Where the header object starts in a framed line.
    public static let headerOffset = opening.utf8CodeUnitCount

    /// Whether the line opens with `{"trail":{` and ends its object with `}`.
    public static func isFramed(_ s: JSONScanner) -> Bool {
        let bytes = s.bytes
        guard bytes.count > headerOffset + 2, bytes[bytes.count - 1] == UInt8(ascii: "}"),
              bytes[headerOffset] == UInt8(ascii: "{") else { return false }
        return memcmp(bytes.baseAddress!, opening.utf8Start, headerOffset) == 0
    }

    /// Whether the header ending at `end` is followed by the rest of the line's object.
    public static func closesHeader(_ s: JSONScanner, at end: Int) -> Bool {
        let next = s.skipWhitespace(end)
        return next < s.count && (s.byte(next) == UInt8(ascii: ",") || s.byte(next) == UInt8(ascii: "}"))
    }
}
