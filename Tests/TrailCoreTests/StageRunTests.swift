import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// How a run ends: the status each outcome means, and output that cannot be written
/// (`OutputFailure`) instead of an exit() inside the library.
@Suite struct StageRunTests {
    /// A pipe whose reading end is closed: every write fails with EPIPE.
    static func closedPipe() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        close(ends[0])
        return ends[1]
    }

    @Test func eachOutcomeHasItsStatus() {
        let collect = OutputWriter(collectingAs: "test")
        #expect(StageRun.status("t", output: collect) { _, _ in .success } == .success)
        #expect(StageRun.status("t", output: collect) { _, _ in .recordsSkipped } == .recordsSkipped)
        #expect(StageRun.status("t", output: collect) { _, _ in throw UsageError("--x: bad") } == .usage)
        #expect(StageRun.status("t", output: collect) { _, _ in throw IOFailure(path: "f", reason: "gone") } == .failure)
        let strict = StageRun.status("t", strict: true, output: collect) { diagnostics, _ in
            try diagnostics.badRecord(source: "f", line: 1, "not JSON")
            return .success
        }
        #expect(strict == .failure)
    }

    /// The reader is gone (`| head -1`): the run ends with status 0; any other write error is
    /// fatal (status 2). Neither exits the process.
    @Test func aClosedPipeEndsTheRunQuietlyWithStatusZero() {
        let fd = Self.closedPipe()
        defer { close(fd) }
        let output = OutputWriter(fileDescriptor: fd, name: "<stdout>")
        let status = StageRun.status("t", output: output) { _, output in
            output.writeLine(Array("{}".utf8))
            return .recordsSkipped
        }
        #expect(status == .success)
        #expect(output.failure?.isClosedPipe == true)
        let broken = OutputWriter(fileDescriptor: -1, name: "out.ndjson")
        #expect(StageRun.status("t", output: broken) { _, output in output.write("x"); return .success } == .failure)
        #expect(broken.failure?.description == "cannot write out.ndjson: Bad file descriptor")
    }

    /// The read loop stops at the next line once output fails, instead of reading on.
    @Test func theReadLoopStopsOnceTheOutputIsGone() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("in.ndjson", String(repeating: "{\"a\":1}\n", count: 1000))
        let fd = Self.closedPipe()
        defer { close(fd) }
        let output = OutputWriter(fileDescriptor: fd, capacity: 8)
        var seen = 0
        #expect(throws: OutputFailure.self) {
            try NDJSONInput([path]).forEachObject(diagnostics: Diagnostics(tool: "t"), flushing: output) { s, _, _ in
                seen += 1
                output.writeLine(Array("{\"a\":1}".utf8))
            }
        }
        #expect(seen == 1)
    }
}
