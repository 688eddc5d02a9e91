import ArgumentParser
import TrailCommandLine
import TrailCore
import TrailEnrich

@main
struct TrailEnrichCommand: ParsableCommand {
    static let configuration = CommandConfiguration.trail(
        "trail-enrich",
        abstract: "Add context (geo, AS, networks, lookup tables) to flattened events.",
        discussion: """
            Reads events from trail-flatten and writes them on, one per line, adding to the \
            trail header: trail.source.scope (public, private, loopback, link-local, reserved, \
            service, invalid), trail.source.geo {country, countryName, region, city, lat, lon; registeredCountry when \
            the network is registered elsewhere}, \
            trail.source.asn {number, org}, trail.source.networks [NAME…], trail.context from \
            --table lookups, trail.context.calendar {local, offHours, reason} from \
            --business-hours and --holidays (reason: holiday, weekend, after-hours, or null in \
            business hours), and trail.enrichedBy: the tables consulted, as ROLE@VERSION \
            (VERSION: a MaxMind database's type and build date, else sha256: and 16 hex digits \
            of the file; calendar@ZONE DAYS HOURS). Only public addresses are looked up in geo \
            and AS tables. With no tables, events pass through unchanged.

            Tables are loaded at start-up; a missing or malformed one stops the run with its \
            file and line. Malformed input lines are reported on stderr (source:line) and skipped.

            Exit status: 0 ok; 1 some lines were malformed and skipped; 2 fatal error.

            Examples:
              trail-fetch pipelines/sample | trail-flatten | trail-enrich \\
                --geo GeoLite2-City.mmdb --asn GeoLite2-ASN.mmdb
              trail-enrich --geo-csv dbip-city-lite-2026-11.csv \\
                --networks vpn=vpn.txt --networks tor=tor-exits.txt events.ndjson
              trail-enrich --geo-csv GeoLite2-City-Blocks-IPv4.csv \\
                --geo-csv GeoLite2-City-Blocks-IPv6.csv events.ndjson
              trail-enrich --table trail.account=accounts.csv \\
                --table trail.actor.name=owners.csv events.ndjson
            """)

    @Argument(help: "Input files (default: stdin).")
    var inputs: [String] = []

    @Option(name: .customLong("geo"), help: ArgumentHelp("MaxMind DB with City or Country records (GeoLite2, GeoIP2, DB-IP, IPinfo).", valueName: "file"))
    var geoDatabase: String?

    @Option(name: .customLong("asn"), help: ArgumentHelp("MaxMind DB with AS records (GeoLite2-ASN, DB-IP, IPinfo).", valueName: "file"))
    var asnDatabase: String?

    @Option(name: .customLong("geo-csv"), help: ArgumentHelp("CSV location ranges: GeoLite2 City/Country blocks (locations file found beside it), DB-IP lite, IP2Location LITE. Repeatable.", valueName: "file"))
    var geoCSV: [String] = []

    @Option(name: .customLong("asn-csv"), help: ArgumentHelp("CSV AS ranges: GeoLite2 ASN blocks, DB-IP ASN lite, IP2Location ASN LITE. Repeatable.", valueName: "file"))
    var asnCSV: [String] = []

    @Option(help: ArgumentHelp("A CIDR list (one network or address per line, # comments); matches add NAME to trail.source.networks. Repeatable.", valueName: "name=file"))
    var networks: [String] = []

    @Option(help: ArgumentHelp("A CSV (header: key column, attribute columns) looked up by the event's FIELD; adds trail.context.<FIELD without trail.>. Repeatable.", valueName: "field=file"))
    var table: [String] = []

    @Option(name: .customLong("business-hours"),
            help: ArgumentHelp("Working time as 'ZONE DAYS HH:MM-HH:MM' (tz database zone; days like Mon-Fri or Sun-Thu or Mon,Wed,Fri); adds trail.context.calendar {local, offHours, reason}.", valueName: "spec"))
    var businessHours: String?

    @Option(help: ArgumentHelp("Holidays: one YYYY-MM-DD per line, # comments; off all day (with --business-hours).", valueName: "file"))
    var holidays: String?

    @Option(help: "How many addresses' lookups to keep cached.")
    var cacheSize = 65_536

    @OptionGroup var records: RecordSizeOption

    @OptionGroup var strict: StrictOption

    func validate() throws {
        for value in networks + table where !value.contains("=") {
            throw ValidationError("expected NAME=FILE, got \"\(value)\"")
        }
        guard (1...(1 << 24)).contains(cacheSize) else { throw ValidationError("--cache-size must be between 1 and \(1 << 24)") }
        if holidays != nil, businessHours == nil { throw ValidationError("--holidays needs --business-hours") }
        // The specification alone (the holidays file is read at the start of the run).
        if let businessHours {
            do {
                _ = try BusinessCalendar(specification: businessHours)
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    func run() throws {
        var options = EnrichmentOptions()
        options.geoDatabase = geoDatabase
        options.asnDatabase = asnDatabase
        options.geoCSV = geoCSV
        options.asnCSV = asnCSV
        options.networks = networks.map(Self.split)
        options.tables = table.map(Self.split)
        options.cacheSize = cacheSize
        options.businessHours = businessHours
        options.holidaysFile = holidays
        CommandLineTool.run("trail-enrich", strict) { diagnostics, output in
            try Enricher(options: options, output: output, diagnostics: diagnostics).run(inputs: inputs, maxRecordSize: records.maxRecordSize)
        }
    }

    /// `NAME=FILE` at the first `=`.
    private static func split(_ value: String) -> (String, String) {
        let parts = value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]), String(parts[1]))
    }
}
