#if canImport(Glibc)
import Glibc
#endif
import TrailCore

/// Writes the JSON documents of one log file (object or local file) as NDJSON lines with
/// their provenance, the same bytes whichever source the file came from.
public final class DocumentWriter {
    public let output: OutputWriter
    public let diagnostics: Diagnostics
    private var line = [UInt8]()
    private var compacted = [UInt8]()
    public private(set) var filesDelivered = 0
    public let limits: FetchLimits
    /// The documents of an object up to this size are kept between checking and writing;
    /// a bigger object is read (gunzipped) twice instead.
    private static let holdLimit = 16 << 20
    /// The kept documents, the buffer reused from object to object.
    private var held: [UInt8] = []

    public init(output: OutputWriter, diagnostics: Diagnostics, limits: FetchLimits = FetchLimits()) {
        self.output = output
        self.diagnostics = diagnostics
        self.limits = limits
    }

    /// Decodes one object's bytes (gzip or not, by its magic bytes) and writes its documents.
    /// A corrupt or oversized file is reported and skipped, a document over the record size
    /// too; the rest of the run goes on.
    public func deliver(_ raw: [UInt8], from uri: String) throws {
        var limits = self.limits
        // Room for the envelope: the escaped URI and the member names.
        limits.maxRecordSize = max(0, limits.maxRecordSize - 6 * uri.utf8.count - 64)
        let stream = DocumentStream(limits: limits)
        // Validate every document before writing any, so a bad file is skipped whole.
        var count = 0
        var holding = true
        // Each document's bytes in `held` and the records mended out of it; nil: oversize.
        var ranges: [(range: Range<Int>, skipped: [RecordSalvage.SkippedRecord])?] = []
        held.removeAll(keepingCapacity: true)
        do {
            try stream.read(raw) { piece in
                count += 1
                guard holding else { return }
                let bytes: UnsafeRawBufferPointer, skipped: [RecordSalvage.SkippedRecord]
                switch piece {
                case .document(let document): (bytes, skipped) = (document, [])
                case .mended(let document, let mended): (bytes, skipped) = (document, mended)
                case .oversize: return ranges.append(nil)
                }
                guard held.count + bytes.count <= DocumentWriter.holdLimit else { return holding = false }
                ranges.append((held.count..<held.count + bytes.count, skipped))
                held.append(contentsOf: bytes)
            }
        } catch let problem as ObjectProblem {
            return try diagnostics.badInput(uri, problem.description)
        }
        guard count > 0 else { return }
        var n = 0
        func next(_ piece: DocumentStream.Piece) throws {
            try write(piece, number: n, of: count, uri: uri)
            n += 1
        }
        if holding {
            try held.withUnsafeBytes { bytes in
                for held in ranges {
                    guard let (range, skipped) = held else { try next(.oversize); continue }
                    let document = UnsafeRawBufferPointer(rebasing: bytes[range])
                    try next(skipped.isEmpty ? .document(document) : .mended(document, skipped: skipped))
                }
            }
        } else {
            try stream.read(raw, next)
        }
        filesDelivered += 1
    }

    /// Document `n` (0-based) of `count`, or the report of why it is left out.
    private func write(_ piece: DocumentStream.Piece, number n: Int, of count: Int, uri: String) throws {
        let document: UnsafeRawBufferPointer, skipped: [RecordSalvage.SkippedRecord]
        switch piece {
        case .document(let bytes): (document, skipped) = (bytes, [])
        case .mended(let bytes, let mended): (document, skipped) = (bytes, mended)
        case .oversize:
            return try diagnostics.badInput(uri, "document \(n + 1) exceeds the record size limit (\(formatLimit(limits.maxRecordSize))); skipped")
        }
        guard let kind = JSONScanner(document).kind(at: 0), kind == .object || kind == .array else {
            return try diagnostics.badInput(uri, "document \(n + 1) is not a JSON object or array; skipped")
        }
        for record in skipped {
            let place = count > 1 ? "document \(n + 1), record \(record.index)" : "record \(record.index)"
            try diagnostics.badInput(uri, "\(place): invalid JSON: \(record.error); record skipped")
        }
        write(document, kind: kind, uri: uri, documentIndex: count > 1 ? n : nil, skipped: skipped.map(\.index))
    }

    /// `{"trailFile":"<uri>",["trailDoc":n,]["trailSkipped":[i,…],]` + the document's own
    /// members, on one line.
    private func write(_ document: UnsafeRawBufferPointer, kind: JSONKind, uri: String, documentIndex: Int?, skipped: [Int]) {
        line.removeAll(keepingCapacity: true)
        line.append(UInt8(ascii: "{"))
        JSONWriter.appendQuoted(FetchEnvelope.fileKey, to: &line)
        line.append(UInt8(ascii: ":"))
        JSONWriter.appendQuoted(uri, to: &line)
        if let documentIndex {
            line.append(contentsOf: ",\"\(FetchEnvelope.documentKey)\":\(documentIndex)".utf8)
        }
        if !skipped.isEmpty {
            line.append(contentsOf: ",\"\(FetchEnvelope.skippedKey)\":[\(skipped.map(String.init).joined(separator: ","))]".utf8)
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
