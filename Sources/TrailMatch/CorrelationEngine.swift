import TrailCore

/// Runs correlation rules on event time. Matches of referenced rules wait in `pending` until
/// the watermark (the latest time of any event seen, minus the allowed lateness) passes them;
/// they are then released in (time, id, arrival) order, so the alerts depend only on the events,
/// never on how the input was split into runs. Events older than the watermark are too late and
/// are left out (and counted). The whole state survives between runs through `save`/`load`.
///
/// An event counts once: one already pending (same time and id) is not added again, and one
/// already released is older than the watermark, so a file delivered twice, or a batch a
/// killed pipeline reads again, changes no count.
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
        return EventTime.before(latest, by: lateness)
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
        if !id.isEmpty, low > 0, pending[low - 1].time == time, pending[low - 1].id == id { return }
        pending.insert(Pending(time: time, id: id, seq: seq, rules: matched, event: Array(event)), at: low)
        observe(time)
        if let watermark { release(before: watermark, fire: fire) }
    }

    /// Moves the watermark with the time of any event, matched or not, so that windows close
    /// on time even when no later event of their rules arrives.
    func observe(_ time: Int64) {
        if latest.map({ time > $0 }) ?? true { latest = time }
    }

    /// Releases every pending event older than `limit` (all of them at the end of a run
    /// without state). Strictly older: an event at the watermark may still arrive again, and
    /// must find its first copy pending.
    func release(before limit: Int64, fire: (CorrelationHit, Pending) -> Void) {
        guard let first = pending.first, first.time < limit else { return }
        let cut = pending.firstIndex { $0.time >= limit } ?? pending.count
        for event in pending[..<cut] { process(event, fire: fire) }
        pending.removeFirst(cut)
        if releasedSinceSweep > 4096 { sweep(before: limit) }
    }

    func releaseAll(fire: (CorrelationHit, Pending) -> Void) {
        release(before: .max, fire: fire)
    }

    /// With state, at the end of a run: what the run's newest event lets go.
    func releaseUpToWatermark(fire: (CorrelationHit, Pending) -> Void) {
        if let watermark { release(before: watermark, fire: fire) }
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
            let horizon = limit == .max ? Int64.min : EventTime.before(limit, by: correlations[c].timespan)
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

    /// Restores what `save` wrote; a missing file is a first run. Anything `save` would not
    /// have written is an unreadable state (`StateFileError`), never skipped silently: a
    /// window lost without a word is a missed alert. Entries of rules no longer loaded are
    /// dropped: the rule set may change between runs.
    func load(from file: StateFile) throws {
        guard FileIO.exists(file.path) else { return }
        let bytes = try FileIO.readFile(file.path)
        let problem: String? = bytes.withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            let root: Int
            do { root = try s.validateDocument() } catch { return "not JSON: \(error)" }
            guard s.kind(at: root) == .object else { return "not a JSON object" }
            guard CorrelationEngine.int(s, s.member("version", ofObjectAt: root)) == 1 else { return "not a trail-match state file of version 1" }
            latest = CorrelationEngine.int(s, s.member("latest", ofObjectAt: root))
            seq = CorrelationEngine.int(s, s.member("seq", ofObjectAt: root)) ?? 0
            if let list = s.member("pending", ofObjectAt: root), !loadPending(s, list) { return "a pending event is malformed" }
            pending.sort { ($0.time, $0.id, $0.seq) < ($1.time, $1.id, $1.seq) }
            if let saved = s.member("windows", ofObjectAt: root), !loadWindows(s, saved) { return "a correlation window is malformed" }
            return nil
        }
        if let problem { throw file.corrupt(problem, tool: "trail-match") }
    }

    private static func int(_ s: JSONScanner, _ at: Int?) -> Int64? {
        at.flatMap { s.text(at: $0) }.flatMap { Int64($0) }
    }

    private func loadPending(_ s: JSONScanner, _ list: Int) -> Bool {
        let ruleIndex = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        guard s.kind(at: list) == .array else { return false }
        var wellFormed = true
        s.forEachElement(ofArrayAt: list) { at in
            guard let time = CorrelationEngine.int(s, s.member("time", ofObjectAt: at)),
                  let id = s.member("id", ofObjectAt: at).flatMap({ s.string(at: $0) }),
                  let eventAt = s.member("event", ofObjectAt: at), let event = s.raw(at: eventAt),
                  let r = s.member("rules", ofObjectAt: at), s.kind(at: r) == .array else {
                wellFormed = false
                return false
            }
            var matched: [Int] = []
            s.forEachElement(ofArrayAt: r) { e in
                guard let name = s.string(at: e) else { wellFormed = false; return false }
                if let k = ruleIndex[name] { matched.append(k) }
                return true
            }
            if wellFormed, !matched.isEmpty {
                let seq = CorrelationEngine.int(s, s.member("seq", ofObjectAt: at)) ?? 0
                pending.append(Pending(time: time, id: id, seq: seq, rules: matched, event: Array(event)))
            }
            return wellFormed
        }
        return wellFormed
    }

    private func loadWindows(_ s: JSONScanner, _ saved: Int) -> Bool {
        guard s.kind(at: saved) == .object else { return false }
        var wellFormed = true
        for (c, correlation) in correlations.enumerated() {
            guard let groups = s.member(correlation.id, ofObjectAt: saved) else { continue }
            guard s.kind(at: groups) == .object else { return false }
            s.forEachMember(ofObjectAt: groups) { k, list in
                guard let key = s.string(at: k), s.kind(at: list) == .array else { wellFormed = false; return false }
                var window: [WindowEntry] = []
                s.forEachElement(ofArrayAt: list) { e in
                    var fields: [Int] = []
                    s.forEachElement(ofArrayAt: e) { fields.append($0); return true }
                    guard fields.count == 4, let time = CorrelationEngine.int(s, fields[0]), let id = s.string(at: fields[1]),
                          let slot = CorrelationEngine.int(s, fields[2]), let value = s.string(at: fields[3]) else {
                        wellFormed = false
                        return false
                    }
                    // A slot beyond the rule's list: the correlation was edited; the entry no longer applies.
                    if slot >= 0, slot < correlation.ruleIndices.count {
                        window.append(WindowEntry(time: time, id: id, slot: Int(slot), value: value))
                    }
                    return true
                }
                if !window.isEmpty { windows[c][key] = window }
                return wellFormed
            }
            guard wellFormed else { return false }
        }
        return true
    }
}
