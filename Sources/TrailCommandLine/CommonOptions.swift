import ArgumentParser
import Foundation
import TrailCore

/// `--strict`: the first bad record ends the run (status 2) instead of being reported and skipped.
public struct StrictOption: ParsableArguments {
    @Flag(help: "Stop at the first malformed record instead of skipping it.")
    public var strict = false

    public init() {}
}

/// `--max-record-size`: the longest input line a stage reads (`NDJSONInput`).
public struct RecordSizeOption: ParsableArguments {
    @Option(name: .customLong("max-record-size"), help: ArgumentHelp("Longer input lines are reported and skipped (K, M, G suffixes: 64M is 64 MiB).", valueName: "bytes"),
            transform: { try ByteCount.parse($0) })
    public var maxRecordSize = LineReader.defaultMaxLineLength

    public init() {}
}

/// `--stats FILE`: the run's figures for the scheduled pipeline (`RunStats`).
public struct StatsOption: ParsableArguments {
    @Option(help: ArgumentHelp("Write the run's figures to this file at its end, in the Prometheus text format.", valueName: "file"))
    public var stats: String?

    public init() {}
}

/// `--state FILE` with `--defer-commit` and `--reset-state`: what a run leaves for the next.
public struct StateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("State file, read before and written (atomically) after the run, so the next run goes on from it (\(StateFolder.rule)).", valueName: "file"))
    public var state: String?

    @Flag(help: "With --state: write the new state to FILE.next and leave FILE as it is, for the scheduled pipeline to commit once every later stage has finished (trail-watch).")
    public var deferCommit = false

    @Flag(help: "With --state: move the state file aside as FILE.bad-<time> and start from an empty state.")
    public var resetState = false

    public init() {}

    public func validate() throws {
        if state == nil, deferCommit || resetState { throw ValidationError("--defer-commit and --reset-state go with --state") }
    }

    /// The state file's path: a bare name lives in the state folder (`StateFolder`).
    public var statePath: String? {
        state.map { StateFolder.resolve($0, environment: ProcessInfo.processInfo.environment) }
    }
}

/// `--verbose` and `--quiet`: how much a tool says on stderr besides its problems.
public struct VerbosityOptions: ParsableArguments {
    @Flag(help: "Print where the credentials come from and every request on stderr (never a secret).")
    public var verbose = false

    @Flag(help: "No cost report (requests, bytes) on stderr at the end.")
    public var quiet = false

    public init() {}
}
