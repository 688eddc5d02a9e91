import TrailCore

/// Everything `trail-enrich` says about `trail.source`: its scope, and for addresses its
/// location, AS and networks, with a bounded cache by address (real trails repeat a few
/// thousand addresses millions of times).
final class SourceLookup {
    /// The members to splice into `trail.source` (no leading comma), and the indices of the
    /// tables consulted, into `provenanceTokens`.
    struct Result {
        let members: [UInt8]
        let provenance: [Int]
    }

    /// Provenance indices from here up are lookup tables, not source tables.
    static let tableProvenanceBase = 1_000

    /// Quoted `ROLE@VERSION` tokens: `"geo@GeoLite2-City:2024-05-01"`, `"networks.vpn@sha256:…"`.
    private(set) var provenanceTokens: [[UInt8]] = []

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
        if let ip = s.member(SourceLookup.ipKey, ofObjectAt: source), let text = s.string(at: ip) {
            guard let address = IPAddress(text) else { return labelled(.invalid) }
            if let cached = cache[address] { return cached }
            let result = try lookUp(address)
            if cache.count >= cacheSize { cache.removeAll(keepingCapacity: true) }
            cache[address] = result
            return result
        }
        if let service = s.member(SourceLookup.serviceKey, ofObjectAt: source), s.kind(at: service) == .string {
            return labelled(.service)
        }
        return labelled(nil)
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
                case .database(let database): location = try database.find(address).map(Location.init(record:))
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
                case .database(let database): system = try database.find(address).map(AutonomousSystem.init(record:))
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
        return Result(members: SourceLookup.members(of: writer.bytes), provenance: provenance)
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
        return Result(members: SourceLookup.members(of: writer.bytes), provenance: [])
    }

    /// An object's members without its braces, to splice into another object.
    private static func members(of object: [UInt8]) -> [UInt8] {
        Array(object.dropFirst().dropLast())
    }
}
