import TrailCore

/// Location and AS range tables in the CSV layouts the free databases ship in, told apart by
/// their first row:
/// - GeoLite2 CSV: a header starting `network`; City/Country blocks are joined with the
///   `…-Locations-en.csv` file beside them; ASN blocks stand alone.
/// - DB-IP lite: no header, `ip_start,ip_end,…` as addresses (country, city or ASN files).
/// - IP2Location LITE: no header, `ip_from,ip_to,…` as decimal numbers (DB1–DB11, ASN).
enum RangeCSV {
    /// A table built from `paths` together, and a hash of all their content.
    static func locations(_ paths: [String]) throws -> (table: RangeTable<Location>, version: String) {
        try build(paths) { file, layout, table, hashes in
            let path = file.path
            switch layout {
            case .geoLite2(let header):
                let locationsPath = try geoLite2LocationsPath(for: path)
                let locations = try CSVFile(path: locationsPath)
                hashes.append(locations.contentHash)
                let places = try geoLite2Locations(locations)
                try geoLite2Blocks(file, header: header) { network, line, row, column in
                    // The registered country is where the network is registered, not a location.
                    func place(_ name: String) throws -> Location? {
                        let id = row[column(name)]
                        guard !id.isEmpty else { return nil }
                        guard let place = places[id] else { throw TableError(path, line: line, "\(name) \(id) is not in \(locationsPath)") }
                        return place
                    }
                    var location = try place("geoname_id") ?? Location()
                    location.registeredCountry = try place("registered_country_geoname_id")?.country
                    location.latitude = Double(row[column("latitude")])
                    location.longitude = Double(row[column("longitude")])
                    table.add(network.first, network.last, line: line, location)
                }
            case .dbIP:
                try file.forEachRow { row in
                    let (first, last) = try addressRange(row, file)
                    let f = row.fields
                    let location: Location
                    switch f.count {
                    case 3: location = Location(country: known(f[2]))
                    case 8: location = Location(country: known(f[3]), region: known(f[4]), city: known(f[5]),
                                                latitude: Double(f[6]), longitude: Double(f[7]))
                    default: throw TableError(path, line: row.line, "expected 3 (country) or 8 (city) DB-IP columns, found \(f.count)")
                    }
                    table.add(first, last, line: row.line, location)
                    return true
                }
            case .ip2Location:
                var rows = RangeTable<Location>.Builder()
                try ip2LocationRows(file, into: &rows) { row in
                    let f = row.fields
                    guard [4, 6, 8].contains(f.count) || f.count >= 9 else {
                        throw TableError(path, line: row.line, "expected an IP2Location DB1–DB11 row, found \(f.count) columns")
                    }
                    return Location(country: known(f[2]), countryName: known(f[3]),
                                    region: f.count > 4 ? known(f[4]) : nil, city: f.count > 5 ? known(f[5]) : nil,
                                    latitude: f.count > 7 ? Double(f[6]) : nil, longitude: f.count > 7 ? Double(f[7]) : nil)
                }
                table.append(contentsOf: rows)
            }
        }
    }

    static func autonomousSystems(_ paths: [String]) throws -> (table: RangeTable<AutonomousSystem>, version: String) {
        try build(paths) { file, layout, table, _ in
            let path = file.path
            switch layout {
            case .geoLite2(let header):
                try geoLite2Blocks(file, header: header) { network, line, row, column in
                    let system = AutonomousSystem(number: AutonomousSystem.number(Substring(row[column("autonomous_system_number")])),
                                                  organization: known(row[column("autonomous_system_organization")]))
                    table.add(network.first, network.last, line: line, system)
                }
            case .dbIP:
                try file.forEachRow { row in
                    let (first, last) = try addressRange(row, file)
                    guard row.fields.count == 4 else { throw TableError(path, line: row.line, "expected 4 DB-IP ASN columns, found \(row.fields.count)") }
                    table.add(first, last, line: row.line, AutonomousSystem(number: AutonomousSystem.number(Substring(row.fields[2])),
                                                                            organization: known(row.fields[3])))
                    return true
                }
            case .ip2Location:
                var rows = RangeTable<AutonomousSystem>.Builder()
                try ip2LocationRows(file, into: &rows) { row in
                    guard row.fields.count == 5 else { throw TableError(path, line: row.line, "expected 5 IP2Location ASN columns, found \(row.fields.count)") }
                    return AutonomousSystem(number: AutonomousSystem.number(Substring(row.fields[3])), organization: known(row.fields[4]))
                }
                table.append(contentsOf: rows)
            }
        }
    }

    /// Reads every file of `paths` into one table, each by `addFile` according to its layout;
    /// the version hashes all the content read (`addFile` adds the hashes of files it joins in).
    private static func build<Value>(
        _ paths: [String],
        _ addFile: (CSVFile, Layout, inout RangeTable<Value>.Builder, inout [String]) throws -> Void
    ) throws -> (table: RangeTable<Value>, version: String) {
        var table = RangeTable<Value>.Builder()
        var hashes: [String] = []
        for path in paths {
            let file = try CSVFile(path: path)
            hashes.append(file.contentHash)
            try addFile(file, try layout(of: file), &table, &hashes)
        }
        return (try table.build(path: paths.joined(separator: ",")), combinedVersion(hashes))
    }

    // MARK: Layouts

    private enum Layout {
        case geoLite2(header: [String: Int])
        case dbIP
        case ip2Location
    }

    private static func layout(of file: CSVFile) throws -> Layout {
        guard let first = try file.firstRow(), let field = first.fields.first else { throw TableError(file.path, "empty table") }
        if field == "network" {
            var header: [String: Int] = [:]
            for (index, name) in first.fields.enumerated() { header[name] = index }
            return .geoLite2(header: header)
        }
        if IPAddress(field) != nil { return .dbIP }
        if !field.isEmpty, field.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return .ip2Location }
        throw TableError(file.path, line: first.line, "not a GeoLite2, DB-IP or IP2Location table (first field \"\(field.prefix(40))\")")
    }

    /// `-` and empty fields mean unknown in these tables.
    private static func known(_ field: String) -> String? {
        field.isEmpty || field == "-" ? nil : field
    }

    private static func addressRange(_ row: CSVFile.Row, _ file: CSVFile) throws -> (IPAddress, IPAddress) {
        guard row.fields.count >= 2, let first = IPAddress(row.fields[0]), let last = IPAddress(row.fields[1]) else {
            throw TableError(file.path, line: row.line, "expected start and end addresses in the first two columns")
        }
        guard first.isIPv4 == last.isIPv4 else { throw TableError(file.path, line: row.line, "range mixes IPv4 and IPv6") }
        return (first, last)
    }

    /// Adds an IP2Location file's rows with their decimal ranges as addresses. IPv4 files
    /// number addresses in 32 bits; IPv6 files in 128 bits (IPv4 appears there already mapped),
    /// which shows only once a number past 32 bits is seen.
    private static func ip2LocationRows<Value>(_ file: CSVFile, into rows: inout RangeTable<Value>.Builder,
                                               _ value: (CSVFile.Row) throws -> Value) throws {
        var isIPv6File = false
        try file.forEachRow { row in
            guard row.fields.count >= 3, let from = decimal(row.fields[0]), let to = decimal(row.fields[1]) else {
                throw TableError(file.path, line: row.line, "expected decimal ip_from and ip_to in the first two columns")
            }
            if to.high != 0 || to.low > UInt64(UInt32.max) { isIPv6File = true }
            rows.add(from, to, line: row.line, try value(row))
            return true
        }
        if !isIPv6File { rows.mapAddresses { IPAddress(high: 0, low: 0xFFFF_0000_0000 | $0.low) } }
    }

    /// A decimal number of up to 128 bits as the address with that value.
    private static func decimal(_ text: String) -> IPAddress? {
        guard !text.isEmpty, text.utf8.count <= 39 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for c in text.utf8 {
            guard c >= 48, c <= 57 else { return nil }
            // (high, low) * 10 + digit, checking for overflow past 128 bits.
            let lowProduct = low.multipliedFullWidth(by: 10)
            let (highTimesTen, highOverflow) = high.multipliedReportingOverflow(by: 10)
            let (newLow, carry) = lowProduct.low.addingReportingOverflow(UInt64(c - 48))
            let (newHigh, carryOverflow) = highTimesTen.addingReportingOverflow(lowProduct.high + (carry ? 1 : 0))
            guard !highOverflow, !carryOverflow else { return nil }
            high = newHigh
            low = newLow
        }
        return IPAddress(high: high, low: low)
    }

    // MARK: GeoLite2 CSV

    /// `GeoLite2-City-Blocks-IPv4.csv` → `GeoLite2-City-Locations-en.csv`.
    private static func geoLite2LocationsPath(for blocks: String) throws -> String {
        for family in ["-Blocks-IPv4.csv", "-Blocks-IPv6.csv"] where blocks.hasSuffix(family) {
            let path = String(blocks.dropLast(family.count)) + "-Locations-en.csv"
            guard FileIO.exists(path) else { throw TableError(blocks, "needs its locations file \(path)") }
            return path
        }
        throw TableError(blocks, "GeoLite2 blocks file should be named …-Blocks-IPv4.csv or …-Blocks-IPv6.csv, to find its locations file")
    }

    private static func geoLite2Locations(_ file: CSVFile) throws -> [String: Location] {
        guard let header = try file.firstRow()?.fields, header.first == "geoname_id" else {
            throw TableError(file.path, line: 1, "expected a GeoLite2 locations header starting with geoname_id")
        }
        func column(_ name: String) throws -> Int {
            guard let index = header.firstIndex(of: name) else { throw TableError(file.path, line: 1, "no \(name) column") }
            return index
        }
        let country = try column("country_iso_code"), countryName = try column("country_name")
        let region = header.firstIndex(of: "subdivision_1_name"), city = header.firstIndex(of: "city_name")
        var places: [String: Location] = [:]
        try file.forEachDataRow(width: header.count) { row in
            let f = row.fields
            places[f[0]] = Location(country: known(f[country]), countryName: known(f[countryName]),
                                    region: region.flatMap { known(f[$0]) }, city: city.flatMap { known(f[$0]) })
            return true
        }
        return places
    }

    /// Each data row of a GeoLite2 blocks file, with its network, line, fields (plus one
    /// empty field past the end) and a column lookup by name (absent columns: that empty field).
    private static func geoLite2Blocks(_ file: CSVFile, header: [String: Int],
                                       _ body: (IPNetwork, Int, [String], (String) -> Int) throws -> Void) throws {
        let width = header.count
        let column = { (name: String) in header[name] ?? width }
        try file.forEachDataRow(width: width) { row in
            guard let network = IPNetwork(row.fields[0]) else { throw TableError(file.path, line: row.line, "not a CIDR network: \(row.fields[0].prefix(60))") }
            try body(network, row.line, row.fields + [""], column)
            return true
        }
    }

    private static func combinedVersion(_ hashes: [String]) -> String {
        hashes.count == 1 ? hashes[0] : CSVFile.hash(Array(hashes.joined(separator: "\n").utf8))
    }
}
