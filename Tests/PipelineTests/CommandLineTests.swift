import Foundation
import Testing
import TrailTestSupport

/// The manners every tool shares: one version, exit status 64 for any usage error (a bad
/// value as much as an unknown flag), a default state folder, the installed rule pack found
/// from the executable's own location.
@Suite struct CommandLineTests {
    let bin = builtExecutablesFolder()
    static let tools = ["trail-fetch", "trail-flatten", "trail-enrich", "trail-match", "trail-notify", "trail-synth", "trail-report"]

    @Test func everyToolPrintsTheSameSemanticVersion() throws {
        var versions = Set<String>()
        for tool in Self.tools {
            let result = try runShell("'\(bin)/\(tool)' --version")
            #expect(result.status == 0, "\(tool): \(result.stderr)")
            #expect(result.stdoutLines.count == 1, "\(tool): \(result.stdout)")
            let version = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(version.range(of: #"^\d+\.\d+\.\d+$"#, options: .regularExpression) != nil, "\(tool): \(version)")
            versions.insert(version)
        }
        #expect(versions.count == 1, "\(versions)")
    }

    /// A stage writing into a pipe widens it (`PipeBuffer`): the reader sees the wider size.
    @Test(arguments: ["trail-flatten", "trail-enrich", "trail-match"])
    func aStageWidensThePipeItWrites(_ tool: String) throws {
        let command = "'\(bin)/\(tool)'" + (tool == "trail-match" ? " --rules '\(packageRoot)/rules'" : "")
        let result = try runShell("""
            printf '' | \(command) \\
              | python3 -c 'import fcntl, sys; sys.stdin.buffer.read(); print(fcntl.fcntl(0, 1032))'
            """)
        #expect(result.status == 0, "\(command): \(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(1 << 20)", "\(command)")
    }

    /// Bad values each tool checks before it reads anything: all usage errors.
    static let usageErrors = [
        "trail-notify --min-level bogus",
        "trail-notify --repeat-interval xyz",
        "trail-notify --to foo://x",
        "trail-notify --utc-offset 99",
        "trail-enrich --business-hours bogus",
        "trail-enrich --business-hours 'Mars/Olympus Mon-Fri 09:00-18:00'",
        "trail-enrich --business-hours 'Asia/Tokyo Mon-Fri 18:00-09:00'",
        "trail-fetch ftp://example.com/trail",
        "trail-fetch --endpoint not-a-url s3://bucket",
        "trail-fetch --jobs 0 folder",
        "trail-flatten --format yaml",
        "trail-match --lateness soon",
        "trail-match --tune nothing",
        "trail-match --rules rules --tune nosuchcorrelation:gte=3",
        "trail-synth --out x --days 0",
        "trail-report --bogus",
    ]

    @Test(arguments: usageErrors) func aBadOptionValueIsAUsageError(_ command: String) throws {
        let dir = try TemporaryDirectory("trail-usage")
        defer { dir.remove() }
        let result = try runShell("cd '\(dir.path)' && ln -s '\(packageRoot)/rules' rules && PATH='\(bin)':$PATH \(command) </dev/null")
        #expect(result.status == 64, "\(command): \(result.status) \(result.stderr)")
        #expect(result.stderr.contains("--"), "\(command): says which option: \(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["rules"], "\(command) wrote nothing")
    }

    /// trail-watch (pipelines/watch.sh in the source tree) keeps the same manners.
    @Test func trailWatchHasTheSameManners() throws {
        let watch = "TRAIL_BIN='\(bin)' '\(packageRoot)/pipelines/watch.sh'"
        let version = try runShell("\(watch) --version")
        let fetchVersion = try runShell("'\(bin)/trail-fetch' --version")
        #expect(version.status == 0 && version.stdout == fetchVersion.stdout, "\(version.stdout) \(version.stderr)")
        for bad in ["--bogus", "--config", "extra-argument"] {
            let result = try runShell("\(watch) \(bad)")
            #expect(result.status == 64, "\(bad): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("Usage:"), "\(bad): \(result.stderr)")
        }
        let help = try runShell("\(watch) --help")
        #expect(help.status == 0 && help.stdout.contains("--config FILE") && help.stdout.contains("STATE_DIRECTORY"), "\(help.stdout)")
        let missing = try runShell("\(watch) --config /nonexistent/watch.conf")
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/watch.conf: cannot read the config file"), "\(missing.stderr)")
    }

    @Test func helpNamesTheStateFolder() throws {
        for tool in ["trail-fetch", "trail-match", "trail-notify"] {
            let result = try runShell("'\(bin)/\(tool)' --help")
            #expect(result.stdout.contains("STATE_DIRECTORY"), "\(tool)")
            #expect(result.stdout.contains("XDG_STATE_HOME/trail"), "\(tool)")
        }
    }

    /// A bare --state name goes to $STATE_DIRECTORY, else $XDG_STATE_HOME/trail, else
    /// ~/.local/state/trail; a path with a '/' stays where it says.
    @Test func aBareStateNameIsKeptInTheStateFolder() throws {
        let dir = try TemporaryDirectory("trail-state-folder")
        defer { dir.remove() }
        let rules = packageRoot + "/rules"
        let result = try runShell("""
            cd '\(dir.path)'
            event='{"eventName":"ConsoleLogin","eventTime":"2026-11-16T10:00:00Z","userIdentity":{"type":"Root"}}'
            run() { local state=$1; shift; echo "$event" | '\(bin)/trail-flatten' | env -i "$@" '\(bin)/trail-match' --rules '\(rules)' --state "$state" >/dev/null; }
            run m.json HOME='\(dir.path)/home' STATE_DIRECTORY='\(dir.path)/systemd:\(dir.path)/other'
            run m.json HOME='\(dir.path)/home' XDG_STATE_HOME='\(dir.path)/xdg'
            run m.json HOME='\(dir.path)/home'
            run ./here.json HOME='\(dir.path)/home'
            cd '\(dir.path)' && find . -name '*.json' | sort
            """)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines == ["./here.json", "./home/.local/state/trail/m.json", "./systemd/m.json", "./xdg/trail/m.json"],
                "\(result.stdout)")
    }

    /// An installed trail-match, started through a symbolic link from a folder without
    /// rules and with no TRAIL_RULES, finds the pack installed beside its real location.
    @Test func theInstalledRulePackIsFoundFromTheExecutablesOwnLocation() throws {
        let dir = try TemporaryDirectory("trail-installed-pack")
        defer { dir.remove() }
        let result = try runShell("""
            set -e
            cd '\(dir.path)'
            mkdir -p prefix/bin prefix/share/trail elsewhere links
            cp '\(bin)/trail-match' prefix/bin/
            cp -R '\(packageRoot)/rules' prefix/share/trail/rules
            ln -s '\(dir.path)/prefix/bin/trail-match' links/trail-match
            cd elsewhere
            echo '{"eventName":"ConsoleLogin","eventTime":"2026-11-16T10:00:00Z","userIdentity":{"type":"Root"}}' \
              | '\(bin)/trail-flatten' | env -u TRAIL_RULES ../links/trail-match | head -c 300
            """)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"alert\""), "\(result.stdout) \(result.stderr)")
    }
}
