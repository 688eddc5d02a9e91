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
///
/// Without lateness (the whole stream, no state) nothing is released before the end of the
/// input: events are held encoded (`HeldEvents`), those beyond `spillLimit` bytes written to a
/// temporary file in sorted runs (`PendingSpill`) and merged back at the end, in the same
/// order, so memory stays flat.
final class CorrelationEngine {
    struct Pending {
        var time: Int64
        var id: String
        var seq: Int64
        /// Indices of the rules (in the loaded list) the event matched that correlations use.
        var rules: [Int]
        /// Its text: a slice of the spill's read buffer for an event read back from it.
        var event: ArraySlice<UInt8>
        /// On a cluster, what this copy of the event counts for (`FeedScope`); nil: everything.
        var scope: FeedScope? = nil
        /// What correlations read of the event, read where it was matched; a reading not
        /// here (an event from state, a chained correlation's slot) is read from `event`.
        var readings: [Reading] = []
    }

    /// What a correlation reads of an event for one of its rules (a slot): the measured value
    /// (nil: the event lacks it and is not counted) and the group-by values. Read on the lane
    /// that matched the event, from its walk of the event: the end of the input only counts.
    struct Reading: Sendable {
        var correlation: Int
        var slot: Int
        var value: String?
        /// The group's key: its values as a JSON array (`CorrelationEngine.key`).
        var key: String

        init(correlation: Int, slot: Int, value: String?, group: [String?]) {
            self.init(correlation: correlation, slot: slot, value: value, key: CorrelationEngine.key(group))
        }

        init(correlation: Int, slot: Int, value: String?, key: String) {
            (self.correlation, self.slot, self.value, self.key) = (correlation, slot, value, key)
        }

        /// The group-by values, read back from the key when an alert names them.
        var group: [String?] { CorrelationEngine.group(fromKey: key) }
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
    /// The top-level members of the event being processed.
    private let top = TopMembers()
    /// Per correlation decided when its windows close: the newest event of each open window
    /// (the alert's event), and the windows' ends in the order they opened.
    private var newest: [[String: [UInt8]]]
    private var closing: [[(end: Int64, key: String)]]
    /// Correlations in an order where every chained one comes after those it refers to.
    private let order: [Int]
    /// Per correlation: its alerts are replaced by those of a correlation over it.
    private let silenced: [Bool]
    /// Per correlation: how its windows are counted.
    private let counting: [WindowCount]
    /// Per source (a rule's index, or `rules.count` + a correlation's): the correlations
    /// counting it. Most events count in one or two of them: the rest are never looked at.
    private let countedBy: [[Int]]
    /// Per correlation: whether the event being processed counts in it (`== mark`) and
    /// whether it fired for it, by the number of the event, so nothing is cleared per event.
    private var countsIn: [UInt32], firedFor: [UInt32]
    private var mark: UInt32 = 0
    private(set) var tooLate = 0
    private var releasedSinceSweep = 0
    /// Without lateness: bytes of pending events held in memory before they spill; nil: no limit.
    var spillLimit: Int? = PendingSpill.defaultLimit
    /// Without lateness: the events that wait for the end of the input, encoded (`pending`
    /// serves the lateness), and the spill of those beyond `spillLimit`.
    private var held = HeldEvents()
    private var spill: PendingSpill?
    /// Why spilling failed: nothing more is counted or released, the correlations would be wrong.
    private(set) var spillFailure: SpillFailure?
    private(set) var spilledEvents = 0

    init(correlations: [CorrelationRule], rules: [Rule], lateness: Int64?) {
        self.correlations = correlations
        self.rules = rules
        self.lateness = lateness
        windows = Array(repeating: [:], count: correlations.count)
        newest = Array(repeating: [:], count: correlations.count)
        closing = Array(repeating: [], count: correlations.count)
        order = CorrelationEngine.chainOrder(correlations, ruleCount: rules.count)
        var silenced = Array(repeating: false, count: correlations.count)
        var generating = silenced
        for c in correlations {
            for r in c.ruleIndices where r >= rules.count {
                silenced[r - rules.count] = true
                if c.generate { generating[r - rules.count] = true }
            }
        }
        self.silenced = zip(silenced, generating).map { $0 && !$1 }
        var countedBy = Array(repeating: [Int](), count: rules.count + correlations.count)
        for (c, correlation) in correlations.enumerated() {
            for source in Set(correlation.ruleIndices) where source < countedBy.count { countedBy[source].append(c) }
        }
        self.countedBy = countedBy
        counting = correlations.map(WindowCount.init)
        countsIn = Array(repeating: 0, count: correlations.count)
        firedFor = countsIn
    }

    /// Inner correlations before outer ones (the loader refuses cycles).
    static func chainOrder(_ correlations: [CorrelationRule], ruleCount: Int) -> [Int] {
        var order: [Int] = []
        var placed = Array(repeating: false, count: correlations.count)
        func place(_ c: Int, depth: Int) {
            guard !placed[c], depth <= correlations.count else { return }
            for r in correlations[c].ruleIndices where r >= ruleCount { place(r - ruleCount, depth: depth + 1) }
            if !placed[c] { placed[c] = true; order.append(c) }
        }
        for c in correlations.indices { place(c, depth: 0) }
        return order
    }

    var watermark: Int64? {
        guard let latest, let lateness else { return nil }
        return EventTime.before(latest, by: lateness)
    }

    /// Takes one event that matched referenced rules `matched`; calls `fire` for every alert
    /// the events released by the advancing watermark raise.
    func add(time: Int64, id: String, matched: [Int], event: UnsafeRawBufferPointer, scope: FeedScope? = nil,
             readings: [Reading] = [], fire: (CorrelationHit, Pending) -> Void) {
        guard spillFailure == nil else { return }
        if let watermark, time < watermark {
            tooLate += 1
            return
        }
        seq += 1
        guard lateness != nil else { return hold(time: time, id: id, matched: matched, event: event, scope: scope, readings: readings) }
        // Kept sorted by (time, arrival): release takes a prefix, and events of one time are
        // counted in the order they were read, whatever their ids.
        var low = 0, high = pending.count
        while low < high {
            let mid = (low + high) / 2
            if (pending[mid].time, pending[mid].seq) < (time, seq) { low = mid + 1 } else { high = mid }
        }
        if !id.isEmpty {
            var k = low - 1
            while k >= 0, pending[k].time == time {
                if pending[k].id == id, pending[k].scope == scope { return }
                k -= 1
            }
        }
        pending.insert(Pending(time: time, id: id, seq: seq, rules: matched, event: Array(event)[...], scope: scope, readings: readings), at: low)
        observe(time)
        if let watermark { release(before: watermark, fire: fire) }
    }

    /// Without lateness: the event waits for the end of the input, held encoded; beyond
    /// `spillLimit` bytes the events held are written to the spill as one sorted run. An event
    /// read twice is dropped when they are let go, in order (`PendingSpill`'s first copies).
    private func hold(time: Int64, id: String, matched: [Int], event: UnsafeRawBufferPointer, scope: FeedScope?, readings: [Reading]) {
        held.add(time: time, seq: seq, id: id, rules: matched, event: event, scope: scope, readings: readings)
        observe(time)
        if let spillLimit, held.byteCount > spillLimit { spillHeld() }
    }

    /// Moves the watermark with the time of any event, matched or not, so that windows close
    /// on time even when no later event of their rules arrives.
    func observe(_ time: Int64) {
        if latest.map({ time > $0 }) ?? true { latest = time }
    }

    /// Releases every pending event older than `limit` (all of them at the end of a run
    /// without state), and closes the windows that end before it. Strictly older: an event
    /// at the watermark may still arrive again, and must find its first copy pending.
    func release(before limit: Int64, fire: (CorrelationHit, Pending) -> Void) {
        guard spillFailure == nil else { return }
        if lateness == nil {
            releaseHeld(fire: fire)
            guard spillFailure == nil else { return }
        } else {
            let cut = pending.firstIndex { $0.time >= limit } ?? pending.count
            for event in pending[..<cut] { replay(event, fire: fire) }
            pending.removeFirst(cut)
        }
        // At the end of the whole input, a window still open at the newest event is unfinished.
        close(before: limit == .max ? (latest ?? .min) : limit, fire: fire)
        if releasedSinceSweep > 4096 { sweep(before: limit) }
    }

    private func replay(_ event: Pending, fire: (CorrelationHit, Pending) -> Void) {
        close(before: event.time, fire: fire)
        process(event, fire: fire)
        // A long release bounds its windows too: no later event counts one older than a timespan before this.
        if releasedSinceSweep > 4096 { sweep(before: event.time) }
    }

    /// Writes the events held as one sorted run of the spill file, made at the first need.
    private func spillHeld() {
        do throws(SpillFailure) {
            if spill == nil { spill = try PendingSpill(directory: PendingSpill.temporaryDirectory) }
            try spill?.writeRun(held)
            spilledEvents += held.count
        } catch {
            spillFailure = error
        }
        held.removeAll()
    }

    /// At the end of the whole stream: the events held and any spilled runs, merged, in
    /// (time, arrival) order; an event read twice counts once (`PendingSpill.mergeAside`).
    private func releaseHeld(fire: (CorrelationHit, Pending) -> Void) {
        guard spill != nil else {
            held.forEachEvent { event in replay(event, fire: fire) }
            return held.removeAll()
        }
        if !held.isEmpty { spillHeld() }
        guard spillFailure == nil else { return }
        do throws(SpillFailure) {
            try spill?.mergeAside { event in replay(event, fire: fire) }
        } catch {
            spillFailure = error
        }
        spill = nil
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
        startEvent(event.rules)
        event.event.withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            var walked = false
            func reading(_ c: Int, _ slot: Int) -> Reading {
                if let read = event.readings.first(where: { $0.correlation == c && $0.slot == slot }) { return read }
                // One walk of the event's top level serves every reading made here.
                if !walked { top.read(s, root: s.skipWhitespace(0)) }
                walked = true
                return correlations.withUnsafeBufferPointer { CorrelationEngine.reading(s, top, c, slot: slot, in: $0) }
            }
            func matched(_ source: Int) -> Bool {
                source < rules.count ? event.rules.contains(source) : firedFor[source - rules.count] == mark
            }
            for c in order where countsIn[c] == mark && (event.scope?.correlations.contains(c) ?? true) {
                var groups: [Reading] = [], entries: [[WindowEntry]] = []
                for (slot, source) in correlations[c].ruleIndices.enumerated() where matched(source) {
                    let read = reading(c, slot)
                    guard let value = read.value else { continue }
                    let entry = WindowEntry(time: event.time, id: event.id, slot: slot, value: value)
                    if let k = groups.firstIndex(where: { $0.key == read.key }) { entries[k].append(entry) } else {
                        groups.append(read)
                        entries.append([entry])
                    }
                }
                if count(c, groups, entries, event, fire: fire) {
                    firedFor[c] = mark
                    for outer in countedBy[rules.count + c] { countsIn[outer] = mark }
                }
            }
        }
    }

    /// Marks the correlations counting the rules an event matched, for `process`.
    private func startEvent(_ matched: [Int]) {
        mark &+= 1
        if mark == 0 {
            for c in countsIn.indices { (countsIn[c], firedFor[c]) = (0, 0) }
            mark = 1
        }
        for r in matched where r < rules.count {
            for c in countedBy[r] { countsIn[c] = mark }
        }
    }

    /// Counts one event's entries in correlation `c`'s window of each group (by key, as a
    /// stream of events would be), firing what holds; whether any did.
    private func count(_ c: Int, _ groups: [Reading], _ entries: [[WindowEntry]], _ event: Pending,
                       fire: (CorrelationHit, Pending) -> Void) -> Bool {
        var hit = false
        // In key order, as a stream of events would be counted; most events have one group.
        let order = groups.count == 1 ? [0] : groups.indices.sorted { groups[$0].key < groups[$1].key }
        for k in order where event.scope?.group.map({ $0 == groups[k].key }) ?? true {
            let key = groups[k].key
            if counting[c].threshold.decidedAtClose {
                open(c, key, entries[k], event, fire: fire)
                continue
            }
            // Advanced in place: a copy of the window per event would cost as much as the window.
            guard let result = counting[c].advance(&windows[c][key, default: []], with: entries[k]) else { continue }
            // A window is left empty only when it fired.
            if windows[c][key]?.isEmpty == true { windows[c][key] = nil }
            hit = true
            if !silenced[c] { fire(CorrelationHit(correlation: c, group: groups[k].group, measure: result.measure, entries: result.used), event) }
        }
        return hit
    }

    /// What correlation `c` of `all` reads of an event for its rule at `slot`. The rule's
    /// fields are read in place: the rule passed whole was copied (every list and text) per reading.
    static func reading(_ s: JSONScanner, _ top: TopMembers, _ c: Int, slot: Int, in all: UnsafeBufferPointer<CorrelationRule>) -> Reading {
        Reading(correlation: c, slot: slot, value: value(s, top, all[c].fieldPaths[slot], numeric: all[c].kind.isNumeric),
                group: all[c].groupPaths[slot].map { path in top.value(s, at: path).flatMap { s.text(at: $0) } })
    }

    /// The readings of the rules `matched` for the correlations that count them: `slots[r]`
    /// lists rule r's places, as (correlation, slot).
    static func readings(_ s: JSONScanner, _ top: TopMembers, matched: [Int], slots: [[(correlation: Int, slot: Int)]],
                         correlations: [CorrelationRule]) -> [Reading] {
        var readings: [Reading] = []
        correlations.withUnsafeBufferPointer { all in
            for r in matched {
                for (c, slot) in slots[r] { readings.append(reading(s, top, c, slot: slot, in: all)) }
            }
        }
        return readings
    }

    /// Per rule: the correlations that count it, and its slot in each.
    static func slots(of correlations: [CorrelationRule], ruleCount: Int) -> [[(correlation: Int, slot: Int)]] {
        var slots = Array(repeating: [(correlation: Int, slot: Int)](), count: ruleCount)
        for (c, correlation) in correlations.enumerated() {
            for (slot, source) in correlation.ruleIndices.enumerated() where source < ruleCount { slots[source].append((c, slot)) }
        }
        return slots
    }

    /// The measured value of a slot's event: its field's text, the fields' values as a JSON
    /// array when there are several, a number for the numeric kinds; "" when nothing is
    /// measured; nil when the event lacks what is measured (it is not counted).
    static func value(_ s: JSONScanner, _ top: TopMembers, _ paths: [JSONPath], numeric: Bool) -> String? {
        if paths.isEmpty { return "" }
        let texts = paths.map { top.value(s, at: $0).flatMap { s.text(at: $0) } }
        if paths.count == 1 {
            guard let text = texts[0] else { return nil }
            if numeric { return Double(text).flatMap { $0.isFinite ? text : nil } }
            return text
        }
        guard texts.contains(where: { $0 != nil }) else { return nil }
        return key(texts)
    }

    /// Adds entries to a window decided when it closes, opening it if needed.
    private func open(_ c: Int, _ key: String, _ entries: [WindowEntry], _ event: Pending, fire: (CorrelationHit, Pending) -> Void) {
        if windows[c][key] == nil {
            closing[c].append((end: CorrelationEngine.after(entries[0].time, by: correlations[c].timespan), key: key))
        }
        windows[c][key, default: []].append(contentsOf: correlations[c].kind.isTemporal ? entries : [entries[0]])
        // A copy: a slice would keep the whole read buffer it lies in for as long as the window.
        newest[c][key] = Array(event.event)
    }

    /// Closes every window decided at its close whose end is before `limit`, raising the
    /// alerts of those whose measure holds.
    private func close(before limit: Int64, fire: (CorrelationHit, Pending) -> Void) {
        for c in correlations.indices where !closing[c].isEmpty {
            var done = 0
            while done < closing[c].count, closing[c][done].end < limit {
                let (end, key) = closing[c][done]
                done += 1
                guard let window = windows[c][key], let first = window.first,
                      CorrelationEngine.after(first.time, by: correlations[c].timespan) == end else { continue }
                windows[c][key] = nil
                let last = newest[c].removeValue(forKey: key) ?? []
                guard !silenced[c], let (measure, used) = counting[c].measure(window), counting[c].threshold.holds(measure) else { continue }
                let group = CorrelationEngine.group(fromKey: key)
                let event = Pending(time: window.last!.time, id: window.last!.id, seq: 0, rules: [], event: last[...])
                fire(CorrelationHit(correlation: c, group: group, measure: measure, entries: used), event)
            }
            closing[c].removeFirst(done)
        }
    }

    static func after(_ time: Int64, by span: Int64) -> Int64 {
        let (sum, overflow) = time.addingReportingOverflow(span)
        return overflow ? .max : sum
    }

    static func group(fromKey key: String) -> [String?] {
        Array(key.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            var group: [String?] = []
            s.forEachElement(ofArrayAt: s.skipWhitespace(0)) { at in
                group.append(s.kind(at: at) == .null ? nil : s.string(at: at))
                return true
            }
            return group
        }
    }

    /// Drops windows whose newest entry is older than every timespan allows: memory stays
    /// bounded by the events of the last timespan, however long the stream runs. (Windows
    /// decided at their close are closed before they could be dropped.)
    func sweep(before limit: Int64) {
        releasedSinceSweep = 0
        for c in correlations.indices where !counting[c].threshold.decidedAtClose {
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
            json.array(p.rules.map { rules[$0].id })
            json.key("event"); p.event.withUnsafeBytes { json.raw($0) }
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
        // The newest event of each window decided at its close: the alert it may raise.
        json.key("newest")
        json.beginObject()
        for (c, correlation) in correlations.enumerated() where !newest[c].isEmpty {
            json.key(correlation.id)
            json.beginObject()
            for key in newest[c].keys.sorted() {
                json.key(key)
                json.raw(newest[c][key]!)
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
            pending.sort { ($0.time, $0.seq) < ($1.time, $1.seq) }
            if let saved = s.member("windows", ofObjectAt: root), !loadWindows(s, saved) { return "a correlation window is malformed" }
            if let saved = s.member("newest", ofObjectAt: root), !loadNewest(s, saved) { return "a correlation window's event is malformed" }
            reopenClosingWindows()
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
                pending.append(Pending(time: time, id: id, seq: seq, rules: matched, event: Array(event)[...]))
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

    private func loadNewest(_ s: JSONScanner, _ saved: Int) -> Bool {
        guard s.kind(at: saved) == .object else { return false }
        var wellFormed = true
        for (c, correlation) in correlations.enumerated() where correlation.threshold.decidedAtClose {
            guard let groups = s.member(correlation.id, ofObjectAt: saved) else { continue }
            guard s.kind(at: groups) == .object else { return false }
            s.forEachMember(ofObjectAt: groups) { k, event in
                guard let key = s.string(at: k), s.kind(at: event) == .object, let raw = s.raw(at: event) else { wellFormed = false; return false }
                if windows[c][key] != nil { newest[c][key] = Array(raw) }
                return true
            }
        }
        return wellFormed
    }

    /// The loaded windows decided at their close, queued by their ends.
    private func reopenClosingWindows() {
        for (c, correlation) in correlations.enumerated() where correlation.threshold.decidedAtClose {
            closing[c] = windows[c].map { (end: CorrelationEngine.after($0.value[0].time, by: correlation.timespan), key: $0.key) }
                .sorted { ($0.end, $0.key) < ($1.end, $1.key) }
        }
    }
}
