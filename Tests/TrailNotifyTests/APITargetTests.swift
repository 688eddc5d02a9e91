import Foundation
import Testing
import TrailCore
@testable import TrailNotify
import TrailTestSupport

/// An AWS alert as trail-match writes it with the contract's additions: resources, a
/// runbook, and the caller's country from trail-enrich.
func responderAlertLine(event: String, level: String = "high", actor: String = "mallory", cloud: String = "aws", region: String = "us-east-1") -> String {
    #"{"alert":{"rule":{"id":"iam-admin-attached","title":"Admin policy attached","level":"\#(level)","tags":["attack.persistence"],"runbook":"Detach the policy and rotate the user's keys.\nThen ask the owner why.","falsepositives":[]},"time":"2026-11-16T09:12:03Z","resources":["arn:aws:iam::111122223333:user/\#(actor)","arn:aws:iam::aws:policy/AdministratorAccess"]},"event":{"trail":{"cloud":"\#(cloud)","account":"111122223333","region":"\#(region)","service":"iam","action":"AttachUserPolicy","actor":{"name":"\#(actor)","type":"user"},"source":{"ip":"203.0.113.10","service":null,"geo":{"country":"NL"}},"outcome":"success","id":"\#(event)","time":"2026-11-16T09:12:03Z"}}}"#
}

/// A service's API on the loopback (`Peers.api`), its inbox and base URL.
struct APIPeer {
    let inbox: String
    let server: LoopbackServer
    var base: String { "http://127.0.0.1:\(server.port)" }

    init(_ service: String, in dir: TemporaryDirectory, environment: [String: String] = [:], port: Int = 0) throws {
        (inbox, server) = try Peers.start(Peers.api, inbox: service, in: dir, [String(port), service], environment: environment)
    }

    /// The accepted requests' bodies, parsed, once there are `count`.
    func bodies(_ count: Int) throws -> [[String: Any]] {
        try Peers.received(in: inbox, atLeast: count).map { try parseJSON(try parseJSON($0)["body"] as! String) }
    }

    func requests(_ count: Int) throws -> [[String: Any]] {
        try Peers.received(in: inbox, atLeast: count).map { try parseJSON($0) }
    }
}

@Suite(.serialized) struct APITargetTests {
    @Test func teamsGetsAnAdaptiveCardInResponderOrder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let peer = try APIPeer("teams", in: dir)
        defer { peer.server.stop() }
        let (status, notifier, _) = try notify([responderAlertLine(event: "ev-1"), Hostile.alert()],
                                               to: ["\(peer.base)/workflows/abc?format=teams"], in: dir)
        #expect(status == .success)
        #expect(notifier.delivered == 2)
        let cards = try peer.bodies(2).map { value($0, "attachments") as! [[String: Any]] }.map { $0[0]["content"] as! [String: Any] }
        try #require(cards.count == 2)
        let card = try #require(cards.first { (($0["actions"] as? [[String: Any]]) ?? []).count == 1 })
        let body = card["body"] as! [[String: Any]]
        #expect(body[0]["text"] as? String == "[trail] high: Admin policy attached by mallory \\(user\\)")
        #expect(body[0]["color"] as? String == "Attention")
        let facts = (body[1]["facts"] as! [[String: String]])
        #expect(facts.map { $0["title"]! } == ["Actor", "Action", "Resource", "From", "When", "Where", "Runbook", "Rule", "Alert id"])
        #expect(facts[2]["value"]?.contains("arn:aws:iam::111122223333:user/mallory") == true)
        #expect(facts[3]["value"] == "203.0.113.10 \\(NL\\)")
        #expect(facts[6]["value"] == "Detach the policy and rotate the user's keys.")
        let action = (card["actions"] as! [[String: Any]])[0]
        #expect(action["url"] as? String == "https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/ev-1")

        // The hostile alert: no markdown, mention, link or extra line survives as such.
        let hostile = try #require(cards.first { (($0["actions"] as? [[String: Any]]) ?? []).isEmpty })
        let texts = (hostile["body"] as! [[String: Any]]).flatMap { element -> [String] in
            [element["text"] as? String].compactMap { $0 } + ((element["facts"] as? [[String: String]]) ?? []).compactMap { $0["value"] }
        }
        for text in texts {
            // What is left once each backslash escape is taken out: no markup character at all.
            var unescaped = "", escaping = false
            for character in text {
                if escaping { escaping = false } else if character == "\\" { escaping = true } else { unescaped.append(character) }
            }
            for raw in ["*", "_", "<", ">", "`", "~", "&"] { #expect(!unescaped.contains(raw), "\(raw) in \(text)") }
            #expect(!text.contains("http://"))
            #expect(!Hostile.hasControl(text))
        }
    }

    @Test func pagerDutyRetriesThenDeadLettersThePoisonAlertOnly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let key = "R0UT1NGk3yR0UT1NGk3yR0UT1NGk3y00"
        let peer = try APIPeer("pagerduty", in: dir, environment: ["KEY": key, "FAIL_FIRST": "2", "REJECT": "poison"])
        defer { peer.server.stop() }
        let target = "pagerduty://${PD_KEY}?url=\(peer.base)/v2/enqueue"
        let alerts = [responderAlertLine(event: "p1"), responderAlertLine(event: "p2", actor: "poison"),
                      responderAlertLine(event: "p3", level: "critical")]
        let (status, notifier, _) = try notify(alerts, to: [target], in: dir, spool: true, environment: ["PD_KEY": key])
        #expect(status == .spooled)
        #expect(notifier.delivered == 2)
        #expect(notifier.deadLettered == 1)
        let events = try peer.bodies(2)
        try #require(events.count == 2)
        #expect(events.map { value($0, "payload.severity") as? String } == ["error", "critical"])
        #expect(value(events[0], "routing_key") as? String == key)
        #expect(value(events[0], "payload.custom_details.actor") as? String == "mallory")
        #expect(value(events[0], "payload.custom_details.country") as? String == "NL")
        #expect(value(events[0], "payload.custom_details.runbook") as? String == "Detach the policy and rotate the user's keys.\nThen ask the owner why.")
        #expect(value(events[0], "payload.source") as? String == "aws account 111122223333 us-east-1")
        let firstID = try #require(Alert(json: Array(alerts[0].utf8))?.id)
        #expect(value(events[0], "dedup_key") as? String == firstID)

        // A later run sends nothing again, the dead letter included.
        let (again, second, _) = try notify(alerts, to: [target], in: dir, spool: true, environment: ["PD_KEY": key])
        #expect(again == .success)
        #expect(second.delivered == 0)
        #expect(Peers.received(in: peer.inbox, atLeast: 2).count == 2)
    }

    /// Each API target through the same machinery: the first two requests get 429 and 503
    /// (retried), the poison alert a 400 (a dead letter, said on stderr and in the exit
    /// status), the others are delivered; a second run re-sends nothing.
    @Test(arguments: ["teams", "pagerduty", "opsgenie", "dingtalk", "splunk"])
    func retriesThenDeadLettersThePoisonAlertOnly(service: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let key = "6f1c2a44-0000-4000-8000-1234567890ab"
        let peer = try APIPeer(service, in: dir, environment: ["KEY": key, "FAIL_FIRST": "2", "REJECT": "poison"])
        defer { peer.server.stop() }
        let target = [
            "teams": "\(peer.base)/workflows/abc?format=teams", "pagerduty": "pagerduty://${KEY}?url=\(peer.base)/v2/enqueue",
            "opsgenie": "opsgenie://${KEY}?url=\(peer.base)/v2/alerts", "dingtalk": "dingtalk://${KEY}?url=\(peer.base)/robot/send",
            "splunk": "splunk://${KEY}@127.0.0.1:\(peer.server.port)?tls=no",
        ][service]!
        let input = try dir.write("alerts.ndjson", [responderAlertLine(event: "a1"), responderAlertLine(event: "a2", actor: "poison"),
                                                    responderAlertLine(event: "a3")].map { $0 + "\n" }.joined())
        let command = "'\(CommandLineTests.tool)' --retry-delay 0.01 --spool '\(dir.path)/spool' --to '\(target)' '\(input)'"
        let first = try runShell(command, environment: ["KEY": key])
        #expect(first.status == 75, "\(first.stderr)")
        let lines = first.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("refused for good: HTTP 400"), "\(first.stderr)")
        #expect(!first.stderr.contains(key))
        #expect(Peers.received(in: peer.inbox, atLeast: 2).count == 2)
        let second = try runShell(command, environment: ["KEY": key])
        #expect(second.status == 0 && second.stderr.isEmpty, "dead letters wait, unsent: \(second.stderr)")
        // The run is over: whatever it sent is in the inbox already.
        #expect(Peers.received(in: peer.inbox, atLeast: 2).count == 2)
    }

    @Test func pagerDutyAWrongRoutingKeyWaitsInTheSpool() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let peer = try APIPeer("pagerduty", in: dir, environment: ["KEY": "R0UT1NGk3yR0UT1NGk3yR0UT1NGk3y00"])
        defer { peer.server.stop() }
        let (status, notifier, _) = try notify([responderAlertLine(event: "k1")], to: ["pagerduty://${PD_KEY}?url=\(peer.base)/v2/enqueue"],
                                               in: dir, spool: true, environment: ["PD_KEY": "not-the-key-at-all-000000000000"])
        #expect(status == .spooled)
        #expect(notifier.postponed == 1 && notifier.deadLettered == 0)
    }

    @Test func opsgenieSendsItsGenieKeyAndAWrongKeyWaitsInTheSpool() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let peer = try APIPeer("opsgenie", in: dir, environment: ["KEY": "6f1c2a44-0000-4000-8000-1234567890ab"])
        defer { peer.server.stop() }
        let target = "opsgenie://${GENIE_KEY}?region=eu&url=\(peer.base)/v2/alerts"
        let alerts = [responderAlertLine(event: "o1", level: "medium"), responderAlertLine(event: "o2", level: "low")]
        let (refused, first, _) = try notify(alerts, to: [target], in: dir, spool: true, environment: ["GENIE_KEY": "wrong-key-0000"])
        #expect(refused == .spooled)
        #expect(first.deadLettered == 0)
        #expect(first.postponed == 2)

        let (status, second, _) = try notify([], to: [target], in: dir, spool: true, environment: ["GENIE_KEY": "6f1c2a44-0000-4000-8000-1234567890ab"])
        // A new key makes a new target (its own spool): the first target's alerts wait for
        // their own key, and the right key gets the alerts when they are read again.
        #expect(status == .success && second.delivered == 0)
        let (fixed, third, _) = try notify(alerts, to: [target], in: dir, spool: true, environment: ["GENIE_KEY": "6f1c2a44-0000-4000-8000-1234567890ab"])
        #expect(fixed == .success)
        #expect(third.delivered == 2)
        let requests = try peer.requests(2)
        #expect(requests.map { value($0, "headers.Authorization") as? String } == Array(repeating: "GenieKey 6f1c2a44-0000-4000-8000-1234567890ab", count: 2))
        let bodies = try requests.map { try parseJSON($0["body"] as! String) }
        #expect(bodies.map { $0["priority"] as? String } == ["P3", "P4"])
        #expect(bodies[0]["alias"] as? String == Alert(json: Array(alerts[0].utf8))?.id)
        #expect((bodies[0]["description"] as? String)?.hasPrefix("Actor:     mallory (user)\nAction:    iam:AttachUserPolicy (success)") == true)
        #expect(value(bodies[0], "details.resources") as? String == "arn:aws:iam::111122223333:user/mallory, arn:aws:iam::aws:policy/AdministratorAccess")
    }

    @Test func dingTalkSignsEachRequest() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (token, secret) = ("d1ngtalkAccessToken0123456789abcdef", "SEC0123456789abcdef+/=")
        let peer = try APIPeer("dingtalk", in: dir, environment: ["KEY": token, "SECRET": secret])
        defer { peer.server.stop() }
        let target = "dingtalk://${DT_TOKEN}?secret=${DT_SECRET}&url=\(peer.base)/robot/send"
        let (status, notifier, _) = try notify([responderAlertLine(event: "d1")], to: [target], in: dir,
                                               environment: ["DT_TOKEN": token, "DT_SECRET": secret])
        #expect(status == .success)
        #expect(notifier.delivered == 1)
        let message = try #require(try peer.bodies(1).first)
        let text = try #require(value(message, "markdown.text") as? String)
        #expect(text.hasPrefix("#### [trail] high: Admin policy attached by mallory \\(user\\)\n\n**Actor:** mallory \\(user\\)"))
        #expect(text.hasSuffix("[Open in the console](https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/d1)"))

        // A wrong secret: DingTalk's 200 with errcode 310000 is a failure, not a delivery.
        let (wrong, failed, _) = try notify([responderAlertLine(event: "d2")], to: [target], in: dir,
                                            environment: ["DT_TOKEN": token, "DT_SECRET": "SECwrong"])
        #expect(wrong == .failure)
        #expect(failed.delivered == 0)
    }

    @Test func anActionTrailAlertLinksToItsRegionsEventQueryPage() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let peer = try APIPeer("teams", in: dir)
        defer { peer.server.stop() }
        let alert = responderAlertLine(event: "A5A4BB74-EFBC-5D8B-BD8A-1B9131429438", cloud: "alibaba", region: "cn-hangzhou")
        let (status, _, _) = try notify([alert], to: ["\(peer.base)/workflows/abc?format=teams"], in: dir)
        #expect(status == .success)
        let message = try #require(try peer.bodies(1).first)
        let card = try #require((message["attachments"] as? [[String: Any]])?.first?["content"] as? [String: Any])
        let actions = try #require(card["actions"] as? [[String: Any]])
        #expect(actions.first?["url"] as? String == "https://actiontrail.console.aliyun.com/cn-hangzhou/event-list")
        // A region that is not a region name makes no link at all.
        #expect(AlertFacts.consoleURL(cloud: "alibaba", region: "cn-hangzhou/../evil", eventID: "x") == nil)
    }

    /// A web hook behind a private CA: trusted with `cacert=`, refused without it.
    @Test func aWebhookTrustsAPrivateCAWithCacert() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let made = try runShell("""
            openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
              -keyout '\(dir.path)/key.pem' -out '\(dir.path)/cert.pem'
            """)
        try #require(made.status == 0, "openssl: \(made.stderr)")
        let peer = try APIPeer("teams", in: dir, environment: ["CERT": dir.path + "/cert.pem", "KEYFILE": dir.path + "/key.pem"])
        defer { peer.server.stop() }
        let hook = "https://127.0.0.1:\(peer.server.port)/workflows/abc?format=teams"
        let (untrusted, _, _) = try notify([responderAlertLine(event: "c1")], to: [hook], in: dir)
        #expect(untrusted == .failure)
        let (trusted, notifier, _) = try notify([responderAlertLine(event: "c2")], to: [hook + "&cacert=\(dir.path)/cert.pem"], in: dir)
        #expect(trusted == .success && notifier.delivered == 1)
    }

    /// A receiver's Retry-After is waited out when it is short (the run takes that long), and
    /// when it is longer than a run should wait, the alert stays in the spool for a later run
    /// instead of blocking this one.
    @Test(arguments: ["teams", "pagerduty"]) func retryAfterIsHonoured(service: String) throws {
        let key = "R0UT1NGk3yR0UT1NGk3yR0UT1NGk3y00"
        let target = service == "teams" ? "/workflows/abc?format=teams" : "pagerduty://${KEY}?url="
        for (wait, slow) in [("2", true), ("3600", false)] {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let peer = try APIPeer(service, in: dir, environment: ["KEY": key, "FAIL_FIRST": "1", "RETRY_AFTER": wait])
            defer { peer.server.stop() }
            let url = service == "teams" ? peer.base + target : target + peer.base + "/v2/enqueue"
            let command = "'\(CommandLineTests.tool)' --retry-delay 0.01 --spool '\(dir.path)/spool' --to '\(url)' -"
            let started = Date()
            let first = try runShell(command, environment: ["KEY": key], stdin: responderAlertLine(event: "r\(wait)") + "\n")
            let took = Date().timeIntervalSince(started)
            if slow {
                #expect(first.status == 0 && took >= 2, "\(first.stderr) in \(took) s")
                #expect(Peers.received(in: peer.inbox, atLeast: 1).count == 1)
            } else {
                #expect(first.status == 75 && took < 30, "\(first.stderr) in \(took) s")
                #expect(first.stderr.contains("asks to wait 3600 s") && !first.stderr.contains(key), "\(first.stderr)")
                let second = try runShell(command, environment: ["KEY": key], stdin: "")
                #expect(second.status == 0, "\(second.stderr)")
                #expect(Peers.received(in: peer.inbox, atLeast: 1).count == 1)
            }
        }
    }

    @Test(arguments: [true, false]) func splunkHECOverHTTPSOrPlain(tls: Bool) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var environment = ["KEY": "11111111-2222-3333-4444-555555555555"]
        if tls {
            let made = try runShell("""
                openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
                  -keyout '\(dir.path)/key.pem' -out '\(dir.path)/cert.pem'
                """)
            try #require(made.status == 0, "openssl: \(made.stderr)")
            environment["CERT"] = dir.path + "/cert.pem"
            environment["KEYFILE"] = dir.path + "/key.pem"
        }
        let peer = try APIPeer("splunk", in: dir, environment: environment)
        defer { peer.server.stop() }
        let options = tls ? "cacert=\(dir.path)/cert.pem" : "tls=no"
        let target = "splunk://${HEC_TOKEN}@127.0.0.1:\(peer.server.port)?index=security&sourcetype=trail:alert&\(options)"
        let (status, _, _) = try notify([responderAlertLine(event: "s1")], to: [target], in: dir,
                                        environment: ["HEC_TOKEN": "11111111-2222-3333-4444-555555555555"])
        #expect(status == .success)
        let request = try #require(try peer.requests(1).first)
        #expect(value(request, "headers.Authorization") as? String == "Splunk 11111111-2222-3333-4444-555555555555")
        #expect(request["path"] as? String == "/services/collector/event")
        let event = try parseJSON(request["body"] as! String)
        #expect(event["time"] as? Int == 1_794_820_323)
        #expect(event["index"] as? String == "security")
        #expect(value(event, "event.event.trail.id") as? String == "s1")
        #expect(value(event, "event.notify.id") as? String == Alert(json: Array(responderAlertLine(event: "s1").utf8))?.id)

        // format=ocsf: the event is the alert's Detection Finding.
        let (ocsf, _, _) = try notify([responderAlertLine(event: "s2")], to: [target + "&format=ocsf"], in: dir,
                                      environment: ["HEC_TOKEN": "11111111-2222-3333-4444-555555555555"])
        #expect(ocsf == .success)
        let finding = try #require(try peer.bodies(2).last)
        #expect(value(finding, "event.class_uid") as? Int == 2004 && finding["sourcetype"] as? String == "trail:alert")
        #expect(value(finding, "event.finding_info.uid") as? String == Alert(json: Array(responderAlertLine(event: "s2").utf8))?.id)
    }

    /// What the fuzz harness feeds every payload builder: a hostile alert and a digest.
    @Test func everyPayloadIsJSONForAnAlertAndADigest() throws {
        let alerts = try [Hostile.alert(), responderAlertLine(event: "j1")].map { try #require(Alert(json: Array($0.utf8))) }
        let templates = try MessageTemplates.defaults()
        let digest = Digest(alerts: alerts, start: Timestamp(seconds: 0), end: Timestamp(seconds: 3600), suppressed: 2, itemPaths: Target.defaultItemPaths)
        for message in alerts.map({ Message(alert: $0, suppressed: 1, templates: templates) }) + [Message(digest: digest, templates: templates)] {
            let sns = SNSTransport.publish(message, topic: "arn:aws:sns:us-east-1:111122223333:fuzz")
            let payloads = [WebhookSettings.Format.json, .slack, .teams, .ocsf].map { WebhookTransport.payload(message, format: $0) }
                + [PagerDutyTransport.event(message, routingKey: "k"), OpsgenieTransport.alert(message), DingTalkTransport.markdown(message),
                   Array((sns.first { $0.0 == "Message" }?.1 ?? "").utf8)]
            for payload in payloads {
                #expect((try? JSONSerialization.jsonObject(with: Data(payload))) is [String: Any], "\(String(decoding: payload, as: UTF8.self))")
            }
            #expect(SNSTransport.subject(message.subject).unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F })
        }
    }

    @Test func teamsWorkflowHostsGetAdaptiveCardsByThemselves() throws {
        for url in ["https://prod-42.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SECRET",
                    "https://default0d1e.f2.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?sig=SECRET"] {
            let target = try Target(url)
            guard case .webhook(let settings) = target.kind else { Issue.record("\(url)"); continue }
            #expect(settings.format == .teams)
            #expect(!target.shown.contains("SECRET") && !target.shown.contains("abc"))
        }
    }

    /// Regression: a key in the host position (`pagerduty://KEY`) was printed in errors.
    @Test func secretsInAnyPartOfATargetAreNeverPrinted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let key = "S3cretR0utingKeyInTheHost0000000"
        let down = "http://127.0.0.1:\(Peers.freePort())"
        let environment = ["KEY": key, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        for target in ["pagerduty://${KEY}?url=\(down)/v2/enqueue", "opsgenie://${KEY}?url=\(down)/", "dingtalk://${KEY}?url=\(down)/",
                       "splunk://${KEY}@127.0.0.1:\(Peers.freePort())?tls=no", "https://${KEY}.example.invalid/hook",
                       "gopher://${KEY}/", "pagerduty://${KEY}?level=severe"] {
            let result = try runShell("'\(CommandLineTests.tool)' --retries 0 --spool '\(dir.path)/spool' --to '\(target)'",
                                      environment: environment, stdin: responderAlertLine(event: "x1") + "\n")
            #expect(result.status != 0, "\(target)")
            #expect(!result.stderr.isEmpty, "\(target)")
            #expect(!result.stderr.contains(key) && !result.stderr.contains("S3cret"), "\(target): \(result.stderr)")
        }
        let shown = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/spool").map {
            (try? String(contentsOfFile: "\(dir.path)/spool/\($0)/target", encoding: .utf8)) ?? ""
        }
        #expect(!shown.isEmpty && shown.allSatisfy { !$0.contains(key) })
        #expect(shown.contains { $0.hasPrefix("pagerduty://…") })
    }
}
