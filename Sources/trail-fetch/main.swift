import ArgumentParser
import TrailCore
import TrailFetch

@main
struct TrailFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail-fetch",
        abstract: "Read trail log files and write one NDJSON line per log file.",
        discussion: """
            Reads CloudTrail (*.json.gz) and ActionTrail (*.gz) log files below folders, or \
            named files, or a gzip/JSON stream on stdin (-). Files are read in key order and \
            gunzipped; each JSON document becomes one compact line with the file it came \
            from in "trailFile". Pipe the output into trail-flatten.

            Exit status: 0 all delivered; 1 some files were corrupt and skipped; 2 fatal error.

            Example:
              trail-fetch pipelines/sample/AWSLogs | trail-flatten
            """)

    @Argument(help: "Folders, files, or - for stdin.")
    var sources: [String]

    @Flag(help: "Stop at the first corrupt file instead of skipping it.")
    var strict = false

    func run() throws {
        Tool.run("trail-fetch", strict: strict) { diagnostics in
            try LocalFetcher(output: .standardOutput(), diagnostics: diagnostics).run(sources: sources)
        }
    }
}
