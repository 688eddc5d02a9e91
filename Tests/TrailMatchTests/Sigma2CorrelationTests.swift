import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// An event like `event(…)` with extra members in `detail` (a JSON object's inside).
func detailed(_ id: String, _ minute: Int, _ second: Int = 0, actor: String = "alice", action: String = "Fail", detail: String) -> String {
    let base = event(id, minute, second, actor: actor, action: action)
    return String(base.dropLast()) + ",\"detail\":{\(detail)}}"
}

/// Runs `batches` one after the other through matchers sharing a state file; returns the
/// correlation alerts' event-id lists, in order.
func correlateWithState(_ set: RuleSet, _ batches: [[String]], lateness: Int64 = 5 * 60 * 1_000_000_000) throws -> [[String]] {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    var alerts: [[String]] = []
    for (k, batch) in batches.enumerated() {
        let input = try dir.write("b\(k).ndjson", batch.map { $0 + "\n" }.joined())
        let output = OutputWriter(collectingAs: "out")
        _ = try Matcher(set, lateness: lateness, output: output, diagnostics: Diagnostics(tool: "test"))
            .run(inputs: [input], state: StateFile(path: dir.path + "/m.state", deferCommit: false))
        alerts += try output.collectedLines.map(parseJSON).compactMap { value($0, "alert.correlation.events") as? [String] }
    }
    return alerts
}

/// Every way of cutting `events` into two or three runs gives the alerts of one run.
func expectSplitRunsAgree(_ set: RuleSet, _ events: [String], _ whole: [[String]]) throws {
    #expect(try correlateWithState(set, [events]) == whole)
    for cut in 1..<events.count {
        #expect(try correlateWithState(set, [Array(events[..<cut]), Array(events[cut...])]) == whole, "cut at \(cut)")
    }
    #expect(try correlateWithState(set, [Array(events[..<1]), Array(events[1..<2]), Array(events[2...])]) == whole)
}

@Suite struct CorrelationConditionTests {
    @Test func twoLowerBoundsKeepTheTighterNotTheLastWritten() throws {
        // Regression: `{gt: 4, gte: 2}` counted from 2 (the last member written).
        let set = correlationSet("""
            correlation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {gt: 4, gte: 2}}
            """)
        #expect(try correlate(set, (0..<4).map { event("e\($0)", $0) }).isEmpty)
        #expect(try correlate(set, (0..<5).map { event("e\($0)", $0) }).count == 1)
    }

    static let range = correlationSet("""
        correlation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {gte: 2, lt: 4}}
        """)

    @Test func aRangeIsDecidedWhenTheWindowCloses() throws {
        // The window opens at alice's first event (09:00) and ends at 09:10, inclusive.
        let later = event("z", 30, actor: "zed", action: "List")
        let two = try correlate(Self.range, [event("a", 0), event("b", 10), later])
        #expect(two.count == 1)
        #expect(value(two[0], "alert.correlation.events") as? [String] == ["a", "b"])
        #expect(value(two[0], "alert.time") as? String == "2024-05-01T09:10:00Z")
        #expect(value(two[0], "event.trail.id") as? String == "b")
        // One second past the end: two windows of one event each.
        #expect(try correlate(Self.range, [event("a", 0), event("b", 10, 1), later]).isEmpty)
        // Four reach the upper bound: nothing.
        #expect(try correlate(Self.range, [event("a", 0), event("b", 1), event("c", 2), event("d", 3), later]).isEmpty)
        // The window has not closed by the newest event: undecided, nothing yet.
        #expect(try correlate(Self.range, [event("a", 0), event("b", 1)]).isEmpty)
    }

    @Test func aRangeGivesTheSameAlertsOutOfOrderAndInSplitRuns() throws {
        let events = [event("b", 4), event("a", 0), event("c", 12, actor: "bob"), event("d", 13, actor: "bob"), event("z", 30, actor: "zed", action: "List")]
        let whole = try correlateWithState(Self.range, [events])
        #expect(whole == [["a", "b"], ["c", "d"]])
        try expectSplitRunsAgree(Self.range, events, whole)
    }

    static let absence = correlationSet("""
        correlation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 5m, condition: {lt: 3}}
        """)

    @Test func fewerThanNIsAbsenceForAGroupSeenInTheWindow() throws {
        let later = event("z", 30, actor: "zed", action: "List")
        // alice twice, bob three times within five minutes: only alice is reported.
        let alerts = try correlate(Self.absence, [event("a1", 0), event("b1", 1, actor: "bob"), event("a2", 5), event("b2", 2, actor: "bob"), event("b3", 6, actor: "bob"), later])
        #expect(alerts.count == 1)
        #expect(value(alerts[0], "alert.correlation.group") as? [String: String] == ["trail.actor.name": "alice"])
        #expect(value(alerts[0], "alert.correlation.count") as? Int == 2)
        // An actor never seen raises nothing: absence is of a group seen in the window.
        #expect(try correlate(Self.absence, [later]).isEmpty)
    }

    @Test func absenceIsRaisedWhenEventTimePassesTheWindowAcrossRuns() throws {
        let events = [event("a1", 0), event("a2", 3), event("b1", 4, actor: "bob"), event("z1", 12, actor: "zed", action: "List"), event("a3", 13), event("z2", 30, actor: "zed", action: "List")]
        let whole = try correlateWithState(Self.absence, [events])
        #expect(whole == [["a1", "a2"], ["b1"], ["a3"]])
        try expectSplitRunsAgree(Self.absence, events, whole)
    }

    @Test func eqAndNeqAreDecidedAtTheClose() throws {
        let eq = correlationSet("correlation: {type: event_count, rules: [failure], timespan: 5m, condition: {eq: 2}}")
        let later = event("z", 30, action: "List")
        #expect(try correlate(eq, [event("a", 0), event("b", 1), later]).count == 1)
        #expect(try correlate(eq, [event("a", 0), event("b", 1), event("c", 2), later]).isEmpty)
        let neq = correlationSet("correlation: {type: event_count, rules: [failure], timespan: 5m, condition: {neq: 2}}")
        #expect(try correlate(neq, [event("a", 0), event("b", 1), later]).isEmpty)
        #expect(try correlate(neq, [event("a", 0), later]).count == 1)
    }
}

@Suite struct CorrelationKindTests {
    @Test func valueSumAddsTheNumbersOfAGroup() throws {
        // The specification's value_sum example, on trail fields: bytes out per actor.
        let set = correlationSet("""
            correlation: {type: value_sum, rules: [failure], group-by: [trail.actor.name], timespan: 1h, condition: {field: detail.bytes, gt: 1000}}
            """)
        let alerts = try correlate(set, [detailed("a", 0, detail: #""bytes":600"#), detailed("b", 1, detail: #""bytes":"x""#), detailed("c", 2, actor: "bob", detail: #""bytes":900"#), detailed("d", 3, detail: #""bytes":401"#)])
        #expect(alerts.count == 1)
        #expect(value(alerts[0], "alert.correlation.measure") as? Int == 1001)
        #expect(value(alerts[0], "alert.correlation.events") as? [String] == ["a", "d"])
        #expect(try correlate(set, [detailed("a", 0, detail: #""bytes":600"#), detailed("d", 3, detail: #""bytes":400"#)]).isEmpty)
        // 61 minutes apart: not in one window.
        #expect(try correlate(set, [detailed("a", 0, detail: #""bytes":600"#), detailed("d", 61, detail: #""bytes":401"#)]).isEmpty)
    }

    @Test func aSumGivesTheSameAlertsOutOfOrderAndInSplitRuns() throws {
        let set = correlationSet("correlation: {type: value_sum, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {field: detail.n, gte: 10}}")
        let events = [detailed("b", 2, detail: #""n":4"#), detailed("a", 0, detail: #""n":5"#), detailed("c", 11, detail: #""n":2"#),
                      detailed("d", 12, actor: "bob", detail: #""n":10"#), detailed("e", 13, detail: #""n":9"#), event("z", 30, actor: "zed", action: "List")]
        let whole = try correlateWithState(set, [events])
        #expect(whole == [["d"], ["c", "e"]], "b at 09:02 is more than 10m before e")
        try expectSplitRunsAgree(set, events, whole)
    }

    @Test func valueAvgAndPercentileFollowPySigma() throws {
        let avg = correlationSet("correlation: {type: value_avg, rules: [failure], timespan: 1h, condition: {field: detail.n, gt: 500}}")
        #expect(try correlate(avg, [detailed("a", 0, detail: #""n":400"#), detailed("b", 1, detail: #""n":601"#)]).count == 1)
        #expect(try correlate(avg, [detailed("a", 0, detail: #""n":400"#), detailed("b", 1, detail: #""n":600"#)]).isEmpty)
        // 90th percentile of 1…10 by linear interpolation: 9.1.
        #expect(WindowCount.percentile(90, of: (1...10).map(Double.init)) == 9.1)
        #expect(WindowCount.percentile(50, of: [3, 1, 2, 10]) == 2.5)
        let p = correlationSet("correlation: {type: value_percentile, rules: [failure], timespan: 30m, condition: {field: detail.n, percentile: 50, lte: 2}}")
        let later = event("z", 59, action: "List")
        #expect(try correlate(p, [detailed("a", 0, detail: #""n":1"#), detailed("b", 1, detail: #""n":3"#), later]).count == 1)
        #expect(try correlate(p, [detailed("a", 0, detail: #""n":2"#), detailed("b", 1, detail: #""n":3"#), later]).isEmpty)
        // pySigma's value_median: the 50th percentile.
        let median = correlationSet("correlation: {type: value_median, rules: [failure], timespan: 30m, condition: {field: detail.n, gte: 2.5}}")
        #expect(try correlate(median, [detailed("a", 0, detail: #""n":1"#), detailed("b", 1, detail: #""n":4"#)]).count == 1)
        #expect(try correlate(median, [detailed("a", 0, detail: #""n":1"#), detailed("b", 1, detail: #""n":3"#)]).isEmpty)
    }

    @Test func valueCountOverSeveralFieldsCountsCombinations() throws {
        let set = correlationSet("""
            correlation: {type: value_count, rules: [failure], timespan: 1h, condition: {field: [trail.actor.name, trail.source.ip], gte: 3}}
            """)
        let alerts = try correlate(set, [event("a", 0, ip: "192.0.2.1"), event("b", 1, actor: "bob", ip: "192.0.2.1"), event("c", 2, ip: "192.0.2.1"), event("d", 3, ip: "192.0.2.2")])
        #expect(alerts.count == 1)
        #expect(value(alerts[0], "alert.correlation.field") as? String == "trail.actor.name,trail.source.ip")
        #expect(try correlate(set, [event("a", 0), event("b", 1, actor: "bob"), event("c", 2)]).isEmpty)
    }

    static let threeRules = baseRules + """
        title: list
        name: list
        detection: {s: {trail.action: List}, condition: s}
        ---

        """

    @Test func temporalWithACountConditionNeedsThatManyRules() throws {
        let set = RuleLoader().load(yaml: Self.threeRules + """
            title: two of three
            correlation: {type: temporal, rules: [create, delete, list], group-by: [trail.actor.name], timespan: 10m, condition: {gte: 2}}
            """, file: "t.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        #expect(try correlate(set, [event("l", 0, action: "List"), event("c", 5, action: "Create")]).count == 1)
        #expect(try correlate(set, [event("l", 0, action: "List"), event("l2", 5, action: "List")]).isEmpty)
        #expect(try correlate(set, [event("l", 0, action: "List"), event("c", 11, action: "Create")]).isEmpty)
        let ordered = RuleLoader().load(yaml: Self.threeRules + """
            title: two of three in order
            correlation: {type: temporal_ordered, rules: [create, delete, list], group-by: [trail.actor.name], timespan: 10m, condition: {gte: 2}}
            """, file: "t.yml")
        #expect(try correlate(ordered, [event("c", 0, action: "Create"), event("l", 5, action: "List")]).count == 1)
        #expect(try correlate(ordered, [event("l", 0, action: "List"), event("c", 5, action: "Create")]).isEmpty)
    }

    @Test func temporalConditionsOverRuleNames() throws {
        // The specification's test rule (tests/schema/correlation/temporal_condition.yml), on trail actions.
        let all = RuleLoader().load(yaml: Self.threeRules + """
            title: Recon
            correlation:
                type: temporal
                rules: [create, delete, list]
                group-by: [trail.actor.name]
                timespan: 5m
                condition: create AND delete AND list
            """, file: "t.yml")
        #expect(all.problems.isEmpty, "\(all.problems)")
        let three = [event("l", 0, action: "List"), event("d", 1, action: "Delete"), event("c", 5, action: "Create")]
        #expect(try correlate(all, three).count == 1)
        #expect(try correlate(all, Array(three.dropLast())).isEmpty)
        // Without `rules`: the names of the condition; an alternative is enough.
        let either = RuleLoader().load(yaml: Self.threeRules + """
            title: create then delete, or list
            correlation: {type: temporal_ordered, group-by: [trail.actor.name], timespan: 5m, condition: (create and delete) or list}
            """, file: "t.yml")
        #expect(either.problems.isEmpty, "\(either.problems)")
        #expect(either.correlations.first?.ruleNames == ["create", "delete", "list"])
        #expect(try correlate(either, [event("c", 0, action: "Create"), event("d", 1, action: "Delete")]).count == 1)
        #expect(try correlate(either, [event("d", 0, action: "Delete"), event("c", 1, action: "Create")]).isEmpty)
        #expect(try correlate(either, [event("l", 0, action: "List")]).count == 1)
    }

    @Test func equalTimesAreOrderedByInputPositionNotById() throws {
        // Regression: at one time, events were taken in the order of their ids.
        let set = correlationSet("correlation: {type: temporal_ordered, rules: [create, delete], group-by: [trail.actor.name], timespan: 10m}")
        #expect(try correlate(set, [event("z", 0, action: "Create"), event("a", 0, action: "Delete")]).count == 1)
        #expect(try correlate(set, [event("a", 0, action: "Delete"), event("z", 0, action: "Create")]).isEmpty)
        #expect(try correlate(set, [event("a", 0, action: "Create"), event("z", 0, action: "Delete")]).count == 1)
    }

    @Test func aliasesGroupOneValueNamedDifferentlyInEachRule() throws {
        // The specification's aliases example: the address is the actor's in one rule and the
        // detail's target in the other.
        let set = RuleLoader().load(yaml: baseRules + """
            title: aliased
            correlation:
              type: temporal
              rules: [create, delete]
              group-by: [address]
              timespan: 10s
              aliases:
                address: {create: trail.source.ip, delete: detail.target}
            """, file: "a.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        let create = event("c", 0, 0, action: "Create", ip: "192.0.2.7")
        let alerts = try correlate(set, [create, detailed("d", 0, 9, action: "Delete", detail: #""target":"192.0.2.7""#)])
        #expect(alerts.count == 1)
        #expect(value(alerts[0], "alert.correlation.group") as? [String: String] == ["address": "192.0.2.7"])
        #expect(try correlate(set, [create, detailed("d", 0, 9, action: "Delete", detail: #""target":"192.0.2.8""#)]).isEmpty)
        #expect(try correlate(set, [create, detailed("d", 0, 11, action: "Delete", detail: #""target":"192.0.2.7""#)]).isEmpty)
    }
}

@Suite struct ChainedCorrelationTests {
    /// The specification's own example: many failed logins followed by a successful login,
    /// the inner correlation referenced by its name.
    static let example = """
        title: Correlation - Multiple Failed Logins Followed by Successful Login
        id: b180ead8-d58f-40b2-ae54-c8940995b9b6
        correlation:
            type: temporal_ordered
            rules:
                - multiple_failed_login
                - successful_login
            group-by:
                - User
            timespan: 10m
        level: high
        ---
        title: Multiple failed logons
        id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
        name: multiple_failed_login
        correlation:
            type: event_count
            rules:
                - failed_login
            group-by:
                - User
            timespan: 10m
            condition:
                gte: 3
        ---
        title: Single failed login
        id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
        name: failed_login
        detection:
            selection:
                EventID: [529, 4625]
            condition: selection
        ---
        title: Successful login
        id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
        name: successful_login
        detection:
            selection:
                EventID: [528, 4624]
            condition: selection
        """

    static func login(_ id: String, _ minute: Int, _ code: Int, user: String = "alice") -> String {
        let time = String(format: "2024-05-01T09:%02d:00Z", minute)
        return #"{"trail":{"cloud":"aws","time":"\#(time)","id":"\#(id)"},"EventID":\#(code),"User":"\#(user)"}"#
    }

    @Test func theOuterCorrelationReportsItselfAndTheInnerOneIsSilent() throws {
        let set = RuleLoader().load(yaml: Self.example, file: "chain.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        let events = [Self.login("f1", 0, 4625), Self.login("f2", 1, 529), Self.login("f3", 2, 4625), Self.login("s", 4, 4624)]
        let output = OutputWriter(collectingAs: "out")
        let m = Matcher(set, output: output, diagnostics: Diagnostics(tool: "test"))
        for e in events { Array(e.utf8).withUnsafeBytes { raw in let s = JSONScanner(raw); m.match(s, event: try! s.validateDocument()) } }
        m.finish(keepPending: false)
        let alerts = try output.collectedLines.map(parseJSON)
        #expect(alerts.count == 1)
        #expect(value(alerts[0], "alert.rule.id") as? String == "b180ead8-d58f-40b2-ae54-c8940995b9b6")
        #expect(value(alerts[0], "alert.correlation.events") as? [String] == ["f3", "s"])
        // The success before the failures: not in order.
        let early = [Self.login("s", 0, 4624), Self.login("f1", 1, 4625), Self.login("f2", 2, 529), Self.login("f3", 3, 4625)]
        #expect(try correlate(set, early).isEmpty)
        // Another user's success does not complete alice's.
        #expect(try correlate(set, Array(events.dropLast()) + [Self.login("s", 4, 4624, user: "bob")]).isEmpty)
    }

    @Test func aChainGivesTheSameAlertsInSplitRuns() throws {
        let set = RuleLoader().load(yaml: Self.example, file: "chain.yml")
        let events = [Self.login("f1", 0, 4625), Self.login("f2", 1, 529), Self.login("b1", 2, 4625, user: "bob"), Self.login("f3", 3, 4625),
                      Self.login("s", 5, 4624), Self.login("b2", 9, 4625, user: "bob"), Self.login("b3", 10, 4625, user: "bob"), Self.login("bs", 14, 4624, user: "bob"),
                      Self.login("z", 30, 4624, user: "zed")]
        let whole = try correlateWithState(set, [events])
        #expect(whole == [["f3", "s"], ["b3", "bs"]])
        try expectSplitRunsAgree(set, events, whole)
    }

    @Test func chainsAreResolvedByIdAndLoopsAreRefused() throws {
        let byID = Self.example.replacingOccurrences(of: "- multiple_failed_login", with: "- a8418a5a-5fc4-46b5-b23b-6c73beb19d41")
        #expect(RuleLoader().load(yaml: byID, file: "c.yml").correlations.count == 2)
        let loop = baseRules + """
            title: one
            name: one
            correlation: {type: event_count, rules: [two], timespan: 1m, condition: {gte: 2}}
            ---
            title: two
            name: two
            correlation: {type: event_count, rules: [one], timespan: 1m, condition: {gte: 2}}
            """
        let set = RuleLoader().load(yaml: loop, file: "l.yml")
        #expect(set.correlations.isEmpty)
        #expect(set.problems.count == 2)
        #expect(set.problems.contains { $0.message.contains("loop") })
    }
}

@Suite struct ConditionSelectorTests {
    @Test func themAndPatternsLeaveOutUnderscoreSearchesUnlessThePatternStartsWithOne() throws {
        // Regression: `1 of them` counted `_`-prefixed searches, which the specification excludes.
        let names: Set<String> = ["selection", "_internal", "_filter_a"]
        #expect(try Condition.parse("1 of them", searches: names) == .oneOf(["selection"]))
        #expect(try Condition.parse("all of them", searches: names) == .allOf(["selection"]))
        #expect(try Condition.parse("1 of _filter*", searches: names) == .oneOf(["_filter_a"]))
        #expect(try Condition.parse("1 of *", searches: names) == .oneOf(["selection"]))
    }

    @Test(arguments: [
        ("selection | count() > 5", "the pipe syntax (aggregations, near) is not Sigma 2: write a correlation rule"),
        ("2 of selection*", "'2 of' is not Sigma: only '1 of' (or 'any of') and 'all of', as pySigma reads them"),
    ])
    func whatSigma2NoLongerHasIsRefused(text: String, message: String) {
        #expect(throws: Condition.ParseError.self) { try Condition.parse(text, searches: ["selection"]) }
        do { _ = try Condition.parse(text, searches: ["selection"]) } catch { #expect(error.description == message) }
    }
}

@Suite struct SpecificationExampleTests {
    /// The correlation examples of the specification (2.0.2), with the rules they name, whose
    /// logsource (Windows) is left out: they apply to any JSON events with those fields.
    static let examples = """
        title: Single failed login
        id: 5638f7c0-ac70-491d-8465-2a65075e0d86
        name: failed_login
        detection: {selection: {EventID: [529, 4625]}, condition: selection}
        ---
        title: Many failed logins
        id: 0e95725d-7320-415d-80f7-004da920fc11
        correlation:
            type: event_count
            rules:
                - 5638f7c0-ac70-491d-8465-2a65075e0d86
            group-by:
                - ComputerName
            timespan: 1h
            condition:
                gte: 100
        ---
        title: Failed login
        id: 0e95725d-7320-415d-80f7-004da920fc12
        correlation:
            type: value_count
            rules:
                - 5638f7c0-ac70-491d-8465-2a65075e0d86
            group-by:
                - ComputerName
                - WorkstationName
            timespan: 1d
            condition:
                field: User
                gte: 100
        ---
        title: recon a
        name: recon_cmd_a
        detection: {s: {CommandLine|contains: whoami}, condition: s}
        ---
        title: recon b
        name: recon_cmd_b
        detection: {s: {CommandLine|contains: ipconfig}, condition: s}
        ---
        title: recon c
        name: recon_cmd_c
        detection: {s: {CommandLine|contains: net user}, condition: s}
        ---
        title: Recon
        correlation:
            type: temporal
            rules:
                - recon_cmd_a
                - recon_cmd_b
                - recon_cmd_c
            group-by:
                - ComputerName
                - User
            timespan: 5m
        ---
        title: internal error
        name: internal_error
        detection: {selection: {http.response.status_code: 500}, condition: selection}
        ---
        title: new connection
        name: new_network_connection
        detection:
            selection:
                event.category: network
                event.type: connection
                event.outcome: success
            condition: selection
        ---
        title: aliased
        id: 8a1c5d6e-0000-4000-8000-000000000001
        correlation:
            type: temporal
            rules:
                - internal_error
                - new_network_connection
            group-by:
                - internal_ip
                - remote_ip
            timespan: 10s
            aliases:
                internal_ip:
                    internal_error: destination.ip
                    new_network_connection: source.ip
                remote_ip:
                    internal_error: source.ip
                    new_network_connection: destination.ip
        ---
        title: range
        id: 8a1c5d6e-0000-4000-8000-000000000002
        correlation:
            type: event_count
            rules: [failed_login]
            group-by: [ComputerName]
            timespan: 1h
            condition:
                gt: 100
                lte: 200
        """

    @Test func theSpecificationsExamplesAreAccepted() throws {
        let set = RuleLoader().load(yaml: Self.examples, file: "spec.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        #expect(set.correlations.count == 5)
        let chain = RuleLoader().load(yaml: ChainedCorrelationTests.example, file: "chain.yml")
        #expect(chain.problems.isEmpty && chain.correlations.count == 2)
    }

    @Test func theAliasesExampleGroupsAcrossFieldNames() throws {
        let set = RuleLoader().load(yaml: Self.examples, file: "spec.yml")
        let error = #"{"trail":{"time":"2024-05-01T09:00:00Z","id":"e"},"http":{"response":{"status_code":500}},"destination":{"ip":"10.0.0.5"},"source":{"ip":"203.0.113.9"}}"#
        let connection = #"{"trail":{"time":"2024-05-01T09:00:05Z","id":"c"},"event":{"category":"network","type":"connection","outcome":"success"},"source":{"ip":"10.0.0.5"},"destination":{"ip":"203.0.113.9"}}"#
        let alerts = try correlate(set, [error, connection])
        #expect(alerts.count == 1)
        #expect(value(alerts[0], "alert.correlation.group") as? [String: String] == ["internal_ip": "10.0.0.5", "remote_ip": "203.0.113.9"])
        let reversed = connection.replacingOccurrences(of: "10.0.0.5", with: "x").replacingOccurrences(of: "203.0.113.9", with: "10.0.0.5").replacingOccurrences(of: "x", with: "203.0.113.9")
        #expect(try correlate(set, [error, reversed]).isEmpty)
    }
}
