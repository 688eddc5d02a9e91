import Foundation
import TrailCore

/// What a target remembers between runs, in `SPOOL/<target key>/` (see `SpoolFolder`):
/// `pending.ndjson` (alerts not yet delivered), `dead.ndjson` (alerts the target refused for
/// good), `sent` (ids delivered or counted by throttling, one per line, appended as each
/// delivery succeeds, compacted at the end of the run), `throttle.ndjson` (per dedup key: when
/// last sent, how many held back since), `sending` (file targets: messages in flight, see
/// `FileTargetJournal`) and `version`. Without a spool folder it lives for one run.
final class TargetState {
    struct ThrottleEntry { var last: Int64; var suppressed: Int }

    private let folder: SpoolFolder?
    /// Alerts in arrival order; delivered ones leave `pendingIDs` at once and this list when
    /// it is next read, so recording a delivery costs the same however many are waiting.
    private var queued: [PendingAlert] = []
    private var pendingIDs = Set<String>()

    /// The alerts still to deliver, in arrival order.
    var pending: [PendingAlert] {
        queued.removeAll { !pendingIDs.contains($0.alert.id) }
        return queued
    }
    var pendingCount: Int { pendingIDs.count }
    private(set) var deadLetters: [DeadLetter] = []
    private var deadIDs = Set<String>()
    private var sent: [String] = []
    private var sentIDs = Set<String>()
    private var sentLog: AppendLog?
    private var journal: FileTargetJournal?
    var throttle: [String: ThrottleEntry] = [:]

    /// Ids kept to refuse re-sends: the newest this many.
    static let sentMemory = 100_000

    /// Reads the target's spool folder, if any, changing nothing yet (see `prepare`).
    init(folder: SpoolFolder?) throws {
        self.folder = folder
        guard let folder, try folder.hasReadableVersion() else { return }
        for line in try folder.lines(in: "sent") {
            // A line torn by a crash is no id: the alert is sent again, never lost.
            guard line.count == 32 else { continue }
            if sentIDs.insert(line).inserted { sent.append(line) }
        }
        for item in try folder.records(in: "pending.ndjson", { PendingAlert($0, record: $1) }) { add(item) }
        // Moved while being retried or refused, a letter may be in both files: the queue keeps it.
        for letter in try folder.records(in: "dead.ndjson", { DeadLetter($0, record: $1) }) where !knows(letter.pending.alert.id) {
            deadIDs.insert(letter.pending.alert.id)
            deadLetters.append(letter)
        }
        for (key, entry) in try folder.records(in: "throttle.ndjson", TargetState.throttleEntry) { throttle[key] = entry }
    }

    /// Makes the folder ready for this run: created and marked with its version, and for a
    /// file target the messages a kill left in flight settled (see `FileTargetJournal`).
    func prepare(for target: Target) throws {
        guard let folder else { return }
        try folder.prepare(shown: target.shown)
        sentLog = AppendLog(path: folder.file("sent"))
        guard case .file(let path, _) = target.kind else { return }
        let delivered = try FileTargetJournal.delivered(inFlight: try folder.lines(in: FileTargetJournal.name), sent: sentIDs, targetFile: path)
        try markSent(delivered)
        journal = FileTargetJournal(folder: folder.path)
    }

    /// Whether the target already has, is about to get, or refused this alert.
    func knows(_ id: String) -> Bool { sentIDs.contains(id) || pendingIDs.contains(id) || deadIDs.contains(id) }

    func add(_ pending: PendingAlert) {
        guard !knows(pending.alert.id) else { return }
        pendingIDs.insert(pending.alert.id)
        queued.append(pending)
    }

    /// An alert throttling counted instead of sending: done for this target, so reading the
    /// same input again does not count it twice. Kept by `save()`, with the counters.
    func markCounted(_ id: String) {
        if sentIDs.insert(id).inserted { sent.append(id) }
    }

    /// For a file target, notes the message as in flight before it is written.
    func willSend(_ message: Message) throws {
        try journal?.record(message)
    }

    /// Records a delivery at once (one appended line), so a run killed after it does not resend.
    /// A completed write survives the process; `save()` makes the whole state durable with one
    /// fsync at the end of the run instead of one per message.
    func markSent(_ ids: [String]) throws {
        for id in ids where sentIDs.insert(id).inserted { sent.append(id) }
        pendingIDs.subtract(ids)
        try sentLog?.append(Array(ids.map { $0 + "\n" }.joined().utf8))
    }

    /// Moves alerts the target refused for good from the queue to the dead letters.
    func deadLetter(_ ids: [String], reason: String, at time: Timestamp) {
        let refused = Set(ids)
        for item in pending where refused.contains(item.alert.id) && deadIDs.insert(item.alert.id).inserted {
            deadLetters.append(DeadLetter(time: time, reason: reason, pending: item))
        }
        pendingIDs.subtract(ids)
    }

    /// `--retry-dead`: the dead letters back in the queue, in their order, after what waits
    /// there. Written at once, queue first, so a kill between the two writes loses none.
    func retryDeadLetters() throws -> Int {
        let count = deadLetters.count
        let letters = deadLetters
        deadLetters = []
        deadIDs = []
        for letter in letters { add(letter.pending) }
        try writePending()
        try writeDeadLetters()
        return count
    }

    /// Writes dead letters, pending alerts, throttle counters and the compacted sent list,
    /// each atomically; dead letters before the queue they left, so none is lost between.
    func save() throws {
        guard let folder else { return }
        try writeDeadLetters()
        try writePending()
        let counters = throttle.sorted(by: { $0.key < $1.key }).lazy.map { TargetState.throttleJSON($0.key, $0.value) }
        try write(counters, to: folder.file("throttle.ndjson"))
        sentLog?.closeFile()
        if sent.count > TargetState.sentMemory { sent.removeFirst(sent.count - TargetState.sentMemory) }
        try write(sent.lazy.map { Array($0.utf8) }, to: folder.file("sent"))
        journal?.clear()
    }

    private func writePending() throws {
        guard let folder else { return }
        try write(pending.lazy.map(\.json), to: folder.file("pending.ndjson"))
    }

    private func writeDeadLetters() throws {
        guard let folder else { return }
        try write(deadLetters.lazy.map(\.json), to: folder.file("dead.ndjson"))
    }

    /// One record per line, made one at a time as the file is written: a spool of many
    /// alerts is never copied whole.
    private func write<Records: Sequence<[UInt8]>>(_ records: Records, to path: String) throws {
        try FileIO.writeAtomically(to: path) { write in
            for record in records {
                record.withUnsafeBytes(write)
                TargetState.lineBreak.withUnsafeBytes(write)
            }
        }
    }

    private static let lineBreak: [UInt8] = [0x0A]

    private static func throttleEntry(_ s: JSONScanner, _ root: Int) -> (String, ThrottleEntry)? {
        guard let key = s.member("key", ofObjectAt: root).flatMap({ s.string(at: $0) }),
              let last = s.member("last", ofObjectAt: root).flatMap({ s.text(at: $0) }).flatMap(Int64.init) else { return nil }
        let suppressed = s.member("suppressed", ofObjectAt: root).flatMap { s.text(at: $0) }.flatMap(Int.init) ?? 0
        return (key, ThrottleEntry(last: last, suppressed: suppressed))
    }

    private static func throttleJSON(_ key: String, _ entry: ThrottleEntry) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.member("key", key)
        w.key("last"); w.number(Int(entry.last))
        w.key("suppressed"); w.number(entry.suppressed)
        w.endObject()
        return w.bytes
    }
}
