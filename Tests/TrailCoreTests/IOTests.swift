import Foundation
import Testing
@testable import TrailCore
import TrailTestSupport

@Suite struct LineReaderTests {
    @Test func splitsLinesAcrossReadsAndGrowsForLongLines() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let long = String(repeating: "x", count: 10_000)
        let path = try dir.write("in.ndjson", "a\r\n\n\(long)\nb\nlast-without-newline")
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        // A tiny buffer forces partial lines, moves and growth.
        let reader = LineReader(fileDescriptor: fd, bufferSize: 16)
        var lines: [(String, Int)] = []
        try reader.forEachLine { line, number in lines.append((String(decoding: line, as: UTF8.self), number)) }
        #expect(lines.map(\.0) == ["a", long, "b", "last-without-newline"])
        #expect(lines.map(\.1) == [1, 3, 4, 5])
    }
}

@Suite struct GzipTests {
    @Test func roundTripsAndReadsConcatenatedMembers() throws {
        let text = Array(String(repeating: #"{"Records":[]}"#, count: 1000).utf8)
        let packed = try text.withUnsafeBytes { try Gzip.deflate($0) }
        #expect(packed.withUnsafeBytes { Gzip.isGzip($0) })
        #expect(packed.count < text.count / 10)
        let twice = packed + packed
        #expect(try twice.withUnsafeBytes { try Gzip.inflate($0) } == text + text)
    }

    @Test func reportsTruncatedAndCorruptData() throws {
        let packed = try Array("hello world, hello trail".utf8).withUnsafeBytes { try Gzip.deflate($0) }
        let truncated = Array(packed.prefix(packed.count - 6))
        #expect(throws: GzipError.self) { try truncated.withUnsafeBytes { try Gzip.inflate($0) } }
        var corrupt = packed
        corrupt[12] ^= 0xFF
        #expect(throws: GzipError.self) { try corrupt.withUnsafeBytes { try Gzip.inflate($0) } }
    }

    /// What one inflation gave: the bytes, or the error's text.
    struct Inflated: Equatable, CustomStringConvertible {
        var bytes: [UInt8]?
        var error: String?
        var description: String { bytes.map { "\($0.count) bytes" } ?? "error: \(error ?? "")" }
    }

    static func zlibAlone(_ packed: [UInt8]) -> Inflated {
        do {
            let inflater = try Inflater()
            var bytes: [UInt8] = []
            try packed.withUnsafeBytes { try inflater.process($0) { bytes += $0 } }
            try inflater.finish()
            return Inflated(bytes: bytes)
        } catch {
            return Inflated(error: "\(error)")
        }
    }

    static func inflated(_ packed: [UInt8]) -> Inflated {
        do {
            return Inflated(bytes: try packed.withUnsafeBytes { try Gzip.inflate($0) })
        } catch {
            return Inflated(error: "\(error)")
        }
    }

    /// The CRC-32 of gzip (RFC 1952), bit by bit: the test's own, not the library's.
    static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// A member whose header carries its own CRC (FHCRC), right or wrong.
    static func withHeaderCRC(_ member: [UInt8], right: Bool) -> [UInt8] {
        var header = Array(member.prefix(10))
        header[3] |= 0x02
        let crc = UInt16(truncatingIfNeeded: crc32(header)) ^ (right ? 0 : 1)
        return header + [UInt8(crc & 0xFF), UInt8(crc >> 8)] + member.dropFirst(10)
    }

    /// Objects libdeflate inflates whole (`WholeMember`) give what zlib alone gives, byte for
    /// byte, and zlib's own error where it fails: whatever the members, their sizes, header
    /// flags, trailers or damage.
    @Test func inflatesAsZlibAloneDoes() throws {
        var rng = SplitMix(state: 1952)
        let large = (0..<60_000).map { _ in UInt8.random(in: 0x61...0x7A, using: &rng) }
        let a = try large.withUnsafeBytes { try Gzip.deflate($0) }
        let b = try Array("a short member".utf8).withUnsafeBytes { try Gzip.deflate($0) }
        let empty = try [UInt8]().withUnsafeBytes { try Gzip.deflate($0) }
        let overLargest = try [UInt8](repeating: 0x7B, count: WholeMember.largest + 1).withUnsafeBytes { try Gzip.deflate($0) }
        func patched(_ member: [UInt8], at fromEnd: Int, _ change: UInt8) -> [UInt8] {
            var member = member
            member[member.count - fromEnd] ^= change
            return member
        }
        var cases: [[UInt8]] = [
            a, b, empty, overLargest, a + b, b + a, a + empty, empty + b, a + [0x00, 0x00], a + Array("junk".utf8),
            Array(a.prefix(a.count - 3)), Array(a.prefix(a.count / 2)), Array(b.prefix(12)),
            patched(a, at: 4, 0x01), patched(a, at: 1, 0x80), patched(a, at: 8, 0x01), patched(b, at: 5, 0x10),
            Self.withHeaderCRC(a, right: true), Self.withHeaderCRC(a, right: false), Self.withHeaderCRC(b, right: false) + a,
        ]
        for _ in 0..<300 {
            var mutated = Bool.random(using: &rng) ? a + b : b
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                mutated[Int.random(in: 0..<mutated.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            cases.append(mutated)
        }
        for (k, packed) in cases.enumerated() {
            #expect(Self.inflated(packed) == Self.zlibAlone(packed), "case \(k)")
        }
        #expect(Self.inflated(a + b).bytes == large + Array("a short member".utf8))
    }

    @Test func agreesWithSystemGzip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let text = "line one\nline two é\n"
        let path = try dir.write("plain.txt", text)
        #expect(try runShell("gzip -k '\(path)'").status == 0)
        let packed = try FileIO.readFile(path + ".gz")
        #expect(String(decoding: try packed.withUnsafeBytes { try Gzip.inflate($0) }, as: UTF8.self) == text)
    }
}

@Suite struct FileIOTests {
    @Test func listsFilesInKeyOrderAndWritesAtomically() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("b/2.json", "{}")
        try dir.write("a/10.json", "{}")
        try dir.write("a/9.json", "{}")
        try dir.write("a/.hidden", "{}")
        let files = try FileIO.filesBelow(dir.path).map { String($0.dropFirst(dir.path.count + 1)) }
        #expect(files == ["a/10.json", "a/9.json", "b/2.json"])
        try FileIO.writeAtomically(Array("new".utf8), to: dir.path + "/b/2.json")
        #expect(try FileIO.readFile(dir.path + "/b/2.json") == Array("new".utf8))
        #expect(throws: IOFailure.self) { try FileIO.filesBelow(dir.path + "/missing") }
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2024-05-01T09:12:03Z", "2024-05-01T09:12:03Z"),
        ("2024-05-01T09:12:03.250Z", "2024-05-01T09:12:03.25Z"),
        ("2024-05-01T18:12:03+09:00", "2024-05-01T09:12:03Z"),
        ("2024-05-01 09:12:03", "2024-05-01T09:12:03Z"),
        ("20131102T010628Z", "2013-11-02T01:06:28Z"),
        ("20261116T0912Z", "2026-11-16T09:12:00Z"),
        ("2026-11-16T09:12Z", "2026-11-16T09:12:00Z"),
        ("2000-02-29T23:59:59Z", "2000-02-29T23:59:59Z"),
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
    ])
    func parsesAndFormatsInUTC(input: String, expected: String) {
        #expect(Timestamp(iso8601: input)?.rfc3339 == expected)
    }

    @Test func rejectsNonsenseAndReadsEpochs() {
        for bad in ["", "yesterday", "2024-13-01T00:00:00Z", "2024-05-01T25:00:00Z", "2024-05-01T09:12:03Zjunk"] {
            #expect(Timestamp(iso8601: bad) == nil, "\(bad)")
        }
        #expect(Timestamp(epoch: 1714554723).rfc3339 == "2024-05-01T09:12:03Z")
        #expect(Timestamp(epoch: 1714554723000).rfc3339 == "2024-05-01T09:12:03Z")
    }
}

@Suite struct IPAddressTests {
    @Test func parsesBothFamiliesAndRejectsNames() {
        #expect(IPAddress("203.0.113.10")?.isIPv4 == true)
        #expect(IPAddress("::ffff:203.0.113.10") == IPAddress("203.0.113.10"))
        #expect(IPAddress("2001:db8::1")?.description == "2001:db8::1")
        #expect(IPAddress("203.0.113.10")?.description == "203.0.113.10")
        for name in ["ec2.amazonaws.com", "AWS Internal", "", "1.2.3", "1.2.3.256"] {
            #expect(IPAddress(name) == nil, "\(name)")
        }
    }
}

/// `--out` naming something that is not a regular file (as root, renaming over `/dev/null`
/// once replaced the device with a file): written in place, left what it was.
@Suite struct OutputFileTests {
    @Test func anOutputThatIsNotARegularFileIsWrittenInPlace() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let fifo = dir.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = try ChildProcess(["cat", fifo], stdout: dir.path + "/got")
        try FileIO.writeOutput(Array("page\n".utf8), to: fifo)
        #expect(reader.wait(timeout: 10) == 0)
        var st = stat()
        #expect(stat(fifo, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO, "still a FIFO")
        #expect(try String(contentsOfFile: dir.path + "/got", encoding: .utf8) == "page\n")
        // A regular file (or a new one) is still replaced atomically.
        try FileIO.writeOutput(Array("new\n".utf8), to: dir.path + "/page.html")
        #expect(try String(contentsOfFile: dir.path + "/page.html", encoding: .utf8) == "new\n")
    }
}

/// Stages ask for a wider pipe where they read or write one (`PipeBuffer`).
@Suite struct PipeBufferTests {
    @Test func aPipeIsWidenedAndAFileIsLeftAlone() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { ends.forEach { close($0) } }
        let before = try #require(PipeBuffer.size(of: ends[0]))
        #expect(before < PipeBuffer.size)
        PipeBuffer.widen(ends[1])
        #expect(PipeBuffer.size(of: ends[0]) == PipeBuffer.size)
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let fd = open(try folder.write("plain", "x"), O_RDONLY)
        defer { close(fd) }
        PipeBuffer.widen(fd)
        #expect(PipeBuffer.size(of: fd) == nil)
    }
}
