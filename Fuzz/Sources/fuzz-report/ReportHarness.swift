import FuzzSupport
import TrailCore
@testable import TrailReport

/// Events, alerts and integrity findings in, the aggregated report and its page out. The
/// page is HTML, not NDJSON: the harness checks only that it renders.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Harness.run(start, count, stage: "report") { path, _, diagnostics in
        var options = ReportOptions()
        options.inputs = [path]
        let data = try Reporter(options: options, diagnostics: diagnostics).aggregate()
        _ = HTMLReport(data: data, title: "fuzz", bucketing: .auto, top: 10, skippedLines: 0).render()
    }
}
