import FuzzSupport
import TrailCore
import TrailFetch

/// The bytes of one object (gzip or not) in, the lines trail-fetch writes for it out.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Harness.run(start, count, stage: "fetch") { path, output, diagnostics in
        let object = try FileIO.readFile(path)
        try DocumentWriter(output: output, diagnostics: diagnostics).deliver(object, from: "s3://fuzz/AWSLogs/o.json.gz")
    }
}
