/// Lines without what a stage needs (the `trail` header; for trail-notify, an alert) reach it
/// when a stage before it was left out of the pipe: said once per input, with what to do about
/// it, not once per line; every such line is counted, so the run exits 1.
public final class MissingHeader {
    private let problem: String
    private var reported: Set<String> = []

    /// `problem`: for example `no trail header: pipe through trail-flatten first`.
    public init(_ problem: String = "no trail header: pipe through trail-flatten first") {
        self.problem = problem
    }

    public func skip(_ location: RecordLocation, _ diagnostics: Diagnostics) throws(StrictModeStop) {
        if reported.insert(location.source).inserted {
            try diagnostics.badRecord(source: location.source, line: location.line, problem)
        } else {
            diagnostics.countSkipped()
        }
    }
}
