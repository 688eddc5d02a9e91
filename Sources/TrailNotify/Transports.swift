import Foundation
import TrailCore
#if canImport(Glibc)
import Glibc
#endif

/// Delivers one message or throws a `NotifyError` whose text is safe to print, permanent when
/// the target refused the message for good.
protocol Transport {
    func send(_ message: Message) throws
}

/// stdout: the one-line form, coloured on a terminal; a digest as its text.
struct ConsoleTransport: Transport {
    let output: OutputWriter
    let colour: Bool
    /// A terminal's columns: each alert's line fits in one.
    let width: Int?

    func send(_ message: Message) throws {
        if message.alertIDs.count == 1, !message.hasLineTemplate, let line = message.alertLine {
            output.write(line.render(colour: colour, width: width))
        } else {
            // The template's own line ends stay; the alert's text in it was escaped when rendered.
            output.write(message.alertIDs.count == 1 ? PrintableText.escaped(message.line) : message.subject + "\n" + message.body)
        }
        output.write("\n")
        try output.finish()
    }
}

/// `file:///var/log/trail/alerts.ndjson`: one JSON line per message (`format=ocsf`: an OCSF
/// Detection Finding), appended with one write(2) on an O_APPEND descriptor, so concurrent
/// writers do not interleave lines.
struct FileTransport: Transport {
    let path: String
    let ocsf: Bool

    func send(_ message: Message) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw NotifyError(IOFailure(path: path, errno: errno).description) }
        defer { close(fd) }
        let line = (ocsf ? DetectionFinding.json(message) : message.json) + [UInt8(ascii: "\n")]
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw NotifyError(IOFailure(path: path, errno: errno).description) }
    }
}

/// `exec:///path/to/program?arg=…`: runs the program once per message with the message's
/// JSON on stdin and TRAIL_ALERT_ID, TRAIL_LEVEL, TRAIL_RULE, TRAIL_SUBJECT in its
/// environment. A non-zero exit is a failed delivery (retried, then spooled), except 65
/// (sysexits' EX_DATAERR): the program refuses this message for good (a dead letter). Its
/// stdout goes to stderr, keeping the alert stream clean.
struct ExecTransport: Transport {
    let program: String
    let arguments: [String]
    let timeout: TimeInterval
    /// EX_DATAERR: the program's way to refuse a message for good.
    static let refused: Int32 = 65

    func send(_ message: Message) throws {
        var template = Array("\(NSTemporaryDirectory())/trail-notify-XXXXXX".utf8CString)
        let inputFD = mkstemp(&template)
        guard inputFD >= 0 else { throw NotifyError("cannot make a temporary file: \(String(cString: strerror(errno)))") }
        _ = fcntl(inputFD, F_SETFD, FD_CLOEXEC)  // the child gets it as stdin only
        let inputPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(inputFD); unlink(inputPath) }
        let input = message.json + [UInt8(ascii: "\n")]
        guard input.withUnsafeBytes({ write(inputFD, $0.baseAddress, $0.count) }) == input.count, lseek(inputFD, 0, SEEK_SET) == 0 else {
            throw NotifyError("cannot write its input")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inputFD, 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The program gets SIGPIPE as usual; trail-notify itself ignores it (`CommandLineTool`).
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &pipeSignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)

        var environment = ProcessInfo.processInfo.environment
        // One line each, no NUL: the values come from the alert.
        environment["TRAIL_ALERT_ID"] = PrintableText.escaped(message.id)
        environment["TRAIL_LEVEL"] = PrintableText.escaped(message.levelName)
        environment["TRAIL_RULE"] = PrintableText.escaped(message.ruleID)
        environment["TRAIL_SUBJECT"] = PrintableText.escaped(message.subject)
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = program.contains("/") ? posix_spawn(&pid, program, &actions, &attributes, argv, envp)
                                       : posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw NotifyError("\(String(cString: strerror(rc)))") }

        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw NotifyError("still running after \(Int(timeout))s, killed")
            }
            usleep(2_000)
        }
        let signal = status & 0x7F
        guard signal == 0 else { throw NotifyError("killed by signal \(signal)") }
        let code = (status >> 8) & 0xFF
        guard code == 0 else { throw NotifyError("exit status \(code)", permanent: code == ExecTransport.refused) }
    }
}
