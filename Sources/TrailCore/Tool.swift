#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The common ending of every tool: the body's status becomes the exit status, and a fatal
/// error becomes one line on stderr (`trail-fetch: path: No such file or directory`).
public enum Tool {
    public static func run(_ name: String, strict: Bool = false, _ body: (Diagnostics) throws -> ExitStatus) -> Never {
        let diagnostics = Diagnostics(tool: name, strict: strict)
        do {
            exit(try body(diagnostics).rawValue)
        } catch is StrictModeStop {
            // The record was already reported; --strict makes it the end of the run.
            exit(ExitStatus.failure.rawValue)
        } catch {
            diagnostics.warn("\(error)")
            exit(ExitStatus.failure.rawValue)
        }
    }
}
