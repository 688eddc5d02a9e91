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

    public static let defaultDedupKey = "{{rule.id}}|{{who}}|{{account}}"

    public init() throws {
        dedupKey = try TextTemplate(NotifyOptions.defaultDedupKey)
        quiet = try QuietCalendar([])
        now = Timestamp(epoch: Date().timeIntervalSince1970)
    }
}

/// Reads alerts and delivers each to every target whose route takes it: silenced, throttled,
/// held or dropped in quiet periods; gathered into digests; retried with backoff; spooled
/// when undeliverable; never sent twice to one target.
public final class Notifier {
    private let targets: [Target]
    private let options: NotifyOptions
    private let diagnostics: Diagnostics
    private let transports: [Transport]
    public private(set) var delivered = 0
    public private(set) var undelivered = 0

    public init(targets: [Target], options: NotifyOptions, output: OutputWriter, diagnostics: Diagnostics, colour: Bool) throws {
        if !options.quiet.isEmpty, options.holdWhenQuiet, options.spool == nil {
            throw NotifyError("holding alerts through quiet periods needs --spool DIR (or --quiet-action drop)")
        }
        self.targets = targets
        self.options = options
        self.diagnostics = diagnostics
        transports = targets.map { target in
            switch target.kind {
            case .console: return ConsoleTransport(output: output, colour: colour)
            case .smtp(let settings): return SMTPTransport(settings)
            case .webhook(let settings): return WebhookTransport(settings)
            case .syslog(let settings): return SyslogTransport(settings)
            case .file(let path): return FileTransport(path: path)
            case .exec(let program, let arguments, let timeout): return ExecTransport(program: program, arguments: arguments, timeout: timeout)
            }
        }
    }

    /// Exit status: 0 all delivered; 1 some input lines were not alerts; 2 something was not
    /// delivered (spooled for the next run when --spool is given).
    public func run(inputs: [String]) throws -> ExitStatus {
        let states = try targets.map { try TargetState(spool: options.spool, target: $0, diagnostics: diagnostics) }
        try NDJSONInput(inputs).forEachObject(diagnostics: diagnostics) { s, root, location in
            guard let alert = Alert(s, alert: root) else {
                try diagnostics.badRecord(source: location.source, line: location.line, "not an alert (no alert.rule.title)")
                return
            }
            accept(alert, into: states)
        }
        // Spooled before any delivery, so a crash mid-way loses nothing.
        for state in states { try state.save() }
        for (index, target) in targets.enumerated() {
            deliver(to: target, transport: transports[index], state: states[index])
            try states[index].save()
        }
        return undelivered > 0 ? .failure : diagnostics.exitStatus
    }

    private func accept(_ alert: Alert, into states: [TargetState]) {
        if let minLevel = options.minLevel, (alert.level ?? .informational) < minLevel { return }
        if options.silences.contains(where: { $0.silences(alert, at: options.now) }) { return }
        let alertTime = alert.time?.seconds ?? options.now.seconds
        lazy var key = options.dedupKey.render(TemplateContext.single(alert, suppressed: 0))
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

    private func deliver(to target: Target, transport: Transport, state: TargetState) {
        let due = state.pending.filter { $0.holdUntil.map { $0 <= options.now } ?? true }
        for message in messages(for: target, due) {
            if let failure = send(message, with: transport) {
                // The target is down: the rest stays pending too, for the next run.
                let dueIDs = Set(due.map(\.alert.id))
                let remaining = state.pending.filter { dueIDs.contains($0.alert.id) }.count
                undelivered += remaining
                let fate = options.spool == nil ? "not delivered (no --spool: lost)" : "spooled for the next run"
                diagnostics.warn("\(target.shown): \(failure); \(remaining) alert\(remaining == 1 ? "" : "s") \(fate)")
                return
            }
            do {
                try state.markSent(message.alertIDs)
            } catch {
                diagnostics.warn("\(error)")
            }
            delivered += message.alertIDs.count
        }
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

    /// Tries, then retries with exponential backoff; nil when delivered, else the last error.
    private func send(_ message: Message, with transport: Transport) -> String? {
        var delay = options.retryDelay
        var attempt = 0
        while true {
            do {
                try transport.send(message)
                return nil
            } catch {
                attempt += 1
                if attempt > options.retries { return "\(error)" }
                usleep(useconds_t(min(delay, 60) * 1_000_000))
                delay *= 2
            }
        }
    }
}
