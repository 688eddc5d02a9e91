import Foundation
import Testing
import TrailTestSupport

/// Spark's local mode runs on a JDK; without one the Spark tests are skipped, saying so.
let javaOnPath = (try? runShell("command -v java"))?.status == 0

/// pipelines/spark.py in Spark's local mode (spark-submit from PATH, PySpark installed by the
/// Makefile's test dependencies) against the single-machine pipeline on the same trail: the
/// same alerts, byte for byte, order aside.
@Suite(.serialized, .enabled(if: javaOnPath, "no java on PATH: Spark's local mode needs a JDK (apt-get install openjdk-17-jre-headless)"))
struct SparkJobTests {
    let bin = builtExecutablesFolder()
    let rules = packageRoot + "/rules"
    let filters = packageRoot + "/pipelines/exceptions"
    var env: [String: String] {
        ["PATH": "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")", "TRAIL_BIN": bin,
         "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": "python3"]
    }

    /// The single machine: one pipeline over all the sources, as pipelines/watch.sh runs it.
    func reference(_ sources: String, enrich: String, extraRules: String = "") throws -> [String] {
        let run = try runShell("""
            trail-fetch --quiet \(sources) | trail-flatten | trail-enrich \(enrich) \
              | trail-match --rules '\(rules)' --filters '\(filters)' \(extraRules)
            """, environment: env, timeout: 600)
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdoutLines.sorted()
    }

    /// The Spark job's alerts: every file under `out` that is not hidden, all lines.
    func spark(_ sources: String, enrich: String, out: String, master: String = "local[2]", extra: String = "",
               environment: [String: String] = [:]) throws -> [String] {
        let run = try runShell("""
            spark-submit --master '\(master)' --conf spark.ui.enabled=false '\(packageRoot)/pipelines/spark.py' --rules '\(rules)' --filters '\(filters)' \
              --enrich "\(enrich)" \(extra) --out '\(out)' \(sources)
            """, environment: env.merging(environment) { $1 }, timeout: 900)
        #expect(run.status == 0, "\(run.stderr.suffix(4000))")
        let files = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") && !$0.hasPrefix("_") }
        #expect(!files.isEmpty, "spark.py wrote no alert file")
        return try files.flatMap { name in
            try String(contentsOfFile: out + "/" + name, encoding: .utf8).split(separator: "\n").map(String.init)
        }.sorted()
    }

    func sampleEnrichment() throws -> String {
        let geo = try runShell("python3 -c 'import _maxminddb_geolite2 as g, os; print(os.path.dirname(g.__file__) + \"/GeoLite2-City.mmdb\")'")
        let database = geo.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let tables = packageRoot + "/pipelines/tables"
        return "--geo '\(database)' --table trail.actor.name='\(tables)/principals.csv'"
            + " --business-hours 'Asia/Tokyo Mon-Fri 09:00-18:00' --holidays '\(tables)/holidays-jp.txt'"
    }

    func expectEqual(_ spark: [String], _ reference: [String], _ what: String) {
        #expect(spark.count == reference.count, "\(what): \(spark.count) alerts from Spark, \(reference.count) from one machine")
        #expect(Set(spark).count == spark.count, "\(what): Spark wrote some alert twice")
        let missing = Set(reference).subtracting(spark), extra = Set(spark).subtracting(reference)
        #expect(missing.isEmpty && extra.isEmpty,
                "\(what): \(missing.count) alerts missing, \(extra.count) extra; first missing: \(missing.first?.prefix(400) ?? "")")
    }

    @Test func theSampleGivesTheSameAlertsAsOneMachine() throws {
        let dir = try TemporaryDirectory("trail-spark")
        defer { dir.remove() }
        let sample = "'\(packageRoot)/pipelines/sample'"
        let enrich = try sampleEnrichment()
        let reference = try reference(sample, enrich: enrich)
        #expect(reference.contains { $0.contains("\"correlation\"") }, "the sample raises correlation alerts")
        expectEqual(try spark(sample, enrich: enrich.replacingOccurrences(of: "\"", with: "\\\""), out: dir.path + "/out",
                              extra: "--events-out '\(dir.path)/events'"), reference, "sample")
        let events = try runShell("cat '\(dir.path)'/events/part-*.ndjson | wc -l")
        let single = try runShell("trail-fetch --quiet \(sample) | trail-flatten | wc -l", environment: env)
        #expect(Int(events.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == Int(single.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
                "--events-out holds every event once")
    }

    /// 200,000 events over 3 accounts, 3 regions and 4 days, every scenario injected many
    /// times: correlation groups whose events lie in many files of many partitions.
    @Test func aGeneratedCorpusGivesTheSameAlertsAsOneMachine() throws {
        let dir = try TemporaryDirectory("trail-spark")
        defer { dir.remove() }
        let made = try runShell("""
            trail-synth --out '\(dir.path)/trail' --events 200000 --accounts 3 --regions us-east-1,eu-west-1,ap-northeast-1 \
              --start 2026-11-16 --days 4 --seed 11 --scenarios all --scenario-rate 3 --actiontrail 20000 >/dev/null
            """, environment: env, timeout: 600)
        #expect(made.status == 0, "\(made.stderr)")
        // A window with an upper bound is decided when it closes: on the newest event of the
        // whole stream at the end, which every correlation task must learn.
        let ranged = try dir.write("ranged.yml", """
            title: Two to four sign-in failures for one user
            id: 7d1f0a6e-2b1c-4c55-9e0f-3a8b5c6d7e81
            correlation:
              type: event_count
              rules: [console_signin_failure]
              group-by: [trail.actor.name]
              timespan: 30m
              condition: {gte: 2, lte: 4}
              generate: true
            level: low
            """)
        let sources = "'\(dir.path)/trail'"
        let reference = try reference(sources, enrich: "", extraRules: "--rules '\(ranged)'")
        #expect(reference.filter { $0.contains("\"correlation\"") }.count >= 20, "the corpus raises correlation alerts")
        #expect(reference.contains { $0.contains("7d1f0a6e-2b1c-4c55-9e0f-3a8b5c6d7e81") }, "the ranged correlation fires")
        expectEqual(try spark(sources, enrich: "", out: dir.path + "/out", extra: "--partitions 7 --rules '\(ranged)'"), reference, "generated corpus")
    }

    /// One task's trail-enrich is SIGKILLed halfway through its input (a wrapper in TRAIL_BIN
    /// does it on its first run only): Spark retries the task, and the alerts are those of a
    /// clean run, none twice, none lost.
    @Test func aTaskWhoseStageIsKilledIsRetriedWithNoDuplicateAndNoLoss() throws {
        let dir = try TemporaryDirectory("trail-spark")
        defer { dir.remove() }
        let wrapped = dir.path + "/bin"
        let made = try runShell("""
            mkdir '\(wrapped)' && for t in trail-fetch trail-flatten trail-match; do ln -s '\(bin)'/$t '\(wrapped)'/$t; done
            cat > '\(wrapped)/trail-enrich' <<'EOF'
            #!/bin/bash
            if mkdir '\(dir.path)/killed' 2>/dev/null; then
              head -n 300 | '\(bin)/trail-enrich' "$@"
              kill -KILL $$
            fi
            exec '\(bin)/trail-enrich' "$@"
            EOF
            chmod +x '\(wrapped)/trail-enrich'
            """)
        #expect(made.status == 0, "\(made.stderr)")
        let sample = "'\(packageRoot)/pipelines/sample'"
        let reference = try reference(sample, enrich: "")
        let alerts = try spark(sample, enrich: "", out: dir.path + "/out", master: "local[2,4]", extra: "--partitions 3",
                               environment: ["TRAIL_BIN": wrapped])
        #expect(FileManager.default.fileExists(atPath: dir.path + "/killed"), "the wrapper killed a stage")
        expectEqual(alerts, reference, "killed and retried")
    }
}
