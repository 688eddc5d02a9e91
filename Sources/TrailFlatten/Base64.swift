/// Standard base64 (RFC 4648 §4) decoding, for CloudWatch Logs payloads that Lambda receives
/// as `{"awslogs":{"data":"…"}}`. Whitespace is ignored; anything else outside the alphabet fails.
enum Base64 {
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        return table
    }()

    static func decode(_ text: String) -> [UInt8]? {
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
