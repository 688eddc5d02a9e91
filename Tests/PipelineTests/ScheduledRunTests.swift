import Foundation
import Testing
import TrailTestSupport

/// A small trail watched by pipelines/watch.sh as a scheduler runs it, with its own STATE_DIR;
/// alerts go to targets whose deliveries the test counts. The reference is the same trail
/// watched once, with nothing going wrong.
struct ScheduledPipeline {
    let dir: TemporaryDirectory
    let bin = builtExecutablesFolder()
    var bucket: String { dir.path + "/bucket" }
    var stateDir: String { dir.path + "/state" }

    init() throws {
        dir = try TemporaryDirectory("trail-scheduled")
        let made = try runShell("""
            '\(bin)/trail-synth' --out '\(dir.path)/bucket' --events 300 --accounts 1 --regions us-east-1 \
              --start 2026-11-16 --days 2 --seed 5 --scenarios all --scenario-rate 0.6 >/dev/null
            """)
        #expect(made.status == 0, "\(made.stderr)")
    }

    /// One run of watch.sh; `notify` is TRAIL_NOTIFY, `environment` adds or overrides.
    func watch(notify: String, stateDir: String? = nil, environment: [String: String] = [:]) throws -> CommandResult {
        var env = ["STATE_DIR": stateDir ?? self.stateDir, "TRAIL_SOURCES": bucket, "TRAIL_BIN": bin,
                   "TRAIL_RULES": packageRoot + "/rules", "TRAIL_NOTIFY": notify, "PATH": "\(bin):/usr/bin:/bin"]
        env.merge(environment) { $1 }
        return try runShell("'\(packageRoot)/pipelines/watch.sh'", environment: env, timeout: 300)
    }

    /// The alert ids a clean run delivers.
    func reference() throws -> [String] {
        let file = dir.path + "/reference.ndjson"
        let result = try watch(notify: "--to file://\(file)", stateDir: dir.path + "/reference-state")
        #expect(result.status == 0, "\(result.stderr)")
        let ids = try Self.ids(inFileTarget: file)
        #expect(ids.count > 10, "the trail raises enough alerts to count")
        return ids
    }

    /// `notify.id` of every line a file target wrote, in order (repeats kept).
    static func ids(inFileTarget path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            try #require(value(try parseJSON(String(line)), "notify.id") as? String)
        }
    }

    /// An exec target that appends the alert id to `log`; it fails (exit 75, a temporary
    /// failure) while the file `down` exists, and refuses for good (exit 65) the ids in `refuse`.
    func recordingTarget() throws -> String {
        let script = try dir.write("target.sh", """
            #!/bin/sh
            [ -e '\(dir.path)/down' ] && exit 75
            grep -qx "$TRAIL_ALERT_ID" '\(dir.path)/refuse' 2>/dev/null && exit 65
            echo "$TRAIL_ALERT_ID" >> '\(dir.path)/delivered'
            """)
        chmod(script, 0o755)
        return "--retries 0 --to exec://\(script)"
    }

    var delivered: [String] {
        ((try? String(contentsOfFile: dir.path + "/delivered", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    var fetchStateExists: Bool { FileManager.default.fileExists(atPath: stateDir + "/fetch-state.json") }

    func remove() { dir.remove() }
}

/// Each alert exactly once however the scheduled pipeline is disturbed (docs/operations.md).
@Suite(.serialized) struct ScheduledRunTests {
    @Test func killedAtRandomMomentsItLosesAndRepeatsNothing() throws {
        let kills = ProcessInfo.processInfo.environment["TRAIL_KILL_TEST_KILLS"] ?? "50"
        let result = try runShell("'\(packageRoot)/Tests/PipelineTests/scheduled-runs.sh' kill '\(builtExecutablesFolder())' \(kills) 7",
                                  timeout: 1500)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr.suffix(2000))")
        #expect(result.stdout.contains(" 0 missing, 0 unexpected, 0 delivered twice"), "\(result.stdout)")
    }

    @Test func aCleanRunSummarizesAndWritesMetrics() throws {
        let pipeline = try ScheduledPipeline()
        defer { pipeline.remove() }
        let expected = try pipeline.reference()
        let result = try pipeline.watch(notify: "--to file://\(pipeline.dir.path)/alerts.ndjson")
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(result.stderr.split(separator: "\n").last.map(String.init))
        #expect(summary.hasPrefix("watch.sh: ") && summary.contains(" files, 300 events, "), "\(summary)")
        #expect(summary.contains(" events, \(expected.count) alerts, \(expected.count) delivered, 0 spooled, 0 dead-lettered ("), "\(summary)")
        let metrics = try String(contentsOfFile: pipeline.stateDir + "/trail.prom", encoding: .utf8)
        for line in ["trail_run_success 1", "trail_notify_delivered \(expected.count)", "trail_match_alerts \(expected.count)"] {
            #expect(metrics.split(separator: "\n").contains(Substring(line)), "\(line) in \(metrics)")
        }
        let newest = metrics.split(separator: "\n").first { $0.hasPrefix("trail_newest_event_timestamp_seconds ") }
        #expect(newest.flatMap { Int($0.split(separator: " ")[1]) }.map { $0 >= 1_794_873_600 } == true, "\(metrics)")
        // Nothing new: the next run delivers nothing, and still succeeds.
        let again = try pipeline.watch(notify: "--to file://\(pipeline.dir.path)/alerts.ndjson")
        #expect(again.status == 0 && again.stderr.contains(" 0 alerts, 0 delivered"), "\(again.stderr)")
        #expect(try ScheduledPipeline.ids(inFileTarget: pipeline.dir.path + "/alerts.ndjson") == expected)
    }

    @Test func aStageCrashingMidRunLeavesItsFilesToTheNextRun() throws {
        let pipeline = try ScheduledPipeline()
        defer { pipeline.remove() }
        let expected = try pipeline.reference()
        // trail-match that waits for its whole input (so trail-fetch has finished and written
        // what it writes), passes three alerts on, then dies of a segmentation fault.
        let crashing = pipeline.dir.path + "/crashing"
        try FileManager.default.createDirectory(atPath: crashing, withIntermediateDirectories: true)
        for tool in ["trail-fetch", "trail-flatten", "trail-enrich", "trail-notify"] {
            try FileManager.default.createSymbolicLink(atPath: "\(crashing)/\(tool)", withDestinationPath: "\(pipeline.bin)/\(tool)")
        }
        let wrapper = try pipeline.dir.write("crashing/trail-match", """
            #!/bin/bash
            case " $* " in *" --check "*) exec '\(pipeline.bin)/trail-match' "$@" ;; esac
            input=$(mktemp)
            cat > "$input"
            '\(pipeline.bin)/trail-match' "$@" < "$input" | head -n 3
            rm -f "$input"
            kill -SEGV $$
            """)
        chmod(wrapper, 0o755)
        let file = pipeline.dir.path + "/alerts.ndjson"
        let crashed = try pipeline.watch(notify: "--to file://\(file)", environment: ["TRAIL_BIN": crashing])
        #expect(crashed.status == 2)
        #expect(crashed.stderr.contains("trail-match was killed by signal 11; nothing committed"), "\(crashed.stderr)")
        #expect(!pipeline.fetchStateExists)
        #expect(try ScheduledPipeline.ids(inFileTarget: file).count == 3)
        let fixed = try pipeline.watch(notify: "--to file://\(file)")
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(try ScheduledPipeline.ids(inFileTarget: file).sorted() == expected.sorted())
    }

    @Test func aTargetDownThenUpGetsEveryAlertOnce() throws {
        let pipeline = try ScheduledPipeline()
        defer { pipeline.remove() }
        let expected = try pipeline.reference()
        let target = try pipeline.recordingTarget()
        try pipeline.dir.write("down", "")
        let down = try pipeline.watch(notify: target)
        #expect(down.status == 1, "\(down.stderr)")
        #expect(down.stderr.contains(" 0 delivered, \(expected.count) spooled, 0 dead-lettered"), "\(down.stderr)")
        #expect(pipeline.fetchStateExists, "alerts safe in the spool: the files are done")
        try FileManager.default.removeItem(atPath: pipeline.dir.path + "/down")
        let up = try pipeline.watch(notify: target)
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stderr.contains(" 0 alerts, \(expected.count) delivered, 0 spooled"), "\(up.stderr)")
        #expect(pipeline.delivered.sorted() == expected.sorted())
    }

    @Test func anAlertRefusedForGoodIsDeadLetteredAndTheOthersGoOn() throws {
        let pipeline = try ScheduledPipeline()
        defer { pipeline.remove() }
        let expected = try pipeline.reference()
        let target = try pipeline.recordingTarget()
        let poison = expected[expected.count / 2]
        try pipeline.dir.write("refuse", poison + "\n")
        let first = try pipeline.watch(notify: target)
        #expect(first.status == 1, "\(first.stderr)")
        #expect(first.stderr.contains(" \(expected.count - 1) delivered, 0 spooled, 1 dead-lettered"), "\(first.stderr)")
        #expect(first.stderr.contains(poison), "the dead letter is reported: \(first.stderr)")
        #expect(pipeline.delivered.sorted() == expected.filter { $0 != poison }.sorted())
        // Fixed at the target: --retry-dead sends it, once.
        try FileManager.default.removeItem(atPath: pipeline.dir.path + "/refuse")
        let retried = try runShell("'\(pipeline.bin)/trail-notify' --spool '\(pipeline.stateDir)/spool' --retry-dead \(target) </dev/null")
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(pipeline.delivered.sorted() == expected.sorted())
    }

    @Test func aMisconfiguredRunFailsBeforeFetchingAndChangesNothing() throws {
        let pipeline = try ScheduledPipeline()
        defer { pipeline.remove() }
        let missing = try pipeline.watch(notify: "--to smtp://alerts:${TRAIL_TEST_UNSET_SECRET}@127.0.0.1:1?to=sec@example.com")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("TRAIL_TEST_UNSET_SECRET"), "\(missing.stderr)")
        #expect(missing.stderr.contains("preflight: trail-notify"), "\(missing.stderr)")
        let rules = try pipeline.dir.write("rules/broken.yml", "title: broken\ndetection: {s: {eventName: X}, condition: s and t}\n")
        let badRule = try pipeline.watch(notify: "", environment: ["TRAIL_RULES": rules])
        #expect(badRule.status == 2)
        #expect(badRule.stderr.contains("broken.yml"), "\(badRule.stderr)")
        #expect(badRule.stderr.contains("preflight: trail-match"), "\(badRule.stderr)")
        #expect(!pipeline.fetchStateExists)
        #expect(!FileManager.default.fileExists(atPath: pipeline.stateDir + "/match-state.json"))
    }

    @Test func aCorruptStateStopsTheRunWithTheWayOut() throws {
        let pipeline = try ScheduledPipeline()
        defer { pipeline.remove() }
        let file = pipeline.dir.path + "/alerts.ndjson"
        #expect(try pipeline.watch(notify: "--to file://\(file)").status == 0)
        try pipeline.dir.write("state/match-state.json", #"{"version":1,"pending":[{"time":"#)
        let corrupt = try pipeline.watch(notify: "--to file://\(file)")
        #expect(corrupt.status == 2)
        #expect(corrupt.stderr.contains("match-state.json: unreadable state ("), "\(corrupt.stderr)")
        #expect(corrupt.stderr.contains("--reset-state"), "\(corrupt.stderr)")
    }

    @Test func aSecondRunWhileOneHoldsTheLockIsSkipped() throws {
        let pipeline = try ScheduledPipeline()
        defer { pipeline.remove() }
        try FileManager.default.createDirectory(atPath: pipeline.stateDir, withIntermediateDirectories: true)
        let holder = try ChildProcess(["flock", pipeline.stateDir + "/run.lock", "sleep", "30"])
        defer { holder.stop() }
        usleep(300_000)
        let skipped = try pipeline.watch(notify: "--to file://\(pipeline.dir.path)/alerts.ndjson")
        #expect(skipped.status == 0)
        #expect(skipped.stderr.contains("this run is skipped"), "\(skipped.stderr)")
        #expect(!pipeline.fetchStateExists)
    }

    @Test func theSameFileDeliveredTwiceRaisesNothingTwice() throws {
        let pipeline = try ScheduledPipeline()
        defer { pipeline.remove() }
        let expected = try pipeline.reference()
        // The bucket holds every file twice, under another name (a redelivery).
        let copied = try runShell("""
            find '\(pipeline.bucket)' -name '*.json.gz' | while read -r f; do cp "$f" "${f%.json.gz}_again.json.gz"; done
            """)
        #expect(copied.status == 0)
        let file = pipeline.dir.path + "/alerts.ndjson"
        let result = try pipeline.watch(notify: "--to file://\(file)")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try ScheduledPipeline.ids(inFileTarget: file).sorted() == expected.sorted())
    }

    @Test(.enabled(if: canMountTmpfs(), "needs root to mount a small tmpfs"))
    func aFullDiskUnderTheStateDirLosesNothing() throws {
        let pipeline = try ScheduledPipeline()
        defer { pipeline.remove() }
        let expected = try pipeline.reference()
        let file = pipeline.dir.path + "/alerts.ndjson"
        try FileManager.default.createDirectory(atPath: pipeline.stateDir, withIntermediateDirectories: true)
        // Room for the preflight, not for the spool of every alert.
        #expect(try runShell("mount -t tmpfs -o size=64k tmpfs '\(pipeline.stateDir)'").status == 0)
        defer { _ = try? runShell("umount '\(pipeline.stateDir)'") }
        let full = try pipeline.watch(notify: "--to file://\(file)")
        #expect(full.status == 2, "\(full.stderr)")
        #expect(full.stderr.contains("nothing committed"), "\(full.stderr)")
        #expect(!pipeline.fetchStateExists)
        // The disk grows (what the full run left stays): the next run delivers every alert once.
        #expect(try runShell("mount -o remount,size=64m '\(pipeline.stateDir)'").status == 0)
        let roomy = try pipeline.watch(notify: "--to file://\(file)")
        #expect(roomy.status == 0, "\(roomy.stderr)")
        #expect(try ScheduledPipeline.ids(inFileTarget: file).sorted() == expected.sorted())
    }
}

/// The tools installed with `make install` below a temporary root (PREFIX ROOT/usr/local,
/// the systemd units with DESTDIR ROOT), a config in ROOT/etc/trail/watch.conf watching the
/// test's bucket, a targets file writing to a file target, and the docs' paths moved there.
struct InstalledCopy {
    let pipeline: ScheduledPipeline
    var root: String { pipeline.dir.path }
    var alerts: String { root + "/alerts.ndjson" }

    init(_ pipeline: ScheduledPipeline) throws {
        self.pipeline = pipeline
        let root = pipeline.dir.path
        let installed = try runShell("""
            set -e
            cd '\(packageRoot)'
            make -s install PREFIX='\(root)/usr/local' TOOLS_FROM='\(pipeline.bin)' >/dev/null
            make -s install-systemd DESTDIR='\(root)' >/dev/null
            mkdir -p '\(root)/etc/trail'
            echo 'file://\(root)/alerts.ndjson' > '\(root)/etc/trail/targets'
            printf '%s\\n' 'TRAIL_SOURCES=\(pipeline.bucket)' 'TRAIL_NOTIFY=--to @\(root)/etc/trail/targets' > '\(root)/etc/trail/watch.conf'
            chmod 600 '\(root)/etc/trail/watch.conf'
            """)
        #expect(installed.status == 0, "\(installed.stderr)")
    }

    /// Text of the docs or a unit with its system paths moved below this copy.
    func localized(_ text: String) -> String {
        text.replacingOccurrences(of: "/usr/local", with: root + "/usr/local")
            .replacingOccurrences(of: "/var/lib/trail", with: root + "/var/lib/trail")
            .replacingOccurrences(of: "/etc/trail", with: root + "/etc/trail")
            .replacingOccurrences(of: "/var/log/trail", with: root + "/log/trail")
    }

    /// The fenced block of docs/operations.md that opens with ```KIND.
    static func docsBlock(_ kind: String) throws -> String {
        let text = try String(contentsOfFile: packageRoot + "/docs/operations.md", encoding: .utf8)
        return try #require(text.components(separatedBy: "```\(kind)\n").dropFirst().first?.components(separatedBy: "```").first)
    }
}

/// The docs' crontab line, run as cron runs it (`sh -c`, PATH=/usr/bin:/bin, HOME, nothing
/// else): the installed trail-watch, its state in ~/.local/state/trail.
@Test func theDocumentedCronLineWorksAsShown() throws {
    let entry = try #require(try InstalledCopy.docsBlock("cron").split(separator: "\n").first { !$0.hasPrefix("#") })
    let command = entry.split(separator: " ", maxSplits: 5).last.map(String.init) ?? ""
    let pipeline = try ScheduledPipeline()
    defer { pipeline.remove() }
    let copy = try InstalledCopy(pipeline)
    try FileManager.default.createDirectory(atPath: copy.root + "/log/trail", withIntermediateDirectories: true)
    let cron = try runShell("exec env -i PATH=/usr/bin:/bin HOME='\(copy.root)/home' SHELL=/bin/sh LOGNAME=root /bin/sh -c \"$CRON_COMMAND\"",
                            environment: ["CRON_COMMAND": copy.localized(command)], timeout: 300)
    let log = (try? String(contentsOfFile: copy.root + "/log/trail/watch.log", encoding: .utf8)) ?? ""
    #expect(cron.status == 0, "\(log)")
    #expect(log.contains(" delivered, 0 spooled, 0 dead-lettered"), "\(log)")
    #expect(FileManager.default.fileExists(atPath: copy.root + "/home/.local/state/trail/fetch-state.json"))
    #expect(try ScheduledPipeline.ids(inFileTarget: copy.alerts).count > 10)
}

/// The installed systemd units: `systemd-analyze verify` finds nothing to say, and the
/// service's ExecStart, run as systemd runs it (nothing in the environment but what the unit
/// gives: STATE_DIRECTORY from StateDirectory=, the config as a credential), succeeds.
@Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze"))
func theInstalledSystemdUnitsWork() throws {
    let pipeline = try ScheduledPipeline()
    defer { pipeline.remove() }
    let copy = try InstalledCopy(pipeline)
    let units = copy.root + "/etc/systemd/system"
    let service = copy.localized(try String(contentsOfFile: units + "/trail-watch.service", encoding: .utf8))
    try service.write(toFile: units + "/trail-watch.service", atomically: true, encoding: .utf8)
    let verified = try runShell("systemd-analyze verify --man=no '\(units)/trail-watch.service' '\(units)/trail-watch.timer'")
    #expect(verified.status == 0 && verified.stderr.isEmpty, "\(verified.stderr)")
    var settings: [String: String] = [:]
    for line in service.split(separator: "\n") where !line.hasPrefix("#") {
        guard let equals = line.firstIndex(of: "=") else { continue }
        settings[String(line[..<equals])] = String(line[line.index(after: equals)...])
    }
    #expect(settings["StateDirectory"] == "trail" && settings["DynamicUser"] == "yes")
    let credential = try #require(settings["LoadCredential"]?.split(separator: ":", maxSplits: 1))
    let command = try #require(settings["ExecStart"])
    let succeeds = Set([0] + (settings["SuccessExitStatus"] ?? "").split(separator: " ").compactMap { Int32($0) })
    let ran = try runShell("""
        mkdir -p '\(copy.root)/credentials' && cp '\(credential[1])' '\(copy.root)/credentials/\(credential[0])'
        exec env -i PATH=/usr/bin:/bin STATE_DIRECTORY='\(copy.root)/var/lib/trail' CREDENTIALS_DIRECTORY='\(copy.root)/credentials' \
          /bin/sh -c "$UNIT_COMMAND"
        """, environment: ["UNIT_COMMAND": command], timeout: 300)
    #expect(succeeds.contains(ran.status), "\(ran.stderr)")
    #expect(ran.stderr.contains(" delivered, 0 spooled, 0 dead-lettered"), "\(ran.stderr)")
    #expect(FileManager.default.fileExists(atPath: copy.root + "/var/lib/trail/fetch-state.json"))
    #expect(try ScheduledPipeline.ids(inFileTarget: copy.alerts).count > 10)
}

/// The issue's "done when": a clean clone installed and watched as a new user would
/// (Tests/PipelineTests/installed-watch.sh).
@Test func aCleanCloneInstalledWatchesAnS3BucketWithEachAlertOnce() throws {
    let result = try runShell("'\(packageRoot)/Tests/PipelineTests/installed-watch.sh' '\(builtExecutablesFolder())'", timeout: 300)
    #expect(result.status == 0, "\(result.stdout)\n\(result.stderr.suffix(2000))")
    #expect(result.stdout.contains("alerts, each once"), "\(result.stdout)")
}

func canMountTmpfs() -> Bool {
    guard getuid() == 0, let dir = try? TemporaryDirectory("trail-mount") else { return false }
    defer { dir.remove() }
    let mounted = (try? runShell("mount -t tmpfs -o size=64k tmpfs '\(dir.path)' && umount '\(dir.path)'").status) == 0
    return mounted
}
