import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

@Suite struct SigmaFilterTests {
    static let rules = """
        title: Console sign-in
        id: 6f3e2987-db24-4c78-a860-b4f4095a7095
        name: console_signin
        logsource: {product: aws, service: cloudtrail}
        detection: {s: {trail.action: ConsoleLogin}, condition: s}
        ---
        title: Access key created
        id: df0841c0-9846-4e9f-ad8a-7df91571771b
        logsource: {product: aws}
        detection: {s: {trail.action: CreateAccessKey}, condition: s}
        """

    /// The specification's example, on a trail: exceptions for accounts starting with adm_.
    static let filter = """
        title: Filter Administrator account
        description: The valid administrator account start with adm_
        logsource:
            product: aws
        filter:
            rules:
                - 6f3e2987-db24-4c78-a860-b4f4095a7095
                - df0841c0-9846-4e9f-ad8a-7df91571771b
            selection:
                trail.actor.name|startswith: 'adm_'
            condition: not selection
        """

    func load(_ filterText: String, rules: String = SigmaFilterTests.rules) throws -> RuleSet {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("site/filter.yml", filterText)
        var loader = RuleLoader()
        let (filters, problems) = try loader.loadFilters(paths: [file])
        #expect(problems.isEmpty, "\(problems)")
        loader.filters = filters
        return loader.load(yaml: rules, file: "r.yml")
    }

    func alerts(_ set: RuleSet, _ events: [String]) throws -> [String] {
        let output = OutputWriter(collectingAs: "out")
        let m = Matcher(set, output: output, diagnostics: Diagnostics(tool: "test"))
        for e in events { Array(e.utf8).withUnsafeBytes { raw in let s = JSONScanner(raw); m.match(s, event: try! s.validateDocument()) } }
        m.finish(keepPending: false)
        return try output.collectedLines.map(parseJSON).compactMap { value($0, "event.trail.id") as? String }
    }

    @Test func anExceptionIsJoinedWithAndToTheRulesItNames() throws {
        let set = try load(Self.filter)
        #expect(set.problems.isEmpty, "\(set.problems)")
        let events = [event("a", 0, actor: "adm_ops", action: "ConsoleLogin"), event("b", 1, actor: "bob", action: "ConsoleLogin"),
                      event("c", 2, actor: "adm_ops", action: "CreateAccessKey"), event("d", 3, actor: "bob", action: "CreateAccessKey")]
        #expect(try alerts(set, events) == ["b", "d"])
        // Without the filter every event alerts.
        #expect(try alerts(RuleLoader().load(yaml: Self.rules, file: "r.yml"), events) == ["a", "b", "c", "d"])
    }

    @Test func aFilterAppliesByNameOrToAnyRuleOfItsLogsource() throws {
        let byName = Self.filter.replacingOccurrences(of: "- 6f3e2987-db24-4c78-a860-b4f4095a7095\n        - df0841c0-9846-4e9f-ad8a-7df91571771b", with: "- console_signin")
        let events = [event("a", 0, actor: "adm_ops", action: "ConsoleLogin"), event("c", 2, actor: "adm_ops", action: "CreateAccessKey")]
        #expect(try alerts(load(byName), events) == ["c"])
        // `rules: any` with service cloudtrail: only the rule whose logsource names that service
        // (pySigma: each member the filter gives must equal the rule's).
        let any = Self.filter.replacingOccurrences(of: "    product: aws\n", with: "    product: aws\n    service: cloudtrail\n")
            .replacingOccurrences(of: "    rules:\n        - 6f3e2987-db24-4c78-a860-b4f4095a7095\n        - df0841c0-9846-4e9f-ad8a-7df91571771b", with: "    rules: any")
        #expect(try alerts(load(any), events) == ["c"])
        // Another product: applies to nothing.
        let other = any.replacingOccurrences(of: "product: aws", with: "product: alibaba")
        #expect(try alerts(load(other), events) == ["a", "c"])
    }

    @Test func filterProblemsAreReportedWithTheirPlace() throws {
        let unknown = try load(Self.filter.replacingOccurrences(of: "df0841c0-9846-4e9f-ad8a-7df91571771b", with: "no_such_rule"))
        #expect(unknown.problems.map(\.message) == ["filter 'Filter Administrator account' names rule 'no_such_rule', which is not loaded"])
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let noLogsource = try dir.write("a.yml", "title: x\nfilter: {rules: any, s: {a: 1}, condition: not s}\n")
        #expect(try RuleLoader().loadFilters(paths: [noLogsource]).problems.map(\.description) == ["\(noLogsource):1: filter 'x' has no logsource (pySigma requires one)"])
        let badCondition = try dir.write("b.yml", "title: x\nlogsource: {product: aws}\nfilter: {rules: any, s: {a: 1}, condition: not t}\n")
        #expect(try RuleLoader().loadFilters(paths: [badCondition]).problems.map(\.description) == ["\(badCondition):3: condition names 't', which the detection does not define"])
        let amongRules = RuleLoader().load(yaml: Self.filter, file: "r.yml")
        #expect(amongRules.problems.map(\.description) == ["r.yml:1: a Sigma filter among the rules: give it with --filters"])
    }

    @Test func theCommandLineTakesAFiltersFolder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let rules = try dir.write("rules/r.yml", Self.rules)
        _ = try dir.write("site/admins.yml", Self.filter)
        let input = try dir.write("in.ndjson", event("a", 0, actor: "adm_ops", action: "ConsoleLogin") + "\n" + event("b", 1, actor: "bob", action: "ConsoleLogin") + "\n")
        let bin = builtExecutablesFolder() + "/trail-match"
        let result = try runShell("'\(bin)' --rules '\(rules)' --filters '\(dir.path)/site' '\(input)'")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(#""id":"b""#) && !result.stdout.contains(#""id":"a""#))
        let bad = try runShell("'\(bin)' --check '\(rules)' --filters '\(dir.path)/rules'")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("r.yml:1: a filter file holds Sigma filters"), "\(bad.stderr)")
    }
}
