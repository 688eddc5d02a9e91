import TrailCore

/// A named list of networks (corporate, VPN, Tor exits, known-bad): one CIDR network or
/// address per line, `#` comments and blank lines ignored.
struct NetworkList {
    let name: String
    let version: String
    /// Disjoint, merged ranges (overlapping entries in a list are fine).
    private let ranges: RangeTable<Bool>

    init(name: String, path: String) throws {
        self.name = name
        let bytes = try FileIO.readFile(path)
        version = CSVFile.hash(bytes)
        var networks: [(first: IPAddress, last: IPAddress, line: Int)] = []
        var number = 0
        for rawLine in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let text = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingWhitespace
            if text.isEmpty { continue }
            guard let network = IPNetwork(String(text)) else {
                throw TableError(path, line: number, "not a CIDR network or address: \(text.prefix(60))")
            }
            networks.append((network.first, network.last, number))
        }
        networks.sort { $0.first < $1.first }
        var merged: [(first: IPAddress, last: IPAddress, line: Int)] = []
        for network in networks {
            if let previous = merged.last, network.first <= previous.last || previous.last.successor == network.first {
                if previous.last < network.last { merged[merged.count - 1].last = network.last }
            } else {
                merged.append(network)
            }
        }
        var builder = RangeTable<Bool>.Builder()
        for range in merged { builder.add(range.first, range.last, line: range.line, true) }
        ranges = try builder.build(path: path)
    }

    func contains(_ address: IPAddress) -> Bool { ranges.find(address) != nil }
}

extension IPAddress {
    /// The next address (wrapping at the top, which callers compare against anyway).
    var successor: IPAddress {
        low == .max ? IPAddress(high: high &+ 1, low: 0) : IPAddress(high: high, low: low + 1)
    }
}

extension Substring {
    var trimmingWhitespace: Substring {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
