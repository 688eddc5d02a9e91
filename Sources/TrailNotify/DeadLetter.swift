import TrailCore

/// An alert waiting for one target: `holdUntil` for a quiet period, `suppressed` for how
/// many like it throttling held back before it. A line of `pending.ndjson`:
/// `{"holdUntil":null,"suppressed":0,"record":{…}}`.
struct PendingAlert {
    let alert: Alert
    var suppressed: Int
    var holdUntil: Timestamp?
}

extension PendingAlert {
    /// Reads the members of a spool record; nil when it holds no alert.
    init?(_ s: JSONScanner, record root: Int) {
        guard let record = s.member("record", ofObjectAt: root), let alert = Alert(s, alert: record) else { return nil }
        self.alert = alert
        suppressed = s.member("suppressed", ofObjectAt: root).flatMap { s.text(at: $0) }.flatMap(Int.init) ?? 0
        holdUntil = s.member("holdUntil", ofObjectAt: root).flatMap { s.text(at: $0) }.flatMap(Int64.init).map { Timestamp(seconds: $0) }
    }

    func writeMembers(to w: inout JSONWriter) {
        w.key("holdUntil")
        if let holdUntil { w.number(Int(holdUntil.seconds)) } else { w.null() }
        w.key("suppressed"); w.number(suppressed)
        w.key("record"); w.raw(alert.record)
    }

    var json: [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        writeMembers(to: &w)
        w.endObject()
        return w.bytes
    }
}

/// An alert a target refused for good (HTTP 4xx, an SMTP 5xx reply, exit status 65), moved
/// out of its queue so the alerts after it go on. A line of `dead.ndjson` is the pending
/// record with when it was moved and why in front:
/// `{"time":"2026-11-16T09:20:00Z","reason":"HTTP 422","holdUntil":null,"suppressed":0,"record":{…}}`.
/// `--retry-dead` puts it back in the queue.
struct DeadLetter {
    let time: Timestamp
    let reason: String
    let pending: PendingAlert
}

extension DeadLetter {
    init?(_ s: JSONScanner, record root: Int) {
        guard let pending = PendingAlert(s, record: root),
              let raw = s.member("time", ofObjectAt: root).flatMap({ s.string(at: $0) }),
              let time = Array(raw.utf8).withUnsafeBytes({ Timestamp.parse($0) }) else { return nil }
        self.time = time
        reason = s.member("reason", ofObjectAt: root).flatMap { s.string(at: $0) } ?? ""
        self.pending = pending
    }

    var json: [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.member("time", time.rfc3339)
        w.member("reason", reason)
        pending.writeMembers(to: &w)
        w.endObject()
        return w.bytes
    }
}
