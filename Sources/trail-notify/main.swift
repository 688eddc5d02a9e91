import ArgumentParser
import Foundation
import TrailCore
import TrailNotify

@main
struct TrailNotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail-notify",
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
              https://hooks.slack.com/services/${SLACK_PATH}   Slack (Teams likewise)
              https://HOST/PATH                   JSON; format=json|slack|teams
              syslog://HOST  syslog+tcp://HOST    RFC 5424; syslog:// is the local one
              file:///PATH.ndjson                 appends one JSON line per message
              exec:///PATH/PROGRAM?arg=A          runs it with the alert on stdin
            Every target also takes: level=MIN, rule=ID,…, tag=PREFIX,… (routing); \
            subject=, body=, line=, digest_subject=, digest_body= (Mustache templates, or \
            @FILE); digest=1h (one message per window with counts per rule and item); \
            item=PATH,… (the digest's item name, default event.check_item_name then \
            event.trail.action).

            Every alert has a stable id (rule id + event id); a target never gets one twice \
            while its --spool state remembers it. Deliveries are retried with exponential \
            backoff; what still fails is kept in --spool and sent by the next run.

            Exit status: 0 all delivered (or held for a quiet period); 1 some input lines were \
            not alerts and were skipped; 2 something was not delivered, or a fatal error.

            Examples:
              trail-match --rules rules events.ndjson | trail-notify
              trail-match --rules rules events.ndjson | trail-notify \\
                --spool /var/lib/trail/spool --repeat-interval 30m --quiet Sat,Sun \\
                --to 'smtp://me:${PW}@mail.example.com:587?to=sec@example.com&level=high' \\
                --to 'https://hooks.slack.com/services/${SLACK_PATH}'
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

    @Option(help: "Local time of the quiet periods, as an offset from UTC (+09:00).")
    var utcOffset = "Z"

    @Option(help: "In a quiet period: hold alerts until it ends (needs --spool), or drop them.")
    var quietAction = "hold"

    @Option(help: "Silence one key until a time (repeatable): 'actor=alice,rule=ID@2026-11-20T00:00:00Z'.")
    var silence: [String] = []

    @Option(help: "Folder keeping undelivered alerts, sent ids and throttle counters between runs.")
    var spool: String?

    @Option(help: "Retries per message before it is spooled.")
    var retries = 3

    @Option(help: "Seconds before the first retry; doubled for each next one.")
    var retryDelay = 1.0

    @Option(help: "The current time for quiet periods and silences (RFC 3339), for replays.")
    var now: String?

    @Flag(help: "Stop at the first malformed line instead of skipping it.")
    var strict = false

    func run() throws {
        Tool.run("trail-notify", strict: strict) { diagnostics in
            var options = try NotifyOptions()
            if let minLevel {
                guard let level = AlertLevel(name: minLevel) else { throw NotifyError("--min-level: unknown level \(minLevel)") }
                options.minLevel = level
            }
            if let repeatInterval {
                guard let seconds = Interval.seconds(repeatInterval) else { throw NotifyError("--repeat-interval: expected 90s, 30m, 2h or 1d") }
                options.repeatInterval = seconds
            }
            options.dedupKey = try TextTemplate(dedupKey)
            guard let offset = QuietCalendar.utcOffset(utcOffset) else { throw NotifyError("--utc-offset: expected +HH:MM") }
            var periods = quiet
            if let calendar {
                periods += String(decoding: try FileIO.readFile(calendar), as: UTF8.self).split(separator: "\n").map(String.init)
            }
            options.quiet = try QuietCalendar(periods, utcOffsetSeconds: offset)
            guard quietAction == "hold" || quietAction == "drop" else { throw NotifyError("--quiet-action: hold or drop") }
            options.holdWhenQuiet = quietAction == "hold"
            options.silences = try silence.map(Silence.init)
            options.retries = max(0, retries)
            options.retryDelay = max(0, retryDelay)
            options.spool = spool
            if let now {
                guard let time = Array(now.utf8).withUnsafeBytes({ Timestamp.parse($0) }) else { throw NotifyError("--now: expected an RFC 3339 time") }
                options.now = time
            }
            var specs: [String] = []
            for spec in targets {
                if spec.hasPrefix("@") {
                    specs += String(decoding: try FileIO.readFile(String(spec.dropFirst())), as: UTF8.self)
                        .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                        .filter { !$0.isEmpty && !$0.hasPrefix("#") }
                } else {
                    specs.append(spec)
                }
            }
            let parsed = try (specs.isEmpty ? ["stdout"] : specs).map { try Target($0) }
            let colour = isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            return try Notifier(targets: parsed, options: options, output: .standardOutput(), diagnostics: diagnostics, colour: colour)
                .run(inputs: inputs)
        }
    }
}
