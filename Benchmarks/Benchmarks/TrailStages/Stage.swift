import Benchmark
import TrailCore
import TrailEnrich
import TrailFetch
import TrailFlatten
import TrailMatch
import TrailNotify

/// One stage's library made ready to run over its input (output collected in memory) and the
/// pass itself: what the executables do between reading options and exiting. Making the stage
/// (loading rules, tables, the database) is left out of the measurement; `run` is the hot loop.
struct Stage {
    let run: () throws -> Void

    /// trail-fetch's part after the download: gunzip each object, split its documents, write
    /// them with their provenance.
    static func fetch(_ objects: [(bytes: [UInt8], uri: String)], output: OutputWriter) -> Stage {
        let writer = DocumentWriter(output: output, diagnostics: Diagnostics(tool: "trail-fetch"))
        return Stage { for object in objects { try writer.deliver(object.bytes, from: object.uri) } }
    }

    static func flatten(_ input: String, output: OutputWriter) -> Stage {
        let flattener = Flattener(output: output, diagnostics: Diagnostics(tool: "trail-flatten"))
        return Stage { _ = try flattener.run(inputs: [input]) }
    }

    static func enrich(_ input: String, options: EnrichmentOptions, output: OutputWriter) throws -> Stage {
        let enricher = try Enricher(options: options, output: output, diagnostics: Diagnostics(tool: "trail-enrich"))
        return Stage { _ = try enricher.run(inputs: [input]) }
    }

    /// A new Matcher per pass, so that no correlation state carries from one pass to the next.
    /// One lane: another lane's plan (its own rule index) is a cost per run, not per event,
    /// and would hide what a pass allocates per event.
    static func match(_ input: String, rules: RuleSet, output: OutputWriter) -> Stage {
        let matcher = Matcher(rules, output: output, diagnostics: Diagnostics(tool: "trail-match"))
        matcher.lanes = 1
        return Stage { _ = try matcher.run(inputs: [input]) }
    }

    /// trail-notify's formatting of each alert: read the alert line, render the message
    /// (subject, body, console line) and the JSON record a target receives.
    static func formatAlerts(_ lines: [[UInt8]], templates: MessageTemplates, output: OutputWriter) -> Stage {
        Stage {
            for line in lines {
                guard let alert = Alert(json: line) else { continue }
                let message = Message(alert: alert, suppressed: 0, templates: templates)
                output.writeLine(message.json)
                output.write(message.subject + message.body + message.line)
            }
        }
    }

    /// Makes the stage, then measures one pass of it.
    static func measure(_ benchmark: Benchmark, _ make: (OutputWriter) throws -> Stage) throws {
        let output = OutputWriter(collectingAs: "benchmark")
        let stage = try make(output)
        benchmark.startMeasurement()
        try stage.run()
        output.flush()
        benchmark.stopMeasurement()
        blackHole(output.collected.count)
    }
}
