import Foundation
import Testing
import TrailTestSupport

/// What every tool does the same way, through the one stage runner: a usage error exits 64,
/// a closed output pipe ends the run quietly with status 0, `--strict` stops at the first bad
/// record with status 2.
@Suite struct StageRunnerTests {
    let bin = builtExecutablesFolder()
    static let sample = packageRoot + "/pipelines/sample/AWSLogs"

    @Test(arguments: CommandLineTests.tools) func anUnknownOptionIsAUsageError(_ tool: String) throws {
        // Without what a tool requires (trail-fetch a source), that is the error it names first.
        let required = ["trail-report": " --out x", "trail-synth": " --out x", "trail-fetch": " folder"][tool] ?? ""
        let result = try runShell("'\(bin)/\(tool)'\(required) --no-such-option </dev/null")
        #expect(result.status == 64, "\(tool): \(result.status) \(result.stderr)")
        #expect(result.stderr.contains("--no-such-option"), "\(tool): \(result.stderr)")
    }

    /// Runs the rest of the line with stdout a pipe whose reader has gone, as `| head -1` leaves
    /// it once it has its line (a shell's `| true` may still be running when the stage writes).
    static let closedPipe = #"closed() { python3 -c 'import os, subprocess, sys; r, w = os.pipe(); os.close(r); sys.exit(subprocess.call(sys.argv[1:], stdout=w))' "$@"; }"#

    /// Each stage writes to a pipe whose reader has gone.
    static let closedPipeRuns = [
        "trail-fetch '\(sample)'",
        "trail-flatten events",
        "trail-enrich events",
        "trail-match --rules '\(packageRoot)/rules' events",
        "trail-notify alerts",
        "trail-report --out - events alerts",
    ]

    @Test(arguments: closedPipeRuns) func aClosedOutputEndsTheRunQuietlyWithStatusZero(_ command: String) throws {
        let dir = try TemporaryDirectory("trail-closed-pipe")
        defer { dir.remove() }
        let result = try runShell("""
            cd '\(dir.path)' && export PATH='\(bin)':$PATH
            trail-fetch '\(Self.sample)' | trail-flatten > events
            trail-match --rules '\(packageRoot)/rules' events > alerts
            \(Self.closedPipe)
            closed \(command) 2> stderr
            echo "$? $(cat stderr)"
            """)
        #expect(result.stdout == "0 \n", "\(command): \(result.stdout) \(result.stderr)")
    }

    /// A closed output is not a delivery: trail-fetch records no file in its state, and the
    /// next run delivers every one.
    @Test func aFetchIntoAClosedPipeRecordsNothing() throws {
        let dir = try TemporaryDirectory("trail-closed-fetch")
        defer { dir.remove() }
        let result = try runShell("""
            cd '\(dir.path)' && export PATH='\(bin)':$PATH
            \(Self.closedPipe)
            closed trail-fetch --state ./state.json '\(Self.sample)'
            echo "$? $(trail-fetch --state ./state.json '\(Self.sample)' | wc -l) $(trail-fetch '\(Self.sample)' | wc -l)"
            """)
        let words = result.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(words.count == 3 && words[0] == "0" && words[1] == words[2] && words[1] != "0", "\(result.stdout) \(result.stderr)")
    }

    /// A stream with a bad third line: `--strict` stops there (status 2), after writing what
    /// the lines before it gave; without it the line is skipped (status 1).
    static let strictRuns = [
        ("trail-flatten", "events"),
        ("trail-enrich", "events"),
        ("trail-match --rules '\(packageRoot)/rules'", "events"),
        ("trail-notify", "alerts"),
        ("trail-report --out page.html", "events"),
    ]

    @Test(arguments: strictRuns) func strictStopsAtTheFirstBadRecord(_ tool: String, _ input: String) throws {
        let dir = try TemporaryDirectory("trail-strict")
        defer { dir.remove() }
        let result = try runShell("""
            cd '\(dir.path)' && export PATH='\(bin)':$PATH
            trail-fetch '\(Self.sample)' | trail-flatten | head -n 40 > events
            trail-match --rules '\(packageRoot)/rules' events | head -n 2 > alerts
            { head -n 2 \(input); echo 'garbage'; tail -n +3 \(input); } > bad
            \(tool) --strict bad > strict.out 2> strict.err; echo "strict $?"
            \(tool) bad > loose.out 2> loose.err; echo "loose $?"
            cat strict.err
            """)
        let lines = result.stdoutLines
        #expect(lines.first == "strict 2" && lines.dropFirst().first == "loose 1", "\(tool): \(result.stdout) \(result.stderr)")
        #expect(lines.count == 3 && lines[2].hasSuffix("bad:3: invalid JSON: unexpected character 'g' at byte 1"), "\(tool): \(result.stdout)")
    }

    /// trail-fetch's records are files: --strict stops at the first corrupt one.
    @Test func fetchStopsAtTheFirstCorruptFile() throws {
        let dir = try TemporaryDirectory("trail-strict-fetch")
        defer { dir.remove() }
        let result = try runShell("""
            cd '\(dir.path)' && export PATH='\(bin)':$PATH
            mkdir -p bucket && cp -R '\(Self.sample)' bucket/ && echo 'not gzip' > bucket/AWSLogs/0-corrupt.json.gz
            trail-fetch --strict bucket > out; echo "$? $(wc -l < out)"
            trail-fetch bucket > out 2>/dev/null; echo "$? $(wc -l < out)"
            """)
        let lines = result.stdoutLines
        #expect(lines.count == 2 && lines[0] == "2 0" && lines[1].hasPrefix("1 ") && lines[1] != "1 0", "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("0-corrupt.json.gz"), "\(result.stderr)")
    }
}
