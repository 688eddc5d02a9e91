import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// An event at `time` (minutes and seconds after 09:00) by `actor`, doing `action`.
func event(_ id: String, _ minute: Int, _ second: Int = 0, actor: String = "alice", action: String = "Fail", ip: String = "192.0.2.1") -> String {
    let time = String(format: "2024-05-01T09:%02d:%02dZ", minute, second)
    return #"{"trail":{"cloud":"aws","time":"\#(time)","id":"\#(id)","action":"\#(action)","actor":{"name":"\#(actor)"},"source":{"ip":"\#(ip)"}}}"#
}

let baseRules = """
    title: failure
    name: failure
    detection: {s: {trail.action: Fail}, condition: s}
    ---
    title: create
    name: create
    detection: {s: {trail.action: Create}, condition: s}
    ---
    title: delete
    name: delete
    detection: {s: {trail.action: Delete}, condition: s}
    ---

    """

func correlationSet(_ correlation: String) -> RuleSet {
    let set = RuleLoader().load(yaml: baseRules + "title: corr\nid: corr\n" + correlation, file: "c.yml")
    #expect(set.problems.isEmpty, "\(set.problems)")
    return set
}

/// Runs `events` through a matcher; returns the correlation alerts as parsed JSON.
func correlate(_ set: RuleSet, _ events: [String], lateness: Int64? = nil) throws -> [[String: Any]] {
    let output = OutputWriter(collectingAs: "out")
    let matcher = Matcher(set, lateness: lateness, output: output, diagnostics: Diagnostics(tool: "test"))
    for e in events {
        Array(e.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            matcher.match(s, event: try! s.validateDocument())
        }
    }
    matcher.finish(keepPending: false)
    return try output.collectedLines.map(parseJSON).filter { value($0, "alert.correlation") != nil }
}

@Suite struct CorrelationTests {
    static let count3 = correlationSet("""
        correlation:
          type: event_count
          rules: [failure]
          group-by: [trail.actor.name]
          timespan: 10m
          condition: {gte: 3}
        """)

    @Test func eventCountAtTheWindowBoundary() throws {
        // The window is inclusive: first and last exactly one timespan apart still count.
        let inside = try correlate(Self.count3, [event("a", 0), event("b", 5), event("c", 10)])
        #expect(inside.count == 1)
        #expect(value(inside[0], "alert.correlation.count") as? Int == 3)
        #expect(value(inside[0], "alert.correlation.events") as? [String] == ["a", "b", "c"])
        #expect(value(inside[0], "alert.correlation.group") as? [String: String] == ["trail.actor.name": "alice"])
        #expect(value(inside[0], "alert.correlation.first") as? String == "2024-05-01T09:00:00Z")
        #expect(value(inside[0], "alert.time") as? String == "2024-05-01T09:10:00Z")
        #expect(value(inside[0], "event.trail.id") as? String == "c")
        #expect(try correlate(Self.count3, [event("a", 0), event("b", 5), event("c", 10, 1)]).isEmpty)
        // Groups count apart.
        #expect(try correlate(Self.count3, [event("a", 0), event("b", 1, actor: "bob"), event("c", 2)]).isEmpty)
    }

    @Test func outOfOrderEventsAreCountedInEventTime() throws {
        // Arrival order c, a, b: in event time a, b, c lie within 10 minutes.
        let alerts = try correlate(Self.count3, [event("c", 10), event("a", 0), event("b", 5)], lateness: 15 * 60 * 1_000_000_000)
        #expect(alerts.count == 1)
        #expect(value(alerts[0], "alert.correlation.events") as? [String] == ["a", "b", "c"])
        // Later than the lateness allows: left out.
        let late = try correlate(Self.count3, [event("c", 10), event("b", 9), event("a", 0)], lateness: 5 * 60 * 1_000_000_000)
        #expect(late.isEmpty)
    }

    @Test func theWindowRestartsAfterAnAlert() throws {
        let alerts = try correlate(Self.count3, (0..<7).map { event("e\($0)", $0) })
        #expect(alerts.count == 2)
        #expect(value(alerts[1], "alert.correlation.events") as? [String] == ["e3", "e4", "e5"])
    }

    @Test func valueCountCountsDistinctValues() throws {
        let set = correlationSet("""
            correlation:
              type: value_count
              rules: [failure]
              group-by: [trail.actor.name]
              timespan: 1h
              condition: {field: trail.source.ip, gt: 1}
            """)
        #expect(try correlate(set, [event("a", 0, ip: "192.0.2.1"), event("b", 1, ip: "192.0.2.1")]).isEmpty)
        let alerts = try correlate(set, [event("a", 0, ip: "192.0.2.1"), event("b", 1, ip: "192.0.2.1"), event("c", 2, ip: "198.51.100.1")])
        #expect(alerts.count == 1)
        #expect(value(alerts[0], "alert.correlation.values") as? [String] == ["192.0.2.1", "198.51.100.1"])
    }

    @Test func temporalIgnoresOrderTemporalOrderedDoesNot() throws {
        func set(_ type: String) -> RuleSet {
            correlationSet("""
                correlation:
                  type: \(type)
                  rules: [create, delete]
                  group-by: [trail.actor.name]
                  timespan: 10m
                """)
        }
        let deleteFirst = [event("d", 0, action: "Delete"), event("c", 3, action: "Create")]
        let createFirst = [event("c", 0, action: "Create"), event("d", 3, action: "Delete")]
        #expect(try correlate(set("temporal"), deleteFirst).count == 1)
        #expect(try correlate(set("temporal"), createFirst).count == 1)
        #expect(try correlate(set("temporal_ordered"), deleteFirst).isEmpty)
        let ordered = try correlate(set("temporal_ordered"), createFirst)
        #expect(ordered.count == 1)
        #expect(value(ordered[0], "alert.correlation.events") as? [String] == ["c", "d"])
        // Too far apart, or by another actor.
        #expect(try correlate(set("temporal_ordered"), [event("c", 0, action: "Create"), event("d", 11, action: "Delete")]).isEmpty)
        #expect(try correlate(set("temporal_ordered"), [event("c", 0, action: "Create"), event("d", 3, actor: "bob", action: "Delete")]).isEmpty)
        // Out of order arrival is put back in event-time order.
        #expect(try correlate(set("temporal_ordered"), createFirst.reversed(), lateness: 60_000_000_000 * 15).count == 1)
    }

    @Test func firstSeenAlertsOnNewValuesOnly() throws {
        let set = correlationSet("""
            correlation:
              type: first_seen
              rules: [failure]
              group-by: [trail.actor.name]
              timespan: 30m
              condition: {field: trail.source.ip}
            """)
        let alerts = try correlate(set, [
            event("a", 0, ip: "192.0.2.1"),              // baseline
            event("b", 1, ip: "192.0.2.1"),              // known
            event("c", 2, ip: "198.51.100.1"),           // new: alert
            event("d", 3, actor: "bob", ip: "203.0.113.1"), // bob's baseline
        ])
        #expect(alerts.map { value($0, "event.trail.id") as? String } == ["c"])
    }

    @Test func generateDecidesWhetherBaseRulesAlertToo() throws {
        let events = [event("a", 0), event("b", 1), event("c", 2)]
        let silent = Self.count3
        let output = OutputWriter(collectingAs: "out")
        let m = Matcher(silent, output: output, diagnostics: Diagnostics(tool: "test"))
        for e in events { Array(e.utf8).withUnsafeBytes { raw in let s = JSONScanner(raw); m.match(s, event: try! s.validateDocument()) } }
        m.finish(keepPending: false)
        #expect(output.collectedLines.count == 1, "only the correlation alert")

        let loud = correlationSet("""
            correlation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {gte: 3}}
            generate: true
            """)
        let output2 = OutputWriter(collectingAs: "out")
        let m2 = Matcher(loud, output: output2, diagnostics: Diagnostics(tool: "test"))
        for e in events { Array(e.utf8).withUnsafeBytes { raw in let s = JSONScanner(raw); m2.match(s, event: try! s.validateDocument()) } }
        m2.finish(keepPending: false)
        #expect(output2.collectedLines.count == 4)
    }

    @Test(arguments: [
        ("correlation: {type: event_count, rules: [nothere], group-by: [a], timespan: 10m, condition: {gte: 2}}", "c.yml:13: correlation 'corr' refers to rule 'nothere', which is not loaded"),
        ("correlation: {type: event_count, rules: [failure], group-by: [a], timespan: 10x, condition: {gte: 2}}", "c.yml:15: timespan '10x' is not a number followed by s, m, h, d or w, up to 3650d"),
        ("correlation: {type: event_count, rules: [failure], group-by: [a], timespan: 99999999999999999999d, condition: {gte: 2}}", "c.yml:15: timespan '99999999999999999999d' is not a number followed by s, m, h, d or w, up to 3650d"),
        ("correlation: {type: event_count, rules: [failure], group-by: [a], timespan: 9999999999d, condition: {gte: 2}}", "c.yml:15: timespan '9999999999d' is not a number followed by s, m, h, d or w, up to 3650d"),
        ("correlation: {type: event_count, rules: [failure], group-by: [a], timespan: 10m, condition: {gt: 9223372036854775807}}", "c.yml:15: 'gt' needs a number"),
        ("correlation: {type: event_count, rules: [failure], group-by: [a], timespan: 10m, condition: {gte: 2.5}}", "c.yml:15: 'gte' of a event_count correlation needs a whole number"),
        ("correlation: {type: event_count, rules: [failure], group-by: [a], timespan: 10m, condition: {gt: 5, lt: 3}}", "c.yml:15: the condition {gt: 5, lt: 3} can never hold"),
        ("correlation: {type: event_count, rules: [failure], group-by: [a], timespan: 0m, condition: {gt: 5}}", "c.yml:15: timespan must be longer than 0 (as pySigma requires)"),
        ("correlation: {type: event_count, rules: [failure], group-by: [a], timespan: 1m, condition: {field: x, gt: 5}}", "c.yml:15: a event_count correlation takes no condition.field"),
        ("correlation: {type: value_percentile, rules: [failure], group-by: [a], timespan: 1m, condition: {field: x, gt: 5}}", "c.yml:15: a value_percentile correlation needs condition.percentile (0-100), as pySigma does"),
        ("correlation: {type: temporal, rules: [create, delete], timespan: 1m, condition: create and not delete}", "c.yml:15: 'not' in a temporal condition would need the window to close; not supported"),
        ("correlation: {type: temporal, rules: [create, delete], timespan: 1m, condition: create or failure}", "c.yml:15: the condition and 'rules' must name the same rules (condition: create, failure)"),
        ("correlation: {type: event_count, rules: [create], timespan: 1m, condition: create}", "c.yml:15: correlation condition must be a mapping such as {gte: 10}"),
        ("correlation: {type: temporal, rules: [create, delete], timespan: 1m, condition: {gte: 3}}", "c.yml:15: a temporal correlation of 2 rules counts at most 2"),
        ("correlation: {type: event_count, rules: [failure], timespan: 1m, condition: {gte: 3, percent: 2}}", "c.yml:15: unknown correlation condition 'percent' (gt, gte, lt, lte, eq, neq, field, percentile)"),
        ("correlation: {type: event_count, rules: [corr], timespan: 1m, condition: {gte: 3}}", "c.yml:13: correlation 'corr' refers to rule 'corr', which is not loaded"),
        ("correlation: {type: value_count, rules: [failure], group-by: [a], timespan: 10m, condition: {gte: 2}}", "c.yml:15: a value_count correlation needs condition.field"),
        ("correlation: {type: sequence, rules: [failure], timespan: 10m}", "c.yml:15: correlation type 'sequence' is not one of event_count, value_count, value_sum, value_avg, value_percentile, value_median, temporal, temporal_ordered, first_seen"),
        ("correlation: {type: temporal, rules: [create, delete], timespan: 1m, aliases: {ip: {failure: a}}}", "c.yml:13: correlation 'corr': alias 'ip' maps 'failure', which is not among the correlation's rules"),
    ])
    func correlationProblemsAreReported(text: String, message: String) {
        let set = RuleLoader().load(yaml: baseRules + "title: corr\nid: corr\n" + text, file: "c.yml")
        #expect(set.problems.map(\.description) == [message])
        #expect(set.correlations.isEmpty)
    }
}

@Suite struct CorrelationStateTests {
    static let rules = baseRules + """
        title: corr
        id: corr
        correlation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {gte: 3}}
        """

    /// Runs the matcher with state over each batch in turn; returns all alerts written.
    func runBatches(_ batches: [[String]], state: String, deferCommit: Bool = false, in dir: TemporaryDirectory) throws -> [String] {
        var alerts: [String] = []
        let set = RuleLoader().load(yaml: Self.rules, file: "r.yml")
        for (k, batch) in batches.enumerated() {
            let input = try dir.write("batch\(k).ndjson", batch.map { $0 + "\n" }.joined())
            let output = OutputWriter(collectingAs: "out")
            let status = try Matcher(set, lateness: 5 * 60 * 1_000_000_000, output: output, diagnostics: Diagnostics(tool: "test"))
                .run(inputs: [input], state: StateFile(path: state, deferCommit: deferCommit))
            #expect(status == .success)
            alerts += output.collectedLines
        }
        return alerts
    }

    @Test func splitRunsGiveTheSameAlertsAsOne() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Spread over 40 minutes, two actors, neighbours swapped: out of order within the lateness.
        var events = (0..<40).map { k in event("e\(k)", k, (k * 37) % 60, actor: k % 3 == 0 ? "bob" : "alice") }
        for k in stride(from: 0, to: 38, by: 4) { events.swapAt(k, k + 1) }
        let whole = try runBatches([events], state: dir.path + "/one.state", in: dir)
        #expect(!whole.isEmpty)
        for cuts in [[1], [7, 20], [13, 14, 15, 39]] {
            var batches: [[String]] = []
            var start = 0
            for cut in cuts + [events.count] {
                batches.append(Array(events[start..<cut]))
                start = cut
            }
            let split = try runBatches(batches, state: dir.path + "/split\(cuts).state", in: dir)
            #expect(split == whole, "cut at \(cuts)")
        }
    }

    @Test func expiredStateIsDropped() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/match.state"
        #expect(try runBatches([[event("a", 0), event("b", 1), event("y", 8, actor: "yan")]], state: state, in: dir).isEmpty)
        #expect(try String(contentsOfFile: state, encoding: .utf8).contains("alice"))
        // Once the watermark (09:30 - 5m) is more than the timespan past alice's last event,
        // her window can never count again and is dropped.
        #expect(try runBatches([[event("z", 30, actor: "zed")]], state: state, in: dir).isEmpty)
        let text = try String(contentsOfFile: state, encoding: .utf8)
        #expect(!text.contains("alice"))
        #expect(text.contains(#""id":"z""#), "zed's event still waits inside the lateness")
    }

    @Test func aKilledRunLeavesTheStateOfTheLastCompleteRun() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let rules = try dir.write("rules.yml", Self.rules)
        let part1 = try dir.write("part1.ndjson", [event("a", 0), event("b", 1)].joined(separator: "\n") + "\n")
        // zed's event moves the watermark (09:10 - 5m) past alice's three.
        let part2 = try dir.write("part2.ndjson", event("c", 2) + "\n" + event("z", 10, actor: "zed") + "\n")
        let bin = builtExecutablesFolder() + "/trail-match"
        let result = try runShell("""
            cd '\(dir.path)'
            '\(bin)' --rules '\(rules)' --state ./match.state --lateness 5m '\(part1)'
            cp match.state saved.state
            # A run that reads part 2 and is killed before its input ends: the state stays as it was.
            mkfifo input
            '\(bin)' --rules '\(rules)' --state ./match.state --lateness 5m < input > killed.out &
            killed=$!
            exec 3> input
            cat '\(part2)' >&3
            sleep 1
            kill -9 $killed
            wait $killed 2>/dev/null
            exec 3>&-
            cmp match.state saved.state && echo state-intact
            '\(bin)' --rules '\(rules)' --state ./match.state --lateness 5m '\(part2)'
            """, timeout: 60)
        #expect(result.stdout.contains("state-intact"), "\(result.stderr)")
        let alerts = result.stdoutLines.filter { $0.hasPrefix("{") }
        #expect(alerts.count == 1, "\(result.stdout) \(result.stderr)")
        let alert = try parseJSON(try #require(alerts.first))
        #expect(value(alert, "alert.correlation.events") as? [String] == ["a", "b", "c"])
    }

    @Test func aWindowClosesOnTheTimeOfAnyLaterEvent() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/match.state"
        // Alice's three failures wait inside the lateness (5m) at the end of the first run.
        #expect(try runBatches([[event("a", 0), event("b", 1), event("c", 2)]], state: state, in: dir).isEmpty)
        // The next run brings no failure, only an event no rule names: its time closes her window.
        let alerts = try runBatches([[event("r", 20, actor: "robot", action: "List")]], state: state, in: dir)
        #expect(alerts.count == 1)
        let alert = try parseJSON(try #require(alerts.first))
        #expect(value(alert, "alert.correlation.events") as? [String] == ["a", "b", "c"])
    }

    @Test func anEventReadTwiceCountsOnce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Two failures, each delivered twice (in one run, and again in the next): two, not four.
        let twice = [[event("a", 0), event("a", 0), event("b", 1)], [event("a", 0), event("b", 1), event("z", 30, actor: "zed")]]
        #expect(try runBatches(twice, state: dir.path + "/twice.state", in: dir).isEmpty)
        // Three, one of them read again after its window closed: one alert, naming each once.
        let replayed = [[event("a", 0), event("b", 1), event("c", 2), event("z", 20, actor: "zed")],
                        [event("a", 0), event("b", 1), event("c", 2), event("y", 40, actor: "yan")]]
        let alerts = try runBatches(replayed, state: dir.path + "/replayed.state", in: dir)
        #expect(alerts.count == 1)
        #expect(value(try parseJSON(alerts[0]), "alert.correlation.events") as? [String] == ["a", "b", "c"])
    }

    @Test func aDeferredCommitLeavesTheStateAsItWas() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/match.state"
        _ = try runBatches([[event("a", 0)]], state: state, in: dir)
        let before = try String(contentsOfFile: state, encoding: .utf8)
        _ = try runBatches([[event("b", 1)]], state: state, deferCommit: true, in: dir)
        #expect(try String(contentsOfFile: state, encoding: .utf8) == before)
        let next = try String(contentsOfFile: state + ".next", encoding: .utf8)
        #expect(next.contains(#""id":"a""#) && next.contains(#""id":"b""#))
    }

    @Test func anUnreadableStateNamesItsFileAndTheWayOut() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/match.state"
        _ = try runBatches([[event("a", 0), event("b", 1)]], state: state, in: dir)
        let whole = try String(contentsOfFile: state, encoding: .utf8)
        let garbled = [String(whole.prefix(whole.count / 2)), "", "\u{0}\u{1}garbage", #"{"version":2}"#, "[]",
                       whole.replacingOccurrences(of: #""rules":["#, with: #""rules":[7,"#)]
        for text in garbled {
            _ = try dir.write("match.state", text)
            do {
                _ = try runBatches([[event("c", 2)]], state: state, in: dir)
                Issue.record("read \(text.prefix(40)) as a state")
            } catch let error as StateFileError {
                #expect(error.path == state)
                #expect(error.description.contains("--reset-state"))
            }
        }
    }
}
