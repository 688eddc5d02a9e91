import Foundation
import TrailCore

/// An alert waiting for one target: `holdUntil` for a quiet period, `suppressed` for how
/// many like it throttling held back before it.
struct PendingAlert {
    let alert: Alert
    var suppressed: Int
    var holdUntil: Timestamp?
}

/// What a target remembers between runs, in `SPOOL/<target key>/`: `pending.ndjson` (alerts
/// not yet delivered), `sent` (ids delivered or counted by throttling, one per line, appended
/// as each delivery succeeds, compacted at the end of the run) and `throttle.ndjson` (per dedup key: when
/// last sent, how many held back since). Without a spool folder it lives for one run.
final class TargetState {
    struct ThrottleEntry { var last: Int64; var suppressed: Int }

    private let folder: String?
    /// Alerts in arrival order; delivered ones leave `pendingIDs` at once and this list when
    /// it is next read, so recording a delivery costs the same however many are waiting.
    private var queued: [PendingAlert] = []
    private var pendingIDs = Set<String>()

    /// The alerts still to deliver, in arrival order.
    var pending: [PendingAlert] {
        queued.removeAll { !pendingIDs.contains($0.alert.id) }
        return queued
    }
    private var sent: [String] = []
    private var sentIDs = Set<String>()
    /// The `sent` file, open for appending while deliveries are recorded.
    private var sentLog: Int32 = -1

    deinit { if sentLog >= 0 { close(sentLog) } }
    var throttle: [String: ThrottleEntry] = [:]

    /// Ids kept to refuse re-sends: the newest this many.
    static let sentMemory = 100_000

    init(spool: String?, target: Target, diagnostics: Diagnostics) throws {
        folder = spool.map { $0 + "/" + target.key }
        guard let folder else { return }
        if !FileIO.isDirectory(folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw NotifyError("\(folder): cannot create the spool folder")
            }
        }
        try FileIO.writeAtomically(Array((target.shown + "\n").utf8), to: folder + "/target", durable: false)
        for line in try TargetState.lines(folder + "/sent") {
            // A line torn by a crash is no id: the alert is sent again, never lost.
            guard line.count == 32 else { continue }
            if sentIDs.insert(line).inserted { sent.append(line) }
        }
        try TargetState.forEachRecord(folder + "/pending.ndjson", diagnostics: diagnostics) { s, root in
            guard let record = s.member("record", ofObjectAt: root), let alert = Alert(s, alert: record) else { return false }
            let suppressed = s.member("suppressed", ofObjectAt: root).flatMap { s.text(at: $0) }.flatMap(Int.init) ?? 0
            let hold = s.member("holdUntil", ofObjectAt: root).flatMap { s.text(at: $0) }.flatMap(Int64.init).map { Timestamp(seconds: $0) }
            add(PendingAlert(alert: alert, suppressed: suppressed, holdUntil: hold))
            return true
        }
        try TargetState.forEachRecord(folder + "/throttle.ndjson", diagnostics: diagnostics) { s, root in
            guard let key = s.member("key", ofObjectAt: root).flatMap({ s.string(at: $0) }),
                  let last = s.member("last", ofObjectAt: root).flatMap({ s.text(at: $0) }).flatMap(Int64.init) else { return false }
            let suppressed = s.member("suppressed", ofObjectAt: root).flatMap { s.text(at: $0) }.flatMap(Int.init) ?? 0
            throttle[key] = ThrottleEntry(last: last, suppressed: suppressed)
            return true
        }
    }

    /// Whether the target already has, or is about to get, this alert.
    func knows(_ id: String) -> Bool { sentIDs.contains(id) || pendingIDs.contains(id) }

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

    /// Records a delivery at once (one appended line), so a run killed after it does not resend.
    /// A completed write survives the process; `save()` makes the whole state durable with one
    /// fsync at the end of the run instead of one per message.
    func markSent(_ ids: [String]) throws {
        for id in ids where sentIDs.insert(id).inserted { sent.append(id) }
        pendingIDs.subtract(ids)
        guard let folder else { return }
        let path = folder + "/sent"
        if sentLog < 0 {
            sentLog = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard sentLog >= 0 else { throw IOFailure(path: path, errno: errno) }
        }
        let failure = Array(ids.map { $0 + "\n" }.joined().utf8).withUnsafeBytes { FileIO.writeAll(sentLog, $0) }
        guard failure == 0 else { throw IOFailure(path: path, errno: failure) }
    }

    /// Writes pending alerts, throttle counters and the compacted sent list, each atomically.
    func save() throws {
        guard let folder else { return }
        if sentLog >= 0 {
            close(sentLog)
            sentLog = -1
        }
        var out: [UInt8] = []
        for item in pending {
            var w = JSONWriter()
            w.beginObject()
            w.key("holdUntil")
            if let hold = item.holdUntil { w.number(Int(hold.seconds)) } else { w.null() }
            w.key("suppressed"); w.number(item.suppressed)
            w.key("record"); w.raw(item.alert.record)
            w.endObject()
            out += w.bytes + [UInt8(ascii: "\n")]
        }
        try FileIO.writeAtomically(out, to: folder + "/pending.ndjson")
        out = []
        for (key, entry) in throttle.sorted(by: { $0.key < $1.key }) {
            var w = JSONWriter()
            w.beginObject()
            w.member("key", key)
            w.key("last"); w.number(Int(entry.last))
            w.key("suppressed"); w.number(entry.suppressed)
            w.endObject()
            out += w.bytes + [UInt8(ascii: "\n")]
        }
        try FileIO.writeAtomically(out, to: folder + "/throttle.ndjson")
        if sent.count > TargetState.sentMemory { sent.removeFirst(sent.count - TargetState.sentMemory) }
        try FileIO.writeAtomically(Array(sent.map { $0 + "\n" }.joined().utf8), to: folder + "/sent")
    }

    private static func lines(_ path: String) throws -> [String] {
        guard FileIO.exists(path) else { return [] }
        return String(decoding: try FileIO.readFile(path), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    private static func forEachRecord(_ path: String, diagnostics: Diagnostics, _ body: (JSONScanner, Int) -> Bool) throws {
        guard FileIO.exists(path) else { return }
        try NDJSONInput([path]).forEachObject(diagnostics: diagnostics) { s, root, location in
            if !body(s, root) { diagnostics.warn("\(location.source):\(location.line): not a spool record, ignored") }
        }
    }
}
