import Foundation
import TrailCore

/// A target's folder in the spool, `SPOOL/<target key>/`, and how its files are read back:
/// strictly, since a record skipped would be an alert lost. A file that cannot be read stops
/// the run before anything is delivered, naming the file and the way out; with --reset-state
/// it is moved aside (`FILE.bad-<UTC time>`) and read as empty.
struct SpoolFolder {
    /// The format of the files below, kept in `version`; a folder without one is version 1.
    static let version = 1
    static let dataFiles = ["pending.ndjson", "dead.ndjson", "throttle.ndjson", "sent", "sending"]

    let path: String
    let resetState: Bool
    /// `--check`: read and report, change nothing.
    let readOnly: Bool
    let diagnostics: Diagnostics

    func file(_ name: String) -> String { path + "/" + name }

    /// Whether the folder's files are of the format this version reads. Another version is
    /// refused; with --reset-state all its files are moved aside (or, for --check, would be).
    func hasReadableVersion() throws -> Bool {
        let marker = file("version")
        guard FileIO.exists(marker) else { return true }
        let text = String(decoding: try FileIO.readFile(marker), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text != String(SpoolFolder.version) else { return true }
        let error = StateFile(path: marker).corrupt("spool format version \(text.isEmpty ? "unknown" : text), this trail-notify reads version \(SpoolFolder.version)", tool: "trail-notify")
        try recover(error, movingAlso: SpoolFolder.dataFiles.map(file))
        return false
    }

    /// Creates the folder with its version marker, or marks an older one that has none; writes
    /// the target as shown, for people looking into the spool.
    func prepare(shown: String) throws {
        if !FileIO.isDirectory(path) {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw NotifyError("\(path): cannot create the spool folder")
            }
        }
        if !FileIO.exists(file("version")) {
            try FileIO.writeAtomically(Array("\(SpoolFolder.version)\n".utf8), to: file("version"))
        }
        try FileIO.writeAtomically(Array((shown + "\n").utf8), to: file("target"), durable: false)
    }

    /// Every record of an NDJSON spool file, each parsed by `parse` (nil: not a record); all of
    /// them or, once the file is moved aside by --reset-state, none.
    func records<Record>(in name: String, _ parse: (JSONScanner, Int) -> Record?) throws -> [Record] {
        let path = file(name)
        guard FileIO.exists(path) else { return [] }
        var records: [Record] = []
        do {
            try NDJSONInput([path]).forEachLine { line, location in
                let s = JSONScanner(line)
                guard let root = try? s.validateDocument(), s.kind(at: root) == .object, let record = parse(s, root) else {
                    throw StateFile(path: path).corrupt("line \(location.line) is not a spool record", tool: "trail-notify")
                }
                records.append(record)
            }
        } catch let error as StateFileError {
            try recover(error)
            return []
        }
        return records
    }

    /// The lines of a plain spool file (`sent`, `sending`).
    func lines(in name: String) throws -> [String] {
        let path = file(name)
        guard FileIO.exists(path) else { return [] }
        return String(decoding: try FileIO.readFile(path), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    private func recover(_ error: StateFileError, movingAlso others: [String] = []) throws {
        guard resetState else { throw error }
        guard !readOnly else {
            diagnostics.warn("\(error.path): unreadable state (\(error.reason)); --reset-state moves it aside")
            return
        }
        for path in [error.path] + others {
            guard let aside = try StateFile(path: path).reset() else { continue }
            diagnostics.warn("\(path): unreadable state (\(error.reason)); moved aside as \(aside), starting from empty")
        }
    }
}

/// A file that lines are appended to as things happen, one write(2) each: a completed write
/// survives the process; the end of the run makes it durable.
final class AppendLog {
    let path: String
    private var fd: Int32 = -1

    init(path: String) { self.path = path }

    deinit { closeFile() }

    func append(_ bytes: [UInt8]) throws {
        if fd < 0 {
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw IOFailure(path: path, errno: errno) }
        }
        let failure = bytes.withUnsafeBytes { FileIO.writeAll(fd, $0) }
        guard failure == 0 else { throw IOFailure(path: path, errno: failure) }
    }

    func closeFile() {
        if fd >= 0 { close(fd) }
        fd = -1
    }
}
