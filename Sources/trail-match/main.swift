import ArgumentParser
import TrailCommandLine
import TrailCore
import TrailMatch

@main
struct TrailMatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration.trail(
        "trail-match",
        abstract: "Run Sigma rules and correlations over flattened events and write alerts.",
        discussion: """
            Reads events from trail-flatten (or trail-enrich) and writes one alert per rule \
            match: {"alert":{"rule":{"id","title","level","tags","references","runbook","falsepositives"},"time","resources"},"event":{...}}; \
            correlation alerts add alert.correlation (type, group, count, contributing event ids). \
            Rules are Sigma YAML files; fields address the event's JSON by dotted path \
            (userIdentity.type) and the normalized header (trail.actor.name).

            Correlations count on event time (trail.time). With --state the run is one batch \
            of a stream: state is kept between runs, so a window can span two runs and split \
            runs give the same alerts as one; events may arrive up to --lateness (default 15m) \
            out of order, older ones are left out of correlations (and counted on stderr). \
            Without --state the input is the whole stream: correlations see it in event-time \
            order at its end, however it was ordered (unless --lateness is given): up to \
            --correlation-buffer of those events are held in memory, the rest wait in sorted \
            runs in a temporary file in $TMPDIR (removed on exit) and are merged at the end, \
            so memory stays flat however long the input. The \
            watermark moves with every event's time, so a window closes once any later \
            event shows its end has passed. An event counts once: one read again (a file \
            delivered twice, a batch a killed pipeline repeats) changes no count.

            In the scheduled pipeline (trail-watch) --defer-commit writes the new \
            state to FILE.next, renamed into place only when every stage has finished. An \
            unreadable state file stops the run before any input is read (--check with \
            --state checks it too); --reset-state moves it aside.

            --tune fits a correlation to a site without editing its file: \
            --tune 'console_signin_brute_force:timespan=15m,gte=10' sets its window and \
            threshold (RULE is the correlation's name or id; settings timespan, gte, gt). \
            The bundled pack names its correlations: console_signin_brute_force (D1), \
            access_denied_burst (D4), signin_several_addresses (D11), \
            short_lived_iam_principal (D12), signin_new_address and signin_new_country (D17).

            On a cluster (pipelines/spark.py, docs/spark.md) matching is split in two: \
            --detections-only --feed FILE --part N runs where the events are, writing \
            single-event alerts and feeding the events correlations count to FILE, keyed by \
            correlation group; after a shuffle by that key, --correlations-only reads each \
            task's groups and writes their correlation alerts. Together they write the alerts \
            one run over the whole stream writes.

            Without --rules, rules come from $TRAIL_RULES, the installed pack \
            (../share/trail/rules beside the executable), or ./rules.

            Exit status: 0 ok; 1 some lines were malformed and skipped; 2 fatal error \
            (including any rule problem, each reported as file:line, or a failed example).

            Examples:
              trail-fetch pipelines/sample/AWSLogs | trail-flatten | trail-match --rules rules
              trail-flatten < events.json | trail-match --rules rules --state /var/lib/trail/match.state
              trail-match --rules rules --tune console_signin_brute_force:timespan=30m,gte=10 \
                --tune access_denied_burst:gte=20 events.ndjson
              trail-match --check rules
              trail-match --rules rules --filters site-exceptions events.ndjson
              trail-match --test rules
            """)

    @Option(name: .long, help: "A rule file or folder (repeatable).")
    var rules: [String] = []

    @Option(name: .long, help: ArgumentHelp("Validate rules, report each problem as file:line, and exit.", valueName: "rules"))
    var check: [String] = []

    @Option(name: .long, help: ArgumentHelp("Run the example events the rule files carry, and exit.", valueName: "rules"))
    var test: [String] = []

    @OptionGroup var state: StateOptions

    @OptionGroup var stats: StatsOption

    @Option(name: .long, help: ArgumentHelp("How late (event time) an event may arrive and still count in correlations: 30s, 15m, 1h (default 15m with --state).", valueName: "duration"))
    var lateness: String?

    @Option(name: .customLong("correlation-buffer"), help: ArgumentHelp("Without --state: bytes of correlation events held in memory before the rest spill to a temporary file in $TMPDIR (K, M, G suffixes; default 8M).", valueName: "bytes"),
            transform: { try ByteCount.parse($0) })
    var correlationBuffer = Matcher.defaultCorrelationBuffer

    @Option(name: .long, help: ArgumentHelp("Sigma filters (a site's exceptions), joined with 'and' to the rules they name, as pySigma applies them (repeatable).", valueName: "file-or-dir"))
    var filters: [String] = []

    @Option(name: .long, help: ArgumentHelp("YAML map of %placeholder% names to values, for the expand modifier.", valueName: "file"))
    var placeholders: String?

    @Option(name: .long, help: ArgumentHelp("Set a correlation's window or threshold: RULE:timespan=DURATION,gte=N (RULE its name or id; gt=N also works). Repeatable.", valueName: "rule:settings"))
    var tune: [String] = []

    @Flag(help: "Write single-event alerts only; the events that feed correlations go to --feed, keyed by correlation group (pipelines/spark.py).")
    var detectionsOnly = false

    @Option(help: ArgumentHelp("With --detections-only: the file (or /dev/fd/N) the events that feed correlations are written to.", valueName: "file"))
    var feed: String?

    @Option(help: ArgumentHelp("With --detections-only: this input's place in the whole stream (0, 1, …), which orders its events after those of earlier parts.", valueName: "n"))
    var part = 0

    @Flag(help: "Read what --detections-only fed (whole groups, any order) and write the correlation alerts only.")
    var correlationsOnly = false

    @Argument(help: "Input files (default: stdin).")
    var inputs: [String] = []

    @Option(name: .long, help: ArgumentHelp("Threads matching blocks of lines at once (default: two per core, up to 8); alerts and their order are the same for any number.", valueName: "n"))
    var threads: Int?

    @OptionGroup var records: RecordSizeOption

    @OptionGroup var strict: StrictOption

    func validate() throws {
        if let lateness, TimeSpan.nanoseconds(lateness) == nil {
            throw ValidationError("--lateness '\(lateness)' is not \(TimeSpan.form)")
        }
        guard check.isEmpty || test.isEmpty else { throw ValidationError("give --check or --test, not both") }
        if detectionsOnly != (feed != nil) { throw ValidationError("--detections-only and --feed go together") }
        if detectionsOnly && correlationsOnly { throw ValidationError("give --detections-only or --correlations-only, not both") }
        if detectionsOnly || correlationsOnly, state.state != nil || lateness != nil {
            throw ValidationError("--detections-only and --correlations-only split one whole stream: --state and --lateness do not go with them")
        }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256") }
        guard (0..<(1 << 22)).contains(part) else { throw ValidationError("--part must be between 0 and 4194303") }
        do {
            _ = try tune.map(CorrelationTuning.init)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        var job = MatchRun()
        job.task = !check.isEmpty ? .check : !test.isEmpty ? .test : correlationsOnly ? .correlationsOnly : .match
        job.rules = !check.isEmpty ? check : !test.isEmpty ? test : rules
        (job.filters, job.placeholders, job.tune, job.lateness) = (filters, placeholders, tune, lateness)
        (job.state, job.deferCommit, job.resetState, job.stats) = (state.statePath, state.deferCommit, state.resetState, stats.stats)
        (job.feed, job.part, job.correlationBuffer) = (feed, part, correlationBuffer)
        (job.inputs, job.maxRecordSize) = (inputs, records.maxRecordSize)
        if let threads { job.threads = threads }
        CommandLineTool.run("trail-match", strict) { diagnostics, output in try job.run(diagnostics: diagnostics, output: output) }
    }
}
