import Foundation
import Testing
import TrailCore
@testable import TrailEnrich
import TrailTestSupport

/// The native MaxMind DB reader against MaxMind's own Python reader, record for record.
@Suite struct MaxMindDatabaseTests {
    @Test func agreesWithMaxMindsReaderOnBuiltDatabases() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Reference.build(into: dir)
        for database in ["city.mmdb", "city4.mmdb", "asn.mmdb"] {
            let (count, mismatches) = try Reference.compare(database: dir.path + "/" + database, addresses: dir.path + "/addresses.txt")
            #expect(count > 2_000, "\(database): only \(count) addresses compared")
            #expect(mismatches.isEmpty, "\(database): \(mismatches.joined(separator: "\n"))")
        }
    }

    @Test func agreesWithMaxMindsReaderOnGeoLite2() throws {
        let path = try Reference.run("geolite2").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let addresses = try dir.write("addresses.txt", try Reference.run("addresses", path, "3000", "11").stdout)
        let (count, mismatches) = try Reference.compare(database: path, addresses: addresses)
        #expect(count > 3_000)
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")

        let database = try MaxMindDatabase(path: path)
        #expect(database.recordSize == 28 && database.ipVersion == 6 && database.databaseType == "GeoLite2-City")
        // A fact from MaxMind's own test data, true in the GeoLite2 City database too.
        let london = Location(record: try #require(try database.find(IPAddress("81.2.69.160")!)))
        #expect(london.country == "GB" && london.countryName == "United Kingdom")
    }

    @Test func rejectsFilesThatAreNotDatabases() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let text = try dir.write("not.mmdb", "just text\n")
        #expect(throws: MaxMindError.self) { try MaxMindDatabase(path: text) }
        #expect(throws: IOFailure.self) { try MaxMindDatabase(path: dir.path + "/missing.mmdb") }
        // A real database cut short: the metadata survives at the end of the copy, the tree does not.
        let dirWithBuilt = try TemporaryDirectory()
        defer { dirWithBuilt.remove() }
        try Reference.build(into: dirWithBuilt)
        let bytes = try FileIO.readFile(dirWithBuilt.path + "/city.mmdb")
        let truncated = try dir.write("cut.mmdb", Array(bytes.suffix(2_000)))
        #expect(throws: MaxMindError.self) { try MaxMindDatabase(path: truncated) }
    }
}

/// The record layouts vendors write into MaxMind DB files.
@Suite struct RecordLayoutTests {
    @Test func readsIPinfoLayouts() {
        // IPinfo lite: country is the name beside country_code; asn is "AS…" text.
        let lite = MaxMindValue.map(["asn": .string("AS15169"), "as_name": .string("Google LLC"), "country": .string("United States"),
                                     "country_code": .string("US"), "continent": .string("North America")])
        #expect(Location(record: lite) == Location(country: "US", countryName: "United States"))
        #expect(AutonomousSystem(record: lite) == AutonomousSystem(number: 15169, organization: "Google LLC"))
        // IPinfo location files: country is the code; coordinates may be text.
        let location = MaxMindValue.map(["country": .string("JP"), "region": .string("Tokyo"), "city": .string("Tokyo"),
                                         "lat": .string("35.6895"), "lng": .string("139.69171")])
        #expect(Location(record: location) == Location(country: "JP", region: "Tokyo", city: "Tokyo", latitude: 35.6895, longitude: 139.69171))
    }

    /// Regression: the registered country filled the location's when the record had none, so
    /// an address of a network registered in Sweden counted as a sign-in from Sweden.
    @Test func keepsTheRegisteredCountryApart() {
        let record = MaxMindValue.map(["registered_country": .map(["iso_code": .string("SE"), "names": .map(["en": .string("Sweden")])]),
                                       "location": .map(["latitude": .double(59.3), "longitude": .float(18)])])
        #expect(Location(record: record) == Location(latitude: 59.3, longitude: 18, registeredCountry: "SE"))
        var writer = JSONWriter()
        Location(record: record).write(to: &writer)
        #expect(String(decoding: writer.bytes, as: UTF8.self)
            == #"{"country":null,"countryName":null,"region":null,"city":null,"lat":59.3,"lon":18.0,"registeredCountry":"SE"}"#)
        #expect(AutonomousSystem(record: .map(["autonomous_system_number": .unsigned(1221)])) == AutonomousSystem(number: 1221, organization: nil))
    }
}
