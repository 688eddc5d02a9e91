import Crypto
import TrailCore

/// A malformed table file: one line naming the file, the line and what is wrong.
public struct TableError: Error, CustomStringConvertible {
    public let path: String
    public let line: Int?
    public let problem: String

    public init(_ path: String, line: Int? = nil, _ problem: String) {
        self.path = path
        self.line = line
        self.problem = problem
    }

    public var description: String { line.map { "\(path):\($0): \(problem)" } ?? "\(path): \(problem)" }
}

/// A CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF), read once at start-up
/// and parsed row by row, with the line each row starts on and a hash of the content for
/// provenance.
struct CSVFile {
    struct Row {
        let line: Int
        let fields: [String]
    }

    let path: String
    private let bytes: [UInt8]
    /// `sha256:` and the first 16 hex digits of the file's SHA-256.
    let contentHash: String

    init(path: String) throws {
        self.path = path
        bytes = try FileIO.readFile(path)
        contentHash = CSVFile.hash(bytes)
    }

    static func hash(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        return "sha256:" + Hex.encode(digest.prefix(8))
    }

    /// The first row, if any (the header, in files that have one).
    func firstRow() throws -> Row? {
        var first: Row?
        try forEachRow { row in
            first = row
            return false
        }
        return first
    }

    /// Calls `body` with each row (blank lines are not rows) until it returns false.
    /// Each row after the header, checked to have the header's `width` fields.
    func forEachDataRow(width: Int, _ body: (Row) throws -> Bool) throws {
        var pastHeader = false
        try forEachRow { row in
            guard pastHeader else {
                pastHeader = true
                return true
            }
            guard row.fields.count == width else {
                throw TableError(path, line: row.line, "expected \(width) columns, found \(row.fields.count)")
            }
            return try body(row)
        }
    }

    func forEachRow(_ body: (Row) throws -> Bool) throws {
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, rowLine = 1
        var i = 0
        var quoted = false, wasQuoted = false
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        func endRow() throws -> Bool {
            endField()
            defer { fields.removeAll(keepingCapacity: true) }
            if fields.count == 1 && fields[0].isEmpty { return true }
            return try body(Row(line: rowLine, fields: fields))
        }
        while i < bytes.count {
            let b = bytes[i]
            if quoted {
                if b == quote {
                    if i + 1 < bytes.count, bytes[i + 1] == quote {
                        field.append(quote)
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if b == newline { line += 1 }
                    field.append(b)
                }
            } else {
                switch b {
                case quote:
                    guard field.isEmpty, !wasQuoted else { throw TableError(path, line: line, "stray quote inside an unquoted field") }
                    quoted = true
                    wasQuoted = true
                case comma:
                    endField()
                case newline:
                    guard try endRow() else { return }
                    line += 1
                    rowLine = line
                case cr where i + 1 < bytes.count && bytes[i + 1] == newline:
                    break
                default:
                    guard !wasQuoted else { throw TableError(path, line: line, "text after a closing quote") }
                    field.append(b)
                }
            }
            i += 1
        }
        if quoted { throw TableError(path, line: rowLine, "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { _ = try endRow() }
    }
}

/// Sorted, non-overlapping address ranges with a value each; a lookup is a binary search.
/// Equal values are stored once (big tables repeat a few thousand places millions of times).
struct RangeTable<Value: Hashable> {
    private var starts: [IPAddress] = []
    private var ends: [IPAddress] = []
    private var slots: [Int32] = []
    private var values: [Value] = []

    /// Collects ranges in any order, then sorts and checks them.
    struct Builder {
        private var ranges: [(first: IPAddress, last: IPAddress, line: Int32, slot: Int32)] = []
        private var values: [Value] = []
        private var slotOf: [Value: Int32] = [:]

        init() {}

        mutating func add(_ first: IPAddress, _ last: IPAddress, line: Int, _ value: Value) {
            let slot: Int32
            if let known = slotOf[value] {
                slot = known
            } else {
                slot = Int32(values.count)
                values.append(value)
                slotOf[value] = slot
            }
            ranges.append((first, last, Int32(clamping: line), slot))
        }

        /// Adds every range of `other`.
        mutating func append(contentsOf other: Builder) {
            for range in other.ranges {
                add(range.first, range.last, line: Int(range.line), other.values[Int(range.slot)])
            }
        }

        /// Rewrites every range's ends, as when they turn out to be IPv4 numbers.
        mutating func mapAddresses(_ transform: (IPAddress) -> IPAddress) {
            for k in ranges.indices {
                ranges[k].first = transform(ranges[k].first)
                ranges[k].last = transform(ranges[k].last)
            }
        }

        /// The table; overlapping ranges are an error naming the later one's line.
        func build(path: String) throws -> RangeTable {
            var table = RangeTable()
            table.values = values
            let sorted = ranges.sorted { $0.first < $1.first }
            table.starts.reserveCapacity(sorted.count)
            table.ends.reserveCapacity(sorted.count)
            table.slots.reserveCapacity(sorted.count)
            for range in sorted {
                guard range.first <= range.last else { throw TableError(path, line: Int(range.line), "range ends before it starts") }
                if let previousEnd = table.ends.last, range.first <= previousEnd {
                    throw TableError(path, line: Int(range.line), "range \(range.first)–\(range.last) overlaps another")
                }
                table.starts.append(range.first)
                table.ends.append(range.last)
                table.slots.append(range.slot)
            }
            return table
        }
    }

    var count: Int { starts.count }

    func find(_ address: IPAddress) -> Value? {
        // The last range starting at or before the address, if it reaches that far.
        var low = 0, high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] <= address { low = mid + 1 } else { high = mid }
        }
        guard low > 0, address <= ends[low - 1] else { return nil }
        return values[Int(slots[low - 1])]
    }
}
