#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TrailCore

/// The array of a document too large to hold, streamed element by element, with the small
/// members read before it (`trailFile`, `messageType`, …) as raw JSON.
public struct StreamedArray {
    /// The member holding the array (`Records`, `Events`, `logEvents`); nil for a top-level array.
    public let key: String?
    public let members: [String: [UInt8]]
}

/// What a `DocumentReader` hands over: whole documents, or the elements of a streamed one.
protocol DocumentConsumer: AnyObject {
    /// `skipped`: positions in the record array of records reported and replaced by `null`.
    func document(_ s: JSONScanner, root: Int, location: RecordLocation, skipped: Set<Int>) throws
    /// A line trail-fetch wrote (`{"trailFile":…`, one document), not checked yet: `s` ends
    /// with the line; the consumer checks what it reads.
    func fetchedLine(_ s: JSONScanner, root: Int, location: RecordLocation) throws
    func element(_ s: JSONScanner, at element: Int, index: Int, of array: StreamedArray, location: RecordLocation) throws
    /// Whether the array's elements are records, each of which may be left out on its own.
    func holdsRecords(_ array: StreamedArray) -> Bool
    /// A streamed document ended; `arrays` are the keys of the arrays it held (nil: top level).
    func streamEnded(arrays: [String?], location: RecordLocation) throws
    func badDocument(_ location: RecordLocation, _ problem: String) throws
}

/// Reads JSON documents one after another from a file descriptor, whatever their framing:
/// one per line, pretty-printed across many lines, back to back, or CloudWatch Logs export
/// lines (`<ISO timestamp> {…}`). A document up to `windowLimit` bytes is validated and handed
/// over whole (a line trail-fetch wrote is handed over as a line, for the consumer to check as
/// it reads it); a larger one is streamed: its arrays element by element, each element
/// validated on its own, so memory stays flat even for a 1 GB `{"Records":[…]}` file.
final class DocumentReader {
    private let fd: Int32
    private let name: String
    private let windowLimit: Int
    private var buffer: UnsafeMutableRawBufferPointer
    private var end = 0
    private var atEOF = false
    /// Newlines are counted lazily: `countedLine` is the line number at offset `counted`.
    private var counted = 0
    private var countedLine = 1
    var beforeRead: (() -> Void)?

    /// A problem inside a streamed document, at a buffer offset.
    private struct StreamFailure: Error {
        let offset: Int
        let message: String
    }

    init(fileDescriptor: Int32, name: String, windowLimit: Int = 16 << 20) {
        fd = fileDescriptor
        self.name = name
        self.windowLimit = max(windowLimit, 1 << 16)
        buffer = .allocate(byteCount: min(1 << 20, self.windowLimit), alignment: 16)
    }

    deinit { buffer.deallocate() }

    private var scanner: JSONScanner { JSONScanner(UnsafeRawBufferPointer(rebasing: buffer[0..<end])) }

    func run(_ consumer: DocumentConsumer) throws {
        var pos = 0
        while true {
            pos = scanner.skipWhitespace(pos)
            if pos == end {
                guard let shift = try more(keeping: pos) else { return }
                pos -= shift
                continue
            }
            pos = try readDocument(at: pos, consumer)
        }
    }

    /// Reads the document starting at `pos` and returns the offset after it.
    private func readDocument(at start: Int, _ consumer: DocumentConsumer) throws -> Int {
        var pos = start
        // A line starting with a digit may be a CloudWatch Logs export line: have its timestamp
        // in hand (without waiting on a live stream for bytes a complete line does not need).
        while isDigit(pos), end - pos < 40, memchr(buffer.baseAddress! + pos, 0x0A, end - pos) == nil, !atEOF,
              let shift = try more(keeping: pos) {
            pos -= shift
        }
        let line = line(at: pos)
        var root = pos
        if let json = exportLineJSONStart(at: pos) { root = json }
        while true {
            do {
                if let lineEnd = fetchedLineEnd(at: root) {
                    try consumer.fetchedLine(JSONScanner(UnsafeRawBufferPointer(rebasing: buffer[0..<lineEnd])), root: root,
                                             location: RecordLocation(source: name, line: line))
                    return lineEnd
                }
                let valueEnd = try scanner.valueEnd(at: root)
                try consumer.document(scanner, root: root, location: RecordLocation(source: name, line: line), skipped: [])
                return valueEnd
            } catch let error as JSONError where error.isEndOfInput && !atEOF {
                let shift = try more(keeping: pos)
                if let shift {
                    pos -= shift
                    root -= shift
                } else if !atEOF {
                    return try stream(at: root, line: line, consumer)
                }
            } catch let error as JSONError {
                if let end = try mend(at: root, line: line, consumer) { return end }
                try report(consumer, line: line, at: error.offset, "invalid JSON: \(error.message)")
                return try resynchronize(after: pos)
            }
        }
    }

    /// A document in the window whose only damage is in records of its record array: handed
    /// over mended (`RecordSalvage`), its bad records reported; returns its end, or nil.
    private func mend(at root: Int, line: Int, _ consumer: DocumentConsumer) throws -> Int? {
        guard let end = scanner.skipValue(at: root),
              let salvage = RecordSalvage(UnsafeRawBufferPointer(rebasing: buffer[root..<end])) else { return nil }
        for record in salvage.skipped {
            try report(consumer, line: line, at: root + record.error.offset, "record \(record.index): invalid JSON: \(record.error.message)")
        }
        let location = RecordLocation(source: name, line: line)
        try salvage.document.withUnsafeBytes { bytes in
            try consumer.document(JSONScanner(bytes), root: 0, location: location, skipped: Set(salvage.skipped.map(\.index)))
        }
        return end
    }

    private static let fetchedOpening = Array("{\"\(FetchEnvelope.fileKey)\":\"".utf8)

    /// The end of the line at `root` when trail-fetch wrote it (one document per line, checked
    /// by trail-fetch: the consumer checks it as it reads it, instead of a pass of its own
    /// first) and it is all in the window; nil otherwise.
    private func fetchedLineEnd(at root: Int) -> Int? {
        let opening = DocumentReader.fetchedOpening
        guard end - root > opening.count,
              opening.withUnsafeBytes({ $0.elementsEqual(UnsafeRawBufferPointer(rebasing: buffer[root..<(root + opening.count)])) })
        else { return nil }
        if let nl = memchr(buffer.baseAddress! + root, 0x0A, end - root) { return buffer.baseAddress!.distance(to: nl) }
        return atEOF ? end : nil
    }

    private func isDigit(_ pos: Int) -> Bool {
        pos < end && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[pos])
    }

    /// `2024-05-01T09:12:03.000Z {…}`: the offset of the `{` after a leading timestamp.
    private func exportLineJSONStart(at pos: Int) -> Int? {
        guard isDigit(pos) else { return nil }
        let limit = min(end, pos + 40)
        guard let space = (pos..<limit).first(where: { buffer[$0] == 0x20 }), space + 1 < end,
              buffer[space + 1] == UInt8(ascii: "{"),
              Timestamp.parse(UnsafeRawBufferPointer(rebasing: buffer[pos..<space])) != nil else { return nil }
        return space + 1
    }

    /// Reports a bad document at its first line, saying where in it the problem is: the
    /// byte of the line (1-based), and the line when the document spans several.
    private func report(_ consumer: DocumentConsumer, line: Int, at offset: Int, _ problem: String) throws {
        let offset = min(offset, end)
        let errorLine = self.line(at: offset)
        var lineStart = offset
        while lineStart > 0, buffer[lineStart - 1] != 0x0A { lineStart -= 1 }
        let byte = offset - lineStart + 1
        let place = errorLine > line ? " at line \(errorLine), byte \(byte)" : " at byte \(byte)"
        try consumer.badDocument(RecordLocation(source: name, line: line), problem + place)
    }

    /// After a bad document: the start of the next line that can begin one (not blank, not
    /// indented, not a closing bracket), so one error is reported once, not once per line.
    private func resynchronize(after pos: Int) throws -> Int {
        var pos = pos
        var lineStart = false
        while true {
            if pos == end {
                guard let shift = try more(keeping: pos) else { return end }
                pos -= shift
                continue
            }
            if lineStart {
                switch buffer[pos] {
                case 0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ","): break
                default: return pos
                }
            }
            guard let nl = memchr(buffer.baseAddress! + pos, 0x0A, end - pos) else {
                pos = end
                lineStart = false
                continue
            }
            pos = buffer.baseAddress!.distance(to: nl) + 1
            lineStart = true
        }
    }

    // MARK: Streaming a document larger than the window

    /// Streams the document at `start` (the window is full of it): the members of a top-level
    /// object are read one by one; an array member, or a top-level array, element by element.
    private func stream(at start: Int, line: Int, _ consumer: DocumentConsumer) throws -> Int {
        var pos = start
        do {
            if buffer[pos] == UInt8(ascii: "[") {
                try streamArray(&pos, StreamedArray(key: nil, members: [:]), consumer)
                try consumer.streamEnded(arrays: [nil], location: RecordLocation(source: name, line: line))
                return pos
            }
            guard buffer[pos] == UInt8(ascii: "{") else {
                throw StreamFailure(offset: pos, message: "a value larger than \(windowLimit >> 20) MB that is not an object or array")
            }
            pos += 1
            var members: [String: [UInt8]] = [:]
            var arrays: [String?] = []
            var b = try nextByte(&pos)
            while b != UInt8(ascii: "}") {
                guard b == UInt8(ascii: "\"") else { throw StreamFailure(offset: pos, message: "expected a member name") }
                let keyEnd = try complete(&pos)
                let key = scanner.string(at: pos) ?? ""
                pos = keyEnd
                guard try nextByte(&pos) == UInt8(ascii: ":") else { throw StreamFailure(offset: pos, message: "expected ':'") }
                pos += 1
                if try nextByte(&pos) == UInt8(ascii: "[") {
                    try streamArray(&pos, StreamedArray(key: key, members: members), consumer)
                    arrays.append(key)
                } else {
                    let valueEnd = try complete(&pos)
                    // Small members only: they say where the records came from and what they are.
                    if valueEnd - pos <= 1 << 16 { members[key] = Array(UnsafeRawBufferPointer(rebasing: buffer[pos..<valueEnd])) }
                    pos = valueEnd
                }
                b = try nextByte(&pos)
                if b == UInt8(ascii: "}") { break }
                guard b == UInt8(ascii: ",") else { throw StreamFailure(offset: pos, message: "expected ',' or '}'") }
                pos += 1
                b = try nextByte(&pos)
                guard b == UInt8(ascii: "\"") else { throw StreamFailure(offset: pos, message: "expected a member name") }
            }
            try consumer.streamEnded(arrays: arrays, location: RecordLocation(source: name, line: line))
            return pos + 1
        } catch let failure as StreamFailure {
            let offset = min(failure.offset, end)
            try report(consumer, line: line, at: offset, "invalid JSON: \(failure.message)")
            return try resynchronize(after: offset)
        }
    }

    private func streamArray(_ pos: inout Int, _ array: StreamedArray, _ consumer: DocumentConsumer) throws {
        pos += 1
        var b = try nextByte(&pos)
        if b == UInt8(ascii: "]") {
            pos += 1
            return
        }
        var index = 0
        while true {
            var elementEnd: Int
            do {
                elementEnd = try complete(&pos)
                let location = RecordLocation(source: name, line: line(at: pos))
                try consumer.element(scanner, at: pos, index: index, of: array, location: location)
            } catch let failure as StreamFailure where consumer.holdsRecords(array) {
                // A malformed record whose end its brackets tell costs only itself.
                let start = pos, offset = failure.offset
                guard let end = try malformedValueEnd(&pos) else { throw failure }
                try report(consumer, line: line(at: pos), at: offset - (start - pos), "record \(index): invalid JSON: \(failure.message)")
                elementEnd = end
            }
            index += 1
            pos = elementEnd
            b = try nextByte(&pos)
            if b == UInt8(ascii: "]") {
                pos += 1
                return
            }
            guard b == UInt8(ascii: ",") else { throw StreamFailure(offset: pos, message: "expected ',' or ']'") }
            pos += 1
            _ = try nextByte(&pos)
        }
    }

    /// The end of the malformed value at `pos` by its brackets and quotes alone (`skipValue`),
    /// reading on as needed; nil when it does not end before the window fills or input ends.
    private func malformedValueEnd(_ pos: inout Int) throws -> Int? {
        while true {
            if let valueEnd = scanner.skipValue(at: pos), valueEnd > pos, valueEnd < end || atEOF { return valueEnd }
            guard let shift = try more(keeping: pos) else { return nil }
            pos -= shift
        }
    }

    /// The first byte at or after `pos` that is not whitespace, reading on as needed.
    private func nextByte(_ pos: inout Int) throws -> UInt8 {
        while true {
            pos = scanner.skipWhitespace(pos)
            if pos < end { return buffer[pos] }
            guard let shift = try more(keeping: pos) else {
                throw StreamFailure(offset: pos, message: "unexpected end of input")
            }
            pos -= shift
        }
    }

    /// Validates the value at `pos`, reading on until it is complete; returns its end.
    private func complete(_ pos: inout Int) throws -> Int {
        while true {
            do {
                return try scanner.valueEnd(at: pos)
            } catch let error where error.isEndOfInput && !atEOF {
                guard let shift = try more(keeping: pos) else {
                    if atEOF { continue }
                    throw StreamFailure(offset: pos, message: "a single value larger than \(windowLimit >> 20) MB")
                }
                pos -= shift
            } catch {
                throw StreamFailure(offset: error.offset, message: error.message)
            }
        }
    }

    // MARK: Buffer

    /// Reads more input, first dropping the bytes before `keep` (or growing the buffer up to
    /// `windowLimit`). Returns how far the kept bytes moved, or nil at the end of input or
    /// when the window is full of one value.
    private func more(keeping keep: Int) throws -> Int? {
        if atEOF { return nil }
        var shift = 0
        if keep > 0 {
            _ = line(at: keep)
            if end > keep { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + keep, byteCount: end - keep) }
            end -= keep
            counted -= keep
            shift = keep
        }
        if end == buffer.count {
            guard buffer.count < windowLimit else { return shift > 0 ? shift : nil }
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: min(buffer.count * 2, windowLimit), alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
        beforeRead?()
        while true {
            let n = read(fd, buffer.baseAddress! + end, buffer.count - end)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOFailure(path: name, errno: errno)
            }
            if n == 0 {
                atEOF = true
                return shift > 0 ? shift : nil
            }
            end += n
            return shift
        }
    }

    /// The 1-based line number at buffer offset `pos`.
    private func line(at pos: Int) -> Int {
        if pos < counted {
            return countedLine - newlines(pos, counted)
        }
        countedLine += newlines(counted, pos)
        counted = pos
        return countedLine
    }

    private func newlines(_ from: Int, _ to: Int) -> Int {
        var n = 0
        var at = from
        while at < to, let nl = memchr(buffer.baseAddress! + at, 0x0A, to - at) {
            n += 1
            at = buffer.baseAddress!.distance(to: nl) + 1
        }
        return n
    }
}
