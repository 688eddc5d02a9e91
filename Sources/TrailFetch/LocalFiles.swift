#if canImport(Glibc)
import Glibc
#endif
import TrailCore

/// The files of a local source, read with the object cap. Below a folder only regular files
/// (or links to them) are read: a device (a link to /dev/zero), a FIFO (which would block),
/// a socket, a dangling link or a link loop is reported in one line and left out. A file
/// named on the command line is read whatever it is, up to the cap.
struct LocalFiles {
    let diagnostics: Diagnostics

    /// Regular files below `root` whose path `admits`, in byte order of their names, folder
    /// by folder (the order object stores list keys in); `root` itself when it is no folder.
    func below(_ root: String, admits: (String) -> Bool) throws -> [String] {
        guard FileIO.isDirectory(root) else {
            guard FileIO.exists(root) || isLink(root) else { throw IOFailure(path: root, errno: ENOENT) }
            return [root]
        }
        var result: [String] = []
        var seen = Set<FileID>()
        try collect(root, admits: admits, seen: &seen, into: &result)
        // strcmp compares bytes as unsigned, as UTF-8 order wants.
        return result.sorted { strcmp($0, $1) < 0 }
    }

    private struct FileID: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    private func collect(_ dir: String, admits: (String) -> Bool, seen: inout Set<FileID>, into result: inout [String]) throws {
        var st = stat()
        guard stat(dir, &st) == 0 else { throw IOFailure(path: dir, errno: errno) }
        // A link back to a folder already being read would repeat it without end.
        guard seen.insert(FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))).inserted else {
            return diagnostics.warn("\(dir): a link to a folder already read; skipped")
        }
        guard let handle = opendir(dir) else { throw IOFailure(path: dir, errno: errno) }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            guard stat(path, &st) == 0 else {
                if admits(path) { diagnostics.warn("\(path): \(errno == ELOOP ? "a symbolic link loop" : "a dangling link"); skipped") }
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: try collect(path, admits: admits, seen: &seen, into: &result)
            case S_IFREG: if admits(path) { result.append(path) }
            default: if admits(path) { diagnostics.warn("\(path): not a regular file (a device, FIFO or socket); skipped") }
            }
        }
    }

    private func isLink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// The size of a listed file (0 when it went away since).
    static func size(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    /// The bytes of `path`, or nil when it holds more than `limit` (then only `limit + 1`
    /// bytes were read). With `regularOnly`, a file that is not regular when opened (swapped
    /// since it was listed) is refused instead of blocking on it.
    static func contents(of path: String, limit: Int, regularOnly: Bool) throws(IOFailure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | (regularOnly ? O_NONBLOCK : 0))
        guard fd >= 0 else { throw IOFailure(path: path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw IOFailure(path: path, errno: errno) }
        if regularOnly, st.st_mode & S_IFMT != S_IFREG { throw IOFailure(path: path, reason: "not a regular file") }
        var result = [UInt8]()
        if st.st_size > 0 { result.reserveCapacity(min(Int(st.st_size), limit) + 1) }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { scratch.deallocate() }
        while result.count <= limit {
            let room = limit - result.count < scratch.count ? limit - result.count + 1 : scratch.count
            let n = read(fd, scratch.baseAddress!, room)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOFailure(path: path, errno: errno)
            }
            if n == 0 { return result }
            result.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        }
        return nil
    }
}
