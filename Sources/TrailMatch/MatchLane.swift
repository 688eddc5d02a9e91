import Foundation
import TrailCore

/// What every lane reads and none changes: the rules, their index and what a match of each
/// leads to. Built by `Matcher`, and once more for each further thread at work (`PlanPool`).
final class MatchPlan: @unchecked Sendable {
    // @unchecked: nothing here changes after `init`; the rules and the index are read only.
    let rules: [Rule]
    let correlations: [CorrelationRule]
    /// Per rule: the correlations that count it, and its slot in each.
    let slots: [[(correlation: Int, slot: Int)]]
    let index: RuleIndex
    /// Per rule: some correlation counts its matches.
    let referenced: [Bool]
    /// Per rule: its own alerts are replaced by its correlations' (Sigma's `generate: false`).
    let silenced: [Bool]
    /// Per rule: its `alert.rule` object, written once, copied into each alert.
    let ruleObjects: [[UInt8]]
    /// Whether every line's `trail.time` is read (`Matcher.readsTime`).
    let readsTime: Bool
    /// Whether some correlation counts matches: events that match a referenced rule are kept.
    let correlates: Bool
    /// `--strict`: every line is checked in full, none passed over after its header.
    let strict: Bool

    /// The same plan built anew, for another thread: threads sharing one would contend for
    /// its reference counts, which every walk of the index touches (about 35 times a line).
    func copy() -> MatchPlan {
        MatchPlan(rules: rules.map { $0 }, correlations: correlations.map { $0 }, readsTime: readsTime, strict: strict)
    }

    init(rules: [Rule], correlations: [CorrelationRule], readsTime: Bool, strict: Bool) {
        self.rules = rules
        self.correlations = correlations
        slots = CorrelationEngine.slots(of: correlations, ruleCount: rules.count)
        self.readsTime = readsTime
        self.strict = strict
        correlates = !correlations.isEmpty
        index = RuleIndex(rules)
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
        ruleObjects = rules.map {
            AlertWriter.ruleObject(id: $0.id, title: $0.title, level: $0.level, tags: $0.tags, references: $0.references,
                                   runbook: $0.guidance.runbook, falsePositives: $0.guidance.falsePositives)
        }
    }
}

/// The plans the lanes match with, one for each thread at work: a block is matched with a
/// plan no other thread is using (`MatchPlan.copy`), up to `count` blocks at once.
final class PlanPool: @unchecked Sendable {
    // @unchecked: `free` and `made` are read and written under `condition`.
    private let condition = NSCondition()
    private let original: MatchPlan
    private var free: [MatchPlan]
    private var made = 1
    let count: Int

    init(_ plan: MatchPlan, count: Int) {
        precondition(count >= 1, "a pool holds at least the plan it is made from")
        original = plan
        free = [plan]
        self.count = count
    }

    /// A plan no other thread is using, made when none is free and fewer than `count` exist.
    func checkOut() -> MatchPlan {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && made == count { condition.wait() }
        if let plan = free.popLast() { return plan }
        made += 1
        return original.copy()
    }

    func checkIn(_ plan: MatchPlan) {
        condition.lock()
        defer { condition.unlock() }
        free.append(plan)
        condition.signal()
    }
}

/// What matching one line found that the run acts on in input order: a problem to report,
/// alerts to write, an event for the correlations. Lines that found nothing have none.
struct LineOutcome {
    /// The line's position among the lines matched together (a block's, or 0).
    var line: Int
    /// Why the line was skipped, reported in its place (no alerts then); `missingHeader`:
    /// it has no `trail` header.
    var problem: LineProblem?
    var missingHeader = false
    /// Its single-event alerts: lines in the lane's `alertText`.
    var alerts: Range<Int> = 0..<0
    var alertCount = 0
    /// For the correlations: the rules it matched that they count, its time and id, and its
    /// event's offset in the line. Empty `matched`: none.
    var matched: [Int] = []
    var time: Int64 = 0
    var id = ""
    var root = 0
    var readings: [CorrelationEngine.Reading] = []
    /// Why its time could not be used by the correlations, reported after its alerts.
    var timeProblem: String?
    /// It matched rules the correlations count but had no time.
    var untimed = false

    init(line: Int, problem: LineProblem? = nil) {
        self.line = line
        self.problem = problem
    }
}

/// Matches lines on one thread with its own scratch space, keeping what each line found
/// (`LineOutcome`) for `Matcher` to act on in order: a block's lines on a worker thread
/// (`LineBlockWork`), or one event at a time on the caller's.
final class MatchLane: LineBlockWork {
    /// The plan of the block being matched: with `pool`, one no other thread is using.
    private(set) var plan: MatchPlan
    private let pool: PlanPool?
    private(set) var outcomes: [LineOutcome] = []
    /// The alerts of the lines matched, one line each.
    private(set) var alertText: [UInt8] = []
    /// Per line, with `plan.readsTime`: its event time in nanoseconds (`Int64.min`: none
    /// usable), for the correlations' watermark and the run's newest event.
    private(set) var times: [Int64] = []
    private var alert = AlertWriter()
    private var candidates: [Int] = []
    /// Per line: where the header members the rule index reads start.
    private var header: [Int] = []
    /// The header names of the lines read last, by the index that read them (`readHeader`).
    private var headerShape = RuleIndex.HeaderShape()
    private var shapeIndex: ObjectIdentifier?
    /// The members of the event matched, read once for the index and every rule tried.
    private let top = TopMembers()
    private var resourceNames = ResourceNames()

    private static let timePath = JSONPath("trail.time")
    private static let idPath = JSONPath("trail.id")
    /// The line's `trail.time` and `trail.id` as its header was read (-1: it has none); nil:
    /// looked up (a line read without its header).
    private var headerTime: Int?, headerID: Int?

    /// `pool`: a lane matching blocks on worker threads, each with a plan from it.
    init(_ plan: MatchPlan, pool: PlanPool? = nil) {
        self.plan = plan
        self.pool = pool
    }

    /// Forgets the lines matched before, for `lineCount` new ones.
    func reset(lineCount: Int) {
        outcomes.removeAll(keepingCapacity: true)
        alertText.removeAll(keepingCapacity: true)
        times.removeAll(keepingCapacity: true)
        if plan.readsTime { times.append(contentsOf: repeatElement(.min, count: lineCount)) }
    }

    func process(_ block: LineBlockView) {
        if let pool { plan = pool.checkOut() }
        defer { if let pool { pool.checkIn(plan) } }
        reset(lineCount: block.lines.count)
        // Read once a block: `plan` is a variable, retained around each read across a call.
        let index = plan.index, strict = plan.strict
        for (k, line) in block.lines.enumerated() {
            if case .text(let range, _) = line { match(line: JSONScanner(block.text(range)), at: k, index, strict: strict) }
        }
    }

    /// Matches one input line (see `match(line:at:_:strict:)`).
    func match(line s: JSONScanner, at k: Int) {
        match(line: s, at: k, plan.index, strict: plan.strict)
    }

    /// Matches one input line. Most events of a trail are routine calls no rule names; for a
    /// line trail-flatten wrote, the rule index decides that from the `trail` header, and the
    /// line is passed over once its header is checked, since checking the whole event would
    /// cost more than everything else done with it (see `TrailHeader`). Every event a rule
    /// examines is checked in full first, and any other line too: a bad one is reported and
    /// skipped. With `--strict` every line is checked in full. A line without the `trail`
    /// header is not an event (rules are written against the header): reported, not matched.
    private func match(line s: JSONScanner, at k: Int, _ index: RuleIndex, strict: Bool) {
        if shapeIndex != ObjectIdentifier(index) { (headerShape, shapeIndex) = (RuleIndex.HeaderShape(), ObjectIdentifier(index)) }
        if !strict, let headerEnd = index.readHeader(s, into: &header, shape: &headerShape) {
            (headerTime, headerID) = (header[RuleIndex.timeMember], header[RuleIndex.idMember])
            if plan.readsTime, let at = eventTime(s) { observeTime(s, at, line: k) }
            top.read(s, root: 0, headerEnd: headerEnd)
            index.candidates(s, 0, header: header, top: top, into: &candidates)
            guard !candidates.isEmpty else { return }
            if case .failure(let problem) = top.checkRest(s, headerEnd: headerEnd) {
                return outcomes.append(LineOutcome(line: k, problem: problem))
            }
            evaluate(s, event: 0, line: k)
        } else {
            let root: Int
            switch NDJSONInput.checkObject(s) {
            case .success(let offset): root = offset
            case .failure(let problem): return outcomes.append(LineOutcome(line: k, problem: problem))
            }
            guard TrailHeader.position(s, event: root) != nil else {
                var outcome = LineOutcome(line: k)
                outcome.missingHeader = true
                return outcomes.append(outcome)
            }
            match(s, event: root, line: k)
        }
    }

    /// Matches one event, checked before.
    func match(_ s: JSONScanner, event root: Int, line k: Int) {
        top.read(s, root: root)
        (headerTime, headerID) = (nil, nil)
        if plan.readsTime, let at = eventTime(s) { observeTime(s, at, line: k) }
        plan.index.candidates(s, root, top: top, into: &candidates)
        guard !candidates.isEmpty else { return }
        evaluate(s, event: root, line: k)
    }

    /// Tries the candidate rules on a checked event: its alerts, and what the correlations
    /// need of it when it matched rules they count.
    private func evaluate(_ s: JSONScanner, event root: Int, line k: Int) {
        var outcome = LineOutcome(line: k)
        let start = alertText.count
        for r in candidates where plan.rules[r].matches(s, event: root, top) {
            if !plan.silenced[r] {
                writeAlert(r, s, event: root)
                outcome.alertCount += 1
            }
            if plan.referenced[r] { outcome.matched.append(r) }
        }
        outcome.alerts = start..<alertText.count
        if !outcome.matched.isEmpty, plan.correlates { correlationFacts(s, event: root, into: &outcome) }
        else { outcome.matched.removeAll() }
        if outcome.alertCount > 0 || !outcome.matched.isEmpty || outcome.untimed || outcome.timeProblem != nil { outcomes.append(outcome) }
    }

    /// The time, id and readings of an event correlations count; without a usable time it is
    /// left out.
    private func correlationFacts(_ s: JSONScanner, event root: Int, into outcome: inout LineOutcome) {
        outcome.root = root
        guard let timeAt = eventTime(s), s.kind(at: timeAt) != .null else {
            outcome.untimed = true
            return outcome.matched.removeAll()
        }
        switch EventTime.read(s, timeAt) {
        case .nanoseconds(let t): outcome.time = t
        case .outOfRange: outcome.timeProblem = "event time out of range"
        case .notATime: outcome.timeProblem = "event time \(s.text(at: timeAt).map(JSONWriter.quoted) ?? "") is not an RFC 3339 time of years 0001-9999"
        }
        if outcome.timeProblem != nil { return outcome.matched.removeAll() }
        outcome.id = eventID(s).flatMap { s.string(at: $0) } ?? ""
        outcome.readings = CorrelationEngine.readings(s, top, matched: outcome.matched, slots: plan.slots, correlations: plan.correlations)
    }

    private func eventTime(_ s: JSONScanner) -> Int? { headerField(headerTime, s, MatchLane.timePath) }

    private func eventID(_ s: JSONScanner) -> Int? { headerField(headerID, s, MatchLane.idPath) }

    /// Where the line's header field at `path` is: where its header was read (`fromHeader`),
    /// else looked up.
    private func headerField(_ fromHeader: Int?, _ s: JSONScanner, _ path: JSONPath) -> Int? {
        guard let at = fromHeader else { return top.value(s, at: path) }
        return at >= 0 ? at : nil
    }

    /// The event time at `at` (a header's or an event's), as the line's time. A time out of
    /// range (reported when a correlation needs it) must not move the watermark.
    private func observeTime(_ s: JSONScanner, _ at: Int, line k: Int) {
        guard case .nanoseconds(let time) = EventTime.read(s, at) else { return }
        times[k] = time
    }

    private func writeAlert(_ r: Int, _ s: JSONScanner, event root: Int) {
        alert.begin(rule: plan.ruleObjects[r])
        alert.time(s, at: eventTime(s))
        plan.rules[r].guidance.writeResources(s, event: root, top, names: &resourceNames, into: &alert)
        alertText.append(contentsOf: alert.finish(event: MatchLane.eventText(s, root)))
        alertText.append(0x0A)
    }

    /// The event's JSON text. An event that is a whole document (at 0, checked) is the document
    /// without its trailing whitespace: an alert copies the line without scanning it again.
    static func eventText(_ s: JSONScanner, _ root: Int) -> UnsafeRawBufferPointer? {
        guard root == 0 else { return s.raw(at: root) }
        var end = s.bytes.count
        while end > 0, s.bytes[end - 1] == 0x20 || s.bytes[end - 1] == 0x0A || s.bytes[end - 1] == 0x0D || s.bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: s.bytes[0..<end])
    }
}
