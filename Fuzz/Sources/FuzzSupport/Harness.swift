import Glibc
import TrailCore

/// The body of every stage harness: the input becomes a file, the stage runs over it with
/// its output collected in memory, and every line it wrote is checked.
public enum Harness {
    nonisolated(unsafe) private static let input = InputFile()
    /// TRAIL_FUZZ_ECHO=1: what the stage wrote also goes to stdout, so that running a harness
    /// over files (libFuzzer runs each file given) makes the seeds of the next stage.
    private static let echoes = getenv("TRAIL_FUZZ_ECHO") != nil

    public static func run(_ start: UnsafeRawPointer, _ count: Int, stage: String,
                           _ body: (_ path: String, OutputWriter, Diagnostics) throws -> Void) -> CInt {
        let bytes = UnsafeRawBufferPointer(start: start, count: count)
        input.write(bytes)
        let output = OutputWriter(collectingAs: "<fuzz>")
        // Errors are the stage refusing input (strict mode, a bad document): fine, not a finding.
        try? body(input.path, output, Diagnostics(tool: "fuzz-\(stage)"))
        output.flush()
        if echoes { _ = output.collected.withUnsafeBytes { FileIO.writeAll(1, $0) } }
        output.collected.withUnsafeBytes { OutputOracle.checkLines($0, stage: stage, input: bytes) }
        return 0
    }
}
