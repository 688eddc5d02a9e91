import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// Loads one rule from YAML text, failing the test on any problem.
func rule(_ yaml: String) throws -> Rule {
    let loaded = RuleLoader().load(yaml: yaml, file: "test.yml")
    #expect(loaded.problems.isEmpty, "\(loaded.problems)")
    return try #require(loaded.rules.first)
}

func matches(_ rule: Rule, _ event: String) -> Bool {
    Array(event.utf8).withUnsafeBytes { raw in
        let s = JSONScanner(raw)
        guard let root = try? s.validateDocument() else { return false }
        return rule.matches(s, event: root)
    }
}

@Suite struct PatternTests {
    @Test(arguments: [
        ("ConsoleLogin", "consolelogin", true),
        ("Console*", "ConsoleLogin", true),
        ("*Login", "ConsoleLogin", true),
        ("C?nsole*n", "ConsoleLogin", true),
        ("*Sec*Group*", "AuthorizeSecurityGroupIngress", true),
        ("Console", "ConsoleLogin", false),
        ("a\\*b", "a*b", true),
        ("a\\*b", "axb", false),
        ("*", "", true),
        ("?", "é", true),
        ("a*a*a*a*b", String(repeating: "a", count: 200), false),
    ])
    func wildcardsAreCaseInsensitive(pattern: String, text: String, expected: Bool) {
        #expect(Pattern(pattern).matches(text) == expected)
    }
}

@Suite struct ConditionTests {
    let names: Set<String> = ["selection", "filter_a", "filter_b", "other"]

    @Test func precedenceAndGroups() throws {
        #expect(try Condition.parse("selection and not filter_a or other", searches: names)
            == .or(.and(.search("selection"), .not(.search("filter_a"))), .search("other")))
        #expect(try Condition.parse("selection and (filter_a or other)", searches: names)
            == .and(.search("selection"), .or(.search("filter_a"), .search("other"))))
        #expect(try Condition.parse("1 of filter_* and all of them", searches: names)
            == .and(.oneOf(["filter_a", "filter_b"]), .allOf(["filter_a", "filter_b", "other", "selection"])))
    }

    @Test(arguments: ["selection and", "unknown", "selection or (other", "1 of nothing_*", "selection other", "of them"])
    func badConditionsAreRejected(text: String) {
        #expect(throws: Condition.ParseError.self) { try Condition.parse(text, searches: names) }
    }
}

@Suite struct RuleTests {
    static let failedLogin = #"{"trail":{"cloud":"aws","action":"ConsoleLogin","outcome":"failure","actor":{"root":false,"mfa":null}},"eventName":"ConsoleLogin","requestParameters":{"ipPermissions":{"items":[{"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"},{"cidrIp":"0.0.0.0/0"}]}}]}},"errorCode":null}"#

    @Test func mapsAreAndListsAreOr() throws {
        let r = try rule("""
            title: t
            detection:
              selection:
                trail.action: [CreateUser, ConsoleLogin]
                trail.outcome: failure
              condition: selection
            """)
        #expect(matches(r, Self.failedLogin))
        #expect(!matches(r, Self.failedLogin.replacingOccurrences(of: #""outcome":"failure""#, with: #""outcome":"success""#)))
    }

    @Test func valuesInsideArraysAndModifiers() throws {
        let open = try rule("""
            title: open
            detection:
              s:
                requestParameters.ipPermissions.items.ipRanges.items.cidrIp: 0.0.0.0/0
              c:
                requestParameters|contains: '"cidrIp":"0.0.0.0/0"'
              e:
                eventName|endswith: login
                eventName|startswith: CONSOLE
              condition: s and c and e
            """)
        #expect(matches(open, Self.failedLogin))
        let all = try rule("""
            title: all
            detection:
              s:
                requestParameters.ipPermissions.items.ipRanges.items.cidrIp|all: [0.0.0.0/0, 10.0.0.0/8]
              condition: s
            """)
        #expect(matches(all, Self.failedLogin))
        let allMissing = try rule("""
            title: all
            detection:
              s:
                requestParameters.ipPermissions.items.ipRanges.items.cidrIp|all: [0.0.0.0/0, 192.0.2.0/24]
              condition: s
            """)
        #expect(!matches(allMissing, Self.failedLogin))
    }

    @Test func nullMeansAbsentOrNull() throws {
        let r = try rule("""
            title: n
            detection:
              s:
                errorCode: null
                missing.field: ~
              condition: s
            """)
        #expect(matches(r, Self.failedLogin))
        #expect(!matches(r, Self.failedLogin.replacingOccurrences(of: #""errorCode":null"#, with: #""errorCode":"AccessDenied""#)))
    }

    @Test func booleansAndTheLogsourceCloud() throws {
        let r = try rule("""
            title: root
            logsource: {product: alibaba, service: actiontrail}
            detection:
              s: {trail.actor.root: false}
              condition: s
            """)
        #expect(!matches(r, Self.failedLogin), "an aws event must not match an alibaba rule")
        #expect(matches(r, Self.failedLogin.replacingOccurrences(of: #""cloud":"aws""#, with: #""cloud":"alibaba""#)))
    }

    @Test func problemsNameTheFileAndLine() {
        let loaded = RuleLoader().load(yaml: """
            title: bad
            detection:
              selection:
                eventName|frobnicate: 'Create'
              condition: selection
            ---
            title: bad condition
            detection:
              selection: {eventName: X}
              condition: selection and missing
            ---
            detection: {}
            ---
            title: windows
            logsource: {product: windows}
            detection:
              s: {a: b}
              condition: s
            """, file: "rules/x.yml")
        #expect(loaded.rules.isEmpty)
        #expect(loaded.problems.map(\.description) == [
            "rules/x.yml:4: unsupported field modifier 'frobnicate' in 'eventName|frobnicate'",
            "rules/x.yml:10: condition names 'missing', which the detection does not define",
            "rules/x.yml:12: rule has no title",
            "rules/x.yml:15: logsource product 'windows' is not a cloud trail (aws, alibaba)",
        ])
        let invalid = RuleLoader().load(yaml: "title: [unclosed", file: "y.yml")
        #expect(invalid.problems.first?.description.hasPrefix("y.yml:") == true)
    }
}

@Suite struct MatcherTests {
    @Test func writesTheAlertContract() throws {
        let r = try rule("""
            title: Failed login
            id: abc
            level: low
            tags: [attack.t1110]
            detection:
              s: {trail.outcome: failure}
              condition: s
            """)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let event = RuleTests.failedLogin.replacingOccurrences(of: #""cloud":"aws""#, with: #""cloud":"aws","time":"2024-05-01T09:12:03Z""#)
        let input = try dir.write("events.ndjson", event + "\n{broken\n" + event.replacingOccurrences(of: "failure", with: "success") + "\n")
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-match")
        let status = try Matcher(rules: [r], output: output, diagnostics: diagnostics).run(inputs: [input])
        #expect(status == .recordsSkipped)
        let alerts = output.collectedLines
        #expect(alerts.count == 1)
        let alert = try parseJSON(alerts[0])
        #expect(value(alert, "alert.rule.id") as? String == "abc")
        #expect(value(alert, "alert.rule.title") as? String == "Failed login")
        #expect(value(alert, "alert.rule.level") as? String == "low")
        #expect(value(alert, "alert.rule.tags") as? [String] == ["attack.t1110"])
        #expect(value(alert, "alert.time") as? String == "2024-05-01T09:12:03Z")
        #expect(NSDictionary(dictionary: value(alert, "event") as! [String: Any]) == NSDictionary(dictionary: try parseJSON(event)))
    }

    @Test func theBundledRulesLoadCleanly() throws {
        // Tests run from the package root; the rules folder ships beside Package.swift.
        let rulesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../rules").standardized.path
        let loaded = try RuleLoader().load(paths: [rulesFolder])
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        #expect(loaded.rules.count >= 4)
        #expect(Set(loaded.rules.map(\.id)).count == loaded.rules.count, "rule ids must be unique")
    }

    /// Regression: the rule tester looked for a correlation's alert by the text
    /// `"rule":{"id":"ID"`, which an event of another rule's alert can hold in its own fields.
    @Test func aCorrelationExampleIsJudgedByItsAlertsNotByTextInEvents() {
        let set = RuleLoader().load(yaml: """
            title: key created
            name: key_created
            id: r1
            detection: {s: {eventName: CreateAccessKey}, condition: s}
            ---
            title: many keys
            id: c1
            correlation: {type: event_count, rules: [key_created], group-by: [trail.account], timespan: 10m, condition: {gte: 2}, generate: true}
            examples:
              match:
                - - {trail: {account: '1', time: '2026-01-01T00:00:00Z', id: a}, eventName: CreateAccessKey}
                  - {trail: {account: '1', time: '2026-01-01T00:01:00Z', id: b}, eventName: CreateAccessKey}
              nomatch:
                - - {trail: {account: '1', time: '2026-01-01T00:00:00Z', id: a}, eventName: CreateAccessKey, requestParameters: {rule: {id: c1}}}
            """, file: "c.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        let report = RuleTester(set).run()
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.passed == 2)
    }

    @Test func everyBundledRuleCarriesExamplesThatPass() throws {
        let report = RuleTester(try RuleLoader().load(paths: [packageRoot + "/rules"])).run()
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.untested.isEmpty, "\(report.untested)")
        #expect(report.passed >= 100)
    }
}

@Suite struct HeaderFastPathTests {
    static let rules = """
        title: denied
        id: denied
        detection: {s: {errorCode|startswith: AccessDenied}, condition: s}
        ---
        title: privileged
        id: privileged
        detection: {s: {trail.context.actor.privileged: 'yes'}, condition: s}
        ---
        title: tor
        id: tor
        detection: {s: {trail.source.networks: tor}, condition: s}
        """

    /// Runs the rules over `lines` as trail-match does, returning the alerts' rule ids, the
    /// exit status and how many lines were reported.
    func run(_ lines: [String]) throws -> (ids: [String], status: TrailCore.ExitStatus, skipped: Int) {
        let set = RuleLoader().load(yaml: HeaderFastPathTests.rules, file: "r.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("events.ndjson", lines.joined(separator: "\n") + "\n")
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-match")
        let status = try Matcher(set, output: output, diagnostics: diagnostics).run(inputs: [input])
        let ids = try output.collectedLines.map { try #require(value(try parseJSON($0), "alert.rule.id") as? String) }
        return (ids, status, diagnostics.skippedRecords)
    }

    @Test func headerFieldsSelectTheRulesAnEventReaches() throws {
        let result = try run([
            #"{"trail":{"action":"GetObject","error":"AccessDenied"},"eventName":"GetObject","errorCode":"AccessDenied"}"#,
            #"{"trail":{"action":"GetObject","error":null},"eventName":"GetObject"}"#,
            #"{"trail":{"action":"ListUsers","context":{"actor":{"privileged":"YES"}}},"eventName":"ListUsers"}"#,
            #"{"trail":{"source":{"networks":["corp","tor"]}},"eventName":"GetObject"}"#,
            // Not flattened: not an event (rules are written against the header), reported.
            #"{"eventName":"GetObject","errorCode":"AccessDeniedException"}"#,
        ])
        #expect(result.ids == ["denied", "privileged", "tor"])
        #expect(result.status == .recordsSkipped)
        #expect(result.skipped == 1)
    }

    @Test func everyLineARuleExaminesIsCheckedInFull() throws {
        let result = try run([
            // A rule examines it (the header has an error): the broken body is reported.
            #"{"trail":{"action":"GetObject","error":"AccessDenied"},"errorCode":"AccessDenied","x":[1,}"#,
            // No header: checked in full whatever the rules.
            #"{"eventName":"GetObject","x":tru}"#,
            // A broken header.
            #"{"trail":{"action":"GetObject",},"eventName":"GetObject"}"#,
            // A header no rule selects: passed over after its header is checked.
            #"{"trail":{"action":"GetObject","error":null},"x":[1,}"#,
        ])
        #expect(result.ids.isEmpty)
        #expect(result.skipped == 3)
        #expect(result.status == .recordsSkipped)
    }

    @Test func theIndexNeverLosesAMatch() throws {
        // The rule pack and the SigmaHQ-style rules over events of the bundled sample, line by
        // line as trail-match reads them, against every rule tried on every event.
        let rules = try RuleLoader().load(paths: [packageRoot + "/rules", SigmaHQStyleTests.folder]).rules
        var events: [String] = []
        for file in try FileIO.filesBelow(packageRoot + "/pipelines/sample/AWSLogs").filter({ $0.hasSuffix(".json.gz") }).prefix(60) {
            let document = try FileIO.readFile(file).withUnsafeBytes { try Gzip.inflate($0) }
            guard let records = (try JSONSerialization.jsonObject(with: Data(document)) as? [String: Any])?["Records"] as? [[String: Any]] else { continue }
            for record in records {
                let name = record["eventName"] as? String ?? ""
                let error = (record["errorCode"] as? String).map { "\"\($0)\"" } ?? "null"
                let body = String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
                events.append(#"{"trail":{"cloud":"aws","action":"\#(name)","error":\#(error)},"# + body.dropFirst())
            }
        }
        #expect(events.count > 100)
        let output = OutputWriter(collectingAs: "alerts")
        let matcher = Matcher(rules: rules, output: output, diagnostics: Diagnostics(tool: "test"))
        var everyRule: [String] = []
        for (n, event) in events.enumerated() {
            try Array(event.utf8).withUnsafeBytes { raw in
                try matcher.match(line: raw, at: RecordLocation(source: "sample", line: n + 1))
                let s = JSONScanner(raw)
                let root = try s.validateDocument()
                let id = s.value(at: JSONPath("eventID"), from: root).flatMap { s.string(at: $0) } ?? ""
                for rule in rules where rule.matches(s, event: root) { everyRule.append("\(id) \(rule.id)") }
            }
        }
        matcher.finish(keepPending: false)
        let alerts = try output.collectedLines.map { line in
            let alert = try parseJSON(line)
            return "\(value(alert, "event.eventID") as? String ?? "") \(value(alert, "alert.rule.id") as? String ?? "")"
        }
        #expect(alerts.count > 5)
        #expect(alerts == everyRule)
    }
}
