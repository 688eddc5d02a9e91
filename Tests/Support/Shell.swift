import Foundation

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable {
    /// The exit status, or 128 + signal number when the command was killed.
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// A child process in its own process group, started with posix_spawn. Foundation's Process
/// is not used: its waitUntilExit can hang under parallel tests, and a hung test must fail,
/// not stall CI.
public struct ChildProcess: Sendable {
    public let pid: pid_t

    /// Starts `arguments` (looked up on PATH) with stdin/stdout/stderr redirected to files
    /// (nil: /dev/null for stdin, inherited for the others).
    public init(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
                stdout: String? = nil, stderr: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        if let stdout { posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        if let stderr { posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group: stopping it stops pipelines and wrapper scripts too.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, argv, envp)
        guard rc == 0 else { throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "cannot start \(arguments.first ?? ""): \(String(cString: strerror(rc)))"]) }
        self.pid = pid
    }

    /// The exit status once the process ends, or nil if it is still running at the deadline.
    public func wait(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid {
                let signal = status & 0x7F
                return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
            }
            if rc < 0 { return -1 }
            if Date() > deadline { return nil }
            usleep(5_000)
        }
    }

    /// Stops the whole process group: SIGTERM, then SIGKILL if it does not end within a second.
    public func stop() {
        kill(-pid, SIGTERM)
        if wait(timeout: 1) == nil {
            kill(-pid, SIGKILL)
            _ = wait(timeout: 5)
        }
    }
}

/// Runs `script` with bash (`set -o pipefail`), extra environment and optional stdin text.
/// A command still running after `timeout` seconds is killed and the test sees status 137.
public func runShell(_ script: String, environment: [String: String] = [:], stdin: String? = nil, timeout: TimeInterval = 120) throws -> CommandResult {
    let dir = try TemporaryDirectory("trail-shell")
    defer { dir.remove() }
    let inputPath = try stdin.map { try dir.write("stdin", $0) }
    let child = try ChildProcess(["bash", "-c", "set -o pipefail\n" + script], environment: environment,
                                 stdin: inputPath, stdout: dir.path + "/stdout", stderr: dir.path + "/stderr")
    var status = child.wait(timeout: timeout)
    if status == nil {
        child.stop()
        status = 137
    }
    func read(_ name: String) -> String {
        (try? String(contentsOfFile: dir.path + "/" + name, encoding: .utf8)) ?? ""
    }
    return CommandResult(status: status ?? 137, stdout: read("stdout"), stderr: read("stderr"))
}

/// A server process for a test, listening on 127.0.0.1. The command must print the port it
/// listens on as its first line of stdout once it is ready. Stopped by `stop()`.
public final class LoopbackServer: @unchecked Sendable {
    public let port: Int
    private let child: ChildProcess
    private let logs: TemporaryDirectory

    public init(_ arguments: [String], environment: [String: String] = [:], startupTimeout: TimeInterval = 30) throws {
        logs = try TemporaryDirectory("trail-server")
        child = try ChildProcess(arguments, environment: environment, stdout: logs.path + "/stdout", stderr: logs.path + "/stderr")
        let deadline = Date().addingTimeInterval(startupTimeout)
        while true {
            if let text = try? String(contentsOfFile: logs.path + "/stdout", encoding: .utf8),
               let newline = text.firstIndex(of: "\n"), let port = Int(text[..<newline].trimmingCharacters(in: .whitespaces)) {
                self.port = port
                return
            }
            if let status = child.wait(timeout: 0) {
                let log = (try? String(contentsOfFile: logs.path + "/stderr", encoding: .utf8)) ?? ""
                logs.remove()
                throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "server \(arguments) exited with \(status): \(log.suffix(500))"])
            }
            if Date() > deadline {
                child.stop()
                logs.remove()
                throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "server \(arguments) did not report a port within \(startupTimeout)s"])
            }
            usleep(20_000)
        }
    }

    /// What the server wrote on stderr so far (its log).
    public var log: String { (try? String(contentsOfFile: logs.path + "/stderr", encoding: .utf8)) ?? "" }

    public func stop() {
        child.stop()
        logs.remove()
    }
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
