import Foundation
import Testing
import TrailCore
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

    /// What the streaming zlib reader makes of `bytes`: the text, or its error's description.
    static func streamed(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        do {
            let inflater = try Inflater()
            try bytes.withUnsafeBytes { raw in try inflater.process(raw) { out.append(contentsOf: $0) } }
            try inflater.finish()
            return "ok \(out.count) \(out.hashValue)"
        } catch {
            return "error \(error)"
        }
    }

    static func whole(_ bytes: [UInt8]) -> String {
        do {
            let out = try bytes.withUnsafeBytes { try Gzip.inflate($0) }
            return "ok \(out.count) \(out.hashValue)"
        } catch {
            return "error \(error)"
        }
    }

    /// Whole buffers go through libdeflate, falling back to zlib: the same text, or the same
    /// error, as the streaming reader, whatever the members, sizes and damage.
    @Test func wholeBuffersReadAsTheStreamingReaderDoes() throws {
        func gzip(_ text: [UInt8]) throws -> [UInt8] { try text.withUnsafeBytes { try Gzip.deflate($0) } }
        let big = Array(String(repeating: #"{"eventName":"GetObject"},"#, count: 40_000).utf8)
        let small = Array("tail".utf8)
        let packedBig = try gzip(big), packedSmall = try gzip(small)
        // The last member's trailer says 4 bytes: the output must grow for the first one's MBs.
        let cases: [(String, [UInt8])] = [
            ("big then small", packedBig + packedSmall),
            ("small then big", packedSmall + packedBig),
            ("empty member", try gzip([])),
            ("trailing garbage", packedSmall + Array("junk!junk!junk!junk!".utf8)),
            ("truncated", Array(packedBig.prefix(packedBig.count / 2))),
            ("no trailer", Array(packedSmall.dropLast(8))),
            ("bad checksum", packedSmall.enumerated().map { $0.offset == packedSmall.count - 6 ? $0.element ^ 1 : $0.element }),
            ("corrupt body", packedBig.enumerated().map { $0.offset == 40 ? $0.element ^ 0xFF : $0.element }),
            ("zlib, not gzip", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        ]
        for (name, bytes) in cases {
            #expect(Self.whole(bytes) == Self.streamed(bytes), "\(name)")
        }
        #expect(try (packedBig + packedSmall).withUnsafeBytes { try Gzip.inflate($0) } == big + small)
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
