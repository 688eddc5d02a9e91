/// A CIDR network (`10.0.0.0/8`, `2001:db8::/32`) as its first and last address. IPv4
/// prefixes count within the IPv4 address, as written (`/8`), on the IPv4-mapped form.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let first: IPAddress
    public let last: IPAddress
    /// Prefix length as written: 0–32 for IPv4, 0–128 for IPv6.
    public let prefixLength: Int

    /// `address/prefix`, or a bare address (a single-address network). Host bits set in the
    /// address are ignored, as routers do (`10.1.2.3/8` is `10.0.0.0/8`). Nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        let maximum = address.isIPv4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard let n = Int(parts[1]), (0...maximum).contains(n), parts[1].allSatisfy(\.isASCII) else { return nil }
            length = n
        }
        self.init(address, prefixLength: length)
    }

    /// The network of `prefixLength` bits around `address`.
    public init(_ address: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        let bits = address.isIPv4 ? 96 + prefixLength : prefixLength
        let (highMask, lowMask) = IPNetwork.hostMask(networkBits: bits)
        first = IPAddress(high: address.high & ~highMask, low: address.low & ~lowMask)
        last = IPAddress(high: address.high | highMask, low: address.low | lowMask)
    }

    public func contains(_ address: IPAddress) -> Bool { first <= address && address <= last }

    public var description: String { "\(first)/\(prefixLength)" }

    /// The host part of a 128-bit address below a prefix of `networkBits`, as two words.
    private static func hostMask(networkBits: Int) -> (UInt64, UInt64) {
        let hostBits = 128 - networkBits
        if hostBits >= 64 {
            return (hostBits == 128 ? ~0 : (UInt64(1) << UInt64(hostBits - 64)) - 1, ~0)
        }
        return (0, hostBits == 0 ? 0 : (UInt64(1) << UInt64(hostBits)) - 1)
    }
}
