import Foundation
import Testing
import TrailCore
@testable import TrailNotify
import TrailTestSupport

func time(_ text: String) -> Timestamp {
    Array(text.utf8).withUnsafeBytes { Timestamp.parse($0)! }
}

@Suite struct NoiseControlTests {
    @Test func quietCalendarKnowsNightsWeekendsAndHolidays() throws {
        let calendar = try QuietCalendar(["Mon-Fri 19:00-08:00", "Sat,Sun", "# holidays", "2026-12-24..2026-12-26"])
        #expect(!calendar.isQuiet(time("2026-11-16T12:00:00Z")))  // Monday noon
        #expect(calendar.isQuiet(time("2026-11-16T20:00:00Z")))  // Monday night
        #expect(calendar.isQuiet(time("2026-11-17T07:59:00Z")))  // …until Tuesday 08:00
        #expect(!calendar.isQuiet(time("2026-11-17T08:00:00Z")))
        #expect(calendar.isQuiet(time("2026-11-21T12:00:00Z")))  // Saturday
        #expect(calendar.isQuiet(time("2026-12-24T12:00:00Z")))  // a Thursday holiday
        // Friday night runs into the weekend: the period ends Monday at midnight.
        #expect(calendar.end(after: time("2026-11-20T20:00:00Z")) == time("2026-11-23T00:00:00Z"))
        let tokyo = try QuietCalendar(["Mon-Fri 19:00-08:00"], clock: try #require(LocalCalendar(zone: "Asia/Tokyo")))
        #expect(tokyo.isQuiet(time("2026-11-16T10:30:00Z")))  // 19:30 in Tokyo
        let fixed = try QuietCalendar(["Mon-Fri 19:00-08:00"], clock: try #require(LocalCalendar(utcOffset: "+09:00")))
        #expect(fixed.isQuiet(time("2026-11-16T10:30:00Z")))
        #expect(throws: NotifyError.self) { try QuietCalendar(["Mon-Fri 19-08"]) }
    }

    /// Regression: quiet hours were kept at a fixed UTC offset, an hour off for half the year
    /// wherever clocks change. New York's clocks go forward on 2026-03-08 and back on 2026-11-01.
    @Test func quietHoursFollowDaylightSavingTime() throws {
        let newYork = try QuietCalendar(["Mon-Fri 19:00-08:00"], clock: try #require(LocalCalendar(zone: "America/New_York")))
        #expect(newYork.isQuiet(time("2026-03-06T12:30:00Z")))   // Friday 07:30 EST
        #expect(!newYork.isQuiet(time("2026-03-10T12:30:00Z")))  // Tuesday 08:30 EDT (07:30 at a fixed -05:00)
        #expect(!newYork.isQuiet(time("2026-10-30T12:30:00Z")))  // Friday 08:30 EDT
        #expect(newYork.isQuiet(time("2026-11-03T12:30:00Z")))   // Tuesday 07:30 EST (08:30 at a fixed -04:00)
        #expect(newYork.end(after: time("2026-03-10T11:00:00Z")) == time("2026-03-10T12:00:00Z"))  // 08:00 EDT
        #expect(newYork.end(after: time("2026-11-03T12:00:00Z")) == time("2026-11-03T13:00:00Z"))  // 08:00 EST
        // The weekend ends at local midnight, whichever offset Monday has.
        let weekend = try QuietCalendar(["Sat,Sun"], clock: try #require(LocalCalendar(zone: "America/New_York")))
        #expect(weekend.end(after: time("2026-03-08T12:00:00Z")) == time("2026-03-09T04:00:00Z"))
        #expect(weekend.end(after: time("2026-11-01T12:00:00Z")) == time("2026-11-02T05:00:00Z"))
    }

    @Test func quietPeriodsHoldUntilTheyEndOrDrop() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.path + "/alerts.ndjson"
        let night = time("2026-11-16T22:00:00Z"), morning = time("2026-11-17T09:00:00Z")
        let quiet = try QuietCalendar(["Mon-Fri 19:00-08:00"])
        let (held, _, _) = try notify([alertLine(event: "e1")], to: ["file://\(out)"], in: dir, spool: true) {
            $0.quiet = quiet
            $0.now = night
        }
        #expect(held == .success)
        #expect(!FileManager.default.fileExists(atPath: out))
        let (later, notifier, _) = try notify([], to: ["file://\(out)"], in: dir, spool: true) {
            $0.quiet = quiet
            $0.now = morning
        }
        #expect(later == .success)
        #expect(notifier.delivered == 1)

        let dropped = dir.path + "/dropped.ndjson"
        _ = try notify([alertLine(event: "e2")], to: ["file://\(dropped)"], in: dir, spool: true) {
            $0.quiet = quiet
            $0.holdWhenQuiet = false
            $0.now = night
        }
        let (_, after, _) = try notify([], to: ["file://\(dropped)"], in: dir, spool: true) {
            $0.quiet = quiet
            $0.now = morning
        }
        #expect(after.delivered == 0)
        #expect(!FileManager.default.fileExists(atPath: dropped))
    }

    @Test func silenceMutesOneKeyForAPeriodNotTheRule() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let silence = try Silence("actor=alice,rule=root-used@2026-11-20T00:00:00Z")
        let alerts = [alertLine(event: "e1", actor: "alice"), alertLine(event: "e2", actor: "bob")]
        let (_, _, during) = try notify(alerts, to: ["stdout://?line={{who}}"], in: dir) {
            $0.silences = [silence]
            $0.now = time("2026-11-19T00:00:00Z")
        }
        #expect(during.collectedLines == ["bob (root)"])
        let (_, _, afterwards) = try notify(alerts, to: ["stdout://?line={{who}}"], in: dir) {
            $0.silences = [silence]
            $0.now = time("2026-11-20T00:00:01Z")
        }
        #expect(afterwards.collectedLines == ["alice (root)", "bob (root)"])
        #expect(throws: NotifyError.self) { try Silence("user=alice@2026-11-20T00:00:00Z") }
    }

    @Test func routingByLevelRuleAndTag() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let alerts = [
            alertLine(level: "low", event: "e1"),
            alertLine(rule: "cspm", title: "CSPM check failed", level: "medium", event: "e2"),
            alertLine(level: "critical", event: "e3"),
        ]
        let (_, _, high) = try notify(alerts, to: ["stdout://?level=high&line={{eventID}}"], in: dir)
        #expect(high.collectedLines == ["e3"])
        let (_, _, byRule) = try notify(alerts, to: ["stdout://?rule=CSPM%20check%20failed&line={{eventID}}"], in: dir)
        #expect(byRule.collectedLines == ["e2"])
        let (_, _, byTag) = try notify(alerts, to: ["stdout://?tag=attack.t1078&line={{eventID}}"], in: dir)
        #expect(byTag.collectedLines == ["e1", "e2", "e3"])
        let (_, _, global) = try notify(alerts, to: ["stdout://?line={{eventID}}"], in: dir) { $0.minLevel = .medium }
        #expect(global.collectedLines == ["e2", "e3"])
    }

    @Test func secretsNeverShowInTargetsOrErrors() throws {
        #expect(Target.redact("https://hooks.slack.com/services/T0/B0/xoxb-secret") == "https://hooks.slack.com/services/…")
        #expect(Target.redact("smtp://alerts:s3cret@mail.example.com:587?to=a@example.com") == "smtp://mail.example.com:587")
        let target = try Target("http://127.0.0.1:\(Peers.freePort())/hook/${TOKEN}?key=${TOKEN}", environment: ["TOKEN": "tok-123"])
        #expect(!target.shown.contains("tok-123"))
        guard case .webhook(let settings) = target.kind else { Issue.record("not a web hook"); return }
        let message = Message(alert: try #require(Alert(json: Array(alertLine(event: "e1").utf8))), suppressed: 0, templates: target.templates)
        do {
            try WebhookTransport(settings: settings, client: APIClient(settings.endpoint)).send(message)
            Issue.record("a closed port accepted the message")
        } catch {
            #expect(!"\(error)".contains("tok-123"))
        }
        #expect(throws: NotifyError.self) { try Target("smtp://u:${MISSING}@h?to=a@b", environment: [:]) }
        guard case .webhook(let slack) = try Target("https://hooks.slack.com/services/${SLACK}", environment: ["SLACK": "T0/B0/x y"]).kind,
              case .smtp(let mail) = try Target("smtp://me:${PW}@h:587?to=a@b", environment: ["PW": "p@ss/w:rd"]).kind else {
            Issue.record("wrong kinds")
            return
        }
        #expect(slack.endpoint.url == "https://hooks.slack.com/services/T0/B0/x%20y")
        #expect(slack.format == .slack)
        #expect(mail.password == "p@ss/w:rd")
        #expect(mail.tls == .required)
    }

    @Test func alertIdsAreStable() throws {
        let a = try #require(Alert(json: Array(alertLine(event: "e1").utf8)))
        let again = try #require(Alert(json: Array(alertLine(event: "e1", time: "2026-11-16T10:00:00Z").utf8)))
        let other = try #require(Alert(json: Array(alertLine(rule: "other", event: "e1").utf8)))
        #expect(a.id == again.id)
        #expect(a.id != other.id)
        #expect(a.id.count == 32)
    }
}
