import TrailCore

/// Runs correlation rules on event time. Matches of referenced rules wait in `pending` until
/// the watermark (the latest event time seen, minus the allowed lateness) passes them; they are
/// then released in (time, id, arrival) order, so the alerts depend only on the events, never on
/// how the input was split into runs. Events older than the watermark are too late and are left
/// out (and counted). The whole state survives between runs through `save`/`load`.
final class CorrelationEngine {
    struct Pending {
        var time: Int64
        var id: String
        var seq: Int64
        /// Indices of the rules (in the loaded list) the event matched that correlations use.
        var rules: [Int]
        var event: [UInt8]
    }

    let correlations: [CorrelationRule]
    let rules: [Rule]
    /// Nanoseconds; nil: unbounded, nothing is released before the end of the input.
    let lateness: Int64?
    private(set) var pending: [Pending] = []
    private(set) var latest: Int64?
    private var seq: Int64 = 0
    /// Per correlation: group key (the group-by values as a JSON array) → window.
    private(set) var windows: [[String: [WindowEntry]]]
    private(set) var tooLate = 0
    private var releasedSinceSweep = 0

    init(correlations: [CorrelationRule], rules: [Rule], lateness: Int64?) {
        self.correlations = correlations
        self.rules = rules
        self.lateness = lateness
        windows = Array(repeating: [:], count: correlations.count)
    }

    var watermark: Int64? {
        guard let latest, let lateness else { return nil }
        return latest &- lateness
    }

    /// Takes one event that matched referenced rules `matched`; calls `fire` for every alert
    /// the events released by the advancing watermark raise.
    func add(time: Int64, id: String, matched: [Int], event: UnsafeRawBufferPointer,
             fire: (CorrelationHit, Pending) -> Void) {
        if let watermark, time < watermark {
            tooLate += 1
            return
        }
        seq += 1
        // Kept sorted by (time, id, arrival): release takes a prefix.
        var low = 0, high = pending.count
        while low < high {
            let mid = (low + high) / 2
            if (pending[mid].time, pending[mid].id, pending[mid].seq) < (time, id, seq) { low = mid + 1 } else { high = mid }
        }
        pending.insert(Pending(time: time, id: id, seq: seq, rules: matched, event: Array(event)), at: low)
        latest = max(latest ?? time, time)
        if let watermark { release(upTo: watermark, fire: fire) }
    }

    /// Releases every pending event up to `limit` (all of them at the end of a run without state).
    func release(upTo limit: Int64, fire: (CorrelationHit, Pending) -> Void) {
        guard let first = pending.first, first.time <= limit else { return }
        let cut = pending.firstIndex { $0.time > limit } ?? pending.count
        for event in pending[..<cut] { process(event, fire: fire) }
        pending.removeFirst(cut)
        if releasedSinceSweep > 4096 { sweep(before: limit) }
    }

    func releaseAll(fire: (CorrelationHit, Pending) -> Void) {
        release(upTo: .max, fire: fire)
    }

    private func process(_ event: Pending, fire: (CorrelationHit, Pending) -> Void) {
        releasedSinceSweep += 1
        event.event.withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            let root = s.skipWhitespace(0)
            for (c, correlation) in correlations.enumerated() {
                let slots = correlation.ruleIndices.indices.filter { event.rules.contains(correlation.ruleIndices[$0]) }
                guard !slots.isEmpty else { continue }
                var value = ""
                if let field = correlation.field {
                    guard let at = s.value(at: field, from: root), let text = s.text(at: at) else { continue }
                    value = text
                }
                let group = correlation.groupBy.map { path in s.value(at: path, from: root).flatMap { s.text(at: $0) } }
                let key = CorrelationEngine.key(group)
                let entries = slots.map { WindowEntry(time: event.time, id: event.id, slot: $0, value: value) }
                var window = windows[c][key] ?? []
                let result = correlation.advance(&window, with: entries)
                windows[c][key] = window.isEmpty ? nil : window
                if let result {
                    fire(CorrelationHit(correlation: c, group: group, count: result.count, entries: result.used), event)
                }
            }
        }
    }

    /// Drops windows whose newest entry is older than every timespan allows: memory stays
    /// bounded by the events of the last timespan, however long the stream runs.
    func sweep(before limit: Int64) {
        releasedSinceSweep = 0
        for c in correlations.indices {
            let horizon = limit == .max ? Int64.min : limit - correlations[c].timespan
            windows[c] = windows[c].filter { $0.value.contains { $0.time >= horizon } }
        }
    }

    static func key(_ group: [String?]) -> String {
        var json = JSONWriter(capacity: 64)
        json.beginArray()
        for value in group { json.stringOrNull(value) }
        json.endArray()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    // MARK: State between runs

    /// The state as JSON: the watermark's source, pending events (with their text, for the
    /// alerts they may still raise) and every open window, keyed by rule id so that a changed
    /// rule set keeps what still applies.
    func save(to path: String) throws {
        if let watermark { sweep(before: watermark) }
        var json = JSONWriter(capacity: 1 << 16)
        json.beginObject()
        json.key("version"); json.number(1)
        json.key("latest"); if let latest { json.number(Int(latest)) } else { json.null() }
        json.key("seq"); json.number(Int(seq))
        json.key("pending")
        json.beginArray()
        for p in pending {
            json.beginObject()
            json.key("time"); json.number(Int(p.time))
            json.member("id", p.id)
            json.key("seq"); json.number(Int(p.seq))
            json.key("rules")
            json.beginArray()
            for r in p.rules { json.string(rules[r].id) }
            json.endArray()
            json.key("event"); json.raw(p.event)
            json.endObject()
        }
        json.endArray()
        json.key("windows")
        json.beginObject()
        for (c, correlation) in correlations.enumerated() where !windows[c].isEmpty {
            json.key(correlation.id)
            json.beginObject()
            for key in windows[c].keys.sorted() {
                json.key(key)
                json.beginArray()
                for e in windows[c][key]! {
                    json.beginArray()
                    json.number(Int(e.time)); json.string(e.id); json.number(e.slot); json.string(e.value)
                    json.endArray()
                }
                json.endArray()
            }
            json.endObject()
        }
        json.endObject()
        json.endObject()
        json.bytes.append(0x0A)
        try FileIO.writeAtomically(json.bytes, to: path)
    }

    struct StateError: Error, CustomStringConvertible {
        let description: String
    }

    /// Restores what `save` wrote; a missing file is a first run.
    func load(from path: String) throws {
        guard FileIO.exists(path) else { return }
        let bytes = try FileIO.readFile(path)
        try bytes.withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            let root: Int
            do { root = try s.validateDocument() } catch { throw StateError(description: "\(path): not a state file: \(error)") }
            func int(_ at: Int?) -> Int64? { at.flatMap { s.text(at: $0) }.flatMap { Int64($0) } }
            guard int(s.member("version", ofObjectAt: root)) == 1 else {
                throw StateError(description: "\(path): unknown state version")
            }
            latest = int(s.member("latest", ofObjectAt: root))
            seq = int(s.member("seq", ofObjectAt: root)) ?? 0
            let ruleIndex = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
            if let list = s.member("pending", ofObjectAt: root) {
                s.forEachElement(ofArrayAt: list) { at in
                    guard let time = int(s.member("time", ofObjectAt: at)),
                          let id = s.member("id", ofObjectAt: at).flatMap({ s.string(at: $0) }),
                          let eventAt = s.member("event", ofObjectAt: at), let event = s.raw(at: eventAt) else { return true }
                    var matched: [Int] = []
                    if let r = s.member("rules", ofObjectAt: at) {
                        s.forEachElement(ofArrayAt: r) { e in
                            if let name = s.string(at: e), let k = ruleIndex[name] { matched.append(k) }
                            return true
                        }
                    }
                    if !matched.isEmpty {
                        pending.append(Pending(time: time, id: id, seq: int(s.member("seq", ofObjectAt: at)) ?? 0, rules: matched, event: Array(event)))
                    }
                    return true
                }
            }
            pending.sort { ($0.time, $0.id, $0.seq) < ($1.time, $1.id, $1.seq) }
            guard let saved = s.member("windows", ofObjectAt: root) else { return }
            for (c, correlation) in correlations.enumerated() {
                guard let groups = s.member(correlation.id, ofObjectAt: saved) else { continue }
                s.forEachMember(ofObjectAt: groups) { k, list in
                    guard let key = s.string(at: k) else { return true }
                    var window: [WindowEntry] = []
                    s.forEachElement(ofArrayAt: list) { e in
                        var fields: [Int] = []
                        s.forEachElement(ofArrayAt: e) { fields.append($0); return true }
                        if fields.count == 4, let time = int(fields[0]), let id = s.string(at: fields[1]),
                           let slot = int(fields[2]), slot >= 0, slot < correlation.ruleIndices.count,
                           let value = s.string(at: fields[3]) {
                            window.append(WindowEntry(time: time, id: id, slot: Int(slot), value: value))
                        }
                        return true
                    }
                    if !window.isEmpty { windows[c][key] = window }
                    return true
                }
            }
        }
    }
}
