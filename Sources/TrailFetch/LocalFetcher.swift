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

    /// One local source: `-` (stdin), a folder (every log file below it), or a file.
    ///
    /// With `state`, files are remembered as buckets' objects are: by folder, name and a tag of
    /// size and modification time (a rewritten file is new). Dated folders before `firstOpenDay`
    /// close once delivered and are not read again; output is flushed before files are recorded.
    public func fetch(_ source: String, state: FetchState? = nil, firstOpenDay: Int = .max) throws {
        if source == "-" {
            try writer.deliver(FileIO.readFile("/dev/stdin"), from: "<stdin>")
            return
        }
        let files = FileIO.isDirectory(source) ? try FileIO.filesBelow(source).filter(LocalFetcher.isLogFile) : [source]
        guard let state else {
            for path in files { try writer.deliver(FileIO.readFile(path), from: path) }
            return
        }
        var done: [(folder: DayFolder, name: String, etag: String)] = []
        var days = Set<DayFolder>()
        func record() throws {
            writer.output.flush()
            try state.record(done)
            done.removeAll()
        }
        for path in files {
            let slash = path.lastIndex(of: "/")
            let folder = LocalFetcher.dayFolder(slash.map { String(path[...$0]) } ?? "./")
            let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
            if state.isClosed(folder) { continue }
            days.insert(folder)
            let tag = try LocalFetcher.tag(path)
            if state.wasDelivered(name, etag: tag, in: folder) { continue }
            try writer.deliver(FileIO.readFile(path), from: path)
            done.append((folder, name, tag))
            if done.count >= 64 { try record() }
        }
        try record()
        for day in days where (day.day ?? .max) < firstOpenDay { state.closeDay(day) }
        try state.save()
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

/// Writes the JSON documents of one log file (object or local file) as NDJSON lines with
/// their provenance, the same bytes whichever source the file came from.
public final class DocumentWriter {
    public let output: OutputWriter
    public let diagnostics: Diagnostics
    private var line = [UInt8]()
    private var compacted = [UInt8]()
    public private(set) var filesDelivered = 0

    public init(output: OutputWriter, diagnostics: Diagnostics) {
        self.output = output
        self.diagnostics = diagnostics
    }

    /// Decodes one object's bytes (gzip or not, by its magic bytes) and writes its documents.
    /// A corrupt file is reported and skipped; the rest of the run goes on.
    public func deliver(_ raw: [UInt8], from uri: String) throws {
        let text: [UInt8]
        do {
            text = try raw.withUnsafeBytes { bytes throws(GzipError) in Gzip.isGzip(bytes) ? try Gzip.inflate(bytes) : Array(bytes) }
        } catch {
            try diagnostics.badInput(uri, "\(error); file skipped")
            return
        }
        try text.withUnsafeBytes { bytes in
            let s = JSONScanner(bytes)
            var at = s.skipWhitespace(0)
            guard at < s.count else { return }
            // Validate every document before writing any, so a bad file is skipped whole.
            var documents: [Range<Int>] = []
            while at < s.count {
                do {
                    let end = try s.valueEnd(at: at)
                    documents.append(at..<end)
                    at = s.skipWhitespace(end)
                } catch {
                    try diagnostics.badInput(uri, "invalid JSON: \(error); file skipped")
                    return
                }
            }
            for (n, document) in documents.enumerated() {
                guard let kind = s.kind(at: document.lowerBound), kind == .object || kind == .array else {
                    try diagnostics.badInput(uri, "document \(n + 1) is not a JSON object or array; skipped")
                    continue
                }
                write(UnsafeRawBufferPointer(rebasing: bytes[document]), kind: kind, uri: uri,
                      documentIndex: documents.count > 1 ? n : nil)
            }
            filesDelivered += 1
        }
    }

    /// `{"trailFile":"<uri>",["trailDoc":n,]` + the document's own members, on one line.
    private func write(_ document: UnsafeRawBufferPointer, kind: JSONKind, uri: String, documentIndex: Int?) {
        line.removeAll(keepingCapacity: true)
        line.append(UInt8(ascii: "{"))
        JSONWriter.appendQuoted(FetchEnvelope.fileKey, to: &line)
        line.append(UInt8(ascii: ":"))
        JSONWriter.appendQuoted(uri, to: &line)
        if let documentIndex {
            line.append(contentsOf: ",\"\(FetchEnvelope.documentKey)\":\(documentIndex)".utf8)
        }
        if kind == .array {
            line.append(contentsOf: ",\"\(FetchEnvelope.recordsKey)\":".utf8)
            output.write(line)
            writeOnOneLine(document)
            output.writeLine(DocumentWriter.closingBrace)
        } else {
            let body = UnsafeRawBufferPointer(rebasing: document[1...])
            let firstByte = body.firstIndex { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
            if let firstByte, body[firstByte] != UInt8(ascii: "}") { line.append(UInt8(ascii: ",")) }
            output.write(line)
            writeOnOneLine(body)
            output.writeLine(DocumentWriter.nothing)
        }
    }

    private static let closingBrace = [UInt8(ascii: "}")], nothing: [UInt8] = []

    /// Writes valid JSON text as it is when it holds no line break (log files are written
    /// compact: most are copied straight), else compacted.
    private func writeOnOneLine(_ text: UnsafeRawBufferPointer) {
        guard let base = text.baseAddress,
              memchr(base, 0x0A, text.count) != nil || memchr(base, 0x0D, text.count) != nil else {
            return output.write(text)
        }
        compacted.removeAll(keepingCapacity: true)
        JSONCompactor.compact(text, into: &compacted)
        output.write(compacted)
    }
}
