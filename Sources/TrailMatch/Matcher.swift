import Foundation
import TrailCore

/// Runs rules over a stream of flattened events and writes one alert line per match,
/// following the alert contract: `{"alert":{"rule":{…},"time":…},"event":{…}}`; correlation
/// alerts add `alert.correlation` (type, group, count, the contributing event ids).
public final class Matcher {
    /// The rules, their index and what a match leads to, read by every lane.
    private let plan: MatchPlan
    private let correlations: [CorrelationRule]
    let engine: CorrelationEngine?
    /// With `--detections-only`: where events that feed correlations go instead of `engine`.
    private var feed: CorrelationFeed?
    /// Per correlation: its `alert.rule` object, written once, copied into each alert.
    private let correlationObjects: [[UInt8]]
    private let output: OutputWriter
    let diagnostics: Diagnostics
    /// Matches the events handed over one at a time (`match(_:event:)`).
    private let lane: MatchLane
    /// For correlation alerts, written here in input order.
    private var alert = AlertWriter()
    private var resourceNames = ResourceNames()
    private let missingHeader = MissingHeader()
    private var untimed = 0
    public private(set) var alertsWritten = 0
    public private(set) var linesRead = 0
    /// The newest event time seen in this run (nanoseconds), when the lines' times are read:
    /// for the watermark (with state) or with `--stats`.
    public private(set) var newestEvent: Int64?
    /// How many blocks of lines are matched at once, each on its own thread.
    public var lanes = Matcher.defaultLanes
    /// Two per core, up to 8: each lane holds a block in flight (1 MiB and its alerts). The
    /// reading thread shares the cores, and while it runs a worker waits; with a second block
    /// each, the other workers keep busy (1,000,000 bench events on 2 cores: 3% sooner). The
    /// reading thread, which acts on every block, is the limit beyond a few.
    public static var defaultLanes: Int { min(2 * ProcessInfo.processInfo.activeProcessorCount, 8) }

    /// Default allowed lateness with state: CloudTrail delivers most events within 15 minutes.
    public static let defaultLateness: Int64 = 15 * 60 * 1_000_000_000

    /// Without lateness, the bytes of correlation events held in memory by default before they
    /// spill to a temporary file in $TMPDIR (`PendingSpill`).
    public static let defaultCorrelationBuffer = PendingSpill.defaultLimit

    /// Sets how many bytes of correlation events a whole-stream run holds in memory before it
    /// spills them; nil: all of them.
    public func limitCorrelationBuffer(to bytes: Int?) {
        engine?.spillLimit = bytes
    }

    /// `lateness` nil: the input is one batch; correlations see all of it in event-time order
    /// at its end, however it was ordered (backfills of trails read folder by folder).
    public init(rules: [Rule], correlations: [CorrelationRule] = [], lateness: Int64? = nil, readsTime: Bool = false,
                output: OutputWriter, diagnostics: Diagnostics) {
        self.correlations = correlations
        // Windows close on the time of any event: with state, or when some window is decided at its close.
        let readsTime = readsTime || (lateness != nil && !correlations.isEmpty) || correlations.contains { $0.threshold.decidedAtClose }
        plan = MatchPlan(rules: rules, correlations: correlations, readsTime: readsTime, strict: diagnostics.strict)
        lane = MatchLane(plan)
        engine = correlations.isEmpty ? nil : CorrelationEngine(correlations: correlations, rules: rules, lateness: lateness)
        correlationObjects = correlations.map {
            AlertWriter.ruleObject(id: $0.id, title: $0.title, level: $0.level, tags: $0.tags, references: $0.references,
                                   runbook: $0.guidance.runbook, falsePositives: $0.guidance.falsePositives)
        }
        self.output = output
        self.diagnostics = diagnostics
    }

    public convenience init(_ set: RuleSet, lateness: Int64? = nil, readsTime: Bool = false, output: OutputWriter, diagnostics: Diagnostics) {
        self.init(rules: set.rules, correlations: set.correlations, lateness: lateness, readsTime: readsTime,
                  output: output, diagnostics: diagnostics)
    }

    /// Matches every event of `inputs`. With `state`, correlation state is read before and
    /// written (atomically, to `state.writePath`) after, and events still inside the lateness
    /// wait for the next run; without it the end of the input is the end of the stream.
    public func run(inputs: [String], state: StateFile? = nil, maxRecordSize: Int = LineReader.defaultMaxLineLength) throws -> ExitStatus {
        if let state { try engine?.load(from: state) }
        let input = NDJSONInput(inputs, maxRecordSize: maxRecordSize)
        let pool = PlanPool(plan, count: lanes)
        try input.forEachBlock(lanes: lanes, work: { [plan] in MatchLane(plan, pool: pool) }, flushing: output) { block, lane, source in
            try act(on: block, lane, source: source, input: input)
        }
        finish(keepPending: state != nil)
        if let failure = engine?.spillFailure { throw failure }
        // The alerts and the feed are out before the state says they were.
        try output.finish()
        try feed?.output.finish()
        if let state, let engine { try engine.save(to: state.writePath) }
        return diagnostics.exitStatus
    }

    /// `--detections-only`: single-event alerts as usual; the events that feed correlations go
    /// to `path` keyed by group (`CorrelationFeed`), for `--correlations-only` to correlate.
    public func feedCorrelations(to path: String, part: Int) throws {
        guard let engine else { return }
        feed = CorrelationFeed(output: try CorrelationFeed.open(path), correlations: engine.correlations, ruleCount: plan.rules.count, part: part)
    }

    /// Reads the state as `run` would, to fail before a scheduled run takes any input.
    public func checkState(_ file: StateFile) throws {
        try engine?.load(from: file)
    }

    /// The run's figures for `--stats`.
    public var stats: RunStats {
        var stats = RunStats()
        stats.set("trail_match_events", linesRead, help: "Event lines read by the last run.")
        stats.set("trail_match_bad_lines", diagnostics.skippedRecords, help: "Lines reported as malformed and skipped by the last run.")
        stats.set("trail_match_alerts", alertsWritten, help: "Alerts written by the last run.")
        stats.set("trail_match_late_events", engine?.tooLate ?? 0,
                  help: "Events of the last run left out of correlations: older than the allowed lateness, or counted before.")
        stats.set("trail_match_spilled_events", engine?.spilledEvents ?? 0,
                  help: "Correlation events the last run wrote to a temporary file beyond --correlation-buffer (without --state).")
        if let newestEvent {
            stats.set("trail_match_newest_event_timestamp_seconds", Double(newestEvent / 1_000_000_000),
                      help: "Event time (trail.time) of the newest event the last run read, in Unix seconds.")
        }
        return stats
    }

    /// Acts on a block's lines in input order, as its lane found them: reports each bad line,
    /// writes the alerts, hands the matched events to the correlations.
    private func act(on block: LineBlockView, _ lane: MatchLane, source: String, input: NDJSONInput) throws {
        var next = 0
        for (k, line) in block.lines.enumerated() {
            guard case .text(let range, let number) = line else {
                if case .tooLong(let number) = line { try input.skipTooLong(source, number, diagnostics) }
                continue
            }
            linesRead += 1
            if plan.readsTime { observeTime(lane.times[k]) }
            guard next < lane.outcomes.count, lane.outcomes[next].line == k else { continue }
            try act(on: lane.outcomes[next], lane, JSONScanner(block.text(range)), at: RecordLocation(source: source, line: number))
            next += 1
            if let failure = engine?.spillFailure { throw failure }
        }
    }

    /// Matches one input line (see `MatchLane.match(line:at:)`).
    func match(line: UnsafeRawBufferPointer, at location: RecordLocation) throws {
        linesRead += 1
        let s = JSONScanner(line)
        lane.reset(lineCount: 1)
        lane.match(line: s, at: 0)
        if plan.readsTime { observeTime(lane.times[0]) }
        if let outcome = lane.outcomes.first { try act(on: outcome, lane, s, at: location) }
    }

    /// Matches one event, checked before. Returns why the event was left out of correlations,
    /// when its time was there but unusable.
    @discardableResult
    public func match(_ s: JSONScanner, event root: Int) -> String? {
        lane.reset(lineCount: 1)
        lane.match(s, event: root, line: 0)
        if plan.readsTime { observeTime(lane.times[0]) }
        guard let outcome = lane.outcomes.first else { return nil }
        writeAlerts(outcome, lane)
        return correlate(outcome, s)
    }

    /// Acts on what a lane found on one line: its problem reported, or its alerts written
    /// and its event handed to the correlations.
    private func act(on outcome: LineOutcome, _ lane: MatchLane, _ s: JSONScanner, at location: RecordLocation) throws {
        if let problem = outcome.problem {
            return try diagnostics.badRecord(source: location.source, line: location.line, problem.description)
        }
        if outcome.missingHeader { return try missingHeader.skip(location, diagnostics) }
        writeAlerts(outcome, lane)
        if let problem = correlate(outcome, s) { try diagnostics.badRecord(source: location.source, line: location.line, problem) }
    }

    private func writeAlerts(_ outcome: LineOutcome, _ lane: MatchLane) {
        guard outcome.alertCount > 0 else { return }
        lane.alertText.withUnsafeBytes { output.write(UnsafeRawBufferPointer(rebasing: $0[outcome.alerts])) }
        alertsWritten += outcome.alertCount
    }

    /// Hands a matched event to the correlations (or the feed); returns why its time was not
    /// usable for them, when it was there but was not.
    private func correlate(_ outcome: LineOutcome, _ s: JSONScanner) -> String? {
        if outcome.untimed { untimed += 1 }
        guard outcome.timeProblem == nil else { return outcome.timeProblem }
        guard !outcome.matched.isEmpty, let engine else { return nil }
        if let feed {
            feed.add(time: outcome.time, id: outcome.id, matched: outcome.matched, s, event: outcome.root)
        } else if let raw = MatchLane.eventText(s, outcome.root) {
            engine.add(time: outcome.time, id: outcome.id, matched: outcome.matched, event: raw, readings: outcome.readings, fire: writeCorrelationAlert)
        }
        return nil
    }

    /// A line's event time, for the newest event and the correlations' watermark.
    private func observeTime(_ time: Int64) {
        guard time != .min else { return }
        if newestEvent.map({ time > $0 }) ?? true { newestEvent = time }
        engine?.observe(time)
    }

    /// Ends the input: releases the pending events the watermark has passed (every one,
    /// unless they wait for the next run), and reports the events correlations could not use.
    public func finish(keepPending: Bool) {
        if let feed {
            feed.finish(newest: plan.readsTime ? newestEvent : nil)
        } else if let engine {
            if keepPending {
                engine.releaseUpToWatermark(fire: writeCorrelationAlert)
            } else {
                engine.releaseAll(fire: writeCorrelationAlert)
            }
            if engine.tooLate > 0 {
                diagnostics.warn("\(engine.tooLate) events were older than the allowed lateness behind newer ones (late, or counted in an earlier run) and were left out of correlations")
            }
        }
        if untimed > 0 { diagnostics.warn("\(untimed) events without a trail.time were left out of correlations") }
        output.flush()
    }

    func writeCorrelationAlert(_ hit: CorrelationHit, _ last: CorrelationEngine.Pending) {
        let c = correlations[hit.correlation]
        alert.begin(rule: correlationObjects[hit.correlation])
        alert.time(EventTime.rfc3339(last.time))
        last.event.withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            c.guidance.writeResources(s, event: s.skipWhitespace(0), nil, names: &resourceNames, into: &alert)
        }
        var seen = Set<String>()
        alert.correlation(
            // The count measured, or for a sum, average or percentile the events and the figure.
            type: c.kind.rawValue, group: zip(c.groupBy, hit.group).map { (field: $0, value: $1) }, count: c.kind.isNumeric ? hit.entries.count : Int(hit.measure),
            measure: c.kind.isNumeric ? Threshold.text(hit.measure) : nil, field: c.fields.isEmpty ? nil : c.fields.joined(separator: ","),
            values: hit.entries.compactMap { seen.insert($0.value).inserted ? $0.value : nil }, events: hit.entries.map(\.id),
            first: hit.entries.first.map { EventTime.rfc3339($0.time) }, last: EventTime.rfc3339(last.time))
        output.writeLine(last.event.withUnsafeBytes { alert.finish(event: $0) })
        alertsWritten += 1
    }
}
