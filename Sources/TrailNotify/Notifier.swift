import Foundation
import TrailCore

/// Run-wide choices: noise control and reliability.
public struct NotifyOptions: Sendable {
    public var minLevel: AlertLevel?
    /// Throttling: alerts with the same rendered key within `repeatInterval` seconds (alert
    /// time) are counted, not sent; the count rides on the next one sent.
    public var dedupKey: TextTemplate
    public var repeatInterval: Int64 = 0
    public var quiet: QuietCalendar
    /// During a quiet period: hold alerts until it ends (true) or drop them.
    public var holdWhenQuiet = true
    public var silences: [Silence] = []
    public var retries = 3
    /// Seconds before the first retry; doubled for each next one.
    public var retryDelay: Double = 1
    public var spool: String?
    /// The clock for quiet periods and silences (settable for replays and tests).
    public var now: Timestamp
    /// Where the run's counters go (Prometheus text), if anywhere.
    public var stats: String?
    /// Puts every target's dead letters back in its queue before delivering.
    public var retryDead = false
    /// Moves spool files that cannot be read back aside, instead of stopping.
    public var resetState = false

    public static let defaultDedupKey = "{{rule.id}}|{{who}}|{{account}}"

    public init() throws {
        dedupKey = try TextTemplate(NotifyOptions.defaultDedupKey)
        quiet = try QuietCalendar([])
        now = Timestamp(epoch: Date().timeIntervalSince1970)
    }

    /// Refuses choices that cannot go together.
    public func validate() throws {
        if !quiet.isEmpty, holdWhenQuiet, spool == nil {
            throw NotifyError("holding alerts through quiet periods needs --spool DIR (or --quiet-action drop)")
        }
        if retryDead, spool == nil { throw NotifyError("--retry-dead needs --spool DIR") }
    }
}

/// Reads alerts and delivers each to every target whose route takes it: silenced, throttled,
/// held or dropped in quiet periods; gathered into digests; retried with backoff; spooled
/// when undeliverable for now, moved to the dead letters when refused for good; never sent
/// twice to one target.
public final class Notifier {
    private let targets: [Target]
    private let options: NotifyOptions
    private let diagnostics: Diagnostics
    private let transports: [Transport]
    /// Alert lines read.
    public private(set) var alerts = 0
    /// Deliveries: an alert counts once per target that got it.
    public private(set) var delivered = 0
    /// Not delivered for now, kept in the spool for a later run.
    public private(set) var postponed = 0
    /// Refused for good and moved to the spool's dead letters.
    public private(set) var deadLettered = 0
    /// Not delivered and kept nowhere (no --spool).
    public private(set) var lost = 0

    /// `colour` and `width` (columns) are the terminal's, when stdout is one.
    public init(targets: [Target], options: NotifyOptions, output: OutputWriter, diagnostics: Diagnostics, colour: Bool,
                width: Int? = nil) throws {
        try options.validate()
        self.targets = targets
        self.options = options
        self.diagnostics = diagnostics
        transports = targets.map { target in
            switch target.kind {
            case .console: return ConsoleTransport(output: output, colour: colour, width: width)
            case .smtp(let settings): return SMTPTransport(settings: settings)
            case .webhook(let settings): return WebhookTransport(settings: settings, client: APIClient(settings.endpoint))
            case .syslog(let settings): return SyslogTransport(settings: settings)
            case .file(let path, let ocsf): return FileTransport(path: path, ocsf: ocsf)
            case .exec(let program, let arguments, let timeout): return ExecTransport(program: program, arguments: arguments, timeout: timeout)
            case .pagerduty(let settings): return PagerDutyTransport(settings: settings, client: APIClient(settings.endpoint))
            case .opsgenie(let settings): return OpsgenieTransport(settings: settings, client: APIClient(settings.endpoint))
            case .dingtalk(let settings): return DingTalkTransport(settings: settings, client: APIClient(settings.endpoint))
            case .splunk(let settings): return SplunkTransport(settings: settings, client: APIClient(settings.endpoint))
            case .sns(let settings): return SNSTransport(settings: settings, client: APIClient(settings.endpoint))
            }
        }
    }

    /// Exit status, the first that applies: 2 something was not delivered and is lost (no
    /// --spool); 75 something was not delivered but is safe in the spool (pending for the next
    /// run, or a dead letter for --retry-dead); 1 some input lines were not alerts; 0.
    /// With --retry-dead and no inputs, a terminal on stdin is not read: the spool is the input.
    public func run(inputs: [String], maxRecordSize: Int = LineReader.defaultMaxLineLength) throws -> ExitStatus {
        let states = try readStates(readOnly: false)
        for (target, state) in zip(targets, states) { try state.prepare(for: target) }
        if options.retryDead { try retryDeadLetters(states) }
        if !(options.retryDead && inputs.isEmpty && isatty(0) == 1) { try read(inputs, maxRecordSize: maxRecordSize, into: states) }
        // Spooled before any delivery, so a crash mid-way loses nothing.
        for state in states { try state.save() }
        do {
            for (index, target) in targets.enumerated() {
                try deliver(to: target, transport: transports[index], state: states[index])
                try states[index].save()
            }
        } catch {
            do { try writeStats(states) } catch let statsError { diagnostics.warn("\(statsError)") }
            throw error
        }
        try writeStats(states)
        if lost > 0 { return .failure }
        return postponed + deadLettered > 0 ? .spooled : diagnostics.exitStatus
    }

    /// `--check`: the spool folder and the stats file can be written, and what the spool holds
    /// reads back; nothing is read from the input, delivered or changed.
    public func check() throws -> ExitStatus {
        if let spool = options.spool {
            for target in targets { try Notifier.checkFolderWritable(spool + "/" + target.key) }
            _ = try readStates(readOnly: true)
        }
        if let stats = options.stats { try Notifier.checkFolderWritable(Notifier.parentFolder(stats)) }
        return .success
    }

    private func readStates(readOnly: Bool) throws -> [TargetState] {
        try targets.map { target in
            try TargetState(folder: options.spool.map {
                SpoolFolder(path: $0 + "/" + target.key, resetState: options.resetState, readOnly: readOnly, diagnostics: diagnostics)
            })
        }
    }

    /// Whether a folder at `path` can be written, or made: it, or its nearest existing
    /// ancestor, must be a folder this process may write in.
    static func checkFolderWritable(_ path: String) throws {
        var existing = path
        while !FileIO.exists(existing) { existing = parentFolder(existing) }
        guard FileIO.isDirectory(existing), access(existing, W_OK | X_OK) == 0 else {
            throw NotifyError("\(path): cannot be made or written (\(existing) is not a writable folder)")
        }
    }

    static func parentFolder(_ path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    private func read(_ inputs: [String], maxRecordSize: Int, into states: [TargetState]) throws {
        let notAlerts = MissingHeader("not an alert (no alert.rule.title): pipe events through trail-match first")
        try NDJSONInput(inputs, maxRecordSize: maxRecordSize).forEachObject(diagnostics: diagnostics) { s, root, location in
            guard let alert = Alert(s, alert: root) else { return try notAlerts.skip(location, diagnostics) }
            alerts += 1
            accept(alert, into: states)
        }
    }

    private func accept(_ alert: Alert, into states: [TargetState]) {
        if let minLevel = options.minLevel, (alert.level ?? .informational) < minLevel { return }
        if options.silences.contains(where: { $0.silences(alert, at: options.now) }) { return }
        let alertTime = alert.time?.seconds ?? options.now.seconds
        lazy var key = options.dedupKey.render(TemplateContext.single(alert, suppressed: 0, format: .plain))
        for (target, state) in zip(targets, states) where target.route.accepts(alert) && !state.knows(alert.id) {
            var suppressed = 0
            if options.repeatInterval > 0 {
                if let entry = state.throttle[key], abs(alertTime - entry.last) < options.repeatInterval {
                    state.throttle[key]!.suppressed += 1
                    state.markCounted(alert.id)
                    continue
                }
                suppressed = state.throttle[key]?.suppressed ?? 0
                state.throttle[key] = .init(last: alertTime, suppressed: 0)
            }
            var hold: Timestamp?
            if !options.quiet.isEmpty, options.quiet.isQuiet(options.now) {
                guard options.holdWhenQuiet else { continue }
                hold = options.quiet.end(after: options.now)
            }
            state.add(PendingAlert(alert: alert, suppressed: suppressed, holdUntil: hold))
        }
    }

    /// `--retry-dead`: every target's dead letters back in its queue. Dead letters in a folder
    /// no target of this run owns (its URL changed, or it was not given) are named, not moved.
    private func retryDeadLetters(_ states: [TargetState]) throws {
        for (target, state) in zip(targets, states) {
            let count = try state.retryDeadLetters()
            if count > 0 { diagnostics.warn("\(target.shown): \(count) dead letter\(count == 1 ? "" : "s") back in the queue") }
        }
        guard let spool = options.spool, let folders = try? FileManager.default.contentsOfDirectory(atPath: spool) else { return }
        let keys = Set(targets.map(\.key))
        for key in folders.sorted() where !keys.contains(key) {
            let folder = spool + "/" + key
            let count = ((try? FileIO.readFile(folder + "/dead.ndjson")) ?? []).filter { $0 == UInt8(ascii: "\n") }.count
            guard count > 0 else { continue }
            let shown = String(decoding: (try? FileIO.readFile(folder + "/target")) ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            diagnostics.warn("\(folder) (\(shown)): \(count) dead letter\(count == 1 ? "" : "s") of a target not given with --to, left there")
        }
    }

    private func deliver(to target: Target, transport: Transport, state: TargetState) throws {
        let due = state.pending.filter { $0.holdUntil.map { $0 <= options.now } ?? true }
        for message in messages(for: target, due) {
            try state.willSend(message)
            switch try send(message, with: transport) {
            case .delivered:
                do {
                    try state.markSent(message.alertIDs)
                } catch {
                    diagnostics.warn("\(error)")
                }
                delivered += message.alertIDs.count
            case .refused(let reason):
                deadLetter(message, reason: target.masked(reason), of: due, target: target, state: state)
            case .failed(let unmasked):
                let reason = target.masked(unmasked)
                // The target is down: the rest stays pending too, for the next run.
                let dueIDs = Set(due.map(\.alert.id))
                let remaining = state.pending.filter { dueIDs.contains($0.alert.id) }.count
                if options.spool == nil { lost += remaining } else { postponed += remaining }
                let fate = options.spool == nil ? "not delivered (no --spool: lost)" : "spooled for the next run"
                diagnostics.warn("\(target.shown): \(reason); \(remaining) alert\(remaining == 1 ? "" : "s") \(fate)")
                return
            }
        }
    }

    /// A message refused for good: its alerts leave the queue for the dead letters (lost
    /// without a spool), one line each on stderr, and the target's other alerts go on.
    private func deadLetter(_ message: Message, reason: String, of due: [PendingAlert], target: Target, state: TargetState) {
        state.deadLetter(message.alertIDs, reason: reason, at: options.now)
        if options.spool == nil { lost += message.alertIDs.count } else { deadLettered += message.alertIDs.count }
        let fate = options.spool == nil ? "lost (no --spool)" : "moved to the dead letters"
        let refused = Set(message.alertIDs)
        for item in due where refused.contains(item.alert.id) {
            diagnostics.warn("\(target.shown): alert \(item.alert.id) (\(item.alert.title)) refused for good: \(reason); \(fate)")
        }
    }

    /// The run's counters, written at its end (`--stats FILE`), after delivery failed too.
    private func writeStats(_ states: [TargetState]) throws {
        guard let path = options.stats else { return }
        var stats = RunStats()
        stats.set("trail_notify_alerts", alerts, help: "Alert lines read.")
        stats.set("trail_notify_delivered", delivered, help: "Alerts delivered, once per target that got them.")
        stats.set("trail_notify_spooled", options.spool == nil ? 0 : states.reduce(0) { $0 + $1.pendingCount },
                  help: "Alerts waiting in the spool after the run, all targets.")
        stats.set("trail_notify_dead_lettered", deadLettered, help: "Alerts refused for good and moved to the dead letters in this run.")
        stats.set("trail_notify_dead_letters", states.reduce(0) { $0 + $1.deadLetters.count }, help: "Dead letters waiting for --retry-dead, all targets.")
        stats.set("trail_notify_failed", lost, help: "Alerts not delivered and lost (no --spool).")
        try stats.write(to: path)
    }

    /// One message per alert, made as it is sent (a message holds several renderings of its
    /// alert: all at once would double the memory), or one per digest window (by alert time)
    /// when the target digests. With a spool, a window still open waits there for the run
    /// after it closes, so each window makes one message; without one, the run's input is all
    /// there is to gather.
    private func messages(for target: Target, _ due: [PendingAlert]) -> AnySequence<Message> {
        guard let window = target.digestWindow else {
            return AnySequence(due.lazy.map { Message(alert: $0.alert, suppressed: $0.suppressed, templates: target.templates) })
        }
        var groups: [Int64: [PendingAlert]] = [:]
        for item in due {
            let t = item.alert.time?.seconds ?? options.now.seconds
            groups[t >= 0 ? t / window : (t - window + 1) / window, default: []].append(item)
        }
        let closed = groups.keys.filter { options.spool == nil || ($0 + 1) * window <= options.now.seconds }
        return AnySequence(closed.sorted().map { slot in
            let items = groups[slot]!
            let digest = Digest(alerts: items.map(\.alert), start: Timestamp(seconds: slot * window), end: Timestamp(seconds: (slot + 1) * window),
                                suppressed: items.reduce(0) { $0 + $1.suppressed }, itemPaths: target.itemPaths)
            return Message(digest: digest, templates: target.templates)
        })
    }

    private enum Outcome { case delivered, failed(String), refused(String) }

    /// The longest wait between tries within a run; a receiver asking for longer (Retry-After)
    /// gets its message at a later run, from the spool.
    static let longestWait = 60.0

    /// Tries, then retries with exponential backoff, waiting at least what the receiver asks
    /// (Retry-After). A refusal for good is tried once more (a fluke of a proxy or a
    /// deployment), not through the whole backoff. A closed stdout (`| head`) ends the run.
    private func send(_ message: Message, with transport: Transport) throws(OutputFailure) -> Outcome {
        var delay = options.retryDelay
        var attempt = 0
        while true {
            do {
                try transport.send(message)
                return .delivered
            } catch {
                if let closed = error as? OutputFailure, closed.isClosedPipe { throw closed }
                attempt += 1
                let permanent = (error as? NotifyError)?.permanent ?? false
                if attempt > options.retries || (permanent && attempt > 1) {
                    return permanent ? .refused("\(error)") : .failed("\(error)")
                }
                let asked = Double((error as? NotifyError)?.retryAfter ?? 0)
                if asked > Notifier.longestWait { return .failed("\(error) (the receiver asks to wait \(Int(asked)) s)") }
                usleep(useconds_t(max(min(delay, Notifier.longestWait), asked) * 1_000_000))
                delay *= 2
            }
        }
    }
}
