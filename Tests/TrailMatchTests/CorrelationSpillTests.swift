import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// Without state, correlation events beyond the in-memory buffer spill to a temporary file in
/// sorted runs merged at the end: the alerts are those of an unbounded buffer, in the same
/// order, whatever the input's order; nothing is left in $TMPDIR; a failed spill stops the run.
@Suite struct CorrelationSpillTests {
    /// Every way a correlation counts: a sliding count, distinct values, a window decided at
    /// its close, an ordered chain, first-seen values, and a correlation over another.
    static let rules = baseRules + """
        title: burst
        id: burst
        name: burst
        correlation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 5m, condition: {gte: 4}}
        generate: true
        ---
        title: addresses
        id: addresses
        correlation: {type: value_count, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {field: trail.source.ip, gte: 3}}
        ---
        title: rare creates
        id: rare
        correlation: {type: event_count, rules: [create], group-by: [trail.actor.name], timespan: 10m, condition: {lt: 2}}
        ---
        title: fail then create
        id: chain
        correlation: {type: temporal_ordered, rules: [failure, create], group-by: [trail.actor.name], timespan: 5m}
        ---
        title: new address
        id: new
        correlation: {type: first_seen, rules: [delete], group-by: [trail.actor.name], timespan: 30m, condition: {field: trail.source.ip}}
        ---
        title: bursts again
        id: again
        correlation: {type: event_count, rules: [burst], group-by: [trail.actor.name], timespan: 30m, condition: {gte: 2}}
        generate: true
        """

    /// 400 events at distinct times over an hour (ties would be decided by the order read), a
    /// few delivered twice; in time order.
    static let ordered: [String] = {
        var random = SplitMix(state: 26)
        var events = (0..<400).map { k in
            event("e\(k)", k / 7, (k % 7) * 8 + 1, actor: random.pick(["alice", "bob", "carol", "dave"]),
                  action: random.pick(["Fail", "Fail", "Fail", "Create", "Delete", "List"]),
                  ip: random.pick(["192.0.2.1", "192.0.2.2", "198.51.100.7", "203.0.113.9"]))
        }
        for k in stride(from: 10, to: 400, by: 37) { events.insert(events[k], at: k + 3) }
        return events
    }()

    static var shuffled: [String] {
        var random = SplitMix(state: 7)
        return ordered.shuffled(using: &random)
    }

    /// The alert lines of a whole-stream run over `events` (read from a file, as trail-match
    /// does), with an in-memory buffer of `limit` bytes; and the events spilled.
    func run(_ events: [String], limit: Int?) throws -> (alerts: [String], spilled: Int) {
        let dir = try TemporaryDirectory("trail-spill")
        defer { dir.remove() }
        let input = try dir.write("events.ndjson", events.map { $0 + "\n" }.joined())
        let output = OutputWriter(collectingAs: "out")
        let matcher = Matcher(RuleLoader().load(yaml: Self.rules, file: "r.yml"), output: output, diagnostics: Diagnostics(tool: "test"))
        matcher.limitCorrelationBuffer(to: limit)
        #expect(try matcher.run(inputs: [input]) == .success)
        return (output.collectedLines, matcher.engine?.spilledEvents ?? 0)
    }

    static func correlationAlerts(_ lines: [String]) -> [String] { lines.filter { $0.contains(#""correlation":{"#) } }

    @Test func shuffledInputGivesTheSameAlertsAsOrdered() throws {
        #expect(RuleLoader().load(yaml: Self.rules, file: "r.yml").problems.isEmpty)
        let ordered = try run(Self.ordered, limit: nil).alerts
        let shuffled = try run(Self.shuffled, limit: nil).alerts
        let correlations = Self.correlationAlerts(ordered)
        for id in ["burst", "addresses", "rare", "chain", "new", "again"] {
            #expect(correlations.contains { $0.contains(#""rule":{"id":"\#(id)""#) }, "\(id) raises alerts")
        }
        // Single-event alerts follow the input; correlation alerts, at the end, follow event time.
        #expect(Self.correlationAlerts(shuffled) == correlations)
        #expect(shuffled.sorted() == ordered.sorted())
    }

    @Test func aSmallBufferSpillsAndGivesTheSameAlertsAsNoLimit() throws {
        for events in [Self.ordered, Self.shuffled] {
            let whole = try run(events, limit: nil)
            #expect(whole.spilled == 0)
            // One byte: every event a run of its own, more runs than one merge takes at once.
            for limit in [1, 4096, 64 << 10] {
                let spilled = try run(events, limit: limit)
                #expect(spilled.spilled > 0, "limit \(limit) spills")
                #expect(spilled.alerts == whole.alerts, "limit \(limit)")
            }
        }
        #expect(Self.ordered.count > PendingSpill.fanIn)
    }

    @Test func aRecordComesBackAsWritten() {
        let scopes: [FeedScope?] = [nil, FeedScope(correlations: [2, 0], group: nil), FeedScope(correlations: [1], group: #"["alice","é"]"#)]
        for (k, scope) in scopes.enumerated() {
            let pending = CorrelationEngine.Pending(time: -5_000_000_123 + Int64(k), id: k == 0 ? "" : "id-\(k)", seq: 1 << 41,
                                                    rules: [0, 7, 93], event: Array(#"{"trail":{"id":"x"}}"#.utf8)[...], scope: scope)
            var bytes: [UInt8] = [0xFF]
            SpillRecord.encode(pending, into: &bytes)
            let back = (bytes.withUnsafeBytes { SpillRecord.length($0, at: 1) }, SpillRecord.decode(bytes, at: 1))
            #expect(back.0 == bytes.count - 1)
            #expect(back.1.time == pending.time && back.1.seq == pending.seq && back.1.id == pending.id)
            #expect(back.1.rules == pending.rules && back.1.event == pending.event && back.1.scope == pending.scope)
        }
    }

    /// `--correlations-only` spills too: the scope each fed event counts for comes back from the file.
    @Test func aClusterReducerSpillsAndGivesTheSameAlerts() throws {
        let dir = try TemporaryDirectory("trail-spill")
        defer { dir.remove() }
        let set = RuleLoader().load(yaml: Self.rules, file: "r.yml")
        let mapper = Matcher(set, output: OutputWriter(collectingAs: "out"), diagnostics: Diagnostics(tool: "test"))
        try mapper.feedCorrelations(to: dir.path + "/feed", part: 0)
        for e in Self.shuffled { Array(e.utf8).withUnsafeBytes { raw in let s = JSONScanner(raw); mapper.match(s, event: try! s.validateDocument()) } }
        mapper.finish(keepPending: false)
        var results: [[String]] = []
        for limit in [nil, 1] {
            let output = OutputWriter(collectingAs: "out")
            let reducer = Matcher(set, output: output, diagnostics: Diagnostics(tool: "test"))
            reducer.limitCorrelationBuffer(to: limit)
            #expect(try reducer.runCorrelations(inputs: [dir.path + "/feed"]) == .success)
            #expect((reducer.engine?.spilledEvents ?? 0 > 0) == (limit != nil))
            results.append(output.collectedLines)
        }
        #expect(results[0].count > 20)
        #expect(results[1] == results[0])
    }

    @Test func spillFilesAreRemovedAndAFailedSpillStopsTheRun() throws {
        let dir = try TemporaryDirectory("trail-spill")
        defer { dir.remove() }
        try dir.write("rules.yml", Self.rules)
        try dir.write("events.ndjson", Self.shuffled.map { $0 + "\n" }.joined())
        let bin = builtExecutablesFolder() + "/trail-match"
        let result = try runShell("""
            cd '\(dir.path)'
            mkdir tmp
            export TMPDIR=$PWD/tmp
            '\(bin)' --rules rules.yml --correlation-buffer 1G events.ndjson > whole.out
            '\(bin)' --rules rules.yml --correlation-buffer 1 events.ndjson > spilled.out && cmp whole.out spilled.out && echo same
            # While it runs, the spill file is open but has no name; killed, it leaves nothing.
            mkfifo input
            '\(bin)' --rules rules.yml --correlation-buffer 1 < input > /dev/null &
            pid=$!
            exec 3> input
            cat events.ndjson >&3
            sleep 1
            ls -l /proc/$pid/fd | grep -q 'trail-match-spill.*(deleted)' && echo open-unnamed
            kill -9 $pid
            wait $pid 2>/dev/null
            exec 3>&-
            [ -z "$(ls -A tmp)" ] && echo tmp-empty
            TMPDIR=$PWD/missing '\(bin)' --rules rules.yml --correlation-buffer 1 events.ndjson > missing.out 2> missing.err
            echo "missing=$? $(wc -l < missing.err) $(grep -c '"correlation"' missing.out)"
            # A file-size limit: the spill's writes fail part way (EFBIG), the run stops.
            ( ulimit -f 4; trap '' XFSZ; exec '\(bin)' --rules rules.yml --correlation-buffer 1 events.ndjson 2> full.err ) | cat > full.out
            echo "full=${PIPESTATUS[0]} $(grep -c '"correlation"' full.out)"
            cat missing.err full.err
            """, timeout: 120)
        #expect(result.stdout.contains("same"), "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("open-unnamed"), "\(result.stdout)")
        #expect(result.stdout.contains("tmp-empty"), "\(result.stdout)")
        #expect(result.stdout.contains("missing=2 1 0"), "\(result.stdout)")
        #expect(result.stdout.contains("cannot spill correlation events to a temporary file in \(dir.path)/missing (TMPDIR): No such file or directory"), "\(result.stdout)")
        #expect(result.stdout.contains("full=2 0"), "\(result.stdout)")
        #expect(result.stdout.contains("File too large"), "\(result.stdout)")
    }
}
