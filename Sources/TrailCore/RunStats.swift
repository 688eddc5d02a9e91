/// What one run of a stage did, for the scheduled pipeline's summary line and metrics file
/// (`--stats FILE`): the Prometheus text format, which node_exporter's textfile collector reads
/// and `pipelines/watch.sh` adds up. Values are gauges of the last run.
public struct RunStats: Sendable {
    public struct Metric: Sendable, Equatable {
        public let name: String
        public let help: String
        public let value: Double
    }

    public private(set) var metrics: [Metric] = []

    public init() {}

    /// Adds `name` (e.g. `trail_fetch_files`), replacing an earlier value of the same name.
    public mutating func set(_ name: String, _ value: Double, help: String) {
        precondition(RunStats.isMetricName(name), "not a Prometheus metric name: \(name)")
        metrics.removeAll { $0.name == name }
        metrics.append(Metric(name: name, help: help, value: value))
    }

    public mutating func set(_ name: String, _ value: Int, help: String) {
        set(name, Double(value), help: help)
    }

    /// The exposition text: `# HELP`, `# TYPE … gauge` and the sample, for each metric.
    public var text: String {
        var out = ""
        for metric in metrics {
            out += "# HELP \(metric.name) \(metric.help)\n# TYPE \(metric.name) gauge\n"
            out += "\(metric.name) \(RunStats.format(metric.value))\n"
        }
        return out
    }

    /// Written atomically, so a collector never reads half a file.
    public func write(to path: String) throws(IOFailure) {
        try FileIO.writeAtomically(Array(text.utf8), to: path)
    }

    static func format(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "_") || name.count > 1 else { return false }
        return !(48...57).contains(first) && name.utf8.allSatisfy { c in
            (97...122).contains(c) || (65...90).contains(c) || (48...57).contains(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: ":")
        }
    }
}
