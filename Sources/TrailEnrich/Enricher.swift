import TrailCore

/// Adds context to flattened events. With no tables configured it checks and passes every
/// event through unchanged, so it can stand in any pipeline from day one.
public final class Enricher {
    private let output: OutputWriter
    private let diagnostics: Diagnostics

    public init(output: OutputWriter, diagnostics: Diagnostics) {
        self.output = output
        self.diagnostics = diagnostics
    }

    public func run(inputs: [String]) throws -> ExitStatus {
        try NDJSONInput(inputs).forEachObject(diagnostics: diagnostics, flushing: output) { s, _, _ in
            output.writeLine(s.bytes)
        }
        output.flush()
        return diagnostics.exitStatus
    }
}
