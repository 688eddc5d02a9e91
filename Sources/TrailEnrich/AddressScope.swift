import TrailCore

/// What kind of caller `trail.source` is (`trail.source.scope`). Only public addresses are
/// looked up in geo and AS databases; the rest are labelled.
public enum AddressScope: String, Sendable {
    case `public`
    /// RFC 1918, shared address space (100.64.0.0/10), unique local IPv6 (fc00::/7).
    case `private`
    case loopback
    case linkLocal = "link-local"
    /// Documentation, benchmarking, multicast, "this network", future use, unassigned IPv6.
    case reserved
    /// A calling service (`ec2.amazonaws.com`, `AWS Internal`), not an address.
    case service
    /// `trail.source.ip` holds something that is not an address.
    case invalid

    private static let ranges: [(IPNetwork, AddressScope)] = ([
        ("10.0.0.0/8", .private), ("172.16.0.0/12", .private), ("192.168.0.0/16", .private),
        ("100.64.0.0/10", .private), ("fc00::/7", .private),
        ("127.0.0.0/8", .loopback), ("::1/128", .loopback),
        ("169.254.0.0/16", .linkLocal), ("fe80::/10", .linkLocal),
        ("0.0.0.0/8", .reserved), ("192.0.0.0/24", .reserved), ("192.0.2.0/24", .reserved),
        ("198.18.0.0/15", .reserved), ("198.51.100.0/24", .reserved), ("203.0.113.0/24", .reserved),
        ("224.0.0.0/4", .reserved), ("240.0.0.0/4", .reserved),
        ("2001:db8::/32", .reserved), ("ff00::/8", .reserved),
    ] as [(String, AddressScope)]).map { (IPNetwork($0.0)!, $0.1) }

    /// Global unicast IPv6; anything else not listed above is unassigned.
    private static let globalUnicast = IPNetwork("2000::/3")!

    public init(_ address: IPAddress) {
        if let (_, scope) = AddressScope.ranges.first(where: { $0.0.contains(address) }) {
            self = scope
        } else if !address.isIPv4, !AddressScope.globalUnicast.contains(address) {
            self = .reserved
        } else {
            self = .public
        }
    }
}
