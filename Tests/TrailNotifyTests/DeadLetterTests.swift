import Foundation
import Testing
import TrailCore
@testable import TrailNotify
import TrailTestSupport

/// The lines of a spool file of the only target folder below `spool`.
func spoolLines(_ spool: String, _ name: String) throws -> [[String: Any]] {
    let folders = try FileManager.default.contentsOfDirectory(atPath: spool)
    try #require(folders.count == 1)
    let path = spool + "/" + folders[0] + "/" + name
    guard FileManager.default.fileExists(atPath: path) else { return [] }
    return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try parseJSON(String($0)) }
}

/// Alerts a target refuses for good leave its queue for the dead letters; the others go on.
@Suite(.serialized) struct DeadLetterTests {
    @Test func aWebhookRefusalDeadLettersOneAlertAndTheRestGoOn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let posts = try Peers.inbox("posts", in: dir)
        let port = Peers.freePort()
        let target = "http://127.0.0.1:\(port)/hook"
        let alerts = [alertLine(event: "e1"), alertLine(event: "poison-1"), alertLine(event: "e3")]
        do {
            let server = try Peers.start(Peers.http, [posts, String(port)], environment: ["REJECT": "poison"])
            defer { server.stop() }
            let (status, notifier, _) = try notify(alerts, to: [target], in: dir, spool: true) { $0.stats = dir.path + "/stats.prom" }
            #expect(status == .spooled)
            #expect(notifier.delivered == 2)
            #expect(notifier.deadLettered == 1)
        }
        let dead = try spoolLines(dir.path + "/spool", "dead.ndjson")
        #expect(dead.count == 1)
        #expect(dead.first?["reason"] as? String == "HTTP 422")
        #expect(dead.first?["time"] as? String != nil)
        #expect(value(dead.first ?? [:], "record.event.trail.id") as? String == "poison-1")
        #expect(try spoolLines(dir.path + "/spool", "pending.ndjson").isEmpty)
        let stats = try String(contentsOfFile: dir.path + "/stats.prom", encoding: .utf8)
        for sample in ["trail_notify_alerts 3", "trail_notify_delivered 2", "trail_notify_spooled 0", "trail_notify_dead_lettered 1",
                       "trail_notify_dead_letters 1", "trail_notify_failed 0"] {
            #expect(stats.contains("\n\(sample)\n"), "\(sample) in \(stats)")
        }

        // The same input again: the dead letter is not queued anew.
        let (again, repeated, _) = try notify(alerts, to: [target], in: dir, spool: true)
        #expect(again == .success)
        #expect(repeated.delivered == 0)

        // Fixed at the receiver: --retry-dead sends it, once.
        let fixed = try Peers.inbox("fixed", in: dir)
        let server = try Peers.start(Peers.http, [fixed, String(port)])
        defer { server.stop() }
        let (retried, notifier, _) = try notify([], to: [target], in: dir, spool: true) { $0.retryDead = true }
        #expect(retried == .success)
        #expect(notifier.delivered == 1)
        #expect(try spoolLines(dir.path + "/spool", "dead.ndjson").isEmpty)
        func events(_ folder: String, _ count: Int) throws -> [String?] {
            try Peers.received(in: folder, atLeast: count).map { value(try parseJSON(try parseJSON($0)["body"] as! String), "record.event.trail.id") as? String }
        }
        #expect(try events(posts, 2) == ["e1", "e3"])
        #expect(try events(fixed, 1) == ["poison-1"])
    }

    @Test func withoutASpoolARefusedAlertIsLost() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let posts = try Peers.inbox("posts", in: dir)
        let server = try Peers.start(Peers.http, [posts, "0"], environment: ["REJECT": "poison"])
        defer { server.stop() }
        let (status, notifier, _) = try notify([alertLine(event: "poison-1"), alertLine(event: "e2")],
                                               to: ["http://127.0.0.1:\(server.port)/hook"], in: dir)
        #expect(status == .failure)
        #expect(notifier.lost == 1)
        #expect(notifier.delivered == 1)
    }

    @Test func anSMTPRejectionDeadLettersTheMail() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let mail = try Peers.inbox("mail", in: dir)
        let server = try Peers.start(Peers.smtp, [mail, String(Peers.freePort())], environment: ["REJECT": "poison"])
        defer { server.stop() }
        let alerts = [alertLine(event: "poison-1"), alertLine(event: "e2"), alertLine(event: "e3")]
        let (status, notifier, _) = try notify(alerts, to: ["smtp://127.0.0.1:\(server.port)?to=secops@example.com&starttls=no"],
                                               in: dir, spool: true)
        #expect(status == .spooled)
        #expect(notifier.deadLettered == 1)
        #expect(notifier.delivered == 2)
        #expect(Peers.received(in: mail, atLeast: 2).count == 2)
        let dead = try spoolLines(dir.path + "/spool", "dead.ndjson")
        #expect(dead.count == 1)
        #expect((dead.first?["reason"] as? String)?.contains("554") == true)
    }

    @Test func anExecTargetRefusesWithExitStatus65AndFailsForNowWithOthers() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = try dir.write("job.sh", """
            #!/bin/sh
            input=$(cat)
            case "$input" in *poison*) exit 65 ;; *down*) exit 1 ;; esac
            printf '%s\\n' "$input" >> "$1/jobs.ndjson"
            """)
        chmod(script, 0o755)
        let target = "exec://\(script)?arg=\(dir.path)"
        let (refused, first, _) = try notify([alertLine(event: "poison-1"), alertLine(event: "e2")], to: [target], in: dir, spool: true)
        #expect(refused == .spooled)
        #expect(first.deadLettered == 1)
        #expect(first.delivered == 1)
        // A temporary failure stops the target: what is left stays pending.
        let (down, second, _) = try notify([alertLine(event: "down-1"), alertLine(event: "e4")], to: [target], in: dir, spool: true)
        #expect(down == .spooled)
        #expect(second.postponed == 2)
        #expect(try spoolLines(dir.path + "/spool", "pending.ndjson").count == 2)
        #expect(try spoolLines(dir.path + "/spool", "dead.ndjson").count == 1)
    }

    @Test func aRefusedDigestDeadLettersAllItsAlerts() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = try dir.write("refuse.sh", "#!/bin/sh\ncat >/dev/null\nexit 65\n")
        chmod(script, 0o755)
        let (status, notifier, _) = try notify([alertLine(event: "e1"), alertLine(event: "e2")], to: ["exec://\(script)?digest=1h"],
                                               in: dir, spool: true) { $0.now = time("2026-11-16T12:00:00Z") }
        #expect(status == .spooled)
        #expect(notifier.deadLettered == 2)
        #expect(try spoolLines(dir.path + "/spool", "dead.ndjson").map { value($0, "record.event.trail.id") as? String } == ["e1", "e2"])
    }

    @Test func statsAreWrittenWhenDeliveryFails() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = "http://127.0.0.1:\(Peers.freePort())/hook"
        let (status, _, _) = try notify([alertLine(event: "e1"), alertLine(event: "e2"), "{\"not\":1}"], to: [target], in: dir, spool: true) {
            $0.stats = dir.path + "/stats.prom"
        }
        #expect(status == .spooled)
        let stats = try String(contentsOfFile: dir.path + "/stats.prom", encoding: .utf8)
        #expect(stats.contains("\ntrail_notify_alerts 2\n"))
        #expect(stats.contains("\ntrail_notify_spooled 2\n"))
        #expect(stats.contains("\ntrail_notify_delivered 0\n"))
        let (lost, _, _) = try notify([alertLine(event: "e1")], to: [target], in: dir) { $0.stats = dir.path + "/lost.prom" }
        #expect(lost == .failure)
        #expect(try String(contentsOfFile: dir.path + "/lost.prom", encoding: .utf8).contains("\ntrail_notify_failed 1\n"))
    }
}
