import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// Inputs `make fuzz` found the validator accepting though they are not JSON (Foundation
/// refuses them): the validator must refuse them too.
@Suite struct JSONRegressionTests {
    @Test(arguments: try regressionInputs(of: "TrailCoreTests"))
    func refusesWhatIsNotJSON(input: String) throws {
        let text = try FileIO.readFile(input)
        #expect((try? JSONSerialization.jsonObject(with: Data(text), options: .fragmentsAllowed)) == nil)
        withKnownIssue("invalid escapes, lone surrogates, leading zeros: for the JSON core work") {
            #expect(throws: JSONError.self) { try text.withUnsafeBytes { try JSONScanner($0).validateDocument() } }
        }
    }
}
