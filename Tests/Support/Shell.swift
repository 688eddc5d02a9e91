import Foundation

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// Runs `script` with bash (`set -o pipefail`), extra environment, and optional stdin text;
/// gives up after `timeout` seconds so a hung pipeline fails the test instead of CI.
public func runShell(_ script: String, environment: [String: String] = [:], stdin: String? = nil, timeout: TimeInterval = 120) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", "set -o pipefail\n" + script]
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so a chatty child never blocks on a full pipe.
    nonisolated(unsafe) var errData = Data()
    let errReader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
    errReader.start()
    let deadline = DispatchTime.now() + timeout
    let watchdog = DispatchQueue(label: "runShell.watchdog")
    watchdog.asyncAfter(deadline: deadline) { if process.isRunning { process.terminate() } }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while errReader.isExecuting || !errReader.isFinished { Thread.sleep(forTimeInterval: 0.005) }
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// The package's root folder (where Package.swift is), found from this source file.
public let packageRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// The folder holding the built executables: $TRAIL_BIN, else beside the test bundle.
public func builtExecutablesFolder() -> String {
    if let fromEnvironment = ProcessInfo.processInfo.environment["TRAIL_BIN"] { return fromEnvironment }
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    // Swift Testing may run from inside the .xctest bundle on some platforms.
    while folder.path != "/", !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("trail-fetch").path) {
        folder.deleteLastPathComponent()
    }
    return folder.path
}
