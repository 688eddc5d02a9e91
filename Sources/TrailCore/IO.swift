#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to open, read or write a file, with the path and the system's reason.
public struct IOFailure: Error, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public init(path: String, errno code: Int32) {
        self.init(path: path, reason: String(cString: strerror(code)))
    }

    public var description: String { "\(path): \(reason)" }
}

/// Reads newline-delimited records from a file descriptor with large reads, handing each line
/// to the caller as a view into its own buffer: no per-line allocation, memory bounded by the
/// longest line.
public final class LineReader {
    /// The longest line (record) read by default: far beyond any real event, small enough that
    /// one hostile record cannot take the memory of the machine.
    public static let defaultMaxLineLength = 64 << 20

    private let fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    /// Longer lines are passed over (read and dropped up to their line break, never held whole).
    public let maxLineLength: Int
    /// Called before a read that would wait for input, so that a downstream stage sees output
    /// promptly when input arrives slowly (a live stream) while bulk input, always ready, is
    /// written in large blocks.
    public var beforeRead: (() throws -> Void)?

    public init(fileDescriptor: Int32, bufferSize: Int = 1 << 20, maxLineLength: Int = LineReader.defaultMaxLineLength) {
        precondition(bufferSize > 0 && maxLineLength > 0)
        fd = fileDescriptor
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
        self.maxLineLength = maxLineLength
    }

    deinit { buffer.deallocate() }

    /// Calls `body` with each non-empty line (without its line break) and its 1-based number,
    /// and `tooLong` with the number of each line longer than `maxLineLength`.
    public func forEachLine(_ body: (UnsafeRawBufferPointer, Int) throws -> Void, tooLong: (Int) throws -> Void) throws {
        var start = 0, end = 0
        var splitter = LineSplitter(maxLineLength: maxLineLength)
        func line(_ line: LineSplitter.Line) throws {
            switch line {
            case .text(let range, let number): try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[range]), number)
            case .tooLong(let number): try tooLong(number)
            }
        }
        while true {
            if end == buffer.count { makeRoom(&start, &end) }
            // A read into no room returns 0, which would end the input early.
            precondition(end < buffer.count, "a partial line never fills a buffer one byte longer than the longest line")
            if let beforeRead, !LineReader.inputIsReady(fd) { try beforeRead() }
            let n = read(fd, buffer.baseAddress! + end, buffer.count - end)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOFailure(path: "<input>", errno: errno)
            }
            if n == 0 { break }
            start = try splitter.split(UnsafeRawBufferPointer(buffer), start: start, scan: end, end: end + n, line)
            end += n
        }
        try splitter.finish(UnsafeRawBufferPointer(buffer), start: start, end: end, line)
    }

    /// Whether a read of `fd` would return at once (data, end of input or an error) rather
    /// than wait.
    static func inputIsReady(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 1
    }

    /// Like `forEachLine(_:tooLong:)`, for a reader whose lines are all within the limit
    /// (a file this program wrote): a longer one is an error.
    public func forEachLine(_ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        try forEachLine(body) { number in throw RecordTooLong(place: "line \(number)", limit: maxLineLength) }
    }

    /// Room for more input after the partial line `start..<end` of a full buffer: the line moved
    /// to the front, or a bigger buffer when it fills the buffer, never beyond one byte more
    /// than the longest line (which tells a line too long).
    private func makeRoom(_ start: inout Int, _ end: inout Int) {
        if start > 0 {
            if end > start { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: end - start) }
            end -= start
            start = 0
            return
        }
        assert(end <= maxLineLength, "a partial line longer than the limit is dropped, not kept")
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: min(buffer.count * 2, maxLineLength + 1), alignment: 16)
        bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
        buffer.deallocate()
        buffer = bigger
    }
}

/// Line framing over a buffer that fills a read at a time: where each line ends (its line
/// break and a carriage return before it left out, empty lines passed over), which lines are
/// longer than the limit (passed over as they arrive, never held whole), and their numbers.
/// `LineReader` and `LineBlockReader` keep the bytes each their own way.
public struct LineSplitter {
    public enum Line {
        /// A line's bytes in the buffer, and its 1-based number.
        case text(Range<Int>, Int)
        case tooLong(Int)
    }

    let maxLineLength: Int
    private(set) var lineNumber = 0
    /// Inside a line longer than the limit: its bytes are dropped as they arrive.
    private var discarding = false

    init(maxLineLength: Int) { self.maxLineLength = maxLineLength }

    /// The lines that end in `buffer[scan..<end]`, the partial line before `scan` starting at
    /// `start`; returns where the partial line after them starts (`end` while discarding one).
    mutating func split(_ buffer: UnsafeRawBufferPointer, start: Int, scan: Int, end: Int, _ body: (Line) throws -> Void) rethrows -> Int {
        precondition(0 <= start && start <= scan && scan <= end && end <= buffer.count, "the bytes scanned lie in the buffer, after the line's start")
        var start = start, scan = scan
        while let nl = memchr(buffer.baseAddress! + scan, 0x0A, end - scan) {
            let nlIndex = buffer.baseAddress!.distance(to: nl)
            lineNumber += 1
            if discarding || nlIndex - start > maxLineLength {
                discarding = false
                try body(.tooLong(lineNumber))
            } else if let range = text(buffer, start, nlIndex) {
                try body(.text(range, lineNumber))
            }
            start = nlIndex + 1
            scan = start
        }
        if end - start > maxLineLength { discarding = true }
        return discarding ? end : start
    }

    /// At the end of input: the last line, when it has no line break.
    mutating func finish(_ buffer: UnsafeRawBufferPointer, start: Int, end: Int, _ body: (Line) throws -> Void) rethrows {
        if discarding || end - start > maxLineLength {
            try body(.tooLong(lineNumber + 1))
        } else if let range = text(buffer, start, end) {
            try body(.text(range, lineNumber + 1))
        }
        discarding = false
    }

    /// `start..<end` without a carriage return at its end; nil when nothing is left.
    private func text(_ buffer: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Range<Int>? {
        var stop = end
        if stop > start, buffer[stop - 1] == 0x0D { stop -= 1 }
        return stop > start ? start..<stop : nil
    }
}

/// A record (line) longer than a reader takes.
public struct RecordTooLong: Error, CustomStringConvertible {
    public let place: String
    public let limit: Int

    public var description: String { "\(place): record longer than \(limit) bytes" }
}

/// A buffered writer to a file descriptor (output leaves in large blocks, not per line), or
/// to memory, for running a stage in-process.
public final class OutputWriter {
    private let fd: Int32?
    private var buffer: [UInt8] = []
    private let capacity: Int
    public let name: String
    /// Everything written, when the writer collects in memory.
    public private(set) var collected: [UInt8] = []

    public init(fileDescriptor: Int32, name: String = "<stdout>", capacity: Int = 1 << 18) {
        fd = fileDescriptor
        self.name = name
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
        OutputWriter.widenPipe(fileDescriptor)
    }

    /// Lets a pipe hold a whole block of output (Linux pipes hold 64 KiB unless asked), so
    /// the stage writing and the stage reading run side by side instead of taking turns.
    private static func widenPipe(_ fd: Int32) {
        #if os(Linux)
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFIFO else { return }
        let setPipeSize: Int32 = 1031 // F_SETPIPE_SZ, which Glibc's Swift module does not export
        _ = fcntl(fd, setPipeSize, Int32(1 << 20))
        #endif
    }

    /// A writer that keeps its output in `collected`.
    public init(collectingAs name: String = "<memory>") {
        fd = nil
        self.name = name
        capacity = 1 << 16
    }

    /// The collected output as text lines.
    public var collectedLines: [String] {
        flush()
        return String(decoding: collected, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    public static func standardOutput() -> OutputWriter { OutputWriter(fileDescriptor: 1) }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    public func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    public func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { flush() }
    }

    /// Writes `bytes` followed by a newline: one NDJSON record.
    public func writeLine(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= capacity { flush() }
    }

    public func writeLine(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= capacity { flush() }
    }

    /// The first write that failed; what was written after it is dropped.
    public private(set) var failure: OutputFailure?

    /// Hands everything buffered to the kernel. A failure is kept in `failure`, not thrown,
    /// so writing stays cheap: the read loop (`NDJSONInput`) stops the run at the next line,
    /// and `finish()` at its end.
    public func flush() {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        guard let fd else { return collected.append(contentsOf: buffer) }
        guard failure == nil else { return }
        let code = buffer.withUnsafeBytes { FileIO.writeAll(fd, $0) }
        if code != 0 { failure = OutputFailure(name: name, code: code) }
    }

    /// Throws the failure of a write so far, if any.
    public func checkWritten() throws(OutputFailure) {
        if let failure { throw failure }
    }

    /// Flushes, and throws if any output was lost: a run's last step, before it commits state.
    public func finish() throws(OutputFailure) {
        flush()
        try checkWritten()
    }
}

/// Output that could not be written. A closed pipe (the reader is gone, as with `| head -1`)
/// ends a run quietly with status 0, as SIGPIPE ends any Unix filter; anything else is fatal.
public struct OutputFailure: Error, CustomStringConvertible {
    public let name: String
    public let code: Int32

    public var isClosedPipe: Bool { code == EPIPE }
    public var description: String { "cannot write \(name): \(String(cString: strerror(code)))" }
}

/// Whole-file and file-system helpers shared by the stages.
public enum FileIO {
    /// Reads a whole file; object-store log files are small (CloudTrail caps them well below memory).
    public static func readFile(_ path: String) throws(IOFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw IOFailure(path: path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        var result = [UInt8]()
        if fstat(fd, &st) == 0, st.st_size > 0 { result.reserveCapacity(Int(st.st_size)) }
        // Not zero-filled: clearing 256 KiB per file cost more than reading a small log file.
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { scratch.deallocate() }
        while true {
            let n = read(fd, scratch.baseAddress!, scratch.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOFailure(path: path, errno: errno)
            }
            if n == 0 { break }
            result.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        }
        return result
    }

    /// Writes a file atomically: a temporary file in the same folder, fsync, then rename, so a
    /// reader (or a restarted run) sees the old content or the new, never a torn file.
    /// `durable: false` skips the fsync, for output that can be made again (generated corpora).
    public static func writeAtomically(_ bytes: [UInt8], to path: String, durable: Bool = true) throws(IOFailure) {
        try replace(path, durable: durable) { fd in bytes.withUnsafeBytes { writeAll(fd, $0) } }
    }

    /// Like `writeAtomically(_:to:durable:)`, for content made a piece at a time (the records
    /// of a spool), so that it is never held whole: `body` hands each piece to `write`.
    public static func writeAtomically(to path: String, durable: Bool = true,
                                       _ body: (_ write: (UnsafeRawBufferPointer) -> Void) -> Void) throws(IOFailure) {
        try replace(path, durable: durable) { fd in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 18)
            var failure: Int32 = 0
            func flush() {
                if failure == 0 { failure = buffer.withUnsafeBytes { writeAll(fd, $0) } }
                buffer.removeAll(keepingCapacity: true)
            }
            body { piece in
                buffer.append(contentsOf: piece)
                if buffer.count >= 1 << 18 { flush() }
            }
            flush()
            return failure
        }
    }

    /// Writes a temporary file beside `path` with `content` (which returns 0 or an errno),
    /// then renames it over `path`: readers see the old file or the new one, never a part.
    private static func replace(_ path: String, durable: Bool, _ content: (Int32) -> Int32) throws(IOFailure) {
        let tmp = path + ".tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw IOFailure(path: tmp, errno: errno) }
        var failure = content(fd)
        if failure == 0, durable, fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0, rename(tmp, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(tmp)
            throw IOFailure(path: path, errno: failure)
        }
        if durable { syncFolder(of: path) }
    }

    /// Writes an output file a user named: atomically when it is a regular file or new; in
    /// place when it is anything else (`/dev/null`, a FIFO, a terminal), which renaming a
    /// temporary file over it would replace.
    public static func writeOutput(_ bytes: [UInt8], to path: String) throws(IOFailure) {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG else {
            return try writeAtomically(bytes, to: path)
        }
        let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else { throw IOFailure(path: path, errno: errno) }
        defer { close(fd) }
        let failure = bytes.withUnsafeBytes { writeAll(fd, $0) }
        guard failure == 0 else { throw IOFailure(path: path, errno: failure) }
    }

    /// fsyncs the folder holding `path`, so a rename into it survives a power loss too.
    public static func syncFolder(of path: String) {
        let folder = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let fd = open(folder, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and interruptions; 0 or the errno.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Regular files below `root` (or `root` itself), as paths in byte order of their names,
    /// folder by folder, the order object stores list keys in.
    public static func filesBelow(_ root: String) throws(IOFailure) -> [String] {
        guard isDirectory(root) else {
            guard exists(root) else { throw IOFailure(path: root, errno: ENOENT) }
            return [root]
        }
        var result: [String] = []
        try collect(root, into: &result)
        // strcmp compares bytes as unsigned, as UTF-8 order wants, and much faster.
        return result.sorted { strcmp($0, $1) < 0 }
    }

    private static func collect(_ dir: String, into result: inout [String]) throws(IOFailure) {
        guard let handle = opendir(dir) else { throw IOFailure(path: dir, errno: errno) }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." || name.hasPrefix(".") { continue }
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            // The entry's type as readdir gives it, a stat only where the file system does not
            // say (or for a link): a bucket's copy holds tens of thousands of files.
            let type = entry.pointee.d_type
            let isFolder = type == UInt8(DT_DIR) || ((type == UInt8(DT_UNKNOWN) || type == UInt8(DT_LNK)) && isDirectory(path))
            if isFolder {
                try collect(path, into: &result)
            } else {
                result.append(path)
            }
        }
    }
}
