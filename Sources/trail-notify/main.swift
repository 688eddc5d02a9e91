import ArgumentParser
import Foundation
import TrailCommandLine
import TrailCore
import TrailNotify

@main
struct TrailNotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration.trail(
        "trail-notify",
        abstract: "Deliver alerts where people look: once each, to every target that wants them.",
        discussion: """
            Reads alerts from trail-match and delivers them to each --to target whose routing \
            takes them. Without --to, one human-readable line per alert goes to stdout (coloured \
            on a terminal unless NO_COLOR is set).

            Targets (${NAME} is replaced by the environment variable NAME, so secrets stay \
            off the command line; --to @FILE reads targets from a file, one per line):
              stdout                              one line per alert (the default)
              smtp://USER:${PW}@HOST:587?to=A,B   mail; from=, starttls=yes|try|no
              smtps://USER:${PW}@HOST:465?to=A    mail over TLS from the first byte
              https://hooks.slack.com/services/${SLACK_PATH}   Slack
              https://….logic.azure.com/…         Teams Workflows: an Adaptive Card
              https://HOST/PATH                   JSON; format=json|slack|teams|ocsf
              pagerduty://${ROUTING_KEY}          PagerDuty Events API v2
              opsgenie://${API_KEY}               Opsgenie alerts; region=eu
              dingtalk://${TOKEN}?secret=${SEC}   DingTalk robot, signed
              splunk://${HEC_TOKEN}@HOST:8088     Splunk HEC; index=, tls=no, cacert=
              sns://REGION/TOPIC_ARN              Amazon SNS (or the topic ARN itself)
              syslog://HOST  syslog+tcp://HOST    RFC 5424; syslog:// is the local one
              file:///PATH.ndjson                 one JSON line per message; format=ocsf
              exec:///PATH/PROGRAM?arg=A          runs it with the alert on stdin
            Every target also takes: level=MIN, rule=ID,…, tag=PREFIX,… (routing); \
            subject=, body=, line=, digest_subject=, digest_body= (Mustache templates, or \
            @FILE); digest=1h (one message per window with counts per rule and item); \
            item=PATH,… (the digest's item name, default event.check_item_name then \
            event.trail.action). API targets take url= (the endpoint: tests, proxies) \
            and timeout=. Targets are printed without their secrets.

            Every alert has a stable id (rule id + event id); a target never gets one twice \
            while its --spool state remembers it. Deliveries are retried with exponential \
            backoff; what still fails is kept in --spool and sent by the next run. An alert a \
            target refuses for good (HTTP 4xx but 408 and 429, an SMTP 5xx reply, exit status \
            65 of a program) is tried once more, then moved to the target's dead letters \
            (SPOOL/KEY/dead.ndjson), and the target's other alerts go on; --retry-dead sends \
            them again. file:// targets get each alert exactly once, across a kill too.

            Exit status: 0 all delivered (or held for a quiet period); 1 some input lines were \
            not alerts and were skipped; 75 some alerts were not delivered, but every one of \
            them is safe in --spool (pending for the next run, or a dead letter); 2 something \
            was not delivered and is lost (no --spool), or a fatal error (an unreadable spool, \
            ...); 64 a bad option. The first that applies, in the order 2, 75, 1, 0.

            Examples:
              trail-match --rules rules events.ndjson | trail-notify
              trail-match --rules rules events.ndjson | trail-notify \\
                --spool /var/lib/trail/spool --repeat-interval 30m --quiet Sat,Sun \\
                --to 'smtp://me:${PW}@mail.example.com:587?to=sec@example.com&level=high' \\
                --to 'https://hooks.slack.com/services/${SLACK_PATH}'
              trail-notify --spool /var/lib/trail/spool --to @targets --check
              trail-notify --spool /var/lib/trail/spool --to @targets --retry-dead
            """)

    @Argument(help: "Input files (default: stdin).")
    var inputs: [String] = []

    @Option(name: .customLong("to"), help: "A target URL (repeatable), or @FILE with one per line.")
    var targets: [String] = []

    @Option(help: "Deliver only alerts of this level or worse (informational, low, medium, high, critical).")
    var minLevel: String?

    @Option(help: "Do not resend alerts with the same dedup key within this interval of alert time (30m, 2h); count them instead.")
    var repeatInterval: String?

    @Option(help: "Mustache template of the throttling key.")
    var dedupKey = NotifyOptions.defaultDedupKey

    @Option(help: "A quiet period (repeatable): 'Mon-Fri 19:00-08:00', 'Sat,Sun', '2026-12-24..2026-12-26'.")
    var quiet: [String] = []

    @Option(help: "A business calendar file: one quiet period per line, # comments.")
    var calendar: String?

    @Option(help: "Time zone of the quiet periods, daylight saving time included (IANA name: Asia/Tokyo; default UTC).")
    var timezone: String?

    @Option(help: "Deprecated: a fixed offset from UTC (+09:00) for the quiet periods; use --timezone.")
    var utcOffset: String?

    @Option(help: "In a quiet period: hold alerts until it ends (needs --spool), or drop them.")
    var quietAction = "hold"

    @Option(help: "Silence one key until a time (repeatable): 'actor=alice,rule=ID@2026-11-20T00:00:00Z'.")
    var silence: [String] = []

    @Option(help: "Folder keeping undelivered alerts, sent ids and throttle counters between runs (\(StateFolder.rule)).")
    var spool: String?

    @Option(help: "Retries per message before it is spooled.")
    var retries = 3

    @Option(help: "Seconds before the first retry; doubled for each next one.")
    var retryDelay = 1.0

    @Option(help: "The current time for quiet periods and silences (RFC 3339), for replays.")
    var now: String?

    @OptionGroup var stats: StatsOption

    @Flag(help: "Put every target's dead letters back in its queue and deliver them (needs --spool); without inputs and with stdin a terminal, the spool is the only input.")
    var retryDead = false

    @Flag(help: "Move spool files that cannot be read back aside (FILE.bad-<UTC time>) and start those from empty.")
    var resetState = false

    @Flag(help: "Check the options, targets and spool, then exit 0 (or 2 with the reason) without reading input, delivering, or changing the spool.")
    var check = false

    @OptionGroup var records: RecordSizeOption

    @OptionGroup var strict: StrictOption

    var commandLine: NotifyCommandLine {
        var line = NotifyCommandLine()
        line.targets = targets
        line.minLevel = minLevel
        line.repeatInterval = repeatInterval
        line.dedupKey = dedupKey
        line.quiet = quiet
        line.calendar = calendar
        line.timezone = timezone
        line.utcOffset = utcOffset
        line.quietAction = quietAction
        line.silence = silence
        line.spool = spool.map { StateFolder.resolve($0, environment: ProcessInfo.processInfo.environment) }
        line.retries = retries
        line.retryDelay = retryDelay
        line.now = now
        line.stats = stats.stats
        line.retryDead = retryDead
        line.resetState = resetState
        return line
    }

    func validate() throws {
        commandLine.deprecations.forEach { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        do {
            _ = try commandLine.options()
            _ = try commandLine.parsedTargets()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        CommandLineTool.run("trail-notify", strict) { diagnostics, output in
            let notifier = try Notifier(targets: try commandLine.parsedTargets(), options: try commandLine.options(),
                                        output: output, diagnostics: diagnostics, colour: Terminal.wantsColour(1),
                                        width: Terminal.columns(of: 1))
            return check ? try notifier.check() : try notifier.run(inputs: inputs, maxRecordSize: records.maxRecordSize)
        }
    }
}
