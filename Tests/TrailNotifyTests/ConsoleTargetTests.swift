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

    @Test func colourMarksTheLevelOnATerminal() throws {
        let line = try Array(Self.alert.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            return try #require(AlertLine(s, alert: try s.validateDocument()))
        }
        #expect(line.render(colour: true).contains("\u{1B}[1;31mhigh"))
        #expect(!line.render(colour: false).contains("\u{1B}"))
    }
}
