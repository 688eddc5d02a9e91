/// Standard base64 (RFC 4648 §4): CloudWatch Logs payloads that Lambda receives as
/// `{"awslogs":{"data":"…"}}`, digest public keys, request signatures, mail headers, Sigma's
/// base64 modifiers.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// With `=` padding, no line breaks.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var out = [UInt8]()
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let group = bytes[start..<min(start + 3, bytes.count)]
            let bits = group.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * $1.offset) }
            for k in 0..<4 { out.append(k <= group.count ? alphabet[Int(bits >> (18 - 6 * k) & 0x3F)] : UInt8(ascii: "=")) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whitespace is ignored; anything else outside the alphabet fails.
    public static func decode(_ text: String) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for c in text.utf8 {
            switch c {
            case 0x20, 0x0A, 0x0D, 0x09: continue
            case UInt8(ascii: "="):
                padding += 1
                continue
            default:
                let v = values[Int(c)]
                guard v != 0xFF, padding == 0 else { return nil }
                accumulator = accumulator << 6 | UInt32(v)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                }
            }
        }
        return padding <= 2 ? out : nil
    }
}
