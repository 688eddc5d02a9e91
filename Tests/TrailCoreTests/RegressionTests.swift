import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// Inputs `make fuzz` found the validator accepting where Foundation refuses them: the
/// validator refuses them too, but for a `\u` escape of a lone surrogate, which RFC 8259's
/// grammar allows and the core reads as U+FFFD (docs/hostile-input.md).
@Suite struct JSONRegressionTests {
    @Test(arguments: try regressionInputs(of: "TrailCoreTests"))
    func refusesWhatIsNotJSON(input: String) throws {
        let text = try FileIO.readFile(input)
        #expect((try? JSONSerialization.jsonObject(with: Data(text), options: .fragmentsAllowed)) == nil)
        if input.hasSuffix("/lone-surrogate-escape.json") {
            #expect(throws: Never.self) { try text.withUnsafeBytes { try JSONScanner($0).validateDocument() } }
        } else {
            #expect(throws: JSONError.self) { try text.withUnsafeBytes { try JSONScanner($0).validateDocument() } }
        }
    }
}
