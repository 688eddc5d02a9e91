/// A trail document whose only damage is inside records of its record array (`{"Records":[…]}`
/// or a bare array): the same document with each bad record replaced by `null`, and which
/// records those were and why. One hostile record (nested past the limit, a broken escape)
/// then costs that record, not the file of good events around it. Damage anywhere else (the
/// document's own structure, another member) is not mended.
public struct RecordSalvage {
    /// A record left out: its 0-based position in the array, and its error (the offset is the
    /// document's, as a whole-document check would report it).
    public struct SkippedRecord: Equatable, Sendable {
        public let index: Int
        public let error: JSONError
    }

    /// The mended document, valid JSON of the same shape.
    public let document: [UInt8]
    public let skipped: [SkippedRecord]

    /// Nil when the document is valid already, or damaged beyond its records.
    public init?(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONScanner.defaultMaxDepth) {
        var mender = Mender(bytes, maxDepth: maxDepth)
        guard let document = mender.mendDocument(), !mender.skipped.isEmpty,
              document.withUnsafeBytes({ (try? JSONScanner($0, maxDepth: maxDepth).validateDocument()) != nil }) else { return nil }
        self.document = document
        skipped = mender.skipped
    }

    /// The walk: strict everywhere but for the elements of the record array, whose extent is
    /// found by brackets and quotes alone (`skipValue`) when they do not check.
    private struct Mender {
        let s: JSONScanner
        let maxDepth: Int
        var output: [UInt8] = []
        /// Bytes before this offset are in `output` (or replaced there).
        var copied = 0
        var skipped: [SkippedRecord] = []

        init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) {
            s = JSONScanner(bytes, maxDepth: maxDepth)
            self.maxDepth = maxDepth
        }

        mutating func mendDocument() -> [UInt8]? {
            let root = s.skipWhitespace(0)
            guard root < s.count else { return nil }
            let end: Int?
            switch s.byte(root) {
            case UInt8(ascii: "["): end = mendArray(at: root, depth: 1)
            case UInt8(ascii: "{"): end = mendObject(at: root)
            default: end = nil
            }
            guard let end, s.skipWhitespace(end) == s.count else { return nil }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: s.bytes[copied...]))
            return output
        }

        private static let recordsKey = Array(FetchEnvelope.recordsKey.utf8)

        /// The top-level object: its `Records` array mended, every other member checked.
        private mutating func mendObject(at root: Int) -> Int? {
            var j = s.skipWhitespace(root + 1)
            if j < s.count, s.byte(j) == UInt8(ascii: "}") { return j + 1 }
            while j < s.count, s.byte(j) == UInt8(ascii: "\"") {
                guard let nameEnd = try? s.stringEnd(at: j) else { return nil }
                let colon = s.skipWhitespace(nameEnd)
                guard colon < s.count, s.byte(colon) == UInt8(ascii: ":") else { return nil }
                let value = s.skipWhitespace(colon + 1)
                let isRecords = s.stringEquals(at: j, Mender.recordsKey) && value < s.count && s.byte(value) == UInt8(ascii: "[")
                guard let end = isRecords ? mendArray(at: value, depth: 2) : try? s.valueEnd(at: value, depth: 1) else { return nil }
                j = s.skipWhitespace(end)
                guard j < s.count else { return nil }
                if s.byte(j) == UInt8(ascii: "}") { return j + 1 }
                guard s.byte(j) == UInt8(ascii: ",") else { return nil }
                j = s.skipWhitespace(j + 1)
            }
            return nil
        }

        /// The record array at `i` (at nesting level `depth`), each element checked, a bad one
        /// replaced by `null`; the array's end, or nil when its own structure is broken.
        private mutating func mendArray(at i: Int, depth: Int) -> Int? {
            var j = s.skipWhitespace(i + 1)
            if j < s.count, s.byte(j) == UInt8(ascii: "]") { return j + 1 }
            var index = 0
            while j < s.count {
                let end: Int
                do throws(JSONError) {
                    end = try s.valueEnd(at: j, depth: depth)
                } catch {
                    guard let extent = s.skipValue(at: j), extent > j else { return nil }
                    replace(j..<extent, index: index, error: error)
                    end = extent
                }
                index += 1
                j = s.skipWhitespace(end)
                guard j < s.count else { return nil }
                if s.byte(j) == UInt8(ascii: "]") { return j + 1 }
                guard s.byte(j) == UInt8(ascii: ",") else { return nil }
                j = s.skipWhitespace(j + 1)
            }
            return nil
        }

        private mutating func replace(_ range: Range<Int>, index: Int, error: JSONError) {
            precondition(range.lowerBound >= copied && range.upperBound <= s.count, "records are mended in order, inside the text")
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: s.bytes[copied..<range.lowerBound]))
            output.append(contentsOf: "null".utf8)
            copied = range.upperBound
            skipped.append(SkippedRecord(index: index, error: error))
        }
    }
}
