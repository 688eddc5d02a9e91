import ArgumentParser
import TrailCore
import TrailEnrich

@main
struct TrailEnrichCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail-enrich",
        abstract: "Add context (geo, networks, lookup tables) to flattened events.",
        discussion: """
            Reads events from trail-flatten and writes them on, one per line. Malformed lines \
            are reported on stderr (source:line) and skipped.

            Exit status: 0 ok; 1 some lines were malformed and skipped; 2 fatal error.

            Example:
              trail-fetch pipelines/sample/AWSLogs | trail-flatten | trail-enrich
            """)

    @Argument(help: "Input files (default: stdin).")
    var inputs: [String] = []

    @Flag(help: "Stop at the first malformed line instead of skipping it.")
    var strict = false

    func run() throws {
        Tool.run("trail-enrich", strict: strict) { diagnostics in
            try Enricher(output: .standardOutput(), diagnostics: diagnostics).run(inputs: inputs)
        }
    }
}
