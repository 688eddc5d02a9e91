import Foundation
import Testing
import TrailMatch
import TrailTestSupport

/// The rule pack stays quiet on a day of ordinary activity: trail-synth without scenarios
/// writes routine traffic only (console browsing, SSO and CLI admins, Terraform and GitHub
/// Actions deploys, Lambda functions, instance agents, AWS Config and a vendor poller, service
/// principals, legacy federation), with its everyday denials and throttles. Alerts at level
/// low and above are the noise a person is asked to read; informational alerts are records
/// (a denied read, a sign-in from a new address) that notification targets filter out with
/// `--min-level low`.
@Suite struct NoiseBudgetTests {
    let bin = builtExecutablesFolder()
    var env: [String: String] { ["PATH": "\(bin):/usr/bin:/bin", "NO_COLOR": "1"] }
    static let eventsPerAlert = 2_000

    @Test func thePackRaisesAtMostOneAlertPerTwoThousandBenignEvents() throws {
        let dir = try TemporaryDirectory("trail-benign")
        defer { dir.remove() }
        let principals = packageRoot + "/pipelines/tables/principals.csv"
        let run = try runShell("""
            trail-synth --out '\(dir.path)/trail' --events 30000 --accounts 3 --days 2 --seed 11 --actiontrail 4000 >/dev/null \
            && trail-fetch '\(dir.path)/trail' | trail-flatten | trail-enrich --table trail.actor.name='\(principals)' > '\(dir.path)/events.ndjson' \
            && trail-match --rules '\(packageRoot)/rules' < '\(dir.path)/events.ndjson'
            """, environment: env, timeout: 600)
        #expect(run.status == 0, "\(run.stderr)")
        let events = try String(contentsOfFile: dir.path + "/events.ndjson", encoding: .utf8).split(separator: "\n")
        try expectRoutineShape(events)

        var noise: [String: Int] = [:]
        var records = 0
        for line in run.stdoutLines {
            let alert = try parseJSON(line)
            let level = try #require(value(alert, "alert.rule.level") as? String)
            if level == "informational" { records += 1; continue }
            noise[try #require(value(alert, "alert.rule.title") as? String), default: 0] += 1
        }
        let alerts = noise.values.reduce(0, +)
        #expect(alerts * Self.eventsPerAlert <= events.count,
                "\(alerts) alerts at level low or above on \(events.count) benign events (budget \(events.count / Self.eventsPerAlert)): \(noise)")
        // Informational records stay a small share too: a denied read now and then.
        #expect(records * 100 <= events.count, "\(records) informational alerts on \(events.count) events")
    }

    /// The corpus holds the routine activity the budget is about, so the test cannot pass on
    /// a corpus that lacks it.
    func expectRoutineShape(_ events: [Substring]) throws {
        func count(_ needle: String) -> Int { events.lazy.filter { $0.contains(needle) }.count }
        let minimum = events.count / 200
        #expect(events.count >= 30_000)
        #expect(count(#""action":"ConsoleLogin""#) + count(#""action":"ConsoleSignin""#) >= 100, "console sign-ins")
        #expect(count(#""name":"github-actions-deploy/GitHubActions""#) >= minimum, "CI deploys")
        #expect(count(#""action":"UpdateFunctionCode20150331v2""#) >= 10, "Lambda deploys")
        #expect(count(#""type":"service""#) >= minimum, "AWS service principals")
        #expect(count("AWSReservedSSO_AdministratorAccess") >= minimum, "administrators' SSO sessions")
        #expect(count(#""action":"GetSecretValue""#) >= minimum, "applications reading secrets")
        #expect(count(#""action":"GetFederationToken""#) >= 5, "legacy federation")
        #expect(count(#""outcome":"failure""#) >= 20, "everyday denials and throttles")
        #expect(count(#""cloud":"alibaba""#) >= 3_000, "ActionTrail traffic")
    }
}
