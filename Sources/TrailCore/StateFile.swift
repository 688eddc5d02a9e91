#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stage's state between runs (trail-fetch's delivered objects, trail-match's open windows).
///
/// Read from `path` at the start of a run. Written atomically at its end: to `path` itself, or,
/// with a deferred commit, to `path.next`, leaving `path` as it was: the scheduled pipeline
/// (`pipelines/watch.sh`) renames every stage's `.next` into place only once every stage has
/// finished and every alert is in trail-notify's spool, so a run that dies anywhere leaves all
/// state as it was and its input to the next run.
public struct StateFile: Sendable {
    public let path: String
    public let deferCommit: Bool

    public init(path: String, deferCommit: Bool = false) {
        self.path = path
        self.deferCommit = deferCommit
    }

    /// The state file a stage's `--state`, `--defer-commit` and `--reset-state` name: with a
    /// reset, the old file (and the files beside it with `suffixes`) moved aside first, saying so.
    public static func opening(_ path: String, deferCommit: Bool, reset: Bool, suffixes: [String] = [],
                               diagnostics: Diagnostics) throws -> StateFile {
        let file = StateFile(path: path, deferCommit: deferCommit)
        if reset, let aside = try file.reset(suffixes: suffixes) {
            diagnostics.warn("\(path): moved aside to \(aside); starting from an empty state")
        }
        return file
    }

    /// Where this run's state goes.
    public var writePath: String { deferCommit ? StateFile.nextPath(path) : path }

    public static func nextPath(_ path: String) -> String { path + ".next" }

    /// The error for a state file that cannot be read back: names it and the ways out.
    public func corrupt(_ reason: String, tool: String) -> StateFileError {
        StateFileError(path: path, reason: reason, tool: tool)
    }

    /// `--reset-state`: the file (and its journal, if any) moved aside as `path.bad-<UTC time>`,
    /// kept for inspection; the run starts from an empty state. Returns where it went.
    @discardableResult
    public func reset(suffixes: [String] = []) throws(IOFailure) -> String? {
        guard FileIO.exists(path) else { return nil }
        let aside = path + ".bad-" + StateFile.stamp(Timestamp(seconds: Int64(time(nil))))
        for suffix in [""] + suffixes where FileIO.exists(path + suffix) {
            guard rename(path + suffix, aside + suffix) == 0 else { throw IOFailure(path: path + suffix, errno: errno) }
        }
        return aside
    }

    static func stamp(_ time: Timestamp) -> String {
        time.utc("%Y%m%dT%H%M%SZ")
    }
}

/// A state file that exists but cannot be read back (truncated, garbled, another format or
/// version). Its message says which file and how to recover; the stage stops before doing
/// anything, so the file stays as it was for inspection.
public struct StateFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public let tool: String

    public var description: String {
        "\(path): unreadable state (\(reason)); move it aside, or run \(tool) with --reset-state to start over from an empty state"
    }
}
