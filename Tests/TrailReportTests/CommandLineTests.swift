import Foundation
import Testing
import TrailTestSupport

/// trail-report as users run it: exit statuses, messages, files.
@Suite struct CommandLineTests {
    let env = SampleInput.environment

    @Test func quietOnSuccessAndWritesThePage() throws {
        let input = try SampleInput.load()
        let dir = try TemporaryDirectory("trail-report-cli")
        defer { dir.remove() }
        let run = try runShell("trail-report --out '\(dir.path)/report.html' '\(input.events)' '\(input.alerts)' '\(input.integrity)'", environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty && run.stderr.isEmpty)
        let page = try String(contentsOfFile: dir.path + "/report.html", encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.html"], "no temporary file left behind")
        // From stdin to stdout, mixed kinds in one stream.
        let piped = try runShell("cat '\(input.alerts)' '\(input.events)' | trail-report --out - --title piped", environment: env)
        #expect(piped.status == 0 && piped.stderr.isEmpty)
        #expect(piped.stdout.contains("<title>piped</title>"))
    }

    @Test func theReportScriptRendersTheSample() throws {
        let dir = try TemporaryDirectory("trail-report-script")
        defer { dir.remove() }
        let run = try runShell("'\(packageRoot)/pipelines/report.sh'", environment: env.merging([
            "TRAIL_BIN": SampleInput.bin, "TRAIL_REPORT": dir.path + "/out/sample.html",
            "TRAIL_REPORT_ARGS": "--title script --bucket day",
        ]) { $1 })
        #expect(run.status == 0 && run.stderr.isEmpty && run.stdout.isEmpty, "\(run.stderr)")
        let page = try String(contentsOfFile: dir.path + "/out/sample.html", encoding: .utf8)
        #expect(page.contains("<title>script</title>") && page.contains("by day"))
        #expect(page.contains("id=\"alerts\"") && !page.contains("No alerts in this range."))
    }

    @Test func badLinesAreReportedSkippedAndCounted() throws {
        let input = try SampleInput.load()
        let dir = try TemporaryDirectory("trail-report-bad")
        defer { dir.remove() }
        let good = try String(contentsOfFile: input.events, encoding: .utf8).split(separator: "\n")[0]
        let mixed = try dir.write("mixed.ndjson", "\(good)\nnot json\n{\"foo\":1}\n[1]\n{\"alert\":{\"time\":\"2026-11-16T00:00:00Z\"}}\n\(good)\n")
        let run = try runShell("trail-report --out '\(dir.path)/report.html' '\(mixed)'", environment: env)
        #expect(run.status == 1)
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(run.stderr)")
        #expect(lines.map { $0.components(separatedBy: ": ").prefix(2).joined(separator: ": ") }
            == [2, 3, 4, 5].map { "trail-report: \(mixed):\($0)" })
        #expect(lines[1].hasSuffix("no trail header (nor an alert or integrity finding): pipe events through trail-flatten first"))
        let page = try String(contentsOfFile: dir.path + "/report.html", encoding: .utf8)
        #expect(page.contains("4 bad lines skipped"))

        let strict = try runShell("trail-report --strict --out '\(dir.path)/strict.html' '\(mixed)'", environment: env)
        #expect(strict.status == 2)
        #expect(strict.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/strict.html"))
    }

    @Test func usageAndFatalErrors() throws {
        for arguments in ["--out x.html --bucket week", "--out x.html --from yesterday", "--out x.html --top 0",
                          "--out x.html --from 2026-11-18 --to 2026-11-17", ""] {
            let run = try runShell("trail-report \(arguments) </dev/null", environment: env)
            #expect(run.status == 64, "\(arguments): \(run.stderr)")
        }
        let missing = try runShell("trail-report --out /tmp/never.html /nonexistent/events.ndjson", environment: env)
        #expect(missing.status == 2)
        #expect(missing.stderr == "trail-report: /nonexistent/events.ndjson: No such file or directory\n")
        let help = try runShell("trail-report --help", environment: env)
        #expect(help.status == 0 && help.stdout.contains("Examples:") && help.stdout.contains("--bucket"))
    }
}
