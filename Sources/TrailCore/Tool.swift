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
        } catch let error as UsageError {
            diagnostics.warn(error.message)
            exit(ExitStatus.usage.rawValue)
        } catch is StrictModeStop {
            // The record was already reported; --strict makes it the end of the run.
            exit(ExitStatus.failure.rawValue)
        } catch {
            diagnostics.warn("\(error)")
            exit(ExitStatus.failure.rawValue)
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
