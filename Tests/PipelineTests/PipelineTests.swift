import Foundation
import Testing
import TrailTestSupport

/// End-to-end: the built executables composed in shell pipelines, as users run them.
@Suite struct PipelineTests {
    let bin = builtExecutablesFolder()
    var env: [String: String] { ["PATH": "\(bin):/usr/bin:/bin", "NO_COLOR": "1"] }
    let sample = packageRoot + "/pipelines/sample"
    let rules = packageRoot + "/rules"

    /// The sample's ground truth: scenario id → event ids injected for it.
    func truth() throws -> [String: Set<String>] {
        let text = try String(contentsOfFile: sample + "/truth.ndjson", encoding: .utf8)
        var result: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") {
            let entry = try parseJSON(String(line))
            result[entry["scenario"] as! String, default: []].insert(entry["eventID"] as! String)
        }
        return result
    }

    @Test func theSamplePipelineRaisesEveryInjectedScenario() throws {
        let result = try runShell("""
            trail-fetch '\(sample)' | trail-flatten | trail-enrich | trail-match --rules '\(rules)'
            """, environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        // rule title → scenario it serves, for the rules this test checks
        let scenarioOfRule = [
            "Console sign-in failure": "D1", "Root account used": "D3",
            "Security group opened to the whole internet": "D7",
            "Security group opened to the whole internet (Alibaba Cloud)": "D7",
            "Console sign-in without MFA": "D10",
        ]
        var raised: [String: Set<String>] = [:]
        for line in result.stdoutLines {
            let alert = try parseJSON(line)
            let title = try #require(value(alert, "alert.rule.title") as? String)
            let id = try #require(value(alert, "event.trail.id") as? String)
            #expect(value(alert, "event.trail.file") is String)
            if let scenario = scenarioOfRule[title] { raised[scenario, default: []].insert(id) }
        }
        let truth = try truth()
        for scenario in ["D1", "D3", "D7", "D10"] {
            let expected = try #require(truth[scenario], "the sample must contain \(scenario)")
            #expect(expected.isSubset(of: raised[scenario] ?? []), "\(scenario): missed \(expected.subtracting(raised[scenario] ?? []))")
            #expect((raised[scenario] ?? []).isSubset(of: expected), "\(scenario): alerts on events the sample did not inject: \(raised[scenario, default: []].subtracting(expected))")
        }
    }

    @Test func watchScriptPrintsAlertsAndRespectsTheLock() throws {
        let state = try TemporaryDirectory("trail-state")
        defer { state.remove() }
        let environment = env.merging(["TRAIL_BIN": bin, "STATE_DIR": state.path]) { $1 }
        let run = try runShell("'\(packageRoot)/pipelines/watch.sh'", environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutLines.contains { $0.contains("Root account used") })
        #expect(run.stdoutLines.contains { $0.contains("Console sign-in without MFA") })
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

    @Test(arguments: ["trail-fetch", "trail-flatten", "trail-enrich", "trail-match", "trail-notify", "trail-synth"])
    func everyToolAnswersHelpAndRejectsBadUsage(tool: String) throws {
        let help = try runShell("\(tool) --help", environment: env)
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE:"))
        let bad = try runShell("\(tool) --no-such-flag", environment: env)
        #expect(bad.status == 64, "usage errors exit 64, runtime failures 1 or 2")
        #expect(!bad.stderr.isEmpty)
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
