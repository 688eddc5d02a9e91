#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import TrailCore

/// `--archive DIR`: a raw copy of each fetched object at a path made only of safe names, so
/// that no key (`..`, empty segments, NUL, 1,024 bytes) reaches outside DIR or fails to map.
struct Archive {
    let root: String

    /// The longest file name Linux and macOS file systems take, in bytes.
    static let maxNameBytes = 255

    /// One path component for `name`: `%`, the bytes a name cannot hold (`/`, NUL) and a
    /// leading `.` are percent-encoded, so `.` and `..` become `%2E` and `%2E.`, and no copy
    /// is a hidden file that reading the archive back would pass over; the empty name is
    /// `%`. A name still over 255 bytes keeps its head and tail around a hash of the whole.
    static func component(_ name: Substring) -> String {
        guard !name.isEmpty else { return "%" }
        var escaped = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "%", "/", "\0": escaped += "%" + Hex.encode([UInt8(scalar.value)], uppercase: true)
            case "." where escaped.isEmpty: escaped += "%2E"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        guard escaped.utf8.count > maxNameBytes else { return escaped }
        let hash = Hex.encode(SHA256.hash(data: Array(name.utf8)).prefix(8))
        // The tail keeps the extension (`.json.gz`), which says what the file is.
        let tail = String(escaped.unicodeScalars.suffix(32).map(Character.init))
        let head = utf8Prefix(escaped, maxNameBytes - tail.utf8.count - hash.count - 2)
        return head + "~" + hash + "~" + tail
    }

    /// The longest prefix of `text` within `bytes` UTF-8 bytes, cut between characters.
    private static func utf8Prefix(_ text: String, _ bytes: Int) -> String {
        var out = "", count = 0
        for scalar in text.unicodeScalars {
            count += String(scalar).utf8.count
            if count > bytes { break }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// `<account>/<region>/YYYY/MM/DD/<name>` for a key in a day folder (the bucket stands in
    /// for a layout without an account, `global` for one without a region); `<bucket>/<key>`,
    /// segment by segment, for a key without a date.
    static func components(key: String, folderKey: String, day: Int?, bucket: String) -> [String] {
        guard let day else {
            return [component(Substring(bucket))] + key.split(separator: "/", omittingEmptySubsequences: false).map(component)
        }
        let origin = KeyOrigin(folderKey: folderKey)
        let date = DayFolder.path(day).split(separator: "/").map(String.init)
        return [component(Substring(origin.account ?? bucket)), component(Substring(origin.region ?? "global"))]
            + date + [component(key.dropFirst(folderKey.count))]
    }

    /// Writes `bytes` at `components` below the root, creating folders as needed. Each
    /// folder is opened without following links: a link planted inside the archive (to
    /// somewhere outside it) is refused, not written through.
    func write(_ bytes: [UInt8], at components: [String]) throws(IOFailure) {
        precondition(!components.isEmpty && components.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("/") })
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw IOFailure(path: root, reason: "cannot create the archive folder")
        }
        var folder = open(root, O_RDONLY | O_DIRECTORY)
        guard folder >= 0 else { throw IOFailure(path: root, errno: errno) }
        defer { close(folder) }
        var path = root
        for name in components.dropLast() {
            path += "/" + name
            if mkdirat(folder, name, 0o755) != 0, errno != EEXIST { throw IOFailure(path: path, errno: errno) }
            let next = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            guard next >= 0 else {
                let code = errno
                throw IOFailure(path: path, reason: code == ELOOP || code == ENOTDIR ? "not a folder (a link?); not written through" : String(cString: strerror(code)))
            }
            close(folder)
            folder = next
        }
        try Archive.replace(components.last!, in: folder, with: bytes, shownAs: path + "/" + components.last!)
    }

    /// A temporary file renamed over `name`: a link at `name` is replaced, never followed.
    private static func replace(_ name: String, in folder: Int32, with bytes: [UInt8], shownAs path: String) throws(IOFailure) {
        // A short hidden name: the final one may already take all 255 bytes.
        let temporary = ".trail-fetch.\(getpid()).tmp"
        let fd = openat(folder, temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw IOFailure(path: path, errno: errno) }
        var failure = bytes.withUnsafeBytes { FileIO.writeAll(fd, $0) }
        close(fd)
        if failure == 0, renameat(folder, temporary, folder, name) != 0 { failure = errno }
        if failure != 0 {
            unlinkat(folder, temporary, 0)
            throw IOFailure(path: path, errno: failure)
        }
    }
}
