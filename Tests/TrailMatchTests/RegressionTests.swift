import Foundation
import Testing
import TrailCore
import TrailMatch
import TrailTestSupport

/// Inputs that once crashed trail-match under `make fuzz`, replayed through the bundled rules.
@Suite struct MatchRegressionTests {
    @Test(arguments: try regressionInputs(of: "TrailMatchTests"))
    func replaysWithoutCrashingIntoJSONLines(input: String) throws {
        let rules = try RuleLoader().load(paths: [packageRoot + "/rules"])
        let output = OutputWriter(collectingAs: "out")
        _ = try Matcher(rules, output: output, diagnostics: Diagnostics(tool: "trail-match")).run(inputs: [input])
        for line in output.collectedLines { _ = try parseJSON(line) }
    }
}
