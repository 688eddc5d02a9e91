import Testing
import TrailCore
import TrailTestSupport

/// Records written to hurt the scanner, between two good events: reported and skipped, the
/// good events still flattened.
@Suite struct FlattenHostileInputTests {
    @Test(arguments: HostileInput.Nesting.allCases)
    func deepNestingIsReportedAndSkipped(nesting: HostileInput.Nesting) throws {
        let deep = #"{"eventName":"Deep","eventTime":"2024-05-01T09:12:30Z","requestParameters":"# + nesting.text + "}"
        let (lines, diagnostics) = try flatten([FlattenerTests.rootLogin, deep, FlattenerTests.roleCall])
        #expect(lines.count == 2)
        #expect(lines.first?.contains("ConsoleLogin") == true && lines.last?.contains("RunInstances") == true)
        #expect(diagnostics.skippedRecords == 1)
        #expect(diagnostics.exitStatus == .recordsSkipped)
    }

    @Test func anEscapeOutsideRFC8259IsReportedAndSkipped() throws {
        let broken = #"{"eventName":"Broken","userAgent":"a\ob"}"#
        let (lines, diagnostics) = try flatten([FlattenerTests.rootLogin, broken, FlattenerTests.roleCall])
        #expect(lines.count == 2)
        #expect(!lines.joined().contains(#"\o"#))
        #expect(diagnostics.skippedRecords == 1)
    }

    @Test func eventTimesOfYearsOneAndNineThousandNineHundredNinetyNineAreKept() throws {
        let events = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"].map { time in
            FlattenerTests.rootLogin.replacingOccurrences(of: "2024-05-01T09:12:03Z", with: time)
        }
        let (lines, diagnostics) = try flatten(events)
        #expect(diagnostics.skippedRecords == 0)
        #expect(try lines.map { value(try parseJSON($0), "trail.time") as? String } == ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
    }
}
