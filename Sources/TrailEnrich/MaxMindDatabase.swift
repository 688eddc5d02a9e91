#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TrailCore

/// A value of the MaxMind DB data section.
public indirect enum MaxMindValue: Equatable, Sendable {
    case map([String: MaxMindValue])
    case array([MaxMindValue])
    case string(String)
    case double(Double)
    case float(Float)
    case unsigned(UInt64)
    /// A uint128, as its high and low words.
    case unsigned128(UInt64, UInt64)
    case int32(Int32)
    case bool(Bool)
    case bytes([UInt8])

    public subscript(key: String) -> MaxMindValue? {
        if case .map(let members) = self { return members[key] }
        return nil
    }

    public subscript(index: Int) -> MaxMindValue? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Numbers of any width as a Double (and numeric strings, as some vendors store coordinates).
    public var double: Double? {
        switch self {
        case .double(let d): return d
        case .float(let f): return Double(f)
        case .unsigned(let u): return Double(u)
        case .int32(let i): return Double(i)
        case .string(let s): return Double(s)
        default: return nil
        }
    }

    public var unsigned: UInt64? {
        switch self {
        case .unsigned(let u): return u
        case .int32(let i) where i >= 0: return UInt64(i)
        case .unsigned128(0, let low): return low
        default: return nil
        }
    }
}

/// A malformed or unreadable MaxMind DB file.
public struct MaxMindError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}

/// A reader of MaxMind DB files (format v2, as documented by MaxMind: GeoLite2/GeoIP2, and the
/// DB-IP and IPinfo files written in it) over the memory-mapped file. Every offset is checked
/// against the file, so a corrupt database yields an error, never a crash.
public final class MaxMindDatabase {
    public let path: String
    public let nodeCount: Int
    public let recordSize: Int
    public let ipVersion: Int
    public let databaseType: String
    /// When the database was built, seconds since the epoch.
    public let buildEpoch: UInt64
    public let metadata: MaxMindValue

    private let file: UnsafeRawBufferPointer
    private let treeSize: Int
    private let dataSection: Int
    /// The node of `::/96` in an IPv6 tree, where IPv4 addresses start, and its depth.
    private var ipv4Start = 0
    private var ipv4StartDepth = 0

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw IOFailure(path: path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw IOFailure(path: path, errno: errno) }
        let size = Int(st.st_size)
        // Every problem found opening the file says what the file is not, in one line.
        func fail(_ problem: String) -> MaxMindError { MaxMindError(path: path, problem: "not a MaxMind DB (\(problem))") }
        guard size > 0, let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw fail("empty or unreadable")
        }
        let file = UnsafeRawBufferPointer(start: mapped, count: size)
        self.file = file

        guard let markerEnd = MaxMindDatabase.metadataStart(in: file) else {
            munmap(mapped, size)
            throw fail("no metadata marker")
        }
        do {
            metadata = try MaxMindDecoder(file: file, base: markerEnd, path: path).decode(at: markerEnd).value
            guard let nodes = metadata["node_count"]?.unsigned, let record = metadata["record_size"]?.unsigned,
                  let version = metadata["ip_version"]?.unsigned else { throw fail("metadata lacks node_count, record_size or ip_version") }
            guard [24, 28, 32].contains(record) else { throw fail("unsupported record size \(record)") }
            guard version == 4 || version == 6 else { throw fail("unsupported ip_version \(version)") }
            guard metadata["binary_format_major_version"]?.unsigned == 2 else { throw fail("unsupported format version (expected 2)") }
            // Checked before any arithmetic on it: a corrupt count must not overflow.
            guard nodes < UInt64(size) else { throw fail("search tree larger than the file") }
            nodeCount = Int(nodes)
            recordSize = Int(record)
            ipVersion = Int(version)
            databaseType = metadata["database_type"]?.string ?? "unknown"
            buildEpoch = metadata["build_epoch"]?.unsigned ?? 0
            treeSize = nodeCount * recordSize / 4
            dataSection = treeSize + 16
            guard dataSection <= markerEnd else { throw fail("search tree larger than the file") }
        } catch let error as MaxMindError {
            munmap(mapped, size)
            throw error.problem.hasPrefix("not a MaxMind DB") ? error : fail("metadata: \(error.problem)")
        }
        if ipVersion == 6 {
            var node = 0
            while ipv4StartDepth < 96, node < nodeCount {
                node = record(node, 0)
                ipv4StartDepth += 1
            }
            ipv4Start = node
        }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: file.baseAddress), file.count) }

    /// Where the metadata starts: after the last marker in the file's final 128 KiB.
    private static func metadataStart(in file: UnsafeRawBufferPointer) -> Int? {
        let marker: [UInt8] = [0xAB, 0xCD, 0xEF] + Array("MaxMind.com".utf8)
        var at = file.count - marker.count
        while at >= max(0, file.count - 128 * 1024) {
            if file[at] == 0xAB, (0..<marker.count).allSatisfy({ file[at + $0] == marker[$0] }) { return at + marker.count }
            at -= 1
        }
        return nil
    }

    /// The file offset of the record for `address` and the prefix length of its network (for
    /// an IPv4 address, within the 32 IPv4 bits). Offset nil: the address is not in the
    /// database (IPv6 addresses never are in an IPv4 database).
    public func lookup(_ address: IPAddress) throws -> (offset: Int?, prefixLength: Int) {
        var node: Int
        let bitCount: Int
        if address.isIPv4 {
            node = ipVersion == 6 ? ipv4Start : 0
            bitCount = 32
        } else {
            guard ipVersion == 6 else { return (nil, 0) }
            node = 0
            bitCount = 128
        }
        var depth = 0
        while depth < bitCount, node < nodeCount {
            let position = 128 - bitCount + depth
            let word = position < 64 ? address.high : address.low
            let bit = Int(truncatingIfNeeded: (word >> UInt64(63 - position % 64)) & 1)
            node = record(node, bit)
            depth += 1
        }
        if node == nodeCount { return (nil, depth) }
        guard node > nodeCount else { throw MaxMindError(path: path, problem: "invalid node \(node) in search tree") }
        let offset = node - nodeCount + treeSize
        guard offset >= dataSection, offset < file.count else { throw MaxMindError(path: path, problem: "record pointer \(node) outside the data section") }
        return (offset, depth)
    }

    /// The value of the record at `offset` (from `lookup`).
    public func record(at offset: Int) throws -> MaxMindValue {
        try MaxMindDecoder(file: file, base: dataSection, path: path).decode(at: offset).value
    }

    /// The record for `address`, nil when it is not in the database.
    public func find(_ address: IPAddress) throws -> MaxMindValue? {
        guard let offset = try lookup(address).offset else { return nil }
        return try record(at: offset)
    }

    /// One record (left for bit 0, right for bit 1) of tree node `node`.
    @inline(__always) private func record(_ node: Int, _ bit: Int) -> Int {
        let p = file.baseAddress!.assumingMemoryBound(to: UInt8.self)
        @inline(__always) func be(_ at: Int, _ n: Int) -> Int {
            // The tree lies before the data section (checked at opening); nodes are < nodeCount.
            assert(at >= 0 && at + n <= treeSize, "a record lies inside the search tree")
            var v = 0
            for k in 0..<n { v = v << 8 | Int(p[at + k]) }
            return v
        }
        switch recordSize {
        case 24:
            return be(node * 6 + bit * 3, 3)
        case 28:
            let at = node * 7
            let middle = Int(p[at + 3])
            return bit == 0 ? (middle & 0xF0) << 20 | be(at, 3) : (middle & 0x0F) << 24 | be(at + 4, 3)
        default:
            return be(node * 8 + bit * 4, 4)
        }
    }
}

/// Decodes data-section values; pointers are offsets from `base`.
struct MaxMindDecoder {
    let file: UnsafeRawBufferPointer
    let base: Int
    let path: String

    private func fail(_ offset: Int, _ problem: String) -> MaxMindError {
        MaxMindError(path: path, problem: "\(problem) at byte \(offset)")
    }

    private func bytes(_ at: Int, _ count: Int) throws -> UnsafeRawBufferPointer {
        guard at >= 0, count >= 0, at + count <= file.count else { throw fail(at, "value runs past the end of the file") }
        return UnsafeRawBufferPointer(rebasing: file[at..<(at + count)])
    }

    private func unsigned(_ at: Int, _ count: Int) throws -> UInt64 {
        var v: UInt64 = 0
        for b in try bytes(at, count) { v = v << 8 | UInt64(b) }
        return v
    }

    func decode(at offset: Int, depth: Int = 0, followedPointer: Bool = false) throws -> (value: MaxMindValue, next: Int) {
        guard depth < 64 else { throw fail(offset, "data nested too deeply") }
        var at = offset
        let control = try bytes(at, 1)[0]
        at += 1
        var type = Int(control >> 5)
        if type == 1 {
            guard !followedPointer else { throw fail(offset, "pointer to a pointer") }
            return try followPointer(control, at: at, depth: depth)
        }
        if type == 0 {
            type = 7 + Int(try bytes(at, 1)[0])
            at += 1
        }
        var size = Int(control & 0x1F)
        switch size {
        case 29: size = 29 + Int(try unsigned(at, 1)); at += 1
        case 30: size = 285 + Int(try unsigned(at, 2)); at += 2
        case 31: size = 65_821 + Int(try unsigned(at, 3)); at += 3
        default: break
        }
        switch type {
        case 7:
            var members: [String: MaxMindValue] = [:]
            members.reserveCapacity(min(size, 64))
            for _ in 0..<size {
                let (key, afterKey) = try decode(at: at, depth: depth + 1)
                guard case .string(let name) = key else { throw fail(at, "map key is not a string") }
                let (value, afterValue) = try decode(at: afterKey, depth: depth + 1)
                members[name] = value
                at = afterValue
            }
            return (.map(members), at)
        case 11:
            var elements: [MaxMindValue] = []
            for _ in 0..<size {
                let (value, after) = try decode(at: at, depth: depth + 1)
                elements.append(value)
                at = after
            }
            return (.array(elements), at)
        default:
            return try scalar(type, size: size, at: at, offset: offset)
        }
    }

    /// The value a pointer (control byte `control`, its operand at `at`) points to, and
    /// where the pointer ends.
    private func followPointer(_ control: UInt8, at: Int, depth: Int) throws -> (value: MaxMindValue, next: Int) {
        let sizeBits = Int(control >> 3) & 3
        let high = UInt64(control & 7)
        let target: UInt64
        switch sizeBits {
        case 0: target = high << 8 | (try unsigned(at, 1))
        case 1: target = (high << 16 | (try unsigned(at, 2))) + 2048
        case 2: target = (high << 24 | (try unsigned(at, 3))) + 526_336
        default: target = try unsigned(at, 4)
        }
        let value = try decode(at: base + Int(target), depth: depth + 1, followedPointer: true).value
        return (value, at + sizeBits + 1)
    }

    /// A value of a type that holds no others, its `size` bytes at `at`.
    private func scalar(_ type: Int, size: Int, at: Int, offset: Int) throws -> (value: MaxMindValue, next: Int) {
        switch type {
        case 2:
            return (.string(String(decoding: try bytes(at, size), as: UTF8.self)), at + size)
        case 3:
            guard size == 8 else { throw fail(offset, "double of \(size) bytes") }
            return (.double(Double(bitPattern: try unsigned(at, 8))), at + 8)
        case 4:
            return (.bytes(Array(try bytes(at, size))), at + size)
        case 5, 6, 9:
            guard size <= [5: 2, 6: 4, 9: 8][type]! else { throw fail(offset, "integer of \(size) bytes") }
            return (.unsigned(try unsigned(at, size)), at + size)
        case 10:
            guard size <= 16 else { throw fail(offset, "uint128 of \(size) bytes") }
            let lowCount = min(size, 8)
            return (.unsigned128(try unsigned(at, size - lowCount), try unsigned(at + size - lowCount, lowCount)), at + size)
        case 8:
            // Shorter int32s are zero-padded on the left, as MaxMind's readers do.
            guard size <= 4 else { throw fail(offset, "int32 of \(size) bytes") }
            return (.int32(Int32(bitPattern: UInt32(try unsigned(at, size)))), at + size)
        case 14:
            guard size <= 1 else { throw fail(offset, "boolean of size \(size)") }
            return (.bool(size == 1), at)
        case 15:
            guard size == 4 else { throw fail(offset, "float of \(size) bytes") }
            return (.float(Float(bitPattern: UInt32(try unsigned(at, 4)))), at + 4)
        default:
            throw fail(offset, "unexpected data type \(type)")
        }
    }
}
