import Foundation
import Testing
import TrailCore
import TrailTestSupport
@testable import TrailReport

/// The report's figures against the same figures counted independently, with Foundation's JSON
/// parser, over the sample's events, alerts and integrity findings.
@Suite struct AggregateTests {
    /// The figures, counted the straightforward way.
    struct Expected {
        var events = 0, outside = 0
        var accounts = Set<String>(), regions = Set<String>()
        var users: [String: Int] = [:], addresses: [String: Int] = [:], countries: [String: Int] = [:]
        var services: [String: Int] = [:]
        var signInSuccess = 0, signInFailure = 0, withoutMFA = 0
        var signInAddresses: [String: Set<String>] = [:]
        var denied = 0, deniedActors: [String: Int] = [:]
        var created: [String: Int] = [:], deleted: [String: Int] = [:]
        var changes: [ConfigurationChange.Kind: Int] = [:]
        var alertLevels: [String: Int] = [:], alertRules: [String: Int] = [:]
        var integrity: [String: Int] = [:]

        init(lines: [String], from: Date? = nil, to: Date? = nil) throws {
            let iso = ISO8601DateFormatter()
            func inRange(_ time: String?) -> Bool {
                guard from != nil || to != nil else { return true }
                guard let time, let date = iso.date(from: time) else { return false }
                return (from.map { date >= $0 } ?? true) && (to.map { date < $0 } ?? true)
            }
            for line in lines {
                let object = try parseJSON(line)
                if let alert = object["alert"] as? [String: Any] {
                    guard inRange(alert["time"] as? String) else { outside += 1; continue }
                    alertLevels[(value(alert, "rule.level") as! String).lowercased(), default: 0] += 1
                    alertRules[value(alert, "rule.id") as! String, default: 0] += 1
                    continue
                }
                if object["kind"] as? String == "integrity" {
                    guard inRange(object["time"] as? String) else { outside += 1; continue }
                    integrity[object["status"] as! String, default: 0] += 1
                    continue
                }
                let t = try #require(object["trail"] as? [String: Any])
                func s(_ path: String) -> String? { value(t, path) as? String }
                guard inRange(s("time")) else { outside += 1; continue }
                events += 1
                accounts.insert(s("account") ?? "(none)")
                regions.insert(s("region") ?? "(none)")
                services[s("service") ?? "(none)", default: 0] += 1
                if let actor = s("actor.name") { users[actor, default: 0] += 1 }
                let country = s("source.geo.country")
                if let ip = s("source.ip") {
                    addresses[country.map { "\(ip) · \($0)" } ?? ip, default: 0] += 1
                    if let country { countries[country, default: 0] += 1 }
                }
                let success = s("outcome") != "failure"
                if ["consolelogin", "consolesignin"].contains(s("action")?.lowercased()) {
                    if success { signInSuccess += 1 } else { signInFailure += 1 }
                    if success, (value(t, "actor.mfa") as? NSNumber).map({ $0 == false }) == true { withoutMFA += 1 }
                    if success, let ip = s("source.ip") { signInAddresses[s("actor.name") ?? "(unknown)", default: []].insert(ip) }
                }
                let error = (value(t, "error") as? String)?.lowercased() ?? ""
                if ["accessdenied", "unauthorized", "nopermission", "forbidden"].contains(where: error.contains) {
                    denied += 1
                    deniedActors[s("actor.name") ?? "(unknown)", default: 0] += 1
                }
                if success, let action = s("action") {
                    if s("category") == "create" { created[action, default: 0] += 1 }
                    if s("category") == "delete" { deleted[action, default: 0] += 1 }
                }
                let readOnly = (value(t, "readOnly") as? NSNumber).map { $0 == true } ?? false
                if !readOnly, s("category") != "read", s("category") != "auth", let action = s("action") {
                    if action.contains("SecurityGroup") { changes[.securityGroup, default: 0] += 1 }
                    else if action.contains("NetworkAcl") { changes[.networkACL, default: 0] += 1 }
                    else if ["iam", "ram"].contains(s("service")) { changes[.iam, default: 0] += 1 }
                }
            }
        }
    }

    func lines(_ input: SampleInput) throws -> [String] {
        try [input.events, input.alerts, input.integrity].flatMap {
            try String(contentsOfFile: $0, encoding: .utf8).split(separator: "\n").map(String.init)
        }
    }

    func aggregate(_ input: SampleInput, _ configure: (inout ReportOptions) -> Void = { _ in }) throws -> ReportData {
        var options = ReportOptions()
        options.inputs = [input.events, input.alerts, input.integrity]
        configure(&options)
        return try Reporter(options: options, diagnostics: Diagnostics(tool: "trail-report-test")).aggregate()
    }

    func counts(_ counter: TopCounter) -> [String: Int] {
        #expect(!counter.isApproximate)
        return Dictionary(uniqueKeysWithValues: counter.top(.max).map { ($0.value, $0.count) })
    }

    @Test func everyFigureMatchesAnIndependentCount() throws {
        let input = try SampleInput.load()
        let data = try aggregate(input)
        let expected = try Expected(lines: lines(input))
        #expect(expected.events > 500, "the sample holds its events")
        #expect(data.events == expected.events)
        #expect(data.accounts.distinctCount == expected.accounts.count)
        #expect(data.regions.distinctCount == expected.regions.count)
        #expect(counts(data.services) == expected.services)
        #expect(counts(data.users) == expected.users)
        #expect(counts(data.sourceIPs) == expected.addresses)
        #expect(counts(data.countries) == expected.countries)
        #expect(!expected.countries.isEmpty, "the sample is enriched with geo")

        #expect(data.signIns.successes == expected.signInSuccess)
        #expect(data.signIns.failures == expected.signInFailure)
        #expect(data.signIns.withoutMFA == expected.withoutMFA && expected.withoutMFA > 0)
        let several = data.signIns.users.filter { $0.value.addresses.count > 1 }.mapValues { Set($0.addresses) }
        #expect(several == expected.signInAddresses.filter { $0.value.count > 1 })
        #expect(!several.isEmpty, "the sample's D11 users sign in from several addresses")

        #expect(data.authorizationFailures == expected.denied && expected.denied > 0)
        #expect(counts(data.deniedActors) == expected.deniedActors)
        #expect(counts(data.created) == expected.created)
        #expect(counts(data.deleted) == expected.deleted)
        #expect(data.changeCounts == expected.changes)
        #expect(data.changes.count == expected.changes.values.reduce(0, +), "fewer than the table's limit")
        #expect(data.changes.map { $0.time! } == data.changes.map { $0.time! }.sorted(by: >), "most recent first")

        #expect(data.alerts.byLevel == expected.alertLevels)
        #expect(data.alerts.rules.mapValues(\.count) == expected.alertRules)
        #expect(data.alerts.rules.values.allSatisfy { $0.examples.count == min($0.count, data.limits.eventsPerRule) })
        #expect(data.integrity.byStatus == expected.integrity)
        #expect(data.integrity.problemCount == 3)

        // The time charts hold every timed event once.
        let range = try #require(data.shownRange)
        let byService = data.activityByService.binned(by: .hour, from: range.from, to: range.to)
        #expect(Dictionary(uniqueKeysWithValues: byService.series.map { ($0.key, $0.total) }) == expected.services)
        #expect(data.activityByRegion.binned(by: .day, from: range.from, to: range.to).total == expected.events)
    }

    @Test func aTimeRangeLeavesTheRestOut() throws {
        let input = try SampleInput.load()
        let data = try aggregate(input) {
            $0.from = ReportOptions.parseTime("2026-11-17", isEnd: false)
            $0.to = ReportOptions.parseTime("2026-11-17", isEnd: true)
        }
        let iso = ISO8601DateFormatter()
        let expected = try Expected(lines: lines(input), from: iso.date(from: "2026-11-17T00:00:00Z"), to: iso.date(from: "2026-11-18T00:00:00Z"))
        #expect(expected.events > 0 && expected.outside > 0)
        #expect(data.events == expected.events)
        #expect(data.outsideRange == expected.outside)
        #expect(counts(data.users) == expected.users)
        #expect(data.alerts.byLevel == expected.alertLevels)
        #expect(data.integrity.byStatus == expected.integrity)
        #expect(data.shownRange.map { [$0.from.rfc3339, $0.to.rfc3339] } == ["2026-11-17T00:00:00Z", "2026-11-17T23:59:59Z"])
    }

    @Test func thePageIsSelfContainedAndHasEveryPanel() throws {
        let input = try SampleInput.load()
        let data = try aggregate(input)
        let page = HTMLReport(data: data, title: "A <sample> & more", bucketing: .auto, top: 10, skippedLines: 0).render()
        for id in ["activity-service", "activity-region", "top-users", "top-addresses", "top-actions", "sign-ins", "denied",
                   "created-deleted", "changes", "countries", "alerts", "integrity"] {
            #expect(page.contains("<section class=\"panel") && page.contains("id=\"\(id)\""), "panel \(id)")
        }
        #expect(page.contains("<title>A &lt;sample&gt; &amp; more</title>"))
        // Nothing to fetch: no external scripts, styles, fonts or images.
        for reference in ["src=", "href=", "@import", "url(", "<link", "<img", "<iframe"] {
            #expect(!page.contains(reference), "the page references \(reference)")
        }
        #expect(!page.contains("class=\"empty\""), "the sample fills every panel")
        // Tables cap and say so.
        #expect(page.contains("The earliest 5 of"))
    }

    @Test func emptyInputSaysSoInWords() throws {
        let page = HTMLReport(data: ReportData(), title: "empty", bucketing: .auto, top: 10, skippedLines: 0).render()
        #expect(!page.contains("<svg"))
        #expect(page.contains("No events in this range."))
        #expect(page.contains("No alerts in this range."))
        #expect(page.contains("No integrity findings in the input"))
    }
}

/// What is kept stays within the limits whatever the input, and the page says what it left out.
@Suite struct LimitTests {
    @Test func listsAndTablesStayWithinTheirLimits() throws {
        let dir = try TemporaryDirectory("trail-report-limits")
        defer { dir.remove() }
        var lines: [String] = []
        for i in 0..<5_000 {
            let time = Timestamp(seconds: 1_794_787_200 + Int64(i) * 600).rfc3339  // 2026-11-16, every 10 minutes
            let actor = i % 4 == 0 ? "heavy" : "user-\(i)"
            lines.append("""
                {"trail":{"time":"\(time)","account":"1","region":"us-east-1","service":"ec2","action":"AuthorizeSecurityGroupIngress","actor":{"name":"\(actor)"},"source":{"ip":"10.0.\(i / 256).\(i % 256)"},"outcome":"success","category":"modify","readOnly":false},"requestParameters":{"groupId":"sg-\(i)"}}
                """)
            if i % 100 == 0 {
                lines.append("""
                    {"alert":{"rule":{"id":"r1","title":"Security group changed","level":"low"},"time":"\(time)"},"event":{"trail":{"time":"\(time)","action":"AuthorizeSecurityGroupIngress"}}}
                    """)
                lines.append(#"{"trail":{"time":"\#(time)"},"kind":"integrity","status":"missing","type":"log","time":"\#(time)"}"#)
            }
        }
        let file = try dir.write("input.ndjson", lines.joined(separator: "\n") + "\n")
        var options = ReportOptions()
        options.inputs = [file]
        options.limits.topCounters = 100
        options.limits.changeRows = 10
        options.limits.eventsPerRule = 2
        options.limits.integrityRows = 3
        let data = try Reporter(options: options, diagnostics: Diagnostics(tool: "trail-report-test")).aggregate()
        #expect(data.events == 5_000)
        #expect(data.users.distinctCount == 100 && data.users.isApproximate)
        #expect(data.users.top(1).first?.value == "heavy")
        #expect(data.users.top(1).first.map { $0.count - $0.error <= 1_250 && $0.count >= 1_250 } == true)
        #expect(data.sourceIPs.distinctCount == 100)
        #expect(data.changes.count == 10 && data.changeCounts[.securityGroup] == 5_000)
        #expect(data.changes.first?.target == "sg-4999", "the most recent change first")
        #expect(data.alerts.rules["r1"]?.examples.count == 2 && data.alerts.rules["r1"]?.count == 50)
        #expect(data.integrity.problems.count == 3 && data.integrity.problemCount == 50)
        // About 35 days of ten-minute events: charted by day.
        let page = HTMLReport(data: data, title: "limits", bucketing: .auto, top: 5, skippedLines: 0).render()
        #expect(page.contains("by day"))
        #expect(page.contains("Approximate: more than 100 distinct values"))
        #expect(page.contains("The most recent 10 of 5,000 changes."))
        #expect(page.contains("The earliest 2 of 50 alerts."))
        #expect(page.contains("The first 3 of 50 problems."))
    }
}
