#if canImport(Glibc)
import Glibc
#endif
import TrailCore

/// Everything `trail-enrich` says about `trail.source`: its scope, and for addresses its
/// location, AS and networks, with a bounded cache by address (real trails repeat a few
/// thousand addresses millions of times).
final class SourceLookup {
    /// The members to splice into `trail.source` (no leading comma), and the provenance
    /// tokens of the tables consulted, comma-separated.
    struct Result {
        let members: [UInt8]
        let tokens: [UInt8]
    }

    /// Quoted `ROLE@VERSION` tokens: `"geo@GeoLite2-City:2024-05-01"`, `"networks.vpn@sha256:…"`.
    private var provenanceTokens: [[UInt8]] = []
    /// The last address's text and result: events from one caller come in runs.
    private var lastText: [UInt8] = []
    private var lastResult: Result?
    /// The results for callers that are not looked up, made once.
    private var serviceResult = Result(members: [], tokens: [])
    private var invalidResult = Result(members: [], tokens: [])
    private var noCallerResult = Result(members: [], tokens: [])

    private enum Geo {
        case database(MaxMindDatabase)
        case table(RangeTable<Location>)
    }

    private enum ASN {
        case database(MaxMindDatabase)
        case table(RangeTable<AutonomousSystem>)
    }

    private var geo: (source: Geo, token: Int)?
    private var asn: (source: ASN, token: Int)?
    private var networks: [(list: NetworkList, token: Int)] = []
    private var cache: [IPAddress: Result] = [:]
    /// Decoded MaxMind records by their offset in the database: many networks share one
    /// record (a city's, an AS's), and decoding one costs microseconds.
    private var locations: [Int: Location] = [:]
    private var systems: [Int: AutonomousSystem] = [:]
    private let cacheSize: Int
    private let hasNetworks: Bool

    init(_ options: EnrichmentOptions) throws {
        cacheSize = max(1, options.cacheSize)
        hasNetworks = !options.networks.isEmpty
        if let path = options.geoDatabase {
            guard options.geoCSV.isEmpty else { throw TableError(path, "use either --geo or --geo-csv, not both") }
            let database = try MaxMindDatabase(path: path)
            geo = (.database(database), addToken("geo", SourceLookup.version(of: database)))
        } else if !options.geoCSV.isEmpty {
            let (table, version) = try RangeCSV.locations(options.geoCSV)
            geo = (.table(table), addToken("geo", version))
        }
        if let path = options.asnDatabase {
            guard options.asnCSV.isEmpty else { throw TableError(path, "use either --asn or --asn-csv, not both") }
            let database = try MaxMindDatabase(path: path)
            asn = (.database(database), addToken("asn", SourceLookup.version(of: database)))
        } else if !options.asnCSV.isEmpty {
            let (table, version) = try RangeCSV.autonomousSystems(options.asnCSV)
            asn = (.table(table), addToken("asn", version))
        }
        for (name, path) in options.networks {
            guard !name.isEmpty, !name.contains("\"") else { throw TableError(path, "--networks needs NAME=FILE") }
            let list = try NetworkList(name: name, path: path)
            networks.append((list, addToken("networks.\(name)", list.version)))
        }
        serviceResult = labelled(.service)
        invalidResult = labelled(.invalid)
        noCallerResult = labelled(nil)
    }

    private func addToken(_ role: String, _ version: String) -> Int {
        provenanceTokens.append(Array(JSONWriter.quoted("\(role)@\(version)").utf8))
        return provenanceTokens.count - 1
    }

    /// `GeoLite2-City:2024-05-01`: the database's type and build date.
    private static func version(of database: MaxMindDatabase) -> String {
        let built = Timestamp(seconds: Int64(database.buildEpoch)).rfc3339.prefix(10)
        return "\(database.databaseType):\(built)"
    }

    private static let ipKey = Array("ip".utf8), serviceKey = Array("service".utf8)

    /// The result for the `trail.source` object at `source`.
    func result(for s: JSONScanner, source: Int) throws -> Result {
        if let ip = s.member(SourceLookup.ipKey, ofObjectAt: source), s.kind(at: ip) == .string {
            let raw = UnsafeRawBufferPointer(rebasing: s.bytes[ip..<(try s.stringEnd(at: ip))])
            if let lastResult, raw.count == lastText.count, memcmp(raw.baseAddress!, lastText, raw.count) == 0 { return lastResult }
            // An address is written without escapes; one written with them is decoded first.
            let body = UnsafeRawBufferPointer(rebasing: raw[1..<(raw.count - 1)])
            let address = body.contains(UInt8(ascii: "\\")) ? s.string(at: ip).flatMap(IPAddress.init) : IPAddress(bytes: body)
            let result = try result(for: address)
            lastText.removeAll(keepingCapacity: true)
            lastText.append(contentsOf: raw)
            lastResult = result
            return result
        }
        if let service = s.member(SourceLookup.serviceKey, ofObjectAt: source), s.kind(at: service) == .string {
            return serviceResult
        }
        return noCallerResult
    }

    private func result(for address: IPAddress?) throws -> Result {
        guard let address else { return invalidResult }
        if let cached = cache[address] { return cached }
        let result = try lookUp(address)
        if cache.count >= cacheSize { cache.removeAll(keepingCapacity: true) }
        cache[address] = result
        return result
    }

    /// What the tables say about `address`.
    func lookUp(_ address: IPAddress) throws -> Result {
        let scope = AddressScope(address)
        var provenance: [Int] = []
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.member("scope", scope.rawValue)
        if let geo {
            writer.key("geo")
            var location: Location?
            if scope == .public {
                provenance.append(geo.token)
                switch geo.source {
                case .database(let database): location = try decoded(address, in: database, &locations, Location.init(record:))
                case .table(let table): location = table.find(address)
                }
            }
            if let location { location.write(to: &writer) } else { writer.null() }
        }
        if let asn {
            writer.key("asn")
            var system: AutonomousSystem?
            if scope == .public {
                provenance.append(asn.token)
                switch asn.source {
                case .database(let database): system = try decoded(address, in: database, &systems, AutonomousSystem.init(record:))
                case .table(let table): system = table.find(address)
                }
            }
            if let system { system.write(to: &writer) } else { writer.null() }
        }
        if hasNetworks {
            writer.key("networks")
            writer.beginArray()
            for (list, token) in networks {
                provenance.append(token)
                if list.contains(address) { writer.string(list.name) }
            }
            writer.endArray()
        }
        writer.endObject()
        return Result(members: SourceLookup.members(of: writer.bytes), tokens: joinedTokens(provenance))
    }

    /// The record for `address` in `database`, decoded once per record (bounded like `cache`).
    private func decoded<Value>(_ address: IPAddress, in database: MaxMindDatabase, _ records: inout [Int: Value],
                                _ decode: (MaxMindValue) -> Value) throws -> Value? {
        guard let offset = try database.lookup(address).offset else { return nil }
        if let known = records[offset] { return known }
        let value = decode(try database.record(at: offset))
        if records.count >= cacheSize { records.removeAll(keepingCapacity: true) }
        records[offset] = value
        return value
    }

    /// A caller that is not looked up: a service, a non-address, or nothing at all.
    private func labelled(_ scope: AddressScope?) -> Result {
        var writer = JSONWriter(capacity: 64)
        writer.beginObject()
        writer.member("scope", scope?.rawValue)
        if geo != nil { writer.key("geo"); writer.null() }
        if asn != nil { writer.key("asn"); writer.null() }
        if hasNetworks { writer.key("networks"); writer.beginArray(); writer.endArray() }
        writer.endObject()
        return Result(members: SourceLookup.members(of: writer.bytes), tokens: [])
    }

    private func joinedTokens(_ indices: [Int]) -> [UInt8] {
        Array(indices.map { provenanceTokens[$0] }.joined(separator: [UInt8(ascii: ",")]))
    }

    /// An object's members without its braces, to splice into another object.
    private static func members(of object: [UInt8]) -> [UInt8] {
        Array(object.dropFirst().dropLast())
    }
}
