#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TrailCore

/// A header value: a string of the record copied as it is (one with no escapes: its JSON text
/// is its text), a constant of the header's vocabulary, or text made here. Copying is the
/// common case: making a Swift string of every value cost more than the rest of the header.
/// A copied value points into the record, so it lives no longer than the record's scanner.
enum HeaderText: ExpressibleByStringLiteral {
    case copied(UnsafeRawBufferPointer)
    case fixed(StaticString)
    case made(String)

    init(stringLiteral value: StaticString) {
        self = .fixed(value)
    }

    /// The text of the value at `at`, nil when it is null, absent or empty (as `text(at:)`).
    init?(_ s: JSONScanner, at: Int) {
        if s.kind(at: at) == .string, let end = s.skipValue(at: at), end - at >= 2 {
            let body = UnsafeRawBufferPointer(rebasing: s.bytes[(at + 1)..<(end - 1)])
            guard !body.isEmpty else { return nil }
            if memchr(body.baseAddress!, Int32(UInt8(ascii: "\\")), body.count) == nil {
                self = .copied(body)
                return
            }
        }
        guard let text = s.text(at: at), !text.isEmpty else { return nil }
        self = .made(text)
    }

    /// Calls `body` with the text's UTF-8 bytes.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch self {
        case .copied(let bytes): return body(bytes)
        case .fixed(let text): return body(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        case .made(var text): return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }

    var string: String { withBytes { String(decoding: $0, as: UTF8.self) } }

    /// The part of the text that `range` picks from its bytes; copied text stays a copy.
    func part(_ range: (UnsafeRawBufferPointer) -> Range<Int>?) -> HeaderText? {
        withBytes { bytes in
            guard let r = range(bytes), !r.isEmpty else { return nil }
            let picked = UnsafeRawBufferPointer(rebasing: bytes[r])
            if case .copied = self { return .copied(picked) }
            return .made(String(decoding: picked, as: UTF8.self))
        }
    }

    /// Whether every byte is ASCII: then lowercasing is folding A–Z byte by byte, as
    /// `String.lowercased()` would (other text goes through it).
    private var isASCII: Bool { withBytes { !$0.contains { $0 >= 0x80 } } }

    /// The text lowercased as `String.lowercased()` does; itself when nothing would change.
    func lowercased() -> HeaderText {
        let unchanged = withBytes { !$0.contains { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || $0 >= 0x80 } }
        return unchanged ? self : .made(string.lowercased())
    }

    func equals(_ other: StaticString) -> Bool {
        withBytes { $0.count == other.utf8CodeUnitCount && memcmp($0.baseAddress!, other.utf8Start, $0.count) == 0 }
    }

    /// Whether the text lowercased (as `lowercased()`) is `lowercase`, written in lowercase ASCII.
    func equalsIgnoringCase(_ lowercase: StaticString) -> Bool {
        guard isASCII else { return string.lowercased() == lowercase.description }
        return withBytes { bytes in
            guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
            for k in 0..<bytes.count {
                let b = bytes[k]
                let folded = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
                if folded != lowercase.utf8Start[k] { return false }
            }
            return true
        }
    }

    func isOne(of texts: NameList) -> Bool {
        withBytes { texts.contains($0) }
    }

    func hasPrefix(_ prefix: StaticString) -> Bool {
        withBytes { $0.count >= prefix.utf8CodeUnitCount && memcmp($0.baseAddress!, prefix.utf8Start, prefix.utf8CodeUnitCount) == 0 }
    }

    func hasSuffix(_ suffix: StaticString) -> Bool {
        withBytes { bytes in
            let n = suffix.utf8CodeUnitCount
            return bytes.count >= n && memcmp(bytes.baseAddress! + (bytes.count - n), suffix.utf8Start, n) == 0
        }
    }

    func contains(_ needle: StaticString) -> Bool {
        withBytes { bytes in
            let n = needle.utf8CodeUnitCount
            guard bytes.count >= n else { return false }
            return (0...(bytes.count - n)).contains { memcmp(bytes.baseAddress! + $0, needle.utf8Start, n) == 0 }
        }
    }

    /// Appends the value as a JSON string.
    func appendQuoted(to out: inout [UInt8]) {
        switch self {
        case .copied, .fixed:
            out.append(UInt8(ascii: "\""))
            withBytes { out.append(contentsOf: $0) }
            out.append(UInt8(ascii: "\""))
        case .made(let text):
            JSONWriter.appendQuoted(text, to: &out)
        }
    }
}
