import Foundation
import Testing
import TrailCore
@testable import TrailNotify
import TrailTestSupport

/// An alert line as trail-match writes it.
func alertLine(rule: String = "root-used", title: String = "Root account used", level: String = "high",
               event: String, actor: String = "root", time: String = "2026-11-16T09:12:03Z", checkItem: String? = nil) -> String {
    let item = checkItem.map { #","check_item_name":"\#($0)""# } ?? ""
    return #"{"alert":{"rule":{"id":"\#(rule)","title":"\#(title)","level":"\#(level)","tags":["attack.t1078.004"]},"time":"\#(time)"},"event":{"trail":{"account":"111122223333","region":"us-east-1","service":"signin","action":"ConsoleLogin","actor":{"name":"\#(actor)","type":"root"},"source":{"ip":"203.0.113.10","service":null},"outcome":"success","id":"\#(event)","time":"\#(time)"}\#(item)}}"#
}

/// Runs the notifier in-process over `lines`, with tiny retry delays.
func notify(_ lines: [String], to targets: [String], in dir: TemporaryDirectory, spool: Bool = false,
            environment: [String: String] = [:], configure: (inout NotifyOptions) throws -> Void = { _ in }) throws -> (TrailCore.ExitStatus, Notifier, OutputWriter) {
    let input = try dir.write("alerts-\(UUID().uuidString).ndjson", lines.map { $0 + "\n" }.joined())
    var options = try NotifyOptions()
    options.retries = 2
    options.retryDelay = 0.01
    options.spool = spool ? dir.path + "/spool" : nil
    try configure(&options)
    let output = OutputWriter(collectingAs: "out")
    let notifier = try Notifier(targets: try targets.map { try Target($0, environment: environment) }, options: options,
                                output: output, diagnostics: Diagnostics(tool: "trail-notify"), colour: false)
    return (try notifier.run(inputs: [input]), notifier, output)
}

@Suite(.serialized) struct DeliveryTests {
    @Test func smtpWithAuthSendsOneMailPerAlert() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let mail = try Peers.inbox("mail", in: dir)
        let server = try Peers.start(Peers.smtp, [mail, String(Peers.freePort()), "alerts:s3cret"])
        defer { server.stop() }

        let alerts = (1...3).map { alertLine(event: "e\($0)", actor: "user\($0)") }
        let (status, notifier, _) = try notify(alerts, to: [
            "smtp://alerts:${SMTP_PASSWORD}@127.0.0.1:\(server.port)?to=secops@example.com&from=trail@example.com&starttls=no",
        ], in: dir, environment: ["SMTP_PASSWORD": "s3cret"])
        #expect(status == .success)
        #expect(notifier.delivered == 3)
        let messages = Peers.received(in: mail, atLeast: 3)
        #expect(messages.count == 3)
        for (i, message) in messages.enumerated() {
            #expect(message.contains("X-Envelope: trail@example.com -> secops@example.com"))
            #expect(message.contains("Subject: [trail] high: Root account used by user\(i + 1) (root)"))
            #expect(message.contains("Who:      user\(i + 1) (root)"))
            #expect(message.contains("When:     2026-11-16T09:12:03Z"))
            #expect(message.contains("From:     203.0.113.10"))
            #expect(message.contains("Rule:     root-used"))
            #expect(message.contains("Event:    e\(i + 1)"))
        }
    }

    @Test(arguments: ["smtp", "smtps"]) func smtpOverTLSWithAuth(scheme: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let mail = try Peers.inbox("mail", in: dir)
        let made = try runShell("""
            openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
              -keyout '\(dir.path)/key.pem' -out '\(dir.path)/cert.pem'
            """)
        try #require(made.status == 0, "openssl: \(made.stderr)")
        var environment = ["CERT": dir.path + "/cert.pem", "KEY": dir.path + "/key.pem"]
        if scheme == "smtps" { environment["IMPLICIT_TLS"] = "1" }
        let server = try Peers.start(Peers.smtp, [mail, String(Peers.freePort()), "alerts:s3cret"], environment: environment)
        defer { server.stop() }

        // A password makes STARTTLS required on smtp://; the test CA is trusted by cacert=.
        let (status, _, _) = try notify([alertLine(event: "e1")], to: [
            "\(scheme)://alerts:${SMTP_PASSWORD}@127.0.0.1:\(server.port)?to=secops@example.com&cacert=\(dir.path)/cert.pem",
        ], in: dir, environment: ["SMTP_PASSWORD": "s3cret"])
        #expect(status == .success)
        let messages = Peers.received(in: mail, atLeast: 1)
        #expect(messages.count == 1)
        #expect(messages.first?.contains("Event:    e1") == true)
        // Without trusting the test CA the TLS handshake fails: TLS really was in use.
        let (untrusted, _, _) = try notify([alertLine(event: "e2")], to: [
            "\(scheme)://alerts:${SMTP_PASSWORD}@127.0.0.1:\(server.port)?to=secops@example.com",
        ], in: dir, environment: ["SMTP_PASSWORD": "s3cret"])
        #expect(untrusted == .failure)
    }

    @Test func digestCountsPerRuleAndItem() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let mail = try Peers.inbox("mail", in: dir)
        let server = try Peers.start(Peers.smtp, [mail, String(Peers.freePort())])
        defer { server.stop() }

        let cspm = { (n: Int, item: String) in
            alertLine(rule: "cspm", title: "CSPM check failed", level: "medium", event: "c\(n)", checkItem: item)
        }
        let alerts = [cspm(1, "OSS bucket is public"), cspm(2, "RAM user without MFA"), cspm(3, "OSS bucket is public"),
                      cspm(4, "OSS bucket is public"), alertLine(event: "r1")]
        let (status, _, _) = try notify(alerts, to: ["smtp://127.0.0.1:\(server.port)?to=secops@example.com&digest=1d"], in: dir)
        #expect(status == .success)
        let messages = Peers.received(in: mail, atLeast: 1)
        #expect(messages.count == 1)
        let text = try #require(messages.first)
        #expect(text.contains("Subject: [trail] 5 alerts, 2 rules, 2026-11-16T00:00:00Z to 2026-11-17T00:00:00Z"))
        // Worst level first; items by how many resources failed them.
        let expected = """
            Root account used (high): 1\r
              1  ConsoleLogin\r
            \r
            CSPM check failed (medium): 4\r
              3  OSS bucket is public\r
              1  RAM user without MFA\r
            """
        #expect(text.contains(expected))
    }

    @Test func digestWindowWaitsInTheSpoolUntilItCloses() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.path + "/digests.ndjson"
        let target = "file://\(out)?digest=1h"
        let (open, first, _) = try notify([alertLine(event: "e1", time: "2026-11-16T09:10:00Z")], to: [target], in: dir, spool: true) {
            $0.now = time("2026-11-16T09:20:00Z")
        }
        #expect(open == .success)
        #expect(first.delivered == 0)
        let (_, second, _) = try notify([alertLine(event: "e2", time: "2026-11-16T09:50:00Z")], to: [target], in: dir, spool: true) {
            $0.now = time("2026-11-16T10:05:00Z")
        }
        #expect(second.delivered == 2)
        let digests = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { try parseJSON(String($0)) }
        #expect(digests.count == 1)
        #expect(value(digests[0], "digest.count") as? Int == 2)
        #expect(value(digests[0], "digest.start") as? String == "2026-11-16T09:00:00Z")
    }

    @Test func webhooksSpeakJSONSlackAndTeams() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let posts = try Peers.inbox("posts", in: dir)
        let server = try Peers.start(Peers.http, [posts, "0"])
        defer { server.stop() }

        let base = "http://127.0.0.1:\(server.port)"
        let (status, notifier, _) = try notify([alertLine(event: "e1"), alertLine(level: "low", event: "e2")], to: [
            "\(base)/json?level=high",
            "\(base)/services/T000/B000/${SLACK_TOKEN}?format=slack",
            "\(base)/teams?format=teams&rule=root-used",
        ], in: dir, environment: ["SLACK_TOKEN": "xoxb-secret"])
        #expect(status == .success)
        #expect(notifier.delivered == 5)
        let requests = try Peers.received(in: posts, atLeast: 5).map { try parseJSON($0) }
        #expect(requests.count == 5)
        func bodies(_ path: String) throws -> [[String: Any]] {
            try requests.filter { ($0["path"] as? String) == path }.map { try parseJSON($0["body"] as! String) }
        }
        let json = try bodies("/json")
        #expect(json.count == 1)
        #expect(value(json[0], "record.notify.id") as? String == json[0]["id"] as? String)
        #expect(value(json[0], "record.event.trail.id") as? String == "e1")
        #expect((json[0]["body"] as? String)?.contains("Who:      root (root)") == true)
        let slack = try bodies("/services/T000/B000/xoxb-secret")
        #expect(slack.count == 2)
        #expect(slack.first?["text"] as? String == "[trail] high: Root account used by root (root)")
        let teams = try bodies("/teams")
        #expect(teams.count == 2)
        #expect(teams.first?["type"] as? String == "message")
        let attachment = (teams.first?["attachments"] as? [[String: Any]])?.first
        #expect(attachment?["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        #expect(value(attachment ?? [:], "content.version") as? String == "1.4")
    }

    @Test func throttlingCountsWhatItHoldsBack() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.path + "/alerts.ndjson"
        let times = ["09:00:00", "09:05:00", "09:10:00", "09:20:00", "09:31:00"]
        let alerts = times.enumerated().map { alertLine(event: "e\($0.offset)", time: "2026-11-16T\($0.element)Z") }
        let (status, _, _) = try notify(alerts, to: ["file://\(out)"], in: dir, spool: true) { $0.repeatInterval = 30 * 60 }
        #expect(status == .success)
        // The counters outlive the run: the next run goes on counting.
        let later = ["09:45:00", "10:05:00"].enumerated().map { alertLine(event: "n\($0.offset)", time: "2026-11-16T\($0.element)Z") }
        _ = try notify(later, to: ["file://\(out)"], in: dir, spool: true) { $0.repeatInterval = 30 * 60 }
        // Reading the same alerts again neither resends nor recounts them.
        _ = try notify(later, to: ["file://\(out)"], in: dir, spool: true) { $0.repeatInterval = 30 * 60 }
        _ = try notify([alertLine(event: "n2", time: "2026-11-16T10:40:00Z")], to: ["file://\(out)"], in: dir, spool: true) {
            $0.repeatInterval = 30 * 60
        }
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { try parseJSON(String($0)) }
        #expect(lines.count == 4)
        #expect(value(lines[0], "event.trail.id") as? String == "e0")
        #expect(value(lines[0], "notify.suppressed") as? Int == 0)
        #expect(value(lines[1], "event.trail.id") as? String == "e4")
        #expect(value(lines[1], "notify.suppressed") as? Int == 3)
        #expect(value(lines[2], "event.trail.id") as? String == "n1")
        #expect(value(lines[2], "notify.suppressed") as? Int == 1)
        #expect(value(lines[3], "event.trail.id") as? String == "n2")
        #expect(value(lines[3], "notify.suppressed") as? Int == 0)
    }

    @Test func serverDownSpoolsThenDeliversEachExactlyOnce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let posts = try Peers.inbox("posts", in: dir)
        let port = Peers.freePort()
        let target = "http://127.0.0.1:\(port)/hook"
        let alerts = (1...4).map { alertLine(event: "e\($0)") }

        // Down: nothing delivered, everything spooled, the exit status says so.
        let (down, first, _) = try notify(alerts, to: [target], in: dir, spool: true)
        #expect(down == .spooled)
        #expect(first.postponed == 4)

        // Up (failing its first two requests, so retries are exercised): spooled alerts go out,
        // and the two new ones, one of which repeats an alert already spooled.
        let server = try Peers.start(Peers.http, [posts, String(port)], environment: ["FAIL_FIRST": "2"])
        defer { server.stop() }
        let (up, second, _) = try notify([alertLine(event: "e4"), alertLine(event: "e5")], to: [target], in: dir, spool: true)
        #expect(up == .success)
        #expect(second.delivered == 5)

        // The same input again: nothing sent twice.
        let (again, third, _) = try notify(alerts, to: [target], in: dir, spool: true)
        #expect(again == .success)
        #expect(third.delivered == 0)

        let events = try Peers.received(in: posts, atLeast: 5).map { value(try parseJSON(try parseJSON($0)["body"] as! String), "record.event.trail.id") as? String }
        #expect(events == ["e1", "e2", "e3", "e4", "e5"])
    }

    @Test func syslogOverUDPIsRFC5424() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let logs = try Peers.inbox("logs", in: dir)
        let server = try Peers.start(Peers.syslogUDP, [logs])
        defer { server.stop() }

        let (status, _, _) = try notify([alertLine(event: "e1"), alertLine(level: "critical", event: "e2")],
                                        to: ["syslog://127.0.0.1:\(server.port)?facility=auth"], in: dir)
        #expect(status == .success)
        let received = Peers.received(in: logs, atLeast: 2).sorted()
        #expect(received.count == 2)
        // auth (4) * 8 + err (3) for high; + crit (2) for critical.
        #expect(received.contains { $0.hasPrefix("<35>1 ") && $0.contains(" trail-notify ") && $0.contains("rule=\"root-used\" level=\"high\"]") })
        #expect(received.contains { $0.hasPrefix("<34>1 ") && $0.contains("actor=root (root)") })
        let stamp = try #require(received.first?.split(separator: " ").dropFirst().first)
        #expect(stamp.hasSuffix("Z") && (stamp.split(separator: ".").last?.count ?? 0) <= 7)
    }

    @Test func syslogOverTCPIsOctetCounted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let logs = try Peers.inbox("logs", in: dir)
        let server = try Peers.start(Peers.syslogTCP, [logs])
        defer { server.stop() }

        let (status, _, _) = try notify([alertLine(event: "e1"), alertLine(level: "low", event: "e2")],
                                        to: ["syslog+tcp://127.0.0.1:\(server.port)?facility=local3"], in: dir)
        #expect(status == .success)
        let received = Peers.received(in: logs, atLeast: 2)
        #expect(received.count == 2)
        // local3 (19) * 8 + err (3) for high, + notice (5) for low; each frame whole.
        #expect(received.contains { $0.hasPrefix("<155>1 ") && $0.hasSuffix("region=us-east-1") })
        #expect(received.contains { $0.hasPrefix("<157>1 ") && $0.hasSuffix("region=us-east-1") })
    }

    @Test func execRunsAProgramPerAlertWithTheAlertOnStdin() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = try dir.write("job.sh", "#!/bin/sh\ncat > \"$1/$TRAIL_ALERT_ID.json\"\n")
        chmod(script, 0o755)
        let (status, _, _) = try notify([alertLine(event: "e1"), alertLine(event: "e2")],
                                        to: ["exec://\(script)?arg=\(dir.path)"], in: dir)
        #expect(status == .success)
        let jobs = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }
        #expect(jobs.count == 2)
        for job in jobs {
            let record = try parseJSON(try String(contentsOfFile: dir.path + "/" + job, encoding: .utf8))
            #expect(job == (value(record, "notify.id") as? String ?? "") + ".json")
        }
    }
}
