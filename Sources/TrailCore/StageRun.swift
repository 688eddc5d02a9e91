/// How every tool's run ends: the body's status, or the status its error means, with the
/// error said in one line on stderr (`trail-fetch: path: No such file or directory`). No
/// exit() here: `TrailCommandLine` turns the status into the process's exit.
public enum StageRun {
    /// Runs `body` with the tool's diagnostics and standard output, flushes the output, and
    /// returns the exit status.
    public static func status(_ tool: String, strict: Bool = false, output: OutputWriter = .standardOutput(),
                              _ body: (Diagnostics, OutputWriter) throws -> ExitStatus) -> ExitStatus {
        let diagnostics = Diagnostics(tool: tool, strict: strict)
        do {
            let status = try body(diagnostics, output)
            try output.finish()
            return status
        } catch {
            // Lines written before the error still go out.
            output.flush()
            return status(of: error, diagnostics)
        }
    }

    /// The status a run's error means, said on stderr unless it already was.
    static func status(of error: Error, _ diagnostics: Diagnostics) -> ExitStatus {
        switch error {
        case let usage as UsageError:
            diagnostics.warn(usage.message)
            return .usage
        case is StrictModeStop:
            // The record was already reported; --strict makes it the end of the run.
            return .failure
        case let output as OutputFailure where output.isClosedPipe:
            // The reader is gone (`| head`): nothing more to say to it, nothing went wrong.
            return .success
        default:
            diagnostics.warn("\(error)")
            return .failure
        }
    }
}

/// A bad option value found only once the run has started (a --tune naming a correlation the
/// loaded rules do not have): a usage error all the same, exit status 64.
public struct UsageError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
