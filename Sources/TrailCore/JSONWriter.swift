/// Appends JSON text to a byte buffer: escaped strings, members, raw values. Used to build
/// headers and alerts without an intermediate object tree.
public struct JSONWriter {
    public var bytes: [UInt8]
    /// Whether the next member or element needs a comma before it, per nesting level.
    private var needsComma: [Bool] = []

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma.removeLast() }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma.removeLast() }

    /// Writes `"name":`; the value written next belongs to it.
    public mutating func key(_ name: String) {
        separate()
        JSONWriter.appendQuoted(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        // The value that follows must not be preceded by a comma.
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = false }
    }

    public mutating func string(_ value: String) { separate(); JSONWriter.appendQuoted(value, to: &bytes) }

    public mutating func stringOrNull(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func number(_ value: Int) { separate(); bytes.append(contentsOf: String(value).utf8) }
    public mutating func bool(_ value: Bool) { separate(); bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    public mutating func null() { separate(); bytes.append(contentsOf: "null".utf8) }

    /// Writes already-valid JSON text as the next value.
    public mutating func raw(_ json: UnsafeRawBufferPointer) { separate(); bytes.append(contentsOf: json) }
    public mutating func raw(_ json: [UInt8]) { separate(); bytes.append(contentsOf: json) }

    public mutating func member(_ name: String, _ value: String?) { key(name); stringOrNull(value) }

    /// Writes an array of strings or numbers as the next value.
    public mutating func array(_ values: [String]) { beginArray(); for v in values { string(v) }; endArray() }
    public mutating func array(_ values: [Int]) { beginArray(); for v in values { number(v) }; endArray() }

    private mutating func separate() {
        guard !needsComma.isEmpty else { return }
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    /// Appends `value` as a quoted JSON string, escaping quotes, backslashes and control characters.
    public static func appendQuoted(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            var i = 0
            while i < utf8.count {
                // Eight bytes at a time up to the first that may need escaping (or is not ASCII).
                if i + 8 <= utf8.count, let base = utf8.baseAddress {
                    let special = JSONScanner.specialBytes(UnsafeRawPointer(base).loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    if special == 0 {
                        i += 8
                        continue
                    }
                    i += special.trailingZeroBitCount >> 3
                    assert(i < utf8.count, "the special byte is one of the eight loaded")
                }
                let b = utf8[i]
                i += 1
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<(i - 1)]))
                runStart = i
                switch b {
                case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    Hex.append(b, to: &out)
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func quoted(_ value: String) -> String {
        var out = [UInt8]()
        appendQuoted(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
