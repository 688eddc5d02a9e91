import ArgumentParser
import TrailCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place a tool's run becomes the process's exit: each executable's run() calls this
/// with its library call; usage errors found by validate() exit 64 through ArgumentParser.
public enum CommandLineTool {
    public static func run(_ tool: String, _ strict: StrictOption, _ body: (Diagnostics, OutputWriter) throws -> ExitStatus) -> Never {
        run(tool, strict: strict.strict, body)
    }

    /// For a tool without --strict. (A group made with init() is not parsed: reading it traps.)
    public static func run(_ tool: String, strict: Bool = false, _ body: (Diagnostics, OutputWriter) throws -> ExitStatus) -> Never {
        // A closed pipe is a write error (`OutputFailure`), which ends the run quietly with
        // status 0 once the state is safe, rather than a signal that kills the tool anywhere.
        signal(SIGPIPE, SIG_IGN)
        PipeBuffer.widenStandardStreams()
        exit(StageRun.status(tool, strict: strict, body).rawValue)
    }
}

extension CommandConfiguration {
    /// A trail tool's configuration: its name, what it does, and the toolkit's one version.
    public static func trail(_ name: String, abstract: String, discussion: String) -> CommandConfiguration {
        CommandConfiguration(commandName: name, abstract: abstract, discussion: discussion, version: TrailVersion.current)
    }
}
