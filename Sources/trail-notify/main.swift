import ArgumentParser
import Foundation
import TrailCore
import TrailNotify

@main
struct TrailNotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail-notify",
        abstract: "Deliver alerts where people look.",
        discussion: """
            Reads alerts from trail-match and writes one human-readable line per alert: time, \
            level, rule title, actor, source address, action, account and region. Colour is \
            used on a terminal unless NO_COLOR is set.

            Exit status: 0 ok; 1 some lines were not alerts and were skipped; 2 fatal error.

            Example:
              trail-fetch pipelines/sample/AWSLogs | trail-flatten | trail-match --rules rules | trail-notify
            """)

    @Argument(help: "Input files (default: stdin).")
    var inputs: [String] = []

    @Flag(help: "Stop at the first malformed line instead of skipping it.")
    var strict = false

    func run() throws {
        Tool.run("trail-notify", strict: strict) { diagnostics in
            let colour = isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            return try ConsoleNotifier(output: .standardOutput(), diagnostics: diagnostics, colour: colour).run(inputs: inputs)
        }
    }
}
