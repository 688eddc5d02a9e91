import ArgumentParser
import Foundation
import TrailCore
import TrailMatch

@main
struct TrailMatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail-match",
        abstract: "Run Sigma rules over flattened events and write alerts.",
        discussion: """
            Reads events from trail-flatten (or trail-enrich) and writes one alert per rule \
            match: {"alert":{"rule":{"id","title","level","tags"},"time"},"event":{...}}. \
            Rules are Sigma YAML files; fields address the event's JSON by dotted path \
            (userIdentity.type) and the normalized header (trail.actor.name).

            Without --rules, rules come from $TRAIL_RULES, the installed pack \
            (../share/trail/rules beside the executable), or ./rules.

            Exit status: 0 ok; 1 some lines were malformed and skipped; 2 fatal error \
            (including any rule problem, each reported as file:line).

            Example:
              trail-fetch pipelines/sample/AWSLogs | trail-flatten | trail-match --rules rules
            """)

    @Option(name: .long, help: "A rule file or folder (repeatable).")
    var rules: [String] = []

    @Argument(help: "Input files (default: stdin).")
    var inputs: [String] = []

    @Flag(help: "Stop at the first malformed line instead of skipping it.")
    var strict = false

    func run() throws {
        Tool.run("trail-match", strict: strict) { diagnostics in
            let paths = rules.isEmpty
                ? RuleLoader.defaultRulePaths(executable: CommandLine.arguments[0], environment: ProcessInfo.processInfo.environment)
                : rules
            let loaded = try RuleLoader().load(paths: paths)
            for problem in loaded.problems { diagnostics.warn("\(problem)") }
            guard loaded.problems.isEmpty else { return .failure }
            return try Matcher(rules: loaded.rules, output: .standardOutput(), diagnostics: diagnostics).run(inputs: inputs)
        }
    }
}
