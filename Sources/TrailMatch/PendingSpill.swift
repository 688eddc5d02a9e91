#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TrailCore

/// Whole-stream mode's bounded buffer of correlation events. Without state, correlations see
/// the input in event-time order, and no event can be let go before the input ends (a later
/// line may be older). The engine keeps up to its limit of them in memory, sorted, and writes
/// each full buffer here as a sorted run; at the end the runs are merged (an external merge
/// sort), so memory stays flat however long the input is. One file in $TMPDIR holds every run;
/// it is unlinked as soon as it is made, so nothing is left behind however the process ends.
final class PendingSpill {
    typealias Pending = CorrelationEngine.Pending

    /// Bytes of correlation events held in memory before they spill, by default.
    static let defaultLimit = 8 << 20
    /// Runs merged at once, each through a read buffer of `chunk` bytes: more runs are first
    /// merged into longer ones, so the merge's memory does not grow with the input either.
    static let fanIn = 64
    static let chunk = 1 << 16

    private let fd: Int32
    private let directory: String
    private var size: Int64 = 0
    /// The sorted runs, as byte ranges of the file, in the order they were written.
    private(set) var runs: [Range<Int64>] = []
    private var buffer: [UInt8] = []

    init(directory: String) throws(SpillFailure) {
        self.directory = directory
        var template = Array((directory + "/trail-match-spill.XXXXXX").utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw SpillFailure(directory: directory, errno: errno) }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
    }

    deinit { close(fd) }

    /// $TMPDIR, or /tmp when it is not set.
    static var temporaryDirectory: String {
        guard let value = getenv("TMPDIR"), value.pointee != 0 else { return "/tmp" }
        return String(cString: value)
    }

    /// Writes the events held as one run, in (time, arrival) order.
    func writeRun(_ held: HeldEvents) throws(SpillFailure) {
        let start = size
        if held.inOrder {
            let failure = held.bytes.withUnsafeBytes { FileIO.writeAll(fd, $0) }
            guard failure == 0 else { throw SpillFailure(directory: directory, errno: failure) }
            size += Int64(held.bytes.count)
        } else {
            try held.forEachRecord { (record: UnsafeRawBufferPointer) throws(SpillFailure) in
                buffer.append(contentsOf: record)
                if buffer.count >= PendingSpill.chunk { try flush() }
            }
            try flush()
        }
        runs.append(start..<size)
    }

    /// Hands every event of every run to `body` in (time, arrival) order.
    func merge(_ body: (Pending) -> Void) throws(SpillFailure) {
        while runs.count > PendingSpill.fanIn {
            let group = Array(runs.prefix(PendingSpill.fanIn))
            runs.removeFirst(PendingSpill.fanIn)
            let start = size
            try mergeRuns(group) { event throws(SpillFailure) in try append(event) }
            try flush()
            runs.append(start..<size)
        }
        try mergeRuns(runs) { event in body(event) }
    }

    /// Like `merge`, with the runs read back, merged, decoded and rid of events read twice (the
    /// same id and scope at the same time: an event delivered in two files) on a thread of
    /// their own while `body` handles the events before; the events handled are freed there
    /// too. At the end of the input the correlations' last pass runs alone, and all that was
    /// more than half of it.
    func mergeAside(_ body: (Pending) -> Void) throws(SpillFailure) {
        let handoff = MergeHandoff()
        let spill = SpillOwner(self)
        DispatchQueue.global().async {
            var batch: [Pending] = []
            var once = FirstCopies()
            do throws(SpillFailure) {
                try spill.spill.merge { event in
                    guard once.isFirst(event) else { return }
                    batch.append(event)
                    if batch.count == MergeHandoff.batchSize { handoff.put(&batch) }
                }
                handoff.put(&batch)
                handoff.finish(nil)
            } catch {
                handoff.finish(error)
            }
        }
        while var events = handoff.take() {
            for event in events { body(event) }
            handoff.giveBack(&events)
        }
        if let failure = handoff.failure { throw failure }
    }

    private func mergeRuns(_ group: [Range<Int64>], _ body: (Pending) throws(SpillFailure) -> Void) throws(SpillFailure) {
        var readers = group.map { RunReader(fd: fd, directory: directory, range: $0) }
        // Each run's next event, and the runs ordered by it (the heap holds only their keys).
        var heads: [Pending?] = []
        var heap = RunHeap()
        for k in readers.indices {
            heads.append(try readers[k].next())
            if let event = heads[k] { heap.push(run: k, time: event.time, seq: event.seq) }
        }
        while let k = heap.first {
            let event = heads[k].take()!
            try body(event)
            heads[k] = try readers[k].next()
            if let next = heads[k] { heap.replaceFirst(time: next.time, seq: next.seq) } else { heap.popFirst() }
        }
    }

    private func append(_ event: Pending) throws(SpillFailure) {
        SpillRecord.encode(event, into: &buffer)
        if buffer.count >= PendingSpill.chunk { try flush() }
    }

    private func flush() throws(SpillFailure) {
        let failure = buffer.withUnsafeBytes { FileIO.writeAll(fd, $0) }
        guard failure == 0 else { throw SpillFailure(directory: directory, errno: failure) }
        size += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The spill, handed to the thread that merges it; the caller touches it again only after
/// `MergeHandoff.take` has said the merge is over.
private struct SpillOwner: @unchecked Sendable {
    let spill: PendingSpill
    init(_ spill: PendingSpill) { self.spill = spill }
}

/// Whole-stream mode's correlation events in memory, each encoded as a `SpillRecord` as it
/// arrives: none is held as an object (its text, id, rules and readings, each an allocation to
/// make and free), until they are written to the spill as one sorted run, or read back in
/// order at the end of an input that never filled the buffer.
struct HeldEvents {
    private(set) var bytes: [UInt8] = []
    /// Per event: its (time, arrival) and where its record starts in `bytes`.
    private var entries: [(time: Int64, seq: Int64, start: Int)] = []
    /// Whether the events arrived in (time, arrival) order: `bytes` is then a sorted run.
    private(set) var inOrder = true

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    /// About what they take in memory.
    var byteCount: Int { bytes.count + 24 * entries.count }

    mutating func add(time: Int64, seq: Int64, id: String, rules: [Int], event: UnsafeRawBufferPointer, scope: FeedScope?,
                      readings: [CorrelationEngine.Reading]) {
        if let last = entries.last, (time, seq) < (last.time, last.seq) { inOrder = false }
        entries.append((time, seq, bytes.count))
        SpillRecord.encode(time: time, seq: seq, id: id, rules: rules, event: event, scope: scope, readings: readings, into: &bytes)
    }

    /// Each record's bytes, in (time, arrival) order.
    func forEachRecord<E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        let order = sorted
        var failure: E?
        bytes.withUnsafeBytes { raw in
            for e in order {
                do throws(E) {
                    try body(UnsafeRawBufferPointer(rebasing: raw[e.start..<(e.start + SpillRecord.length(raw, at: e.start))]))
                } catch {
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
    }

    /// Every event in (time, arrival) order, but the later copies of one read twice (as the
    /// spill's merge does).
    func forEachEvent(_ body: (CorrelationEngine.Pending) -> Void) {
        var once = FirstCopies()
        for e in sorted {
            let event = SpillRecord.decode(bytes, at: e.start)
            if once.isFirst(event) { body(event) }
        }
    }

    private var sorted: [(time: Int64, seq: Int64, start: Int)] {
        inOrder ? entries : entries.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        inOrder = true
    }
}

/// Whether each event of a merged stream is the first copy read: an event read again (in
/// another file) has the same time, id and scope, and comes next to it in the merged order.
private struct FirstCopies {
    private var time = Int64.min
    /// The first event read at `time`, and those after it: most times have one event, whose
    /// copies are told by comparing, without a table.
    private var first: (id: String, scope: FeedScope?)?
    private var seen: [String: [FeedScope?]] = [:]

    mutating func isFirst(_ event: PendingSpill.Pending) -> Bool {
        if event.time != time {
            time = event.time
            first = nil
            if !seen.isEmpty { seen.removeAll(keepingCapacity: true) }
        }
        guard !event.id.isEmpty else { return true }
        guard let first else {
            first = (event.id, event.scope)
            return true
        }
        if first.id == event.id, first.scope == event.scope { return false }
        if seen[event.id]?.contains(event.scope) == true { return false }
        seen[event.id, default: []].append(event.scope)
        return true
    }
}

/// Batches of merged events from the merging thread to the caller, a few at a time, so that
/// memory stays bounded whichever side is faster; handled batches go back to be freed there.
private final class MergeHandoff: @unchecked Sendable {
    // @unchecked: every field is read and written under `condition`.
    static let batchSize = 512
    static let depth = 4
    private let condition = NSCondition()
    private var batches: [[PendingSpill.Pending]] = []
    private var handled: [[PendingSpill.Pending]] = []
    private var done = false
    private var error: SpillFailure?

    /// Hands `batch` over (waiting for room) and leaves it empty; an empty batch is not sent.
    func put(_ batch: inout [PendingSpill.Pending]) {
        guard !batch.isEmpty else { return }
        var freed: [[PendingSpill.Pending]] = []
        condition.lock()
        while batches.count >= MergeHandoff.depth { condition.wait() }
        batches.append(batch)
        swap(&freed, &handled)
        condition.broadcast()
        condition.unlock()
        batch = []
        // `freed`, the batches the caller has handled, is freed here: outside the lock, on this thread.
    }

    /// A batch the caller has handled, to be freed on the merging thread.
    func giveBack(_ batch: inout [PendingSpill.Pending]) {
        condition.lock()
        defer { condition.unlock() }
        if !done { handled.append(batch) }
        batch = []
    }

    /// The merge is over, `error` saying why it stopped early.
    func finish(_ error: SpillFailure?) {
        condition.lock()
        defer { condition.unlock() }
        done = true
        self.error = error
        condition.broadcast()
    }

    /// The next batch; nil once the merge is over and every batch taken.
    func take() -> [PendingSpill.Pending]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !done { condition.wait() }
        guard !batches.isEmpty else { return nil }
        condition.broadcast()
        return batches.removeFirst()
    }

    var failure: SpillFailure? {
        condition.lock()
        defer { condition.unlock() }
        return error
    }
}

/// Spilling failed (no space, TMPDIR not writable): the run stops, since its correlations
/// would miss events.
struct SpillFailure: Error, CustomStringConvertible {
    let directory: String
    let reason: String

    init(directory: String, errno code: Int32) {
        self.directory = directory
        reason = String(cString: strerror(code))
    }

    init(directory: String, reason: String) {
        self.directory = directory
        self.reason = reason
    }

    var description: String {
        "cannot spill correlation events to a temporary file in \(directory) (TMPDIR): \(reason); free space there, set TMPDIR to another folder, or raise --correlation-buffer"
    }
}

/// One event in a run: a fixed header of little-endian integers (time, arrival, then the
/// lengths of the id, rules, scope, group, event and readings), then those parts. Readings
/// are a count, then each: correlation, slot, value and the group's key,
/// a text being its length (or `absent`) and bytes.
enum SpillRecord {
    static let headerSize = 40
    /// A scope or group that is not there.
    static let absent = UInt32.max

    static func encode(_ e: CorrelationEngine.Pending, into out: inout [UInt8]) {
        e.event.withUnsafeBytes { event in
            encode(time: e.time, seq: e.seq, id: e.id, rules: e.rules, event: event, scope: e.scope, readings: e.readings, into: &out)
        }
    }

    /// Appends one event's record to `out`: no event is held as an object on its way to a run.
    /// The record's bytes are added at once and written in place.
    static func encode(time: Int64, seq: Int64, id: String, rules: [Int], event: UnsafeRawBufferPointer, scope: FeedScope?,
                       readings: [CorrelationEngine.Reading], into out: inout [UInt8]) {
        let readingBytes = readings.reduce(4) { $0 + 8 + size($1.value) + size($1.key) }
        let length = headerSize + id.utf8.count + 4 * rules.count + 4 * (scope?.correlations.count ?? 0) + (scope?.group?.utf8.count ?? 0)
            + event.count + readingBytes
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: length))
        out.withUnsafeMutableBytes { buffer in
            var w = RecordWriter(at: buffer.baseAddress! + start)
            w.put(time)
            w.put(seq)
            w.put(UInt32(id.utf8.count))
            w.put(UInt32(rules.count))
            w.put(UInt32(event.count))
            w.put(scope.map { UInt32($0.correlations.count) } ?? absent)
            w.put(scope?.group.map { UInt32($0.utf8.count) } ?? absent)
            w.put(UInt32(readingBytes))
            w.append(id)
            for r in rules { w.put(UInt32(r)) }
            for c in scope?.correlations ?? [] { w.put(UInt32(c)) }
            if let group = scope?.group { w.append(group) }
            w.append(event)
            w.put(UInt32(readings.count))
            for r in readings {
                w.put(UInt32(r.correlation))
                w.put(UInt32(r.slot))
                w.text(r.value)
                w.text(r.key)
            }
            precondition(w.position == buffer.baseAddress! + start + length, "a record fills the bytes its header counts")
        }
    }

    /// A text's bytes in a record: its length (or `absent`) and its UTF-8.
    private static func size(_ text: String?) -> Int { 4 + (text?.utf8.count ?? 0) }

    /// Writes a record's parts one after another into bytes added for it.
    private struct RecordWriter {
        private(set) var position: UnsafeMutableRawPointer

        init(at start: UnsafeMutableRawPointer) { position = start }

        mutating func put<T: FixedWidthInteger>(_ value: T) {
            position.storeBytes(of: value.littleEndian, as: T.self)
            position += MemoryLayout<T>.size
        }

        mutating func append(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress else { return }
            position.copyMemory(from: base, byteCount: bytes.count)
            position += bytes.count
        }

        mutating func append(_ text: String) {
            var text = text
            text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        }

        mutating func text(_ text: String?) {
            guard let text else { return put(absent) }
            put(UInt32(text.utf8.count))
            append(text)
        }
    }

    /// The record's whole length, from its header.
    static func length(_ bytes: UnsafeRawBufferPointer, at p: Int) -> Int {
        let (id, rules, event, scope, group) = (word(bytes, p + 16), word(bytes, p + 20), word(bytes, p + 24), word(bytes, p + 28), word(bytes, p + 32))
        return headerSize + id + 4 * rules + event + (scope == absent ? 0 : 4 * scope) + (group == absent ? 0 : group) + word(bytes, p + 36)
    }

    /// The event whose record starts at `start` of `record`. Its text stays in `record`'s
    /// storage (a slice): no copy of it is made or freed per event.
    static func decode(_ record: [UInt8], at start: Int) -> CorrelationEngine.Pending {
        var (pending, text) = record.withUnsafeBytes { decode($0, at: start) }
        pending.event = record[text]
        return pending
    }

    /// The event decoded but for its text, and where that lies.
    private static func decode(_ bytes: UnsafeRawBufferPointer, at start: Int) -> (pending: CorrelationEngine.Pending, text: Range<Int>) {
        let time = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: Int64.self))
        let seq = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: start + 8, as: Int64.self))
        let (idCount, ruleCount, eventCount) = (word(bytes, start + 16), word(bytes, start + 20), word(bytes, start + 24))
        let (scopeCount, groupCount) = (word(bytes, start + 28), word(bytes, start + 32))
        var p = start + headerSize
        func text(_ n: Int) -> String {
            defer { p += n }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[p..<(p + n)]), as: UTF8.self)
        }
        func words(_ n: Int) -> [Int] {
            defer { p += 4 * n }
            return (0..<n).map { word(bytes, p + 4 * $0) }
        }
        let id = text(idCount)
        let rules = words(ruleCount)
        var scope: FeedScope?
        if scopeCount != absent { scope = FeedScope(correlations: words(scopeCount), group: nil) }
        if groupCount != absent { scope?.group = text(groupCount) }
        let textStart = p
        p += eventCount
        let pending = CorrelationEngine.Pending(time: time, id: id, seq: seq, rules: rules, event: [], scope: scope, readings: readings(bytes, at: p))
        return (pending, textStart..<(textStart + eventCount))
    }

    private static func readings(_ bytes: UnsafeRawBufferPointer, at start: Int) -> [CorrelationEngine.Reading] {
        var p = start
        func next() -> Int {
            defer { p += 4 }
            return word(bytes, p)
        }
        func text() -> String? {
            let n = next()
            guard n != absent else { return nil }
            defer { p += n }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[p..<(p + n)]), as: UTF8.self)
        }
        return (0..<next()).map { _ in
            let (c, slot, value) = (next(), next(), text())
            return CorrelationEngine.Reading(correlation: c, slot: slot, value: value, key: text() ?? "[]")
        }
    }

    private static func word(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> Int {
        Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
    }
}

/// Reads one run's records back, a chunk at a time.
private struct RunReader {
    let fd: Int32
    let directory: String
    var offset: Int64
    let end: Int64
    var buffer: [UInt8] = []
    var position = 0

    init(fd: Int32, directory: String, range: Range<Int64>) {
        self.fd = fd
        self.directory = directory
        offset = range.lowerBound
        end = range.upperBound
    }

    mutating func next() throws(SpillFailure) -> CorrelationEngine.Pending? {
        guard position < buffer.count || offset < end else { return nil }
        try fill(SpillRecord.headerSize)
        let length = buffer.withUnsafeBytes { SpillRecord.length($0, at: position) }
        try fill(length)
        defer { position += length }
        return SpillRecord.decode(buffer, at: position)
    }

    /// Makes at least `count` bytes available from `position`.
    private mutating func fill(_ count: Int) throws(SpillFailure) {
        let kept = buffer.count - position
        guard kept < count else { return }
        let wanted = Int(min(end - offset, Int64(max(PendingSpill.chunk, count - kept))))
        var failure: SpillFailure?
        // A new buffer each time, the unread bytes moved to its start: the events decoded from
        // the old one hold their texts there (slices) for as long as they live.
        let old = buffer
        buffer = [UInt8](unsafeUninitializedCapacity: kept + wanted) { fresh, initialized in
            old.withUnsafeBufferPointer { fresh.baseAddress!.initialize(from: $0.baseAddress! + position, count: kept) }
            initialized = kept
            while initialized < kept + wanted {
                let n = pread(fd, fresh.baseAddress! + initialized, kept + wanted - initialized, off_t(offset))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    failure = SpillFailure(directory: directory, reason: n < 0 ? String(cString: strerror(errno)) : "the temporary file was cut short")
                    return
                }
                initialized += n
                offset += Int64(n)
            }
        }
        position = 0
        if let failure { throw failure }
        guard buffer.count >= count else { throw SpillFailure(directory: directory, reason: "the temporary file was cut short") }
    }
}

/// The runs by their current events' (time, arrival), least first.
private struct RunHeap {
    private var items: [(time: Int64, seq: Int64, run: Int)] = []

    /// The run whose current event comes first.
    var first: Int? { items.first?.run }

    private func less(_ a: Int, _ b: Int) -> Bool {
        (items[a].time, items[a].seq) < (items[b].time, items[b].seq)
    }

    mutating func push(run: Int, time: Int64, seq: Int64) {
        items.append((time, seq, run))
        var k = items.count - 1
        while k > 0, less(k, (k - 1) / 2) {
            items.swapAt(k, (k - 1) / 2)
            k = (k - 1) / 2
        }
    }

    /// The first run's current event is now the one at (time, seq).
    mutating func replaceFirst(time: Int64, seq: Int64) {
        items[0].time = time
        items[0].seq = seq
        siftDown()
    }

    mutating func popFirst() {
        items.swapAt(0, items.count - 1)
        items.removeLast()
        siftDown()
    }

    private mutating func siftDown() {
        var k = 0
        while true {
            let (left, right) = (2 * k + 1, 2 * k + 2)
            var least = k
            if left < items.count, less(left, least) { least = left }
            if right < items.count, less(right, least) { least = right }
            if least == k { return }
            items.swapAt(k, least)
            k = least
        }
    }
}
