import Foundation
import Testing
import TrailCore
import TrailEnrich
import TrailTestSupport

/// MaxMind's own tools, driven through `mmdb_reference.py`: mmdb-writer builds databases and
/// CSV twins of them, the maxminddb reader answers lookups.
enum Reference {
    static let script = packageRoot + "/Tests/TrailEnrichTests/mmdb_reference.py"

    static func run(_ arguments: String...) throws -> CommandResult {
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let result = try runShell("python3 '\(script)' \(quoted)", timeout: 120)
        #expect(result.status == 0, "mmdb_reference.py \(arguments.first ?? ""): \(result.stderr.suffix(800))")
        return result
    }

    /// Builds the test databases, CSV tables and address list into `dir` (see the script).
    static func build(into dir: TemporaryDirectory, seed: Int = 7) throws {
        _ = try run("build", dir.path, String(seed))
    }

    /// The record as the script prints it: sorted keys, floats in shortest form, bytes as hex.
    static func canonical(_ value: MaxMindValue) -> String {
        switch value {
        case .map(let members):
            return "{" + members.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
                .map { JSONWriter.quoted($0) + ":" + canonical(members[$0]!) }.joined(separator: ",") + "}"
        case .array(let elements): return "[" + elements.map(canonical).joined(separator: ",") + "]"
        case .string(let s): return JSONWriter.quoted(s)
        case .double(let d): return "\(d)"
        case .float(let f): return "\(Double(f))"
        case .unsigned(let u): return "\(u)"
        case .unsigned128(let high, let low): return decimal(high, low)
        case .int32(let i): return "\(i)"
        case .bool(let b): return b ? "true" : "false"
        case .bytes(let b): return #"{"$bytes":""# + b.map { String(format: "%02x", $0) }.joined() + #""}"#
        }
    }

    private static func decimal(_ high: UInt64, _ low: UInt64) -> String {
        guard high != 0 else { return "\(low)" }
        var (h, l) = (high, low)
        var digits: [Character] = []
        while h != 0 || l != 0 {
            let (qh, rh) = h.quotientAndRemainder(dividingBy: 10)
            let (ql, r) = UInt64(10).dividingFullWidth((rh, l))
            (h, l) = (qh, ql)
            digits.append(Character(String(r)))
        }
        return String(digits.reversed())
    }

    /// Compares this reader with MaxMind's on every address of `addressesFile`; returns the
    /// number compared and the first disagreements.
    static func compare(database path: String, addresses addressesFile: String) throws -> (count: Int, mismatches: [String]) {
        let database = try MaxMindDatabase(path: path)
        let expected = try run("lookup", path, addressesFile).stdoutLines
        var mismatches: [String] = []
        for line in expected {
            let fields = line.split(separator: "\t", maxSplits: 2).map(String.init)
            guard fields.count == 3, let address = IPAddress(fields[0]) else {
                mismatches.append("unparseable reference line \(line.prefix(80))")
                continue
            }
            let (offset, prefix) = try database.lookup(address)
            let ours = try offset.map { canonical(try database.record(at: $0)) } ?? "null"
            // An IPv6 lookup in an IPv4 database is an error to MaxMind's reader; here it finds nothing.
            if fields[2] == "error" {
                if offset != nil { mismatches.append("\(fields[0]): found a record where the reference reader refuses the address") }
                continue
            }
            // `::ffff:a.b.c.d` is the IPv4 address here; the reference walks all 128 bits (the
            // same record in databases that alias ::ffff:0:0/96, with a longer prefix).
            let mapped = fields[0].contains(".") && fields[0].contains(":")
            if ours != fields[2] || (!mapped && String(prefix) != fields[1]) {
                mismatches.append("\(fields[0]): /\(prefix) \(ours.prefix(300)) ≠ /\(fields[1]) \(fields[2].prefix(300))")
            }
            if mismatches.count > 5 { break }
        }
        return (expected.count, mismatches)
    }
}
