import Foundation
import TrailCore

/// `file://` targets get each message exactly once, across a kill too. Before a message is
/// appended to the target file, its id and its alerts' ids are appended to `sending` (one
/// write); once appended, the alerts go to `sent`. A message in `sending` whose alerts are not
/// all in `sent` at the next start may or may not have reached the file: the file is searched
/// for a line carrying its id (`notify.id`, `digest.id` for a digest, `finding_info.uid` for an
/// OCSF finding), and if one is there
/// its alerts are marked sent instead of being appended again. Saving the state empties `sending`.
final class FileTargetJournal {
    static let name = "sending"
    private let log: AppendLog

    init(folder: String) { log = AppendLog(path: folder + "/" + FileTargetJournal.name) }

    /// One line, `{"id":"…","alerts":["…",…]}`, written before the message is.
    func record(_ message: Message) throws {
        var w = JSONWriter()
        w.beginObject()
        w.member("id", message.id)
        w.key("alerts")
        w.beginArray()
        for id in message.alertIDs { w.string(id) }
        w.endArray()
        w.endObject()
        try log.append(w.bytes + [UInt8(ascii: "\n")])
    }

    /// Forgets the messages in flight: their outcome is in `sent` now.
    func clear() {
        log.closeFile()
        unlink(log.path)
    }

    /// The alert ids of messages in flight (`sending` lines) that are not sent yet but are in
    /// `targetFile`. A line torn by a kill is skipped: it was written before its message was.
    static func delivered(inFlight lines: [String], sent: Set<String>, targetFile: String) throws -> [String] {
        var unsure: [String: [String]] = [:]
        for line in lines {
            guard let (id, alerts) = entry(line), !alerts.allSatisfy(sent.contains) else { continue }
            unsure[id] = alerts
        }
        guard !unsure.isEmpty, FileIO.exists(targetFile) else { return [] }
        var found: [String] = []
        let paths = [JSONPath("notify.id"), JSONPath("digest.id"), JSONPath("finding_info.uid")]
        try NDJSONInput([targetFile]).forEachLine { line, _ in
            let s = JSONScanner(line)
            guard let root = try? s.validateDocument(), s.kind(at: root) == .object,
                  let id = paths.lazy.compactMap({ s.value(at: $0, from: root).flatMap { s.string(at: $0) } }).first,
                  let alerts = unsure.removeValue(forKey: id) else { return }
            found += alerts
        }
        return found
    }

    private static func entry(_ line: String) -> (id: String, alerts: [String])? {
        Array(line.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            guard let root = try? s.validateDocument(), s.kind(at: root) == .object,
                  let id = s.member("id", ofObjectAt: root).flatMap({ s.string(at: $0) }),
                  let list = s.member("alerts", ofObjectAt: root), s.kind(at: list) == .array else { return nil }
            var alerts: [String] = []
            s.forEachElement(ofArrayAt: list) { element in
                if let alert = s.string(at: element) { alerts.append(alert) }
                return true
            }
            return (id, alerts)
        }
    }
}
