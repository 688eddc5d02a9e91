import Foundation
import Testing
import TrailCore
@testable import TrailNotify
import TrailTestSupport

/// The only target folder below `spool`.
func targetFolder(_ spool: String) throws -> String {
    let folders = try FileManager.default.contentsOfDirectory(atPath: spool)
    try #require(folders.count == 1)
    return spool + "/" + folders[0]
}

/// Spool files read back strictly: never an alert dropped silently, never a crash.
@Suite(.serialized) struct SpoolStateTests {
    /// A spool whose target (a closed port) holds two pending alerts, a dead letter and a
    /// throttle counter; returns the target.
    func filledSpool(in dir: TemporaryDirectory) throws -> String {
        let target = "http://127.0.0.1:\(Peers.freePort())/hook"
        _ = try notify([alertLine(event: "e1"), alertLine(event: "e2")], to: [target], in: dir, spool: true) { $0.repeatInterval = 1 }
        let folder = try targetFolder(dir.path + "/spool")
        _ = try dir.write("spool/" + (folder as NSString).lastPathComponent + "/dead.ndjson",
                          #"{"time":"2026-11-16T10:00:00Z","reason":"HTTP 422","holdUntil":null,"suppressed":0,"record":\#(alertLine(event: "d1"))}"# + "\n")
        return target
    }

    @Test func aFolderGetsAVersionAndAnOldOneIsUpgraded() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = try filledSpool(in: dir)
        let folder = try targetFolder(dir.path + "/spool")
        #expect(try String(contentsOfFile: folder + "/version", encoding: .utf8) == "1\n")
        // A folder from before versions is version 1: read, and marked.
        try FileManager.default.removeItem(atPath: folder + "/version")
        let (status, notifier, _) = try notify([], to: [target], in: dir, spool: true)
        #expect(status == .spooled)
        #expect(notifier.postponed == 1)  // e2 was throttled
        #expect(try String(contentsOfFile: folder + "/version", encoding: .utf8) == "1\n")
    }

    @Test(arguments: [
        ("pending.ndjson", "{\"holdUntil\":null,\"suppressed\":0,\"rec"),
        ("pending.ndjson", "{\"holdUntil\":null,\"suppressed\":0,\"record\":{\"not\":\"an alert\"}}\n"),
        ("dead.ndjson", "{\"time\":\"2026-11-16"),
        ("throttle.ndjson", "{\"key\":\"k\"}\n"),
        ("version", "2\n"),
    ])
    func anUnreadableFileStopsTheRunBeforeDelivering(file: String, garbage: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = try filledSpool(in: dir)
        let folder = try targetFolder(dir.path + "/spool")
        let path = folder + "/" + file
        let kept = file == "version" ? "" : (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        try (kept + garbage).write(toFile: path, atomically: true, encoding: .utf8)
        let before = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()

        let out = dir.path + "/out.ndjson"
        do {
            _ = try notify([alertLine(event: "e9")], to: [target, "file://\(out)"], in: dir, spool: true)
            Issue.record("an unreadable \(file) was read")
        } catch let error as StateFileError {
            #expect(error.path == path)
            #expect(error.description.contains("--reset-state"))
        }
        // Nothing delivered, nothing changed.
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == before)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == kept + garbage)

        // --reset-state moves it aside and starts it from empty; the rest of the folder is kept.
        let (status, _, _) = try notify([alertLine(event: "e9")], to: [target, "file://\(out)"], in: dir, spool: true) { $0.resetState = true }
        #expect(status == .spooled)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(names.contains { $0.hasPrefix(file + ".bad-") })
        #expect(try String(contentsOfFile: folder + "/version", encoding: .utf8) == "1\n")
        #expect(FileManager.default.fileExists(atPath: out))
    }

    @Test func aFileTargetDoesNotAppendAgainAfterAKillBetweenAppendAndSent() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.path + "/alerts.ndjson"
        let target = "file://\(out)"
        _ = try notify([alertLine(event: "e1")], to: [target], in: dir, spool: true)
        let folder = try targetFolder(dir.path + "/spool")

        // Killed after appending e2 (and noting it in flight) but before recording it as sent;
        // e3 was noted in flight and never written.
        let parsed = try [alertLine(event: "e2"), alertLine(event: "e3")].map { try #require(Alert(json: Array($0.utf8))) }
        let messages = try parsed.map { Message(alert: $0, suppressed: 0, templates: try MessageTemplates.defaults()) }
        let handle = try #require(FileHandle(forWritingAtPath: out))
        handle.seekToEndOfFile()
        handle.write(Data(messages[0].json + [UInt8(ascii: "\n")]))
        handle.closeFile()
        let inFlight = messages.map { #"{"id":"\#($0.id)","alerts":["\#($0.id)"]}"# + "\n" }.joined() + #"{"id":"to"#
        try inFlight.write(toFile: folder + "/sending", atomically: true, encoding: .utf8)

        let (status, notifier, _) = try notify([alertLine(event: "e2"), alertLine(event: "e3")], to: [target], in: dir, spool: true)
        #expect(status == .success)
        #expect(notifier.delivered == 1)
        let events = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { value(try parseJSON(String($0)), "event.trail.id") as? String }
        #expect(events == ["e1", "e2", "e3"])
        let sent = try String(contentsOfFile: folder + "/sent", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(Set(sent).isSuperset(of: messages.map(\.id)))
        #expect(!FileManager.default.fileExists(atPath: folder + "/sending"))
    }
}
