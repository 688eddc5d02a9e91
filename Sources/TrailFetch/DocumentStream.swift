#if canImport(Glibc)
import Glibc
#endif
import TrailCore

/// Finds where each top-level JSON value of a stream begins and ends, a chunk at a time, so
/// that only the value being read is held. Boundaries only: `JSONScanner` validates each
/// value once it is whole.
struct DocumentSplitter {
    enum Boundary: Equatable {
        /// A value starts at this byte (already consumed).
        case started(Int)
        /// The value ended just before this index.
        case ended
        /// A byte no JSON value starts with.
        case invalid
    }

    private var depth = 0
    private var inString = false
    private var escaped = false
    /// A top-level number or literal: it ends at the first byte that cannot be part of it.
    private var scalar = false
    private(set) var inValue = false

    /// Scans `bytes` from `start` up to the next boundary; returns where to go on and the
    /// boundary, or nil with `bytes.count` when the chunk ended first.
    mutating func advance(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (Int, Boundary?) {
        precondition(start >= 0 && start <= bytes.count)
        var i = start
        if !inValue {
            while i < bytes.count, DocumentSplitter.isWhitespace(bytes[i]) { i += 1 }
            guard i < bytes.count else { return (i, nil) }
            guard begin(bytes[i]) else { return (i, .invalid) }
            return (i + 1, .started(i))
        }
        while i < bytes.count {
            if inString {
                guard let after = stringEnd(bytes, from: i) else { return (bytes.count, nil) }
                inString = false
                if depth == 0 { return end(at: after) }
                i = after
                continue
            }
            let byte = bytes[i]
            if scalar {
                if DocumentSplitter.isWhitespace(byte) || DocumentSplitter.isStructural(byte) { return end(at: i) }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return end(at: i + 1) }
            }
            i += 1
        }
        return (i, nil)
    }

    /// Where the open string ends (after its closing quote), or nil when the chunk ends
    /// first. Strings are most of a log file's bytes: memchr finds each quote, and the run of
    /// backslashes before it (with one carried over from the last chunk) says if it is escaped.
    private mutating func stringEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        precondition(inString && start < bytes.count)
        let base = bytes.baseAddress!
        var from = start
        while let found = memchr(base + from, Int32(UInt8(ascii: "\"")), bytes.count - from) {
            let quote = base.distance(to: found)
            let run = backslashes(bytes, before: quote, downTo: from)
            let escapedQuote = (run + (escaped && quote - run == from ? 1 : 0)) % 2 == 1
            escaped = false
            if !escapedQuote { return quote + 1 }
            from = quote + 1
            if from == bytes.count { return nil }
        }
        let run = backslashes(bytes, before: bytes.count, downTo: from)
        escaped = (run + (escaped && bytes.count - run == from ? 1 : 0)) % 2 == 1
        return nil
    }

    /// How many backslashes come right before `end`, not looking below `floor`.
    private func backslashes(_ bytes: UnsafeRawBufferPointer, before end: Int, downTo floor: Int) -> Int {
        var i = end
        while i > floor, bytes[i - 1] == UInt8(ascii: "\\") { i -= 1 }
        return end - i
    }

    /// At the end of the stream: a number or literal still open ends there; any other open
    /// value is truncated.
    mutating func finish() -> Bool {
        defer { inValue = false }
        return !inValue || (scalar && !inString)
    }

    private mutating func begin(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth = 1
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            scalar = true
        default: return false
        }
        inValue = true
        return true
    }

    private mutating func end(at index: Int) -> (Int, Boundary?) {
        self = DocumentSplitter()
        return (index, .ended)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func isStructural(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            || byte == UInt8(ascii: ",") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "\"")
    }
}

/// Why a whole object is skipped.
enum ObjectProblem: Error, CustomStringConvertible {
    case gzip(GzipError)
    case invalidJSON(JSONError)
    case tooLarge(limit: Int)

    var description: String {
        switch self {
        case .gzip(let error): return "\(error); file skipped"
        case .invalidJSON(let error): return "invalid JSON: \(error); file skipped"
        case .tooLarge(let limit): return "decompressed size exceeds \(formatLimit(limit)); skipped"
        }
    }
}

/// One object's documents, gunzipped when its magic bytes say so, read a chunk at a time:
/// memory holds one document (at most the record size) and one inflate block, whatever the
/// object inflates to. Past the object cap the read stops.
struct DocumentStream {
    /// A whole, valid document; one whose bad records were replaced by `null` (`RecordSalvage`);
    /// or one over the record size (not held, so not shown).
    enum Piece {
        case document(UnsafeRawBufferPointer)
        case mended(UnsafeRawBufferPointer, skipped: [RecordSalvage.SkippedRecord])
        case oversize
    }

    let limits: FetchLimits
    /// Calls `visit` with each document in order; throws the object's problem, if any.
    func read(_ raw: [UInt8], _ visit: (Piece) throws -> Void) throws {
        var reader = Reader(limits: limits)
        do {
            try raw.withUnsafeBytes { bytes in
                guard Gzip.isGzip(bytes) else { return try reader.take(bytes, visit) }
                try Gzip.inflate(bytes) { try reader.take($0, visit) }
            }
        } catch let error as GzipError {
            throw ObjectProblem.gzip(error)
        }
        try reader.finish(visit)
    }

    /// The object read so far while it fits in one record, else the splitter and the document
    /// being read, across chunks.
    private struct Reader {
        let limits: FetchLimits
        /// The whole object, while it is no larger than a record: most objects are one document,
        /// checked once at the end, with no pass of the splitter to find where it ends.
        var whole: [UInt8]? = []
        var splitter = DocumentSplitter()
        var pending: [UInt8] = []
        var oversize = false
        var total = 0

        init(limits: FetchLimits) { self.limits = limits }

        mutating func take(_ chunk: UnsafeRawBufferPointer, _ visit: (Piece) throws -> Void) throws {
            total += chunk.count
            guard total <= limits.maxObjectSize else { throw ObjectProblem.tooLarge(limit: limits.maxObjectSize) }
            if let held = whole {
                if held.count + chunk.count <= limits.maxRecordSize { return whole!.append(contentsOf: chunk) }
                // Larger than a record: split from here on, a document at a time.
                whole = nil
                try held.withUnsafeBytes { try split($0, visit) }
            }
            try split(chunk, visit)
        }

        private mutating func split(_ chunk: UnsafeRawBufferPointer, _ visit: (Piece) throws -> Void) throws {
            var at = 0, segment = 0
            while at < chunk.count {
                let (next, boundary) = splitter.advance(chunk, from: at)
                at = next
                switch boundary {
                case nil: break
                case .started(let first):
                    if let json = Self.exportLineJSON(chunk, at: first) {
                        // Its time is not a document, the event after it is.
                        splitter = DocumentSplitter()
                        at = json
                    } else {
                        segment = first
                    }
                case .ended:
                    hold(UnsafeRawBufferPointer(rebasing: chunk[segment..<at]))
                    try emit(visit)
                case .invalid:
                    try invalid(UnsafeRawBufferPointer(rebasing: chunk[at...]))
                }
            }
            if splitter.inValue { hold(UnsafeRawBufferPointer(rebasing: chunk[segment...])) }
        }

        mutating func finish(_ visit: (Piece) throws -> Void) throws {
            if let whole { return try whole.withUnsafeBytes { try Reader.checkEach($0, visit) } }
            if !pending.isEmpty || oversize {
                guard splitter.finish() else { try invalid(nil) }
                try emit(visit)
            }
        }

        /// Where the event of a CloudWatch Logs export line (`2024-01-15T09:12:03.000Z {…}`)
        /// starting at `first` begins; nil when the bytes there are not one.
        static func exportLineJSON(_ chunk: UnsafeRawBufferPointer, at first: Int) -> Int? {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(chunk[first]),
                  let space = (first..<min(chunk.count, first + 40)).first(where: { chunk[$0] == 0x20 }),
                  space + 1 < chunk.count, chunk[space + 1] == UInt8(ascii: "{"),
                  Timestamp.parse(UnsafeRawBufferPointer(rebasing: chunk[first..<space])) != nil else { return nil }
            return space + 1
        }

        private mutating func hold(_ bytes: UnsafeRawBufferPointer) {
            guard !oversize else { return }
            if pending.count + bytes.count > limits.maxRecordSize {
                oversize = true
                pending = []
            } else {
                pending.append(contentsOf: bytes)
            }
        }

        private mutating func emit(_ visit: (Piece) throws -> Void) throws {
            defer {
                // A large document's buffer is given back; a small one is reused.
                pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20)
                oversize = false
            }
            if oversize { return try visit(.oversize) }
            try pending.withUnsafeBytes { try Reader.check($0, visit) }
        }

        /// The documents of a whole object, each checked and visited in turn.
        private static func checkEach(_ bytes: UnsafeRawBufferPointer, _ visit: (Piece) throws -> Void) throws {
            let s = JSONScanner(bytes)
            var start = s.skipWhitespace(0)
            while start < bytes.count {
                // A CloudWatch Logs export line's time is not a document; the event after it is.
                if let json = exportLineJSON(bytes, at: start) { start = json }
                let checked: Result<Int, JSONError> = Result { () throws(JSONError) -> Int in try s.valueEnd(at: start) }
                let end: Int
                switch checked {
                case .success(let valueEnd):
                    end = valueEnd
                    try visit(.document(UnsafeRawBufferPointer(rebasing: bytes[start..<end])))
                case .failure(let error):
                    // Where a damaged document ends, by its brackets: mended if only its records are bad.
                    guard let extent = s.skipValue(at: start), extent > start else {
                        throw ObjectProblem.invalidJSON(JSONError(offset: error.offset - start, error.message, endOfInput: error.isEndOfInput))
                    }
                    end = extent
                    try check(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), visit)
                }
                start = s.skipWhitespace(end)
            }
        }

        /// One document: visited when valid, mended when only records of it are bad, else
        /// the object's problem.
        private static func check(_ bytes: UnsafeRawBufferPointer, _ visit: (Piece) throws -> Void) throws {
            do throws(JSONError) {
                let end = try JSONScanner(bytes).valueEnd(at: 0)
                guard end == bytes.count else { throw JSONError(offset: end, "unexpected byte after the value") }
            } catch {
                // Hostile records cost themselves, not the file's good events around them.
                guard let salvage = RecordSalvage(bytes) else { throw ObjectProblem.invalidJSON(error) }
                return try salvage.document.withUnsafeBytes { try visit(.mended($0, skipped: salvage.skipped)) }
            }
            try visit(.document(bytes))
        }

        /// The scanner's own message for bytes the splitter found not to be JSON.
        private func invalid(_ rest: UnsafeRawBufferPointer?) throws -> Never {
            var text = pending
            if let rest { text.append(contentsOf: rest.prefix(64)) }
            let error = text.withUnsafeBytes { bytes -> JSONError? in
                do throws(JSONError) {
                    _ = try JSONScanner(bytes).valueEnd(at: 0)
                    return nil
                } catch {
                    return error
                }
            }
            if let error { throw ObjectProblem.invalidJSON(error) }
            throw ObjectProblem.invalidJSON(JSONError(offset: total, "unexpected end of input", endOfInput: true))
        }
    }
}
