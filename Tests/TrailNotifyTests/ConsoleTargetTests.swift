import Foundation
import Testing
import TrailCore
import TrailNotify
import TrailTestSupport

/// The stdout target, trail-notify's default.
@Suite struct ConsoleTargetTests {
    static let alert = #"{"alert":{"rule":{"id":"r","title":"Root account used","level":"high","tags":[]},"time":"2026-11-16T09:12:03Z"},"event":{"trail":{"account":"111122223333","region":"us-east-1","service":"signin","action":"ConsoleLogin","actor":{"name":"root","type":"root"},"source":{"ip":"203.0.113.10","service":null}}}}"#

    @Test func rendersOneLinePerAlert() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("alerts.ndjson", Self.alert + "\n{\"not\":\"an alert\"}\n")
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-notify")
        let notifier = try Notifier(targets: [try Target("stdout")], options: try NotifyOptions(), output: output,
                                    diagnostics: diagnostics, colour: false)
        let status = try notifier.run(inputs: [input])
        #expect(status == .recordsSkipped)
        #expect(output.collectedLines == [
            "2026-11-16T09:12:03Z  high      Root account used  actor=root (root)  from=203.0.113.10  action=signin:ConsoleLogin  account=111122223333  region=us-east-1",
        ])
    }

    /// The resource an alert touched (alert.resources, added by trail-match) follows the
    /// action: the first, and how many more; an alert without it reads as before.
    @Test func theLineNamesWhatWasTouched() throws {
        func line(_ alert: String) throws -> String {
            try Array(alert.utf8).withUnsafeBytes { raw in
                let s = JSONScanner(raw)
                return try #require(AlertView(s, alert: try s.validateDocument()).flatMap { AlertLine($0) }).render(colour: false)
            }
        }
        let one = Self.alert.replacingOccurrences(of: #""time":"#, with: #""resources":["arn:aws:s3:::payroll"],"time":"#)
        #expect(try line(one).contains("action=signin:ConsoleLogin  on=arn:aws:s3:::payroll  account="))
        let two = Self.alert.replacingOccurrences(of: #""time":"#, with: #""resources":["sg-1","sg-2\nx"],"time":"#)
        #expect(try line(two).contains("  on=sg-1 (+1)  "))
        let none = Self.alert.replacingOccurrences(of: #""time":"#, with: #""resources":[],"time":"#)
        #expect(try line(none) == (try line(Self.alert)))
        #expect(!(try line(Self.alert)).contains("  on="))
    }

    /// On a terminal each alert's line fits its width, the cut shown as `…`; colour codes
    /// take no columns; a line that fits, and any line into a pipe, is whole.
    @Test func aLineFitsTheTerminal() throws {
        let line = try Array(Self.alert.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            return try #require(AlertView(s, alert: try s.validateDocument()).flatMap { AlertLine($0) })
        }
        let whole = line.render(colour: false)
        #expect(line.render(colour: false, width: 200) == whole)
        #expect(line.render(colour: false, width: whole.count) == whole)
        let cut = line.render(colour: false, width: 60)
        #expect(cut.count == 60 && cut.hasSuffix("…") && whole.hasPrefix(String(cut.dropLast())))
        let coloured = line.render(colour: true, width: 60)
        let visible = coloured.replacingOccurrences(of: #"\x{1B}\[[0-9;]*m"#, with: "", options: .regularExpression)
        #expect(visible == cut)
        #expect(line.render(colour: false, width: 10) == "2026-11-1…")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func trailNotifyCutsItsLinesToTheTerminalOnly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("alerts.ndjson", Self.alert + "\n")
        let tool = builtExecutablesFolder() + "/trail-notify"
        let terminal = try runShell("script -qec \"stty cols 50; NO_COLOR=1 '\(tool)' '\(input)'\" /dev/null")
        #expect(terminal.status == 0, "\(terminal.stderr)")
        let lines = terminal.stdout.replacingOccurrences(of: "\r", with: "").split(separator: "\n")
        #expect(lines.count == 1 && lines[0].count == 50 && lines[0].hasSuffix("…"), "\(lines)")
        let piped = try runShell("'\(tool)' '\(input)' | cat")
        #expect(piped.stdoutLines.first?.hasSuffix("region=us-east-1") == true, "\(piped.stdout)")
    }

    @Test func colourMarksTheLevelOnATerminal() throws {
        let line = try Array(Self.alert.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            return try #require(AlertView(s, alert: try s.validateDocument()).flatMap { AlertLine($0) })
        }
        #expect(line.render(colour: true).contains("\u{1B}[1;31mhigh"))
        #expect(!line.render(colour: false).contains("\u{1B}"))
    }
}
