#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as 16 bytes (IPv4 in its IPv4-mapped form), so that one lookup
/// structure serves both families.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64
    public let isIPv4: Bool

    /// The address with these 128 bits (an IPv4-mapped value is IPv4).
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        isIPv4 = high == 0 && (low >> 32) == 0xFFFF
    }

    /// Order by the 128-bit value, so IPv4 (mapped) sorts inside ::ffff:0:0/96.
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// Parses dotted IPv4 or textual IPv6; anything else (`ec2.amazonaws.com`, `AWS Internal`) is nil.
    public init?(_ text: String) {
        var text = text
        guard let address = text.withUTF8({ IPAddress(bytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = address
    }

    /// Parses the address written in `bytes` (UTF-8, no terminator), as `init(_:)` does.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, bytes.count < 64 else { return nil }
        // inet_pton reads a C string: the text and its terminator, on the stack.
        let parsed = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { text -> (UInt64, UInt64)? in
            UnsafeMutableRawBufferPointer(text).copyMemory(from: bytes)
            text[bytes.count] = 0
            var v4 = in_addr()
            if inet_pton(AF_INET, text.baseAddress, &v4) == 1 {
                return (0, 0x0000_FFFF_0000_0000 | UInt64(UInt32(bigEndian: v4.s_addr)))
            }
            var v6 = in6_addr()
            guard inet_pton(AF_INET6, text.baseAddress, &v6) == 1 else { return nil }
            return withUnsafeBytes(of: &v6) { raw in
                var h: UInt64 = 0, l: UInt64 = 0
                for k in 0..<8 { h = h << 8 | UInt64(raw[k]) }
                for k in 8..<16 { l = l << 8 | UInt64(raw[k]) }
                return (h, l)
            }
        }
        guard let (high, low) = parsed else { return nil }
        // An IPv4-mapped IPv6 address is the IPv4 address.
        self.init(high: high, low: low)
    }

    public var description: String {
        if isIPv4 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        var addr = in6_addr()
        withUnsafeMutableBytes(of: &addr) { raw in
            for k in 0..<8 { raw[k] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(k))) }
            for k in 0..<8 { raw[8 + k] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(k))) }
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
