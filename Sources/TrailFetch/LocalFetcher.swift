#if canImport(Glibc)
import Glibc
#endif
import TrailCore

/// Delivers trail log files from local folders and files (a synced copy of a bucket, the
/// bundled sample) as one NDJSON line per JSON document, in key order.
public final class LocalFetcher {
    private let writer: DocumentWriter
    public var filesDelivered: Int { writer.filesDelivered }

    public convenience init(output: OutputWriter, diagnostics: Diagnostics) {
        self.init(writer: DocumentWriter(output: output, diagnostics: diagnostics))
    }

    public init(writer: DocumentWriter) {
        self.writer = writer
    }

    /// Log files below a folder: CloudTrail's `*.json.gz`, ActionTrail's `*.gz`, plain `*.json`.
    /// Digest files are evidence for `--verify`, not events, and are left out.
    public static func isLogFile(_ path: String) -> Bool {
        // strstr, not String.contains: with Foundation in the module that is a locale-aware
        // search, and this runs for every file listed.
        (path.hasSuffix(".json.gz") || path.hasSuffix(".gz") || path.hasSuffix(".json"))
            && strstr(path, "/CloudTrail-Digest/") == nil
    }

    public func run(sources: [String]) throws -> ExitStatus {
        for source in sources { try fetch(source) }
        writer.output.flush()
        return writer.diagnostics.exitStatus
    }

    /// One local source: `-` (stdin), a folder (every log file below it, `LocalFiles`), or a
    /// file (read whatever it is: a FIFO too).
    ///
    /// With `state`, files are remembered as buckets' objects are: by folder, name and a tag of
    /// size and modification time (a rewritten file is new). Dated folders before `firstOpenDay`
    /// close once delivered and are not read again; output is flushed before files are recorded.
    public func fetch(_ source: String, state: FetchState? = nil, firstOpenDay: Int = .max) throws {
        if source == "-" {
            try deliver("/dev/stdin", shownAs: "<stdin>", named: true)
            return
        }
        let named = !FileIO.isDirectory(source)
        let files = named ? [source] : try LocalFiles(diagnostics: writer.diagnostics).below(source, admits: LocalFetcher.isLogFile)
        guard let state else {
            for path in files { try deliver(path, named: named) }
            return
        }
        var done: [(folder: DayFolder, name: String, etag: String)] = []
        func record() throws {
            try writer.output.finish()
            try state.record(done)
            done.removeAll()
        }
        // Files come folder by folder: an old day closes as soon as its folder is read, so the
        // state holds the names of one day at a time, however many days a first run reads.
        var current: DayFolder?
        func finish(_ folder: DayFolder?) throws {
            try record()
            if let folder, let day = folder.day, day < firstOpenDay { state.closeDay(folder) }
        }
        var directory = ""
        var folder = DayFolder(stream: "", day: nil)
        for path in files {
            let slash = path.lastIndex(of: "/")
            let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
            // Files come folder by folder: the folder's name is worked out once for all of them.
            let parent = slash.map { String(path[...$0]) } ?? "./"
            if parent != directory {
                directory = parent
                folder = LocalFetcher.dayFolder(parent)
            }
            if state.isClosed(folder) { continue }
            if folder != current {
                try finish(current)
                current = folder
            }
            let tag = try LocalFetcher.tag(path)
            if state.wasDelivered(name, etag: tag, in: folder) { continue }
            try deliver(path, named: named)
            done.append((folder, name, tag))
            if done.count >= 64 { try record() }
        }
        try finish(current)
        try state.save()
    }

    /// Reads one file up to the object cap and writes its documents. A file bigger than the
    /// cap, or one below a folder that can no longer be read as a regular file, is reported
    /// and skipped.
    private func deliver(_ path: String, shownAs name: String? = nil, named: Bool) throws {
        let limit = writer.limits.maxObjectSize
        let bytes: [UInt8]?
        do {
            bytes = try LocalFiles.contents(of: path, limit: limit, regularOnly: !named)
        } catch {
            if named { throw error }
            return try writer.diagnostics.badInput(path, "\(error.reason); skipped")
        }
        guard let bytes else { return try writer.diagnostics.badInput(name ?? path, "size exceeds \(formatLimit(limit)); skipped") }
        try writer.deliver(bytes, from: name ?? path)
    }

    /// The state's name for a local folder: dated when the trail layout says it is a day.
    static func dayFolder(_ folder: String) -> DayFolder {
        if case .day(let day) = FolderRole.of(folder) {
            return DayFolder(stream: String(folder.dropLast(DayFolder.path(day).count)), day: day)
        }
        return DayFolder(stream: folder, day: nil)
    }

    /// What stands in for an ETag on a local file: its size and modification time.
    static func tag(_ path: String) throws(IOFailure) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { throw IOFailure(path: path, errno: errno) }
        return "\(st.st_size)-\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
    }
}
