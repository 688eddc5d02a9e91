import Foundation
import Testing
import TrailCore
import TrailEnrich
import TrailTestSupport

/// A corrupt MaxMind DB (bytes flipped, cut short) is an error at opening or at a lookup,
/// never a crash: every offset the file gives is checked against it.
@Suite struct CorruptDatabaseTests {
    static func addresses(_ rng: inout SplitMix) -> [IPAddress] {
        (0..<48).compactMap { k in
            k % 3 == 0
                ? IPAddress((0..<8).map { _ in String(rng.next() & 0xFFFF, radix: 16) }.joined(separator: ":"))
                : IPAddress((0..<4).map { _ in String(rng.next() & 0xFF) }.joined(separator: "."))
        }
    }

    /// Opens `bytes` as a database and looks addresses up; true when it opened.
    static func exercise(_ bytes: [UInt8], at path: String, _ rng: inout SplitMix) throws -> Bool {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        guard let database = try? MaxMindDatabase(path: path) else { return false }
        for address in addresses(&rng) { _ = try? database.find(address) }
        return true
    }

    @Test func flippedBytesAndTruncationsNeverCrash() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Reference.build(into: dir)
        let original = try FileIO.readFile(dir.path + "/city.mmdb")
        var rng = SplitMix(state: 42)
        var opened = 0
        for round in 0..<400 {
            var bytes = original
            if round % 4 == 3 {
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
            } else {
                for _ in 0...(rng.next() % 8) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            if try Self.exercise(bytes, at: dir.path + "/fuzzed.mmdb", &rng) { opened += 1 }
        }
        #expect(opened > 100, "most single flips leave a database that opens; its lookups were tried")
    }

    @Test func corruptMetadataIsNamedInOneLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Reference.build(into: dir)
        var bytes = try FileIO.readFile(dir.path + "/city.mmdb")
        // record_size's value is one small unsigned integer: its last byte becomes 7.
        let key = Array("record_size".utf8)
        let at = try #require((0..<(bytes.count - key.count)).last { Array(bytes[$0..<($0 + key.count)]) == key })
        let size = Int(bytes[at + key.count] & 0x1F)
        bytes[at + key.count + size] = 7
        let path = try dir.write("odd.mmdb", bytes)
        let error = try #require(throws: MaxMindError.self) { try MaxMindDatabase(path: path) }
        #expect(error.description == "\(path): not a MaxMind DB (unsupported record size 7)")
        let text = try dir.write("text.mmdb", "just text\n")
        #expect(throws: MaxMindError.self) { try MaxMindDatabase(path: text) }
        #expect((try? MaxMindDatabase(path: text)) == nil)
    }
}
