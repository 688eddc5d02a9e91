import FuzzSupport
import TrailCore
import TrailFlatten

/// A trail document or NDJSON lines in, flattened events out, as NDJSON and as OCSF API
/// Activity. A small window makes larger inputs take the streaming path too; the dedupe
/// window is on so its memory is exercised.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Harness.run(start, count, stage: "flatten") { path, output, diagnostics in
        for format in [FlattenOptions.Format.json, .ocsf] {
            let options = FlattenOptions(format: format, dedupeWindow: 64, windowLimit: 4096)
            _ = try Flattener(output: output, diagnostics: diagnostics, options: options).run(inputs: [path])
        }
    }
}
