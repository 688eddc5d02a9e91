import FuzzSupport
import TrailCore
import TrailFlatten

/// A trail document or NDJSON lines in, flattened events out. A small window makes larger
/// inputs take the streaming path too; the dedupe window is on so its memory is exercised.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Harness.run(start, count, stage: "flatten") { path, output, diagnostics in
        let options = FlattenOptions(dedupeWindow: 64, windowLimit: 4096)
        _ = try Flattener(output: output, diagnostics: diagnostics, options: options).run(inputs: [path])
    }
}
