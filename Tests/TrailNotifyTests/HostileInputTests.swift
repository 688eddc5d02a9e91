import Testing
import TrailCore
import TrailNotify
import TrailTestSupport

/// Alert lines written to hurt trail-notify, between two good alerts: reported and skipped.
@Suite struct NotifyHostileInputTests {
    @Test(arguments: HostileInput.Nesting.allCases)
    func deepNestingIsReportedAndSkipped(nesting: HostileInput.Nesting) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let alert = ConsoleTargetTests.alert
        let deep = String(alert.dropLast()) + #","x":"# + nesting.text + "}"
        let escape = alert.replacingOccurrences(of: "Root account used", with: #"Root\oaccount"#)
        let later = alert.replacingOccurrences(of: #""id":"r""#, with: #""id":"r2""#).replacingOccurrences(of: "203.0.113.10", with: "203.0.113.11")
        let input = try dir.write("alerts.ndjson", [alert, deep, escape, later].joined(separator: "\n") + "\n")
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-notify")
        let notifier = try Notifier(targets: [try Target("stdout")], options: try NotifyOptions(), output: output,
                                    diagnostics: diagnostics, colour: false)
        #expect(try notifier.run(inputs: [input]) == .recordsSkipped)
        #expect(output.collectedLines.count == 2)
        #expect(diagnostics.skippedRecords == 2)
    }
}
