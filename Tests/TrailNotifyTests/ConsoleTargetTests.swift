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
                return try #require(AlertLine(s, alert: try s.validateDocument())).render(colour: false)
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

    @Test func colourMarksTheLevelOnATerminal() throws {
        let line = try Array(Self.alert.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            return try #require(AlertLine(s, alert: try s.validateDocument()))
        }
        #expect(line.render(colour: true).contains("\u{1B}[1;31mhigh"))
        #expect(!line.render(colour: false).contains("\u{1B}"))
    }
}
