import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// `--detections-only` over parts of a stream, a shuffle of the feed by key, and
/// `--correlations-only` per shuffle partition write the alerts of one whole run, as
/// pipelines/spark.py relies on.
@Suite struct CorrelationSplitTests {
    /// The alert lines of one run over `events`, sorted.
    func whole(_ set: RuleSet, _ events: [String]) -> [String] {
        let output = OutputWriter(collectingAs: "out")
        let m = Matcher(set, output: output, diagnostics: Diagnostics(tool: "test"))
        feed(m, events)
        m.finish(keepPending: false)
        return output.collectedLines.sorted()
    }

    func feed(_ m: Matcher, _ events: [String]) {
        for e in events { Array(e.utf8).withUnsafeBytes { raw in let s = JSONScanner(raw); m.match(s, event: try! s.validateDocument()) } }
    }

    /// The same events cut into `parts` contiguous parts, the feed spread over `reducers` by key
    /// (the newest-time lines to every reducer), each reducer's lines in reverse order.
    func split(_ set: RuleSet, _ events: [String], parts: Int, reducers: Int) throws -> [String] {
        let dir = try TemporaryDirectory("trail-split")
        defer { dir.remove() }
        var alerts: [String] = []
        var shuffled = Array(repeating: [String](), count: reducers)
        let size = (events.count + parts - 1) / parts
        for p in 0..<parts {
            let output = OutputWriter(collectingAs: "out")
            let m = Matcher(set, output: output, diagnostics: Diagnostics(tool: "test"))
            let path = dir.path + "/feed\(p)"
            try m.feedCorrelations(to: path, part: p)
            feed(m, Array(events.dropFirst(p * size).prefix(size)))
            m.finish(keepPending: false)
            alerts += output.collectedLines
            for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
                let key = line.prefix { $0 != "\t" }
                if key == "*" {
                    for r in 0..<reducers { shuffled[r].append(String(line)) }
                } else {
                    shuffled[abs(key.hashValue) % reducers].append(String(line))
                }
            }
        }
        for (r, lines) in shuffled.enumerated() {
            let input = try dir.write("in\(r)", lines.reversed().joined(separator: "\n") + "\n")
            let output = OutputWriter(collectingAs: "out")
            let m = Matcher(set, output: output, diagnostics: Diagnostics(tool: "test"))
            #expect(try m.runCorrelations(inputs: [input]) == .success)
            alerts += output.collectedLines
        }
        return alerts.sorted()
    }

    func expectSplitAgrees(_ set: RuleSet, _ events: [String], atLeast alerts: Int) throws {
        #expect(set.problems.isEmpty, "\(set.problems)")
        let reference = whole(set, events)
        #expect(reference.count >= alerts, "the events raise alerts: \(reference.count)")
        for (parts, reducers) in [(1, 1), (2, 3), (5, 2), (events.count, 4)] {
            #expect(try split(set, events, parts: parts, reducers: reducers) == reference, "\(parts) parts, \(reducers) reducers")
        }
    }

    @Test func countsOverManyActorsWithTiesAndRepeats() throws {
        let set = correlationSet("correlation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 2m, condition: {gte: 3}}")
        var events: [String] = []
        for k in 0..<60 {
            events.append(event("e\(k)", k / 4, (k * 7) % 60, actor: ["alice", "bob", "carol"][k % 3]))
        }
        // Ties on time, and a file delivered twice: counted once, in the order first read.
        events += [event("t1", 20, actor: "dave"), event("t2", 20, actor: "dave"), event("t3", 20, actor: "dave"), event("e5", 1, 35, actor: "carol")]
        try expectSplitAgrees(set, events, atLeast: 5)
    }

    @Test func windowsDecidedAtTheirCloseCloseOnTheWholeStreamsNewestEvent() throws {
        // Between 2 and 3 failures: decided once a later event of any actor passes the window.
        let set = correlationSet("correlation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 5m, condition: {gte: 2, lte: 3}}")
        let events = [event("a1", 0, actor: "alice"), event("a2", 1, actor: "alice"), event("b1", 2, actor: "bob"), event("b2", 3, actor: "bob"),
                      event("x", 7, actor: "zed", action: "Create"), event("c1", 8, actor: "carol"), event("c2", 9, actor: "carol")]
        try expectSplitAgrees(set, events, atLeast: 2)
    }

    @Test func aliasesPutOneEventInTwoGroups() throws {
        let set = RuleLoader().load(yaml: baseRules + """
            title: aliased
            correlation:
              type: temporal
              rules: [create, failure]
              group-by: [who]
              timespan: 10m
              aliases:
                who: {create: trail.actor.name, failure: trail.source.ip}
            """, file: "a.yml")
        let events = [event("c1", 0, actor: "192.0.2.9", action: "Create", ip: "192.0.2.1"), event("f1", 1, actor: "x", ip: "192.0.2.9"),
                      event("c2", 2, actor: "192.0.2.1", action: "Create"), event("f2", 3, actor: "y", ip: "192.0.2.1")]
        try expectSplitAgrees(set, events, atLeast: 2)
    }

    @Test func chainedCorrelationsStayTogether() throws {
        let set = RuleLoader().load(yaml: ChainedCorrelationTests.example, file: "chain.yml")
        let L = { (id: String, minute: Int, code: Int, user: String) in ChainedCorrelationTests.login(id, minute, code, user: user) }
        let events = [L("f1", 0, 4625, "alice"), L("f2", 1, 529, "alice"), L("b1", 2, 4625, "bob"), L("f3", 3, 4625, "alice"),
                      L("s", 5, 4624, "alice"), L("b2", 9, 4625, "bob"), L("b3", 10, 4625, "bob"), L("bs", 14, 4624, "bob")]
        try expectSplitAgrees(set, events, atLeast: 2)
    }

    @Test func aFeedLineOfOtherRulesIsReportedNotCounted() throws {
        let set = correlationSet("correlation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 2m, condition: {gte: 1}}")
        let dir = try TemporaryDirectory("trail-split")
        defer { dir.remove() }
        let input = try dir.write("feed", """
            c0:["alice"]\t{"time":1,"seq":1,"id":"a","rules":[99],"scope":[0],"group":"[\\"alice\\"]","event":{}}
            not json

            """)
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "test")
        let m = Matcher(set, output: output, diagnostics: diagnostics)
        #expect(try m.runCorrelations(inputs: [input]) == .recordsSkipped)
        #expect(diagnostics.skippedRecords == 2)
        #expect(output.collectedLines.isEmpty)
    }
}
