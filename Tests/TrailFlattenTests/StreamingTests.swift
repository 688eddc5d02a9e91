import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// A document far larger than the window trail-flatten holds is streamed record by record:
/// every record comes out, and the process's peak memory stays below the document's size.
@Suite struct StreamingTests {
    @Test func aLargeSingleDocumentStreamsInFlatMemory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // About 24 MB on one line, against a 1 MB window (debug builds are slow; a release
        // build streams a 1 GB document the same way, see README).
        let event = FlattenerTests.roleCall
        let count = 24_000_000 / event.utf8.count
        var document = [UInt8]()
        document.reserveCapacity(24_100_000)
        document += Array(#"{"trailFile":"s3://bucket/big.json.gz","Records":["#.utf8)
        let record = Array(event.utf8)
        for i in 0..<count {
            if i > 0 { document.append(UInt8(ascii: ",")) }
            document += record
        }
        document += Array("]}\n".utf8)
        let input = try dir.write("big.json", document)
        document = []

        // Python's getrusage of its only child gives the peak resident size of trail-flatten alone.
        let tool = builtExecutablesFolder() + "/trail-flatten"
        let script = """
            import resource, subprocess, sys
            with open(sys.argv[3], "wb") as out:
                status = subprocess.run([sys.argv[1], "--window-mb", "1", sys.argv[2]], stdout=out).returncode
            print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let result = try runShell("python3 -c '\(script)' '\(tool)' '\(input)' '\(dir.path)/out.ndjson'", timeout: 60)
        let fields = result.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(fields.count == 2, "\(result.stdout) \(result.stderr)")
        #expect(fields[0] == 0)
        let peakMB = fields[1] / 1024
        #expect(peakMB < 40, "peak resident size \(peakMB) MB for a 24 MB document; held whole it would be more than 50 MB")

        let lines = try runShell("wc -l < '\(dir.path)/out.ndjson'; tail -n 1 '\(dir.path)/out.ndjson'").stdoutLines
        #expect(Int(lines[0].trimmingCharacters(in: .whitespaces)) == count)
        let last = try parseJSON(lines[1])
        #expect(value(last, "trail.file") as? String == "s3://bucket/big.json.gz")
        #expect(value(last, "trail.index") as? Int == count - 1)
    }
}
