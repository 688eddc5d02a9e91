import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// `--tune RULE:timespan=…,gte=…`: windows and thresholds set without editing rule files.
@Suite struct TuningTests {
    static let bruteForce = """
        name: brute_force
        correlation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {gte: 5}}
        """

    private func failures(_ minutes: [Int]) -> [String] {
        minutes.enumerated().map { event("f\($0.offset)", $0.element) }
    }

    @Test func theThresholdAndWindowChangeWhatFires() throws {
        // Four failures in twelve minutes: below the rule's five in ten.
        let events = failures([0, 4, 8, 12])
        #expect(try correlate(correlationSet(Self.bruteForce), events).isEmpty)
        var lower = correlationSet(Self.bruteForce)
        try lower.apply([CorrelationTuning("brute_force:gte=3")])
        #expect(try correlate(lower, events).count == 1)
        var wider = correlationSet(Self.bruteForce)
        try wider.apply([CorrelationTuning("corr:timespan=15m,gt=3")])   // by id; gt=3 is gte=4
        let alerts = try correlate(wider, events)
        #expect(alerts.count == 1)
        #expect(value(alerts[0], "alert.correlation.count") as? Int == 4)
        var stricter = correlationSet(Self.bruteForce)
        try stricter.apply([CorrelationTuning("brute_force:timespan=5m")])
        #expect(try correlate(stricter, failures([0, 1, 2, 3, 6])).isEmpty)
    }

    @Test(arguments: [
        ("brute_force", "expected RULE:SETTING=VALUE"),
        ("brute_force:gte", "'gte' is not SETTING=VALUE"),
        ("brute_force:gte=0", "gte needs a whole number of 1 or more"),
        ("brute_force:gt=-1", "gt needs a whole number"),
        ("brute_force:timespan=5q", "timespan '5q' is not a number followed by s, m, h, d or w"),
        ("brute_force:window=5m", "unknown setting 'window'"),
        ("brute_force:timespan=99999999999999999999d", "is not a number followed by s, m, h, d or w, up to 3650d"),
        ("brute_force:timespan=106752d", "is not a number followed by s, m, h, d or w, up to 3650d"),
        ("brute_force:gt=9223372036854775807", "gt needs a whole number"),
    ])
    func malformedSettingsAreRefused(text: String, problem: String) throws {
        let error = try #require(throws: TuningError.self) { try CorrelationTuning(text) }
        #expect(error.description.contains(problem), "\(error)")
    }

    @Test func unknownRulesAndCountlessCorrelationsAreRefused() throws {
        var set = correlationSet(Self.bruteForce)
        let unknown = try #require(throws: TuningError.self) { try set.apply([CorrelationTuning("nope:gte=2")]) }
        #expect(unknown.description == "--tune: no correlation is named 'nope' (loaded: brute_force)")
        var ordered = correlationSet("""
            name: pair
            correlation: {type: temporal_ordered, rules: [create, delete], group-by: [trail.actor.name], timespan: 10m}
            """)
        let countless = try #require(throws: TuningError.self) { try ordered.apply([CorrelationTuning("pair:gte=3")]) }
        #expect(countless.description.contains("temporal_ordered correlation, which has no count to set"))
        try ordered.apply([CorrelationTuning("pair:timespan=1h")])
        #expect(ordered.correlations[0].timespan == 3600 * 1_000_000_000)
    }

    @Test func theCommandLineReportsABadTuningAsAUsageErrorAndAnUnknownRuleAtStartUpToo() throws {
        let bin = builtExecutablesFolder()
        let bad = try runShell("'\(bin)/trail-match' --rules '\(packageRoot)/rules' --tune console_signin_brute_force:gte=zero </dev/null")
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--tune 'console_signin_brute_force:gte=zero': gte needs a whole number"))
        let unknown = try runShell("'\(bin)/trail-match' --rules '\(packageRoot)/rules' --tune brute:gte=3 </dev/null")
        #expect(unknown.status == 64)
        #expect(unknown.stderr.hasPrefix("trail-match: --tune: no correlation is named 'brute' (loaded: access_denied_burst, "))
        #expect(unknown.stderr.contains(", console_signin_brute_force, "), "the names loaded, in order")
        let fine = try runShell("'\(bin)/trail-match' --rules '\(packageRoot)/rules' --tune console_signin_brute_force:timespan=30m,gte=8 --tune access_denied_burst:gte=10 </dev/null")
        #expect(fine.status == 0, "\(fine.stderr)")
    }
}
