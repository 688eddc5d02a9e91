import Foundation
import Testing
import TrailCore
import TrailFlatten
import TrailTestSupport

/// Inputs on which trail-flatten once wrote something other than JSON lines under `make fuzz`.
@Suite struct FlattenRegressionTests {
    @Test(arguments: try regressionInputs(of: "TrailFlattenTests"))
    func writesOnlyJSONLines(input: String) throws {
        let output = OutputWriter(collectingAs: "out")
        _ = try Flattener(output: output, diagnostics: Diagnostics(tool: "trail-flatten")).run(inputs: [input])
        for line in output.collectedLines { #expect(throws: Never.self) { try parseJSON(line) } }
    }
}
