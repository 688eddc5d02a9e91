import TrailCore

/// Runs rules over a stream of flattened events and writes one alert line per match,
/// following the alert contract: `{"alert":{"rule":{…},"time":…},"event":{…}}`.
public final class Matcher {
    private let rules: [Rule]
    private let output: OutputWriter
    private let diagnostics: Diagnostics
    private var json = JSONWriter()
    public private(set) var alertsWritten = 0

    private static let timePath = JSONPath("trail.time")

    public init(rules: [Rule], output: OutputWriter, diagnostics: Diagnostics) {
        self.rules = rules
        self.output = output
        self.diagnostics = diagnostics
    }

    public func run(inputs: [String]) throws -> ExitStatus {
        try NDJSONInput(inputs).forEachObject(diagnostics: diagnostics, flushing: output) { s, root, _ in
            match(s, event: root)
        }
        output.flush()
        return diagnostics.exitStatus
    }

    public func match(_ s: JSONScanner, event root: Int) {
        for rule in rules where rule.matches(s, event: root) {
            writeAlert(rule, s, event: root)
        }
    }

    private func writeAlert(_ rule: Rule, _ s: JSONScanner, event root: Int) {
        json.bytes.removeAll(keepingCapacity: true)
        json.beginObject()
        json.key("alert")
        json.beginObject()
        json.key("rule")
        json.beginObject()
        json.member("id", rule.id)
        json.member("title", rule.title)
        json.member("level", rule.level)
        json.key("tags")
        json.beginArray()
        for tag in rule.tags { json.string(tag) }
        json.endArray()
        json.endObject()
        json.member("time", s.value(at: Matcher.timePath, from: root).flatMap { s.string(at: $0) })
        json.endObject()
        json.key("event")
        if let event = s.raw(at: root) { json.raw(event) }
        json.endObject()
        output.writeLine(json.bytes)
        alertsWritten += 1
    }
}
