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

/// A whole CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF), read once at
/// start-up, with the line each row starts on and a hash of the content for provenance.
struct CSVFile {
    struct Row {
        let line: Int
        let fields: [String]
    }

    let path: String
    let rows: [Row]
    /// `sha256:` and the first 16 hex digits of the file's SHA-256.
    let contentHash: String

    init(path: String) throws {
        self.path = path
        let bytes = try FileIO.readFile(path)
        contentHash = CSVFile.hash(bytes)
        rows = try CSVFile.parse(bytes, path: path)
    }

    static func hash(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        return "sha256:" + digest.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    private static func parse(_ bytes: [UInt8], path: String) throws -> [Row] {
        var rows: [Row] = []
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
        func endRow() {
            endField()
            // Blank lines are not rows.
            if !(fields.count == 1 && fields[0].isEmpty) { rows.append(Row(line: rowLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
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
                    endRow()
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
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRow() }
        return rows
    }
}

/// Sorted, non-overlapping address ranges with a value each; a lookup is a binary search.
struct RangeTable<Value> {
    private var starts: [IPAddress] = []
    private var ends: [IPAddress] = []
    private var values: [Value] = []

    /// `ranges` in any order; overlapping ranges are an error naming the later one's line.
    init(_ ranges: [(first: IPAddress, last: IPAddress, line: Int, value: Value)], path: String) throws {
        let sorted = ranges.sorted { $0.first < $1.first }
        starts.reserveCapacity(sorted.count)
        for range in sorted {
            guard range.first <= range.last else { throw TableError(path, line: range.line, "range ends before it starts") }
            if let previousEnd = ends.last, range.first <= previousEnd {
                throw TableError(path, line: range.line, "range \(range.first)–\(range.last) overlaps another")
            }
            starts.append(range.first)
            ends.append(range.last)
            values.append(range.value)
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
        return values[low - 1]
    }
}
