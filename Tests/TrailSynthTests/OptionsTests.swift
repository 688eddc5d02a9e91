import Testing
@testable import TrailSynth

@Suite("Options, time and randomness")
struct OptionsTests {
    @Test("requests the generator cannot honour are refused with a reason")
    func validation() throws {
        var options = SynthOptions(outputDirectory: "/tmp/unused")
        #expect(throws: Never.self) { try options.validate() }

        options.regions = ["eu-west-1"]
        #expect(throws: SynthError.self) { try options.validate() }
        options.regions = ["us-east-1", "Mars"]
        #expect(throws: SynthError.self) { try options.validate() }
        options.regions = ["us-east-1"]

        options.organizationID = "org-1"
        #expect(throws: SynthError.self) { try options.validate() }
        options.organizationID = "o-a1b2c3d4e5"
        #expect(throws: Never.self) { try options.validate() }

        options.bucket = "My_Bucket"
        #expect(throws: SynthError.self) { try options.validate() }
        options.bucket = "org-trail-logs"
        options.trailName = "a/b"
        #expect(throws: SynthError.self) { try options.validate() }
        options.trailName = "Org_Trail-1"
        #expect(throws: Never.self) { try options.validate() }

        options.scenarioRate = 0
        #expect(throws: SynthError.self) { try options.validate() }
        options.scenarioRate = 1

        // Scenario events count toward --events, so too few events cannot hold them.
        options.events = 5
        options.scenarios = [.d1]
        #expect(throws: SynthError.self) { _ = try TrailSynthesizer.run(options) }
    }

    @Test("scenario lists and file-size ranges parse as the command line writes them")
    func parsing() throws {
        #expect(try ScenarioID.parseList("D1,d3, D7 ,D10") == [.d1, .d3, .d7, .d10])
        #expect(try ScenarioID.parseList("all") == ScenarioID.allCases)
        #expect(try ScenarioID.parseList("D10,D1,D10") == [.d1, .d10])
        #expect(throws: SynthError.self) { try ScenarioID.parseList("D1,D99") }
        #expect(SynthOptions.parseRange("1-50") == 1...50)
        #expect(SynthOptions.parseRange("7") == 7...7)
        #expect(SynthOptions.parseRange("0-5") == nil)
        #expect(SynthOptions.parseRange("9-3") == nil)
        #expect(SynthOptions.parseRange("a-b") == nil)
    }

    @Test("calendar arithmetic and the trails' time formats")
    func time() throws {
        let start = try #require(UTCTime(date: "2026-11-16"))
        #expect(start.seconds == 1_794_787_200)
        #expect(start.weekday == 1, "2026-11-16 is a Monday")
        #expect(UTCTime(date: "2026-02-29") == nil)
        #expect(UTCTime(date: "2024-02-29") != nil)
        #expect(UTCTime(date: "2026-11-16T00:00:00Z") == nil)
        let t = start + 13 * 3600 + 5 * 60 + 9
        #expect(t.iso8601 == "2026-11-16T13:05:09Z")
        #expect(t.cloudTrailFileStamp == "20261116T1305Z")
        #expect(t.actionTrailFileStamp == "20261116130509")
        #expect(t.datePath == "2026/11/16")
        #expect(t.awsResponseDate == "Nov 16, 2026, 1:05:09 PM")
        #expect((start + 86_400 * 46).iso8601 == "2027-01-01T00:00:00Z")
        // Tokyo is nine hours ahead: Saturday 08:00 JST is still Friday in UTC.
        #expect(Company.isWorkday(start + 4 * 86_400 + 22 * 3600) == false)
        #expect(Company.isWorkday(start + 4 * 86_400 + 12 * 3600) == true)
    }

    @Test("the generator is seeded, and its identifiers have the services' shapes")
    func randomness() throws {
        var a = SynthRandom(seed: 42), b = SynthRandom(seed: 42), c = SynthRandom(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        let uuid = try Regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        for _ in 0..<100 {
            #expect(try uuid.wholeMatch(in: a.uuid()) != nil)
            #expect((0..<7).contains(a.below(7)))
        }
        let key = a.awsID("AKIA", length: 20)
        #expect(key.count == 20 && key.hasPrefix("AKIA") && key.allSatisfy { $0.isUppercase || ("2"..."7").contains($0) })
        #expect(a.resourceID("sg").count == 20)
    }
}
