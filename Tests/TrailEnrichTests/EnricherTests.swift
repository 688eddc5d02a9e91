import Foundation
import Testing
import TrailCore
import TrailEnrich
import TrailTestSupport

@Suite struct EnricherTests {
    /// Runs the enricher in-process over `lines` and returns its output lines.
    private func enrich(_ lines: [String], _ options: EnrichmentOptions, in dir: TemporaryDirectory) throws -> [String] {
        let input = try dir.write("events-\(UUID().uuidString).ndjson", lines.joined(separator: "\n") + "\n")
        let output = OutputWriter(collectingAs: "out")
        let enricher = try Enricher(options: options, output: output, diagnostics: Diagnostics(tool: "trail-enrich"))
        #expect(try enricher.run(inputs: [input]) == .success)
        return output.collectedLines
    }

    private func event(ip: String?, service: String? = nil, account: String = "111122223333") -> String {
        let ipJSON = ip.map { JSONWriter.quoted($0) } ?? "null"
        let serviceJSON = service.map { JSONWriter.quoted($0) } ?? "null"
        return #"{"trail":{"account":"\#(account)","source":{"ip":\#(ipJSON),"service":\#(serviceJSON)},"index":0},"eventName":"X"}"#
    }

    /// `trail.source.<member>` of each output line, as canonical JSON text.
    private func sourceMember(_ member: String, _ lines: [String]) throws -> [String] {
        try lines.map { line in
            let value = TrailTestSupport.value(try parseJSON(line), "trail.source.\(member)") ?? NSNull()
            return String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
        }
    }

    @Test func passesEventsThroughAndReportsBadLines() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let events = [#"{"trail":{"action":"A"},"x":1}"#, #"{"trail":{"action":"B"}}"#]
        let input = try dir.write("in.ndjson", events[0] + "\n[1,2]\n{\"x\":\n" + events[1] + "\n")
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-enrich")
        #expect(try Enricher(output: output, diagnostics: diagnostics).run(inputs: [input]) == .recordsSkipped)
        #expect(output.collectedLines == events)
        #expect(diagnostics.skippedRecords == 2)
    }

    @Test func checksTheHeaderOfFlattenedLinesAndEveryLineWithStrict() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Reference.build(into: dir)
        var options = EnrichmentOptions()
        options.geoDatabase = dir.path + "/city.mmdb"
        let good = event(ip: "1.2.3.4")
        let lines = [
            good,
            #"{"trail":{"account":"1","source":{"ip":"1.2.3.4",},"index":0},"eventName":"X"}"#,  // a malformed header
            #"{"trail":{"account":"1","source":{"ip":"1.2.3.4"}}"#,                              // a header that does not close
            #"{"trail":{"account":"1","source":{"ip":"1.2.3.4"}},"eventName":"X","n":[1,]}"#,   // trail-flatten never writes this
            #"{"eventName":"X","n":[1,]}"#,                                                     // not flattened: checked in full
        ]
        let input = try dir.write("in.ndjson", lines.joined(separator: "\n") + "\n")
        func run(strict: Bool) throws -> (lines: [String], skipped: Int) {
            let output = OutputWriter(collectingAs: "out")
            let diagnostics = Diagnostics(tool: "trail-enrich", strict: strict)
            do { _ = try Enricher(options: options, output: output, diagnostics: diagnostics).run(inputs: [input]) } catch is StrictModeStop {}
            return (output.collectedLines, diagnostics.skippedRecords)
        }
        let trusting = try run(strict: false)
        #expect(trusting.skipped == 4, "the body of a framed line is checked too: nothing but JSON leaves")
        #expect(trusting.lines.count == 1)
        #expect(trusting.lines[0].contains(#""scope":"public""#))
        let strict = try run(strict: true)
        #expect(strict.lines.count == 1, "--strict checks every line in full and stops at the first bad one")
        #expect(strict.skipped == 1)
    }

    @Test func csvTablesAnswerAsTheMaxMindDatabaseDoes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Reference.build(into: dir)
        let addresses = try String(contentsOfFile: dir.path + "/addresses.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        let events = addresses.map { event(ip: $0) }
        func geo(_ configure: (inout EnrichmentOptions) -> Void) throws -> [String] {
            var options = EnrichmentOptions()
            configure(&options)
            return try sourceMember("geo", try enrich(events, options, in: dir))
        }
        let fromDatabase = try geo { $0.geoDatabase = dir.path + "/city.mmdb" }
        #expect(fromDatabase.filter { $0 != "null" }.count > 300, "too few addresses found to compare")
        let csvs: [(String, [String], Bool)] = [
            ("GeoLite2 CSV", ["GeoLite2-City-Blocks-IPv4.csv", "GeoLite2-City-Blocks-IPv6.csv"], true),
            ("IP2Location IPv6 edition", ["IP2LOCATION-LITE-DB5.IPV6.CSV"], true),
            ("IP2Location IPv4 + IPv6", ["IP2LOCATION-LITE-DB5.CSV", "IP2LOCATION-LITE-DB5.IPV6-only.CSV"], true),
            // DB-IP's lite files carry no country name.
            ("DB-IP lite", ["dbip-city-lite.csv"], false),
        ]
        for (name, files, hasCountryName) in csvs {
            let fromCSV = try geo { $0.geoCSV = files.map { dir.path + "/" + $0 } }
            // Only GeoLite2's files name the country a network is registered in.
            let registered = name == "GeoLite2 CSV" ? fromDatabase : fromDatabase.map {
                $0.replacingOccurrences(of: #","registeredCountry":"[A-Z]+""#, with: "", options: .regularExpression)
            }
            let expected = hasCountryName ? registered : registered.map {
                $0.replacingOccurrences(of: #""countryName":"[^"]*","#, with: #""countryName":null,"#, options: .regularExpression)
            }
            let differences = zip(addresses, zip(expected, fromCSV)).filter { $1.0 != $1.1 }
            #expect(differences.isEmpty, "\(name): \(differences.prefix(3).map { "\($0.0): \($0.1.0) ≠ \($0.1.1)" })")
        }

        var asnOptions = EnrichmentOptions()
        asnOptions.asnDatabase = dir.path + "/asn.mmdb"
        let asnFromDatabase = try sourceMember("asn", try enrich(events, asnOptions, in: dir))
        #expect(asnFromDatabase.filter { $0 != "null" }.count > 300)
        for files in [["GeoLite2-ASN-Blocks-IPv4.csv", "GeoLite2-ASN-Blocks-IPv6.csv"], ["dbip-asn-lite.csv"]] {
            var options = EnrichmentOptions()
            options.asnCSV = files.map { dir.path + "/" + $0 }
            #expect(try sourceMember("asn", try enrich(events, options, in: dir)) == asnFromDatabase, "\(files)")
        }
    }

    @Test func edgesOfAddressesAndRanges() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let blocks = try dir.write("T-City-Blocks-IPv4.csv", """
            network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider,postal_code,latitude,longitude,accuracy_radius
            81.2.69.0/24,1,,,0,0,,51.5,-0.09,10
            """)
        try dir.write("T-City-Locations-en.csv", """
            geoname_id,locale_code,continent_code,continent_name,country_iso_code,country_name,subdivision_1_iso_code,subdivision_1_name,subdivision_2_iso_code,subdivision_2_name,city_name,metro_code,time_zone,is_in_european_union
            1,en,EU,Europe,GB,United Kingdom,ENG,England,,,London,,Europe/London,0
            """)
        let v6 = try dir.write("dbip.csv", "2a02:2770::,2a02:2770::ffff,EU,NL,North Holland,Amsterdam,52.37,4.89\n")
        let networks = try dir.write("vpn.txt", "# VPN egress\n10.8.0.0/16\n81.2.69.142 # one host\n2a02:2770::/32\n")
        let ips: [String?] = ["81.2.69.0", "81.2.69.255", "81.2.70.0", "81.2.68.255", "::ffff:81.2.69.142", "81.2.69.142",
                              "2a02:2770::", "2a02:2770::ffff", "2a02:2770::1:0", "10.8.1.1", "not-an-address", "1.2.3.4.5", "", nil, "192.0.2.7"]
        var events = ips.map { event(ip: $0) }
        events.append(event(ip: nil, service: "ec2.amazonaws.com"))
        var options = EnrichmentOptions()
        options.geoCSV = [blocks, v6]
        options.networks = [("vpn", networks)]
        let out = try enrich(events, options, in: dir).map { try parseJSON($0) }
        let city = out.map { value($0, "trail.source.geo.city") as? String }
        #expect(city == ["London", "London", nil, nil, "London", "London", "Amsterdam", "Amsterdam", nil, nil, nil, nil, nil, nil, nil, nil])
        let scope = out.map { value($0, "trail.source.scope") as? String }
        #expect(scope == ["public", "public", "public", "public", "public", "public", "public", "public", "public", "private",
                          "invalid", "invalid", "invalid", nil, "reserved", "service"])
        let inVPN = out.map { (value($0, "trail.source.networks") as? [String]) == ["vpn"] }
        #expect(inVPN == [false, false, false, false, true, true, true, true, true, true, false, false, false, false, false, false])
        // The enriched event keeps everything else, and the header says which tables were consulted.
        #expect(value(out[0], "eventName") as? String == "X" && value(out[0], "trail.index") as? Int == 0)
        let london = try #require(value(out[0], "trail.source.geo") as? [String: Any])
        #expect(london["country"] as? String == "GB" && london["countryName"] as? String == "United Kingdom"
                && london["region"] as? String == "England" && london["lat"] as? Double == 51.5 && london["lon"] as? Double == -0.09)
        let provenance = try #require(value(out[0], "trail.enrichedBy") as? [String])
        #expect(provenance.count == 2 && provenance[0].hasPrefix("geo@sha256:") && provenance[1].hasPrefix("networks.vpn@sha256:"))
        // Private addresses are not looked up in geo tables, services not at all.
        #expect(value(out[9], "trail.enrichedBy") as? [String] == [provenance[1]])
        #expect(value(out[15], "trail.enrichedBy") as? [String] == [])
        #expect(value(out[15], "trail.source.geo") is NSNull)
    }

    @Test func lookupTablesAddContext() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let accounts = try dir.write("accounts.csv", "account,name,env\n111122223333,\"Main, production\",prod\n444455556666,sandbox,\n")
        let owners = try dir.write("owners.csv", "actor,owner,team\nalice,Alice Doe,platform\n")
        var options = EnrichmentOptions()
        options.tables = [("trail.account", accounts), ("trail.actor.name", owners)]
        let lines = [
            #"{"trail":{"account":"111122223333","actor":{"name":"alice"}},"x":[1]}"#,
            #"{"trail":{"account":"444455556666","actor":{"name":"bob"}}}"#,
            #"{"trail":{"account":null}}"#,
            #"{"trail":{}}"#,
        ]
        let out = try enrich(lines, options, in: dir)
        #expect(out[0].hasPrefix(#"{"trail":{"account":"111122223333","actor":{"name":"alice"},"context":{"account":{"name":"Main, production","env":"prod"},"actor":{"name":{"owner":"Alice Doe","team":"platform"}}},"enrichedBy":["context.account@sha256:"#))
        #expect(out[0].hasSuffix(#""]},"x":[1]}"#))
        let second = try parseJSON(out[1])
        #expect(value(second, "trail.context.account.env") is NSNull)
        #expect(value(second, "trail.context.actor.name") is NSNull)
        #expect((value(second, "trail.enrichedBy") as? [String])?.count == 2)
        #expect(out[2] == #"{"trail":{"account":null,"context":{"account":null,"actor":{"name":null}},"enrichedBy":[]}}"#)
        #expect(out[3] == #"{"trail":{"context":{"account":null,"actor":{"name":null}},"enrichedBy":[]}}"#)
        // A second pass leaves enriched events as they are.
        #expect(try enrich(out, options, in: dir) == out)
    }

    @Test func badTablesFailAtStartWithFileAndLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func failure(_ configure: (inout EnrichmentOptions) -> Void) -> String {
            var options = EnrichmentOptions()
            configure(&options)
            do {
                _ = try Enricher(options: options, output: OutputWriter(collectingAs: "out"), diagnostics: Diagnostics(tool: "t"))
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let shortRow = try dir.write("accounts.csv", "id,name,env\n1,a,prod\n2,b\n")
        #expect(failure { $0.tables = [("trail.account", shortRow)] } == "\(shortRow):3: expected 3 columns, found 2")
        let twice = try dir.write("twice.csv", "id,name\n1,a\n1,b\n")
        #expect(failure { $0.tables = [("trail.account", twice)] } == "\(twice):3: key \"1\" appears twice")
        let badNetwork = try dir.write("tor.txt", "1.2.3.0/24\n\n1.2.3.4/33\n")
        #expect(failure { $0.networks = [("tor", badNetwork)] } == "\(badNetwork):3: not a CIDR network or address: 1.2.3.4/33")
        let badRange = try dir.write("dbip.csv", "1.0.0.0,1.0.0.255,AU\n1.0.1.0,nowhere,CN\n")
        #expect(failure { $0.geoCSV = [badRange] } == "\(badRange):2: expected start and end addresses in the first two columns")
        let overlap = try dir.write("overlap.csv", "\"16777216\",\"16777471\",\"AU\",\"Australia\"\n\"16777300\",\"16777500\",\"CN\",\"China\"\n")
        #expect(failure { $0.geoCSV = [overlap] }.hasPrefix("\(overlap):2: range 1.0.0.84–1.0.1.28 overlaps"))
        let unquoted = try dir.write("quote.csv", "id,name\n1,\"a\"b\n")
        #expect(failure { $0.tables = [("trail.account", unquoted)] } == "\(unquoted):2: text after a closing quote")
        #expect(failure { $0.geoDatabase = dir.path + "/missing.mmdb" } == "\(dir.path)/missing.mmdb: No such file or directory")
        #expect(failure { $0.asnDatabase = shortRow } == "\(shortRow): not a MaxMind DB (no metadata marker)")
        let good = try dir.write("good.csv", "id,name\n1,a\n")
        #expect(failure { $0.tables = [("trail.account", good), ("trail.account.name", good)] }
                == "--table: trail.account.name lies inside another table's trail.context.account")
    }

    @Test func commandLineEnrichesThePipelineAndRefusesAMissingDatabase() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let geo = try #require(try Reference.run("geolite2").stdout.split(separator: "\n").first.map(String.init))
        let bin = builtExecutablesFolder()
        let run = try runShell("""
            cd '\(packageRoot)'
            "\(bin)/trail-fetch" pipelines/sample | "\(bin)/trail-flatten" \\
              | "\(bin)/trail-enrich" --geo '\(geo)' --networks office=<(echo 203.0.113.0/24) > '\(dir.path)/out.ndjson'
            "\(bin)/trail-enrich" --geo /nonexistent.mmdb </dev/null
            """, timeout: 60)
        #expect(run.status == 2)
        #expect(run.stderr == "trail-enrich: /nonexistent.mmdb: No such file or directory\n")
        let events = try String(contentsOfFile: dir.path + "/out.ndjson", encoding: .utf8).split(separator: "\n").map { try parseJSON(String($0)) }
        #expect(events.count > 400)
        #expect(events.contains { value($0, "trail.source.geo.country") as? String == "JP" })
        #expect(events.contains { (value($0, "trail.source.networks") as? [String]) == ["office"] })
        #expect(events.allSatisfy { value($0, "trail.source.scope") is String || value($0, "trail.source.scope") is NSNull })
    }
}
