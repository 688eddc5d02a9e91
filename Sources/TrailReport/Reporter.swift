import TrailCore

/// How time is grouped on the charts.
public enum Bucketing: String, CaseIterable, Sendable {
    /// Hours for up to four days, else days (weeks beyond 26 weeks).
    case auto
    case hour
    case day
}

public struct ReportOptions: Sendable {
    public var inputs: [String] = []
    /// `-` writes the page to stdout.
    public var output = "-"
    public var title = "trail report"
    public var from: Timestamp?
    /// Exclusive end.
    public var to: Timestamp?
    public var bucketing = Bucketing.auto
    public var top = 10
    public var limits = ReportLimits()
    /// Longer input lines are reported and skipped.
    public var maxRecordSize = LineReader.defaultMaxLineLength

    public init() {}

    /// `--from`/`--to` values: RFC 3339 times, or dates (`YYYY-MM-DD`, midnight UTC). A date as
    /// the end of the range includes that whole day.
    public static func parseTime(_ text: String, isEnd: Bool) -> Timestamp? {
        guard let time = Timestamp(iso8601: text) else { return nil }
        let isDate = text.utf8.count == 10
        return isEnd && isDate ? Timestamp(seconds: time.seconds + 86_400) : time
    }
}

/// Reads events, alerts and integrity findings (mixed freely, line by line) and writes the page.
public struct Reporter {
    public let options: ReportOptions
    private let diagnostics: Diagnostics

    public init(options: ReportOptions, diagnostics: Diagnostics) {
        self.options = options
        self.diagnostics = diagnostics
    }

    /// Aggregates the inputs; bad lines are reported with their source:line and skipped.
    public func aggregate() throws -> ReportData {
        var data = ReportData(limits: options.limits, from: options.from, to: options.to)
        let missingHeader = MissingHeader("no trail header (nor an alert or integrity finding): pipe events through trail-flatten first")
        try NDJSONInput(options.inputs, maxRecordSize: options.maxRecordSize).forEachObject(diagnostics: diagnostics) { scanner, root, location in
            switch LineKind(scanner: scanner, root: root) {
            case .event(let header):
                data.add(event: TrailHeader(scanner, at: header), scanner: scanner, root: root)
            case .alert:
                guard let alert = AlertView(scanner, alert: root), alert.ruleID ?? alert.title != nil else {
                    try diagnostics.badRecord(source: location.source, line: location.line, "an alert without alert.rule.id or alert.rule.title")
                    return
                }
                data.add(alert: alert)
            case .integrity:
                guard let finding = IntegrityFinding(scanner, finding: root) else {
                    try diagnostics.badRecord(source: location.source, line: location.line, "an integrity finding without a status and type trail-fetch --verify writes")
                    return
                }
                data.add(integrity: finding)
            case .unknown:
                try missingHeader.skip(location, diagnostics)
            }
        }
        data.finish()
        return data
    }

    /// The whole run: aggregate, render, write (atomically to a regular file; or to stdout).
    public func run() throws -> ExitStatus {
        let data = try aggregate()
        let page = HTMLReport(data: data, title: options.title, bucketing: options.bucketing, top: options.top,
                              skippedLines: diagnostics.skippedRecords).render()
        let bytes = Array(page.utf8)
        if options.output == "-" {
            let out = OutputWriter.standardOutput()
            out.write(bytes)
            try out.finish()
        } else {
            try FileIO.writeOutput(bytes, to: options.output)
        }
        return diagnostics.exitStatus
    }
}
