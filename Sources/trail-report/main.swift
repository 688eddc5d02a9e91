import ArgumentParser
import TrailCommandLine
import TrailCore
import TrailReport

@main
struct TrailReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration.trail(
        "trail-report",
        abstract: "Write one self-contained HTML overview of events, alerts and integrity findings.",
        discussion: """
            Reads NDJSON from files or stdin, lines of three kinds mixed freely: events (the \
            trail header of trail-flatten, with trail-enrich's geo when present), alerts of \
            trail-match, and integrity findings of trail-fetch --verify. Writes one HTML file \
            that needs no network to view (inline CSS and SVG charts): a summary strip (events, \
            time range, accounts, regions, alerts by level), activity over time by service and \
            region, top users and source addresses, console sign-ins (failures, without MFA, \
            users from several addresses), authorization failures by actor, country and time, \
            resources created and deleted, security group / network ACL / IAM changes, callers \
            by country, alerts by level and rule with the events behind each, and the integrity \
            findings.

            The input is streamed and aggregated in bounded memory: top lists keep at most \
            10,000 counters (Space-Saving: exact below that many distinct values, upper bounds \
            beyond, marked approximate on the page), time charts at most 2,000 buckets, tables \
            and the events under each rule are capped and say how many they leave out.

            A line that is not JSON, or not one of the three kinds, is reported on stderr as \
            source:line and skipped; the page is still written and the exit status is 1. \
            --strict stops at the first (status 2, no page).

            Exit status: 0 ok; 1 some lines were bad and skipped; 2 fatal error; 64 usage.

            Examples:
              trail-fetch pipelines/sample | trail-flatten | trail-enrich | tee events.ndjson \\
                | trail-match --rules rules > alerts.ndjson
              trail-report --out report.html events.ndjson alerts.ndjson
              trail-report --from 2026-11-17 --to 2026-11-17 --bucket hour --top 20 \\
                --title 'shop: 17 November' --out day.html events.ndjson alerts.ndjson
              trail-fetch --verify --public-keys keys.json bucket | trail-report --out integrity.html
            """)

    @Argument(help: "Input files (default: stdin; - is stdin).")
    var inputs: [String] = []

    @Option(name: .customLong("out"), help: ArgumentHelp("The HTML file to write (atomically); - writes to stdout.", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Start of the range: RFC 3339 time or YYYY-MM-DD (UTC); earlier records are left out.", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("End of the range (excluded): RFC 3339 time, or YYYY-MM-DD to include that whole day.", valueName: "time"))
    var to: String?

    @Option(help: ArgumentHelp("Time grouping of the charts: auto (hours up to 4 days, else days; weeks beyond 26 weeks), hour or day.", valueName: "grouping"))
    var bucket: String = "auto"

    @Option(help: "Rows in each top list.")
    var top = 10

    @Option(help: "The page's title.")
    var title = "trail report"

    @OptionGroup var records: RecordSizeOption

    @OptionGroup var strict: StrictOption

    func validate() throws {
        guard Bucketing(rawValue: bucket) != nil else { throw ValidationError("--bucket must be auto, hour or day, got \"\(bucket)\"") }
        guard (1...1000).contains(top) else { throw ValidationError("--top must be between 1 and 1000") }
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, ReportOptions.parseTime(value, isEnd: false) == nil {
                throw ValidationError("\(name): expected an RFC 3339 time or YYYY-MM-DD, got \"\(value)\"")
            }
        }
        if let from, let to, let start = ReportOptions.parseTime(from, isEnd: false), let end = ReportOptions.parseTime(to, isEnd: true), end <= start {
            throw ValidationError("--to must be after --from")
        }
    }

    func run() throws {
        var options = ReportOptions()
        options.inputs = inputs
        options.output = output
        options.title = title
        options.from = from.flatMap { ReportOptions.parseTime($0, isEnd: false) }
        options.to = to.flatMap { ReportOptions.parseTime($0, isEnd: true) }
        options.bucketing = Bucketing(rawValue: bucket) ?? .auto
        options.top = top
        options.maxRecordSize = records.maxRecordSize
        CommandLineTool.run("trail-report", strict) { diagnostics, _ in
            try Reporter(options: options, diagnostics: diagnostics).run()
        }
    }
}
