import Foundation
import Testing
import TrailMatch
import TrailTestSupport

/// End-to-end: the built executables composed in shell pipelines, as users run them.
@Suite struct PipelineTests {
    let bin = builtExecutablesFolder()
    var env: [String: String] { ["PATH": "\(bin):/usr/bin:/bin", "NO_COLOR": "1"] }
    let sample = packageRoot + "/pipelines/sample"
    let rules = packageRoot + "/rules"

    /// The sample's ground truth: scenario id → keys of the events injected for it (the event
    /// ID, or `file#index` for Security Center findings, which have none).
    func truth() throws -> [String: Set<String>] {
        let text = try String(contentsOfFile: sample + "/truth.ndjson", encoding: .utf8)
        var result: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") {
            let entry = try parseJSON(String(line))
            let key = entry["eventID"] as? String ?? "\(entry["file"] as! String)#\(entry["index"] as! Int)"
            result[entry["scenario"] as! String, default: []].insert(key)
        }
        return result
    }

    /// An alert's event, keyed as the truth keys it.
    func key(ofEventIn alert: [String: Any]) throws -> String {
        if let id = value(alert, "event.trail.id") as? String { return id }
        let file = try #require(value(alert, "event.trail.file") as? String)
        let index = try #require(value(alert, "event.trail.index") as? Int)
        return "\(file.dropFirst(sample.count + 1))#\(index)"
    }

    /// trail-enrich as `make run` calls it on the sample: geo (the GeoLite2 City database of
    /// PyPI's maxminddb-geolite2, which `make deps` installs), the principals table and the
    /// company calendar.
    func sampleEnrichment() throws -> String {
        let geo = try runShell("python3 -c 'import _maxminddb_geolite2 as g, os; print(os.path.dirname(g.__file__) + \"/GeoLite2-City.mmdb\")'")
        let database = geo.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(geo.status == 0 && FileManager.default.fileExists(atPath: database), "maxminddb-geolite2 is missing: run make deps")
        let tables = packageRoot + "/pipelines/tables"
        return "trail-enrich --geo '\(database)' --table trail.actor.name='\(tables)/principals.csv'"
            + " --business-hours 'Asia/Tokyo Mon-Fri 09:00-18:00' --holidays '\(tables)/holidays-jp.txt'"
    }

    @Test func theSamplePipelineRaisesEveryInjectedScenarioAndNothingElse() throws {
        let result = try runShell("""
            trail-fetch '\(sample)' | trail-flatten | \(try sampleEnrichment()) | trail-match --rules '\(rules)'
            """, environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let pack = try RuleLoader().load(paths: [rules])
        let scenariosOfRule = Dictionary(uniqueKeysWithValues: pack.rules.map { ($0.id, $0.scenarios) } + pack.correlations.map { ($0.id, $0.scenarios) })
        let truth = try truth()
        #expect(Set(truth.keys) == Set((1...19).map { "D\($0)" }), "the sample holds every scenario")
        var raised: [String: Set<String>] = [:]
        var newCountry: Set<String> = []
        for line in result.stdoutLines {
            let alert = try parseJSON(line)
            let ruleID = try #require(value(alert, "alert.rule.id") as? String)
            let eventKey = try key(ofEventIn: alert)
            #expect(value(alert, "event.trail.file") is String)
            let scenarios = scenariosOfRule[ruleID] ?? []
            // A correlation's alert names every event that made it.
            let contributing = value(alert, "alert.correlation.events") as? [String] ?? []
            for scenario in scenarios { raised[scenario, default: []].formUnion([eventKey] + contributing) }
            if ruleID == "3c8e1f52-7a04-4b9d-9e61-5f2d8a0c4b17" { newCountry.insert(eventKey) }
            // Precision: a rule that names scenarios fires only on events injected for one of them.
            // D18 is defined by the principals table, not by the event: every call of a user the
            // table names privileged is D18 activity, reads included (the answer key lists only
            // the injected session's changes).
            let privileged = value(alert, "event.trail.context.actor.name.privileged") as? String == "yes"
            if !scenarios.isEmpty {
                #expect(scenarios.contains { truth[$0]?.contains(eventKey) == true || ($0 == "D18" && privileged) },
                        "rule \(ruleID) (\(scenarios)) fired on \(eventKey), which the sample did not inject for it")
            }
        }
        // Recall: every injected event raises an alert of a rule that names its scenario.
        for (scenario, expected) in truth {
            #expect(expected.isSubset(of: raised[scenario] ?? []), "\(scenario): missed \(expected.subtracting(raised[scenario] ?? []))")
        }
        // D17's own sign-ins (D11's are D17 too) come from addresses the real database places in
        // a country new for the user.
        let d17Only = (truth["D17"] ?? []).subtracting(truth["D11"] ?? [])
        #expect(!d17Only.isEmpty && d17Only.isSubset(of: newCountry), "not seen as a new country: \(d17Only.subtracting(newCountry))")
    }

    @Test func withoutTheCalendarAndTablesTheRulesThatNeedThemStaySilent() throws {
        let result = try runShell("trail-fetch '\(sample)' | trail-flatten | trail-enrich | trail-match --rules '\(rules)'", environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let titles = Set(try result.stdoutLines.map { try #require(value(try parseJSON($0), "alert.rule.title") as? String) })
        #expect(!titles.contains("Console sign-in outside business hours"))
        #expect(!titles.contains("Privileged user made a change"))
        #expect(!titles.contains("Console sign-in from a country new for the user"))
        #expect(titles.contains("Instances launched or terminated"), "without the allow-list, the pipeline's launches are reported too")
    }

    @Test func watchScriptPrintsAlertsAndRespectsTheLock() throws {
        let state = try TemporaryDirectory("trail-state")
        defer { state.remove() }
        let environment = env.merging(["TRAIL_BIN": bin, "STATE_DIR": state.path]) { $1 }
        let run = try runShell("'\(packageRoot)/pipelines/watch.sh'", environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutLines.contains { $0.contains("Root account used") })
        #expect(run.stdoutLines.contains { $0.contains("Console sign-in without MFA") })
        // The day's alerts read in event-time order, whatever order the files came in.
        let times = run.stdoutLines.map { String($0.prefix { $0 != " " }) }
        #expect(times == times.sorted(), "alerts in event-time order")
        // A second run while the lock is held (by this shell, which must outlive the run: hence
        // the explicit exit, which keeps bash from exec-ing the script in its place) is skipped.
        let overlapping = try runShell("""
            exec 9>'\(state.path)/run.lock'; flock 9
            '\(packageRoot)/pipelines/watch.sh'; exit $?
            """, environment: environment)
        #expect(overlapping.status == 0)
        #expect(overlapping.stdout.isEmpty)
        #expect(overlapping.stderr.contains("skipped"))
    }

    @Test func aMalformedLineIsReportedWithItsNumberAndTheRestFlows() throws {
        let good = #"{"eventTime":"2026-11-16T10:00:00Z","eventName":"GetCallerIdentity","eventSource":"sts.amazonaws.com","awsRegion":"us-east-1","eventID":"e1"}"#
        let result = try runShell("trail-flatten | trail-enrich | trail-match --rules '\(rules)'",
                                  environment: env, stdin: "\(good)\n{\"eventName\": oops}\n\(good)\n")
        #expect(result.status == 1, "the run finishes but says a record was skipped")
        #expect(result.stderr == "trail-flatten: <stdin>:2: invalid JSON: unexpected character 'o' at byte 15\n")
        let flattened = try runShell("trail-flatten", environment: env, stdin: "\(good)\n{\"eventName\": oops}\n\(good)\n")
        #expect(flattened.stdoutLines.count == 2)
    }

    @Test(arguments: [
        ("trail-enrich", "no trail header: pipe through trail-flatten first"),
        ("trail-match --rules '\(packageRoot)/rules'", "no trail header: pipe through trail-flatten first"),
        ("trail-report --out -", "no trail header (nor an alert or integrity finding): pipe events through trail-flatten first"),
        ("trail-notify --to -", "not an alert (no alert.rule.title): pipe events through trail-match first"),
    ])
    func aStageGivenLinesItCannotReadSaysSoOncePerInput(command: String, problem: String) throws {
        // Raw CloudTrail records, as if trail-flatten were left out of the pipe; one of them a
        // root sign-in a bundled rule would catch.
        let raw = #"{"eventTime":"2026-11-16T10:00:00Z","eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com","awsRegion":"us-east-1","userIdentity":{"type":"Root"},"eventID":"e1"}"#
        let result = try runShell(command, environment: env, stdin: "\(raw)\n\(raw)\n\(raw)\n")
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr == "\(command.split(separator: " ")[0]): <stdin>:1: \(problem)\n")
        #expect(!result.stdout.contains("eventName"))
    }

    @Test(arguments: ["trail-fetch", "trail-flatten", "trail-enrich", "trail-match", "trail-notify", "trail-synth", "trail-report"])
    func everyToolAnswersHelpAndRejectsBadUsage(tool: String) throws {
        let help = try runShell("\(tool) --help", environment: env)
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE:"))
        let bad = try runShell("\(tool) --no-such-flag", environment: env)
        #expect(bad.status == 64, "usage errors exit 64, runtime failures 1 or 2")
        #expect(!bad.stderr.isEmpty)
    }

    @Test(arguments: [
        "trail-fetch --jobs 0 /tmp", "trail-fetch --jobs 100000 /tmp", "trail-fetch --rewind-days 99999999999 /tmp",
        "trail-fetch --max-requests -1 /tmp", "trail-fetch --jobs 99999999999999999999 /tmp",
        "trail-flatten --dedupe-window 9223372036854775807", "trail-flatten --window-mb 9223372036854775807",
        "trail-enrich --cache-size 9223372036854775807", "trail-enrich --cache-size 0",
        "trail-match --rules /dev/null --lateness 99999999999999999999d", "trail-match --rules /dev/null --lateness 9999999999d",
        "trail-match --rules /dev/null --tune x:timespan=9999999999d",
        "trail-notify --retries 1000000000", "trail-notify --retries -1", "trail-notify --retry-delay 1e300",
        "trail-notify --retry-delay nan", "trail-notify --repeat-interval 99999999999999999d",
        "trail-synth --out /nonexistent/x --events 99999999999999", "trail-synth --out /nonexistent/x --actiontrail -5",
        "trail-synth --out /nonexistent/x --events-per-file 1-9999999999999", "trail-synth --out /nonexistent/x --days 0",
        "trail-report --out - --top 0", "trail-report --out - --top 9223372036854775807",
    ])
    func outOfRangeNumbersAreUsageErrors(command: String) throws {
        let result = try runShell(command + " </dev/null", environment: env)
        #expect(result.status == 64, "\(command): \(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }

    @Test func runtimeFailuresExitTwoWithOneLine() throws {
        let missing = try runShell("trail-fetch /nonexistent/trail", environment: env)
        #expect(missing.status == 2)
        #expect(missing.stderr == "trail-fetch: /nonexistent/trail: No such file or directory\n")
        let rulesDir = try TemporaryDirectory()
        defer { rulesDir.remove() }
        try rulesDir.write("bad.yml", "title: x\ndetection:\n  s: {a|frobnicate: b}\n  condition: s\n")
        let badRule = try runShell("trail-match --rules '\(rulesDir.path)' </dev/null", environment: env)
        #expect(badRule.status == 2)
        #expect(badRule.stderr.contains("bad.yml:3: unsupported field modifier 'frobnicate'"))
    }
}
