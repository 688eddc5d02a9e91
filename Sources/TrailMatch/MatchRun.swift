import Foundation
import TrailCore

/// One run of trail-match as its command line asks: the rules loaded (with site filters,
/// placeholders and tuning), then checked (`--check`), their examples run (`--test`), or
/// matched against the inputs.
public struct MatchRun {
    public enum Task: Sendable { case match, check, test, correlationsOnly }

    public var task = Task.match
    /// Rule files and folders (none: the installed pack, `RuleLoader.defaultRulePaths`), site
    /// filters, tunings, and the inputs to match.
    public var rules: [String] = [], filters: [String] = [], tune: [String] = [], inputs: [String] = []
    /// `state` is the correlation state file's path; `feed` and `part` are --detections-only's.
    public var placeholders, state, lateness, stats, feed: String?
    public var deferCommit = false, resetState = false
    /// Blocks of lines matched at once, each on its own thread (`Matcher.lanes`).
    public var threads = Matcher.defaultLanes
    public var part = 0, correlationBuffer = Matcher.defaultCorrelationBuffer, maxRecordSize = LineReader.defaultMaxLineLength

    public init() {}

    public func run(diagnostics: Diagnostics, output: OutputWriter) throws -> ExitStatus {
        guard let loaded = try loadRules(diagnostics) else { return .failure }
        let allowed = lateness.flatMap(TimeSpan.nanoseconds) ?? (state == nil ? nil : Matcher.defaultLateness)
        let stateFile = try state.map { try StateFile.opening($0, deferCommit: deferCommit, reset: resetState, diagnostics: diagnostics) }
        let matcher = Matcher(loaded, lateness: allowed, readsTime: stats != nil, output: output, diagnostics: diagnostics)
        switch task {
        case .check:
            if let stateFile { try matcher.checkState(stateFile) }
            return .success
        case .test:
            let report = RuleTester(loaded).run()
            for failure in report.failures { diagnostics.warn(failure) }
            output.write("\(report.passed) examples passed, \(report.failures.count) failed; \(report.untested.count) rules without examples\n")
            return report.failures.isEmpty ? .success : .failure
        case .match, .correlationsOnly:
            if let feed { try matcher.feedCorrelations(to: feed, part: part) }
            matcher.limitCorrelationBuffer(to: correlationBuffer)
            matcher.lanes = threads
            let status = task == .correlationsOnly ? try matcher.runCorrelations(inputs: inputs, maxRecordSize: maxRecordSize)
                : try matcher.run(inputs: inputs, state: stateFile, maxRecordSize: maxRecordSize)
            if let stats { try matcher.stats.write(to: stats) }
            return status
        }
    }

    /// The rules, filtered and tuned; nil once their problems are reported (each file:line).
    private func loadRules(_ diagnostics: Diagnostics) throws -> RuleSet? {
        var loader = RuleLoader(placeholders: try placeholders.map(RuleLoader.placeholders(file:)) ?? [:])
        let (siteFilters, filterProblems) = try loader.loadFilters(paths: filters)
        for problem in filterProblems { diagnostics.warn("\(problem)") }
        guard filterProblems.isEmpty else { return nil }
        loader.filters = siteFilters
        let paths = rules.isEmpty ? RuleLoader.defaultRulePaths(executable: CommandLine.arguments[0], environment: ProcessInfo.processInfo.environment) : rules
        var loaded = try loader.load(paths: paths)
        for problem in loaded.problems { diagnostics.warn("\(problem)") }
        guard loaded.problems.isEmpty else { return nil }
        do {
            try loaded.apply(tune.map(CorrelationTuning.init))
        } catch {
            throw UsageError("\(error)")
        }
        return loaded
    }
}
