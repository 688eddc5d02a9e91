import TrailCore

/// Runs rules over a stream of flattened events and writes one alert line per match,
/// following the alert contract: `{"alert":{"rule":{…},"time":…},"event":{…}}`; correlation
/// alerts add `alert.correlation` (type, group, count, the contributing event ids).
public final class Matcher {
    private let rules: [Rule]
    private let correlations: [CorrelationRule]
    private let index: RuleIndex
    /// Per rule: some correlation counts its matches.
    private let referenced: [Bool]
    /// Per rule: its own alerts are replaced by its correlations' (Sigma's `generate: false`).
    private let silenced: [Bool]
    let engine: CorrelationEngine?
    /// With `--detections-only`: where events that feed correlations go instead of `engine`.
    private var feed: CorrelationFeed?
    /// Per rule and per correlation: its `alert.rule` object, written once, copied into each alert.
    private let ruleObjects: [[UInt8]]
    private let correlationObjects: [[UInt8]]
    private let output: OutputWriter
    let diagnostics: Diagnostics
    private var alert = AlertWriter()
    private var candidates: [Int] = []
    /// Per line: where the header members the rule index reads start.
    private var header: [Int] = []
    private var matched: [Int] = []
    /// The members of the event matched, read once for the index and every rule tried.
    private let top = TopMembers()
    private var resourceNames = ResourceNames()
    private let missingHeader = MissingHeader()
    private var untimed = 0
    public private(set) var alertsWritten = 0
    public private(set) var linesRead = 0
    /// Whether every line's `trail.time` is read: for the watermark (with state) or the
    /// run's newest event (with `--stats`).
    private let readsTime: Bool
    /// The newest event time seen in this run (nanoseconds), when `readsTime`.
    public private(set) var newestEvent: Int64?

    private static let timePath = JSONPath("trail.time")
    private static let idPath = JSONPath("trail.id")

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
        self.rules = rules
        self.correlations = correlations
        // Windows close on the time of any event: with state, or when some window is decided at its close.
        self.readsTime = readsTime || (lateness != nil && !correlations.isEmpty) || correlations.contains { $0.threshold.decidedAtClose }
        index = RuleIndex(rules, readsTime: self.readsTime)
        var referenced = Array(repeating: false, count: rules.count)
        var generating = Array(repeating: false, count: rules.count)
        for c in correlations {
            for r in c.ruleIndices where r < rules.count {
                referenced[r] = true
                if c.generate { generating[r] = true }
            }
        }
        self.referenced = referenced
        silenced = rules.indices.map { referenced[$0] && !generating[$0] }
        engine = correlations.isEmpty ? nil : CorrelationEngine(correlations: correlations, rules: rules, lateness: lateness)
        ruleObjects = rules.map {
            AlertWriter.ruleObject(id: $0.id, title: $0.title, level: $0.level, tags: $0.tags, references: $0.references,
                                   runbook: $0.guidance.runbook, falsePositives: $0.guidance.falsePositives)
        }
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
        try NDJSONInput(inputs, maxRecordSize: maxRecordSize).forEachLine(diagnostics: diagnostics, flushing: output) { line, location in
            try match(line: line, at: location)
            if let failure = engine?.spillFailure { throw failure }
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
        feed = CorrelationFeed(output: try CorrelationFeed.open(path), correlations: engine.correlations, ruleCount: rules.count, part: part)
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

    /// Matches one input line. Most events of a trail are routine calls no rule names; for a
    /// line trail-flatten wrote, the rule index decides that from the `trail` header, and the
    /// line is passed over once its header is checked, since checking the whole event would
    /// cost more than everything else done with it (see `TrailHeader`). Every event a rule
    /// examines is checked in full first, and any other line too: a bad one is reported and
    /// skipped. With `--strict` every line is checked in full. A line without the `trail`
    /// header is not an event (rules are written against the header): reported, not matched.
    func match(line: UnsafeRawBufferPointer, at location: RecordLocation) throws {
        linesRead += 1
        let s = JSONScanner(line)
        if !diagnostics.strict, let headerEnd = index.readHeader(s, into: &header) {
            if let member = index.timeMember, header[member] >= 0 { observeTime(s, header[member]) }
            top.read(s, root: 0, headerEnd: headerEnd)
            index.candidates(s, 0, header: header, top: top, into: &candidates)
            guard !candidates.isEmpty, try NDJSONInput.framedObject(s, checkedUpTo: top.checkedEnd ?? headerEnd, at: location, diagnostics: diagnostics) != nil else { return }
            try report(evaluate(s, event: 0), at: location)
        } else {
            guard let root = try NDJSONInput.object(s, at: location, diagnostics: diagnostics) else { return }
            guard TrailHeader.position(s, event: root) != nil else { return try missingHeader.skip(location, diagnostics) }
            try report(match(s, event: root), at: location)
        }
    }

    private func report(_ problem: String?, at location: RecordLocation) throws {
        if let problem { try diagnostics.badRecord(source: location.source, line: location.line, problem) }
    }

    /// Matches one event, checked before. Returns why the event was left out of correlations,
    /// when its time was there but unusable.
    @discardableResult
    public func match(_ s: JSONScanner, event root: Int) -> String? {
        top.read(s, root: root)
        if readsTime, let at = top.value(s, at: Matcher.timePath) { observeTime(s, at) }
        index.candidates(s, root, top: top, into: &candidates)
        guard !candidates.isEmpty else { return nil }
        return evaluate(s, event: root)
    }

    /// Tries the candidate rules on a checked event, writing its alerts and handing its
    /// matches to the correlations; returns why a time given was not usable for them.
    private func evaluate(_ s: JSONScanner, event root: Int) -> String? {
        matched.removeAll(keepingCapacity: true)
        for r in candidates where rules[r].matches(s, event: root, top) {
            if !silenced[r] { writeAlert(r, s, event: root) }
            if referenced[r] { matched.append(r) }
        }
        guard !matched.isEmpty, let engine, let raw = Matcher.eventText(s, root) else { return nil }
        guard let timeAt = top.value(s, at: Matcher.timePath), s.kind(at: timeAt) != .null else {
            untimed += 1
            return nil
        }
        let time: Int64
        switch EventTime.read(s, timeAt) {
        case .nanoseconds(let t): time = t
        case .outOfRange: return "event time out of range"
        case .notATime: return "event time \(s.text(at: timeAt).map(JSONWriter.quoted) ?? "") is not an RFC 3339 time of years 0001-9999"
        }
        let id = top.value(s, at: Matcher.idPath).flatMap { s.string(at: $0) } ?? ""
        if let feed {
            feed.add(time: time, id: id, matched: matched, s, event: root)
            return nil
        }
        engine.add(time: time, id: id, matched: matched, event: raw, fire: writeCorrelationAlert)
        return nil
    }

    /// The event time at `at` (a header's or an event's), for the newest event and the
    /// correlations' watermark.
    private func observeTime(_ s: JSONScanner, _ at: Int) {
        // A time out of range (reported when a correlation needs it) must not move the watermark.
        guard case .nanoseconds(let time) = EventTime.read(s, at) else { return }
        if newestEvent.map({ time > $0 }) ?? true { newestEvent = time }
        engine?.observe(time)
    }

    /// Ends the input: releases the pending events the watermark has passed (every one,
    /// unless they wait for the next run), and reports the events correlations could not use.
    public func finish(keepPending: Bool) {
        if let feed {
            feed.finish(newest: readsTime ? newestEvent : nil)
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

    private func writeAlert(_ r: Int, _ s: JSONScanner, event root: Int) {
        alert.begin(rule: ruleObjects[r])
        alert.time(s, at: top.value(s, at: Matcher.timePath))
        rules[r].guidance.writeResources(s, event: root, top, names: &resourceNames, into: &alert)
        output.writeLine(alert.finish(event: Matcher.eventText(s, root)))
        alertsWritten += 1
    }

    /// The event's JSON text. An event that is a whole document (at 0, checked) is the document
    /// without its trailing whitespace: an alert copies the line without scanning it again.
    private static func eventText(_ s: JSONScanner, _ root: Int) -> UnsafeRawBufferPointer? {
        guard root == 0 else { return s.raw(at: root) }
        var end = s.bytes.count
        while end > 0, s.bytes[end - 1] == 0x20 || s.bytes[end - 1] == 0x0A || s.bytes[end - 1] == 0x0D || s.bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: s.bytes[0..<end])
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
