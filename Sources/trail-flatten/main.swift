import ArgumentParser
import TrailCommandLine
import TrailCore
import TrailFlatten

extension FlattenOptions.Format: ExpressibleByArgument {}

@main
struct TrailFlattenCommand: ParsableCommand {
    static let configuration = CommandConfiguration.trail(
        "trail-flatten",
        abstract: "Split trail documents into one normalized event per line.",
        discussion: """
            Reads JSON documents in any framing (one per line, pretty-printed, back to back) \
            and writes one event per line: a normalized "trail" header first (cloud, time, \
            account, region, service, action, actor, source, outcome, category, ...), then the \
            event's own fields unchanged. Recognized shapes: CloudTrail {"Records":[...]} files \
            (from trail-fetch or as downloaded), ActionTrail arrays, single events, \
            `aws cloudtrail lookup-events` output, CloudWatch Logs subscription payloads \
            (also Lambda's {"awslogs":{"data":...}}) and export lines ("<time> {...}"), \
            EventBridge envelopes, SLS-delivered ActionTrail ("event") and Security Center \
            CSPM records (__topic__ sas-cspm-log). Documents larger than --window-mb are \
            streamed record by record, so memory stays flat.

            --format line writes the header fields tab-separated ("-" when missing), then \
            the compact event. --fields picks and orders them; the default order is: \
            \(HeaderField.allCases.map(\.rawValue).joined(separator: " ")).

            Exit status: 0 all read; 1 some records were malformed, reported and skipped; \
            2 fatal error (or the first malformed record under --strict).

            Examples:
              trail-fetch pipelines/sample/AWSLogs | trail-flatten
              aws cloudtrail lookup-events --max-results 50 | trail-flatten
              trail-flatten --format line --fields time,action,actor.name events.json
              trail-fetch pipelines/sample | trail-flatten --dedupe | wc -l
            """)

    @Argument(help: "Input files (default: stdin).")
    var inputs: [String] = []

    @Option(help: "Output format: json (NDJSON, the header as member \"trail\"), line (tab-separated header fields, then the event) or ocsf (OCSF API Activity, class 6003).")
    var format: FlattenOptions.Format = .json

    @Option(help: "Comma-separated header fields for --format line, in order (default: all).")
    var fields: String?

    @Flag(help: "Drop events whose id was seen among the last --dedupe-window events.")
    var dedupe = false

    @Option(help: "How many recent event ids --dedupe remembers (memory: about 40 bytes each).")
    var dedupeWindow = 1_000_000

    @Option(name: .customLong("window-mb"), help: "Largest document held whole, in MB; larger ones are streamed record by record.")
    var windowMB = 16

    @OptionGroup var strict: StrictOption

    func validate() throws {
        if fields != nil, format != .line { throw ValidationError("--fields applies to --format line") }
        if case .failure(let unknown) = HeaderField.parseList(fields ?? "") { throw ValidationError(unknown.description) }
        guard (1...100_000_000).contains(dedupeWindow) else { throw ValidationError("--dedupe-window must be between 1 and 100000000") }
        guard (1...1024).contains(windowMB) else { throw ValidationError("--window-mb must be between 1 and 1024") }
    }

    func run() throws {
        let chosen = fields.flatMap { try? HeaderField.parseList($0).get() } ?? HeaderField.allCases
        let options = FlattenOptions(format: format, fields: chosen.isEmpty ? HeaderField.allCases : chosen,
                                     dedupeWindow: dedupe ? dedupeWindow : nil, windowLimit: windowMB << 20)
        CommandLineTool.run("trail-flatten", strict) { diagnostics, output in
            try Flattener(output: output, diagnostics: diagnostics, options: options).run(inputs: inputs)
        }
    }
}
