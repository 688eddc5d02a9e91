import ArgumentParser
import TrailCore
import TrailFlatten

@main
struct TrailFlattenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail-flatten",
        abstract: "Split trail documents into one normalized event per line.",
        discussion: """
            Reads NDJSON (from trail-fetch, or events one per line) and writes one event per \
            line: a normalized "trail" header first (cloud, time, account, region, service, \
            action, actor, source, outcome, ...), then the event's own fields unchanged. \
            CloudTrail {"Records":[...]} files and ActionTrail arrays are split.

            Exit status: 0 all read; 1 some lines were malformed and skipped; 2 fatal error.

            Example:
              trail-fetch pipelines/sample/AWSLogs | trail-flatten
            """)

    @Argument(help: "Input files (default: stdin).")
    var inputs: [String] = []

    @Flag(help: "Stop at the first malformed line instead of skipping it.")
    var strict = false

    func run() throws {
        Tool.run("trail-flatten", strict: strict) { diagnostics in
            try Flattener(output: .standardOutput(), diagnostics: diagnostics).run(inputs: inputs)
        }
    }
}
