#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exit statuses shared by every tool, in the manner of grep and jq.
public enum ExitStatus: Int32, Sendable {
    /// Everything was read and written.
    case success = 0
    /// The run completed, but some input records were bad and were reported and skipped.
    case recordsSkipped = 1
    /// The run could not do its job: a file missing, a server unreachable, a bad rule.
    case failure = 2
    /// The command line was wrong (argument parser's validation status).
    case usage = 64
    /// trail-notify: some alerts were not delivered, but every one of them is safe in the
    /// spool and goes out with a later run (sysexits' EX_TEMPFAIL). The scheduled pipeline
    /// counts the run as done.
    case spooled = 75
}

/// Thrown when `--strict` makes the first bad record fatal.
public struct StrictModeStop: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// One-line error reporting on stderr, prefixed with the tool's name, counting what was skipped.
public final class Diagnostics {
    public let tool: String
    public let strict: Bool
    public private(set) var skippedRecords = 0

    public init(tool: String, strict: Bool = false) {
        self.tool = tool
        self.strict = strict
    }

    /// Reports a bad record at `source:line`, counts it, and stops the run under `--strict`.
    public func badRecord(source: String, line: Int, _ problem: String) throws(StrictModeStop) {
        try badInput("\(source):\(line)", problem)
    }

    /// Reports a bad input that has no line (a whole file: corrupt gzip, not JSON) and skips it.
    public func badInput(_ place: String, _ problem: String) throws(StrictModeStop) {
        skippedRecords += 1
        let message = "\(place): \(problem)"
        warn(message)
        if strict { throw StrictModeStop(message: message) }
    }

    /// One line whatever the message quotes: event text can hold newlines and terminal escapes.
    public func warn(_ message: String) {
        Diagnostics.writeStandardError("\(tool): \(PrintableText.escaped(message))\n")
    }

    /// Counts a bad record already reported in a line of its own (`MissingHeader`).
    public func countSkipped() {
        skippedRecords += 1
    }

    /// The status for a run that finished: records skipped make it non-zero.
    public var exitStatus: ExitStatus { skippedRecords > 0 ? .recordsSkipped : .success }

    public static func writeStandardError(_ text: String) {
        var text = text
        _ = text.withUTF8 { FileIO.writeAll(2, UnsafeRawBufferPointer($0)) }
    }
}
