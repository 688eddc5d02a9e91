import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// Rules written to hurt the loader: a clear `file:line: …` problem, never a crash or a hang.
@Suite struct RuleLimitTests {
    func problems(condition: String) -> [String] {
        let yaml = "title: t\nid: t\ndetection:\n  a: {trail.action: X}\n  condition: \(condition)\n"
        return RuleLoader().load(yaml: yaml, file: "r.yml").problems.map(\.description)
    }

    @Test func deepParenthesesAreRefused() {
        let deep = String(repeating: "(", count: 100_000) + "a" + String(repeating: ")", count: 100_000)
        #expect(problems(condition: "'\(deep)'") == ["r.yml:5: condition of 200001 words, more than 4096"])
        let nested = String(repeating: "(", count: 300) + "a" + String(repeating: ")", count: 300)
        #expect(problems(condition: "'\(nested)'") == ["r.yml:5: condition nested more than 256 deep"])
        let fine = String(repeating: "(", count: 200) + "a" + String(repeating: ")", count: 200)
        #expect(problems(condition: "'\(fine)'").isEmpty)
    }

    @Test func longNotChainsAreRefused() {
        #expect(problems(condition: String(repeating: "not ", count: 100_000) + "a") == ["r.yml:5: condition of 100001 words, more than 4096"])
        #expect(problems(condition: String(repeating: "not ", count: 257) + "a") == ["r.yml:5: condition nested more than 256 deep"])
        #expect(problems(condition: String(repeating: "not ", count: 256) + "a").isEmpty)
    }

    @Test func longListsAreRefused() {
        let ofList = Array(repeating: "1 of a*", count: 3000).joined(separator: " or ")
        #expect(problems(condition: "'\(ofList)'") == ["r.yml:5: condition of 11999 words, more than 4096"])
        let yamlList = "[" + Array(repeating: "'1 of a*'", count: 100_000).joined(separator: ", ") + "]"
        #expect(problems(condition: yamlList) == ["r.yml:5: condition lists 100000 conditions, more than 256"])
    }

    @Test func durationsAreCheckedArithmetic() {
        #expect(TimeSpan.nanoseconds("99999999999999999999d") == nil)
        #expect(TimeSpan.nanoseconds("9223372036854775807s") == nil)
        #expect(TimeSpan.nanoseconds("3651d") == nil)
        #expect(TimeSpan.nanoseconds("3650d") == TimeSpan.maximumSeconds * 1_000_000_000)
        #expect(TimeSpan.nanoseconds("15m") == Int64(900_000_000_000))
    }
}
