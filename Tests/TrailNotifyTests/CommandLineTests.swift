import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// The trail-notify executable: usage errors, --check, and what the pipeline reads from it.
@Suite(.serialized) struct CommandLineTests {
    static var tool: String { builtExecutablesFolder() + "/trail-notify" }

    @Test(arguments: [
        ["--min-level", "severe"],
        ["--repeat-interval", "soon"],
        ["--to", "gopher://example.com/"],
        ["--to", "smtp://me:${TRAIL_TEST_UNSET}@mail.example.com?to=a@example.com"],
        ["--quiet-action", "shout"],
        ["--retry-dead"],
        ["--quiet", "Sat,Sun"],
        ["--timezone", "Mars/Olympus"],
        ["--timezone", "Asia/Tokyo", "--utc-offset", "+09:00"],
        ["--utc-offset", "99"],
    ])
    func badOptionValuesAreUsageErrors(arguments: [String]) throws {
        let quoted = arguments.map { "'\($0)'" }.joined(separator: " ")
        let result = try runShell("'\(Self.tool)' \(quoted) --check")
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
    }

    @Test func checkReadsNoInputAndChangesNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let result = try runShell("'\(Self.tool)' --spool '\(dir.path)/spool' --to 'file://\(dir.path)/out.ndjson' --stats '\(dir.path)/run.prom' --check",
                                  stdin: alertLine(event: "e1") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// `--timezone` holds an alert in New York's quiet night after the clocks went forward;
    /// the deprecated `--utc-offset` still means a fixed offset, and says it is deprecated once.
    @Test func quietHoursTakeATimeZoneAndTheOffsetIsADeprecatedAlias() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let quiet = "--quiet 'Mon-Fri 19:00-08:00' --quiet-action drop --now 2026-03-10T12:30:00Z"  // Tuesday 08:30 EDT, 07:30 EST
        let zoned = try runShell("'\(Self.tool)' \(quiet) --timezone America/New_York --to 'file://\(dir.path)/zoned.ndjson'",
                                 stdin: alertLine(event: "e1") + "\n")
        #expect(zoned.status == 0 && zoned.stderr.isEmpty, "\(zoned.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/zoned.ndjson"))
        let fixed = try runShell("'\(Self.tool)' \(quiet) --utc-offset=-05:00 --to 'file://\(dir.path)/fixed.ndjson'",
                                 stdin: alertLine(event: "e1") + "\n")
        #expect(fixed.status == 0)
        #expect(fixed.stderr == "trail-notify: --utc-offset is deprecated and keeps a fixed offset all year: use --timezone ZONE (e.g. Asia/Tokyo)\n")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/fixed.ndjson"))
    }

    @Test func checkFailsOnASpoolThatCannotBeMade() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("file", "")
        let result = try runShell("'\(Self.tool)' --spool '\(file)/spool' --check")
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("trail-notify: \(file)/spool/"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func aRefusedAlertIsOneLineOnStderrAndTheSpoolSaysSeventyFive() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let posts = try Peers.inbox("posts", in: dir)
        let server = try Peers.start(Peers.http, [posts, "0"], environment: ["REJECT": "poison"])
        defer { server.stop() }
        let run = "'\(Self.tool)' --retry-delay 0 --spool '\(dir.path)/spool' --to 'http://127.0.0.1:\(server.port)/hook/${TOKEN}'"
        let input = [alertLine(event: "poison-1"), alertLine(event: "e2")].joined(separator: "\n") + "\n"
        let result = try runShell(run, environment: ["TOKEN": "tok-secret"], stdin: input)
        #expect(result.status == 75)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("trail-notify: http://127.0.0.1:\(server.port)/hook/…: alert ") == true)
        #expect(lines.first?.hasSuffix(" (Root account used) refused for good: HTTP 422; moved to the dead letters") == true)
        #expect(!result.stderr.contains("tok-secret"))

        // The spool is the input of --retry-dead; refused again, the letter goes back.
        let retried = try runShell(run + " --retry-dead", environment: ["TOKEN": "tok-secret"])
        #expect(retried.status == 75)
        #expect(retried.stderr.contains("1 dead letter back in the queue"))

        // --check reads a corrupt spool file back and names it, changing nothing.
        let pending = try targetFolder(dir.path + "/spool") + "/dead.ndjson"
        try "{\"time\":".write(toFile: pending, atomically: true, encoding: .utf8)
        let checked = try runShell(run + " --check", environment: ["TOKEN": "tok-secret"])
        #expect(checked.status == 2)
        #expect(checked.stderr.contains("\(pending): unreadable state (line 1 is not a spool record)"))
        #expect(checked.stderr.contains("--reset-state"))
        #expect(try String(contentsOfFile: pending, encoding: .utf8) == "{\"time\":")
    }
}
