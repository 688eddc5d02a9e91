import TrailCore

extension Matcher {
    /// `--correlations-only`: correlates the feed lines `--detections-only` wrote (one shuffle
    /// partition of them: whole groups) as one whole stream, and writes the correlation alerts
    /// a single run over all the events would write for these groups. The events are taken in
    /// (time, order read) order, as the single run releases them; the newest event time of every
    /// part closes the windows still open at the end, as the single run's newest event does.
    public func runCorrelations(inputs: [String], maxRecordSize: Int = LineReader.defaultMaxLineLength) throws -> ExitStatus {
        guard let engine else { return diagnostics.exitStatus }
        var events: [FeedEvent] = []
        var latest: Int64?
        try NDJSONInput(inputs, maxRecordSize: maxRecordSize).forEachLine(diagnostics: diagnostics) { line, location in
            switch FeedEvent.read(line, ruleCount: engine.rules.count, correlationCount: engine.correlations.count, latest: &latest) {
            case .success(let event?): events.append(event)
            case .success(nil): break
            case .failure(let problem): try diagnostics.badRecord(source: location.source, line: location.line, problem.description)
            }
        }
        events.sort { ($0.time, $0.seq) < ($1.time, $1.seq) }
        if let latest { engine.observe(latest) }
        for e in events {
            e.event.withUnsafeBytes { raw in
                engine.add(time: e.time, id: e.id, matched: e.rules, event: raw, scope: e.scope, fire: writeCorrelationAlert)
            }
        }
        finish(keepPending: false)
        if let failure = engine.spillFailure { throw failure }
        return diagnostics.exitStatus
    }
}
