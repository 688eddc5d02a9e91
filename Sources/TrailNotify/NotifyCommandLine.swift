import Foundation
import TrailCore

/// trail-notify's options as typed, turned into the run's choices and targets. Every value is
/// checked here, so the executable can refuse a bad one as a usage error before the run starts.
public struct NotifyCommandLine: Sendable {
    public var targets: [String] = []
    public var minLevel: String?
    public var repeatInterval: String?
    public var dedupKey = NotifyOptions.defaultDedupKey
    public var quiet: [String] = []
    public var calendar: String?
    /// The quiet periods' time zone (IANA name); `utcOffset` is its deprecated fixed-offset form.
    public var timezone: String?
    public var utcOffset: String?
    public var quietAction = "hold"
    public var silence: [String] = []
    public var spool: String?
    public var retries = 3
    public var retryDelay = 1.0
    public var now: String?
    public var stats: String?
    public var retryDead = false
    public var resetState = false

    public init() {}

    /// The run's choices; a `NotifyError` names the option at fault.
    public func options() throws -> NotifyOptions {
        var options = try NotifyOptions()
        if let minLevel {
            guard let level = AlertLevel(name: minLevel) else { throw NotifyError("--min-level: unknown level \(minLevel)") }
            options.minLevel = level
        }
        if let repeatInterval {
            guard let seconds = TimeSpan.seconds(repeatInterval) else { throw NotifyError("--repeat-interval: expected 90s, 30m, 2h or 1d") }
            options.repeatInterval = seconds
        }
        options.dedupKey = try TextTemplate(dedupKey)
        options.quiet = try QuietCalendar(quiet + (try calendar.map(NotifyCommandLine.lines) ?? []), clock: try clock())
        guard quietAction == "hold" || quietAction == "drop" else { throw NotifyError("--quiet-action: hold or drop") }
        options.holdWhenQuiet = quietAction == "hold"
        options.silences = try silence.map(Silence.init)
        guard (0...100).contains(retries) else { throw NotifyError("--retries: between 0 and 100") }
        guard retryDelay >= 0, retryDelay <= 3600 else { throw NotifyError("--retry-delay: between 0 and 3600 seconds") }
        options.retries = retries
        options.retryDelay = retryDelay
        options.spool = spool
        if let now {
            guard let time = Array(now.utf8).withUnsafeBytes({ Timestamp.parse($0) }) else { throw NotifyError("--now: expected an RFC 3339 time") }
            options.now = time
        }
        options.stats = stats
        options.retryDead = retryDead
        options.resetState = resetState
        try options.validate()
        return options
    }

    /// What the options ask for that is deprecated, one warning line each.
    public var deprecations: [String] {
        utcOffset == nil ? [] : ["trail-notify: --utc-offset is deprecated and keeps a fixed offset all year: use --timezone ZONE (e.g. Asia/Tokyo)"]
    }

    /// `--timezone ZONE`, or the fixed offset of `--utc-offset`; UTC when neither is given.
    func clock() throws -> LocalCalendar {
        guard timezone == nil || utcOffset == nil else { throw NotifyError("--timezone and --utc-offset: give one") }
        if let zone = timezone, LocalCalendar(zone: zone) == nil { throw NotifyError("--timezone: unknown time zone '\(zone)' (an IANA name such as Asia/Tokyo)") }
        if let offset = utcOffset, LocalCalendar(utcOffset: offset) == nil { throw NotifyError("--utc-offset: expected +HH:MM") }
        return timezone.flatMap { LocalCalendar(zone: $0) } ?? utcOffset.flatMap { LocalCalendar(utcOffset: $0) } ?? .utc
    }

    /// The `--to` targets (`@FILE`: one per line, `#` comments), stdout when none is given.
    public func parsedTargets(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [Target] {
        var specs: [String] = []
        for spec in targets {
            if spec.hasPrefix("@") {
                specs += try NotifyCommandLine.lines(String(spec.dropFirst()))
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            } else {
                specs.append(spec)
            }
        }
        return try (specs.isEmpty ? ["stdout"] : specs).map { try Target($0, environment: environment) }
    }

    private static func lines(_ path: String) throws -> [String] {
        String(decoding: try FileIO.readFile(path), as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
