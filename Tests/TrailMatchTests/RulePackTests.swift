import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// What every rule of the bundled pack carries, and the Stratus Red Team coverage table in
/// docs/rule-coverage.md checked against the rules themselves.
@Suite struct RulePackTests {
    static let rulesFolder = packageRoot + "/rules"

    func pack() throws -> RuleSet {
        let set = try RuleLoader().load(paths: [Self.rulesFolder])
        #expect(set.problems.isEmpty, "\(set.problems)")
        return set
    }

    @Test func everyRuleSaysWhatToDoAndWhenItIsHarmless() throws {
        let set = try pack()
        let guided = set.rules.map { ($0.origin, $0.guidance, $0.examples) } + set.correlations.map { ($0.origin, $0.guidance, $0.examples) }
        for (origin, guidance, examples) in guided {
            let firstLine = guidance.runbook?.split(separator: "\n").first ?? ""
            #expect(!firstLine.isEmpty && firstLine.count <= 160, "\(origin): runbook's first line must say in one line what to do")
            #expect(!guidance.falsePositives.isEmpty, "\(origin): no falsepositives")
            #expect(!examples.match.isEmpty && !examples.noMatch.isEmpty, "\(origin): needs match and nomatch examples")
        }
    }

    /// A rule about a change fires on success only, and shows it with a failed call among its
    /// nomatch examples.
    @Test func changeRulesCarryAFailedCallThatDoesNotRaiseThem() throws {
        for rule in try pack().rules {
            let (file, line) = RuleLoader.split(rule.origin)
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let document = Self.document(of: text, at: line)
            guard document.contains("trail.outcome: success"), !document.contains("\ncorrelation:") else { continue }
            let failed = rule.examples.noMatch.flatMap { $0 }.contains { $0.contains(#""outcome":"failure""#) }
            #expect(failed, "\(rule.origin): a change rule needs a failed-call nomatch example")
        }
    }

    static func document(of text: String, at line: Int) -> String {
        var start = 1
        for part in text.components(separatedBy: "\n---\n") {
            let lines = part.split(separator: "\n", omittingEmptySubsequences: false).count
            if line < start + lines { return part }
            start += lines + 1
        }
        return ""
    }

    /// One table row: technique id, its AWS rule files, its Alibaba Cloud rule files.
    struct Row {
        var technique: String
        var aws: [String]
        var alibaba: [String]
    }

    static func coverageTable() throws -> [Row] {
        let text = try String(contentsOfFile: packageRoot + "/docs/rule-coverage.md", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> Row? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 6, cells[1].hasPrefix("`aws."), cells[1].hasSuffix("`") else { return nil }
            func files(_ cell: String) -> [String] {
                cell.split(separator: "`").map(String.init).filter { $0.hasSuffix(".yml") }
            }
            return Row(technique: String(cells[1].dropFirst().dropLast()), aws: files(cells[3]), alibaba: files(cells[4]))
        }
    }

    @Test func theCoverageTableNamesRulesThatExistAndCarryTheTechniqueTag() throws {
        let rows = try Self.coverageTable()
        #expect(rows.count >= 43, "every Stratus Red Team AWS technique has a row")
        #expect(Set(rows.map(\.technique)).count == rows.count, "a technique is listed twice")
        for row in rows {
            for file in row.aws + row.alibaba {
                let path = Self.rulesFolder + "/" + file
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                #expect(!text.isEmpty, "\(row.technique): rules/\(file) does not exist")
                #expect(text.contains("  - stratus.\(row.technique)\n"), "\(row.technique): rules/\(file) lacks the tag stratus.\(row.technique)")
            }
        }
        let detected = rows.filter { !$0.aws.isEmpty }
        #expect(detected.count >= 40, "only \(detected.count) techniques have a rule")
        #expect(rows.filter { !$0.alibaba.isEmpty }.count >= 10)
    }

    @Test func everyStratusTagInThePackHasItsRowInTheTable() throws {
        let set = try pack()
        let tagged = Set((set.rules.flatMap(\.tags) + set.correlations.flatMap(\.tags))
            .filter { $0.hasPrefix("stratus.") }.map { String($0.dropFirst("stratus.".count)) })
        let listed = Set(try Self.coverageTable().map(\.technique))
        #expect(tagged.subtracting(listed).isEmpty, "tagged but not in docs/rule-coverage.md: \(tagged.subtracting(listed).sorted())")
        // Every stratus-tagged rule also names its ATT&CK technique.
        for rule in set.rules where rule.tags.contains(where: { $0.hasPrefix("stratus.") }) {
            #expect(rule.tags.contains { $0.range(of: #"^attack\.t\d{4}"#, options: .regularExpression) != nil }, "\(rule.origin): no attack.tXXXX tag")
        }
    }

    @Test func atLeastFifteenActionTrailRulesCarryActionTrailExamples() throws {
        let alibaba = try pack().rules.filter { $0.origin.contains("/alibaba-") && $0.cloud == Array("alibaba".utf8) }
        #expect(alibaba.count >= 15)
        for rule in alibaba {
            #expect(rule.examples.match.flatMap { $0 }.allSatisfy { $0.contains(#""cloud":"alibaba""#) }, "\(rule.origin)")
        }
    }
}
