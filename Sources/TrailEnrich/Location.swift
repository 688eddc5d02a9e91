import TrailCore

/// Where an address is: the fields of `trail.source.geo`. Absent values are nil.
public struct Location: Hashable, Sendable {
    public var country: String?
    public var countryName: String?
    public var region: String?
    public var city: String?
    public var latitude: Double?
    public var longitude: Double?
    /// Where the network is registered (MaxMind's `registered_country`), which is not where
    /// the address is: kept apart so that "sign-in from a new country" compares locations only.
    public var registeredCountry: String?

    public init(country: String? = nil, countryName: String? = nil, region: String? = nil, city: String? = nil,
                latitude: Double? = nil, longitude: Double? = nil, registeredCountry: String? = nil) {
        self.country = country
        self.registeredCountry = registeredCountry
        self.countryName = countryName
        self.region = region
        self.city = city
        self.latitude = latitude
        self.longitude = longitude
    }

    /// From a MaxMind DB record: the GeoIP2/GeoLite2 layout (also DB-IP's), or IPinfo's flat
    /// one. A record without a country of its own has none: its registered country is kept
    /// apart, in `registeredCountry`.
    public init(record: MaxMindValue) {
        if let flatCountry = record["country"]?.string {
            // IPinfo: `country` is the ISO code (or the name, in the lite files beside `country_code`).
            country = record["country_code"]?.string ?? flatCountry
            countryName = record["country_name"]?.string ?? (record["country_code"] != nil ? flatCountry : nil)
            region = record["region"]?.string
            city = record["city"]?.string
            latitude = (record["lat"] ?? record["latitude"])?.double
            longitude = (record["lng"] ?? record["lon"] ?? record["longitude"])?.double
            return
        }
        country = record["country"]?["iso_code"]?.string
        countryName = record["country"]?["names"]?["en"]?.string
        registeredCountry = record["registered_country"]?["iso_code"]?.string
        region = record["subdivisions"]?[0]?["names"]?["en"]?.string
        city = record["city"]?["names"]?["en"]?.string
        latitude = record["location"]?["latitude"]?.double
        longitude = record["location"]?["longitude"]?.double
    }

    /// `{"country":…,"countryName":…,"region":…,"city":…,"lat":…,"lon":…}`, nulls for unknowns,
    /// and `"registeredCountry"` when it is known and not the location's country.
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("country", country)
        writer.member("countryName", countryName)
        writer.member("region", region)
        writer.member("city", city)
        writer.key("lat")
        writer.numberOrNull(latitude)
        writer.key("lon")
        writer.numberOrNull(longitude)
        if let registeredCountry, registeredCountry != country { writer.member("registeredCountry", registeredCountry) }
        writer.endObject()
    }
}

/// Who routes an address: the fields of `trail.source.asn`.
public struct AutonomousSystem: Hashable, Sendable {
    public var number: UInt64?
    public var organization: String?

    public init(number: UInt64?, organization: String?) {
        self.number = number
        self.organization = organization
    }

    /// From a MaxMind DB record: GeoLite2-ASN (also DB-IP's) or IPinfo (`asn` as `AS15169`).
    public init(record: MaxMindValue) {
        if let text = record["asn"]?.string {
            number = UInt64(text.hasPrefix("AS") ? String(text.dropFirst(2)) : text)
        } else {
            number = (record["autonomous_system_number"] ?? record["asn"])?.unsigned
        }
        organization = (record["autonomous_system_organization"] ?? record["as_name"] ?? record["name"])?.string
    }

    /// Parses an AS number as tables write it: `1221` or `AS1221`; empty or `-` is unknown.
    static func number(_ text: Substring) -> UInt64? {
        UInt64(text.hasPrefix("AS") ? text.dropFirst(2) : text)
    }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("number")
        if let number { writer.number(Int(number)) } else { writer.null() }
        writer.member("org", organization)
        writer.endObject()
    }
}

extension JSONWriter {
    /// A finite number in its shortest round-trip form, else null.
    mutating func numberOrNull(_ value: Double?) {
        guard let value, value.isFinite else { return null() }
        raw(Array("\(value)".utf8))
    }
}
