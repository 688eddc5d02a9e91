import Dispatch
import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// Lines checked on a second thread (`forEachObjectCheckedAside`) reach the caller as if they
/// were checked one by one just before: same lines, same order, same verdicts, across blocks,
/// and promptly when the input is a slow stream.
@Suite struct CheckedLineReaderTests {
    /// Good, bad and over-long lines, framed and not, enough to fill several blocks.
    private func mixedLines(count: Int) -> [String] {
        var random = SplitMix(state: 11)
        let padding = String(repeating: "p", count: 700)
        return (0..<count).map { k in
            switch random.next() % 10 {
            case 0: return #"{"trail":{"id":"\#(k)"},"n":[1,]}"#                            // broken body
            case 1: return #"{"x":"\#(k)","s":"a\ob"}"#                                       // broken, unframed
            case 2: return "[\(k)]"                                                            // not an object
            case 3: return #"{"trail":{"id":"\#(k)"},"big":"\#(String(repeating: "b", count: 70_000))"}"#  // too long
            case 4: return #"{"x":\#(k)}"#                                                      // unframed, good
            default: return #"{"trail":{"id":"\#(k)","pad":"\#(padding)"},"eventName":"E"}"#  // framed, good
            }
        }
    }

    @Test func linesAndVerdictsAreThoseOfCheckingEachInTurn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("in.ndjson", mixedLines(count: 6_000).joined(separator: "\n") + "\n")
        let ndjson = NDJSONInput([input], maxRecordSize: 65_536)
        func collect(_ aside: Bool) throws -> (lines: [Int], skipped: Int) {
            let diagnostics = Diagnostics(tool: "test")
            var lines: [Int] = []
            let body: (JSONScanner, Int, RecordLocation) throws -> Void = { _, root, location in
                #expect(root == 0)
                lines.append(location.line)
            }
            if aside {
                try ndjson.forEachObjectCheckedAside(diagnostics: diagnostics, body)
            } else {
                try ndjson.forEachObject(diagnostics: diagnostics, body)
            }
            return (lines, diagnostics.skippedRecords)
        }
        let expected = try collect(false), aside = try collect(true)
        #expect(expected.skipped > 1_000 && expected.lines.count > 3_000, "the input mixes both kinds")
        #expect(aside.lines == expected.lines)
        #expect(aside.skipped == expected.skipped)
    }

    /// Lines longer than a block (1 MiB) but within the limit grow the block; longer ones
    /// are passed over; the lines around them come through, a carriage return left out.
    @Test func linesLongerThanABlockAreReadWhole() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let long = #"{"trail":{"id":"long"},"x":""# + String(repeating: "x", count: 3 << 20) + #""}"#
        let tooLong = #"{"x":""# + String(repeating: "y", count: 5 << 20) + #""}"#
        let lines = [#"{"a":1}"#, long, #"{"b":2}"# + "\r", tooLong, long, "", #"{"c":3}"#]
        let input = try dir.write("in.ndjson", lines.joined(separator: "\n"))
        let diagnostics = Diagnostics(tool: "test")
        var seen: [(Int, Int)] = []
        try NDJSONInput([input], maxRecordSize: 4 << 20).forEachObjectCheckedAside(diagnostics: diagnostics) { s, _, location in
            seen.append((location.line, s.count))
        }
        #expect(seen.map(\.0) == [1, 2, 3, 5, 7])
        #expect(seen.map(\.1) == [7, long.utf8.count, 7, long.utf8.count, 7])
        #expect(diagnostics.skippedRecords == 1)
    }

    @Test func theFirstBadLineStopsAStrictRunWhereItIs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let good = #"{"trail":{"id":"g"},"e":1}"#
        let input = try dir.write("in.ndjson", (Array(repeating: good, count: 5_000) + [#"{"trail":{},"e":01}"#] + Array(repeating: good, count: 5_000)).joined(separator: "\n"))
        var seen = 0
        #expect(throws: StrictModeStop.self) {
            try NDJSONInput([input]).forEachObjectCheckedAside(diagnostics: Diagnostics(tool: "test", strict: true)) { _, _, _ in seen += 1 }
        }
        #expect(seen == 5_000)
    }

    /// A line written to a pipe reaches the caller before the next is written: nothing waits
    /// for a block to fill when the input is a live stream.
    @Test(.timeLimit(.minutes(1))) func aSlowStreamIsHandedOverLineByLine() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let received = DispatchSemaphore(value: 0)
        let writer = fds[1]
        let lines = 5
        let feeding = Thread {
            for k in 0..<lines {
                let line = Array(#"{"trail":{"id":"\#(k)"},"e":1}"#.utf8) + [0x0A]
                _ = line.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
                // The next line is written only once this one has arrived (or after 10 s).
                _ = received.wait(timeout: .now() + 10)
            }
            close(writer)
        }
        let start = Date()
        feeding.start()
        var arrivals = 0
        try NDJSONInput(["/dev/fd/\(fds[0])"]).forEachObjectCheckedAside(diagnostics: Diagnostics(tool: "test")) { _, _, _ in
            arrivals += 1
            received.signal()
        }
        close(fds[0])
        #expect(arrivals == lines)
        let took = Date().timeIntervalSince(start)
        #expect(took < 5, "\(lines) lines took \(took) s: lines were held back until the end")
    }
}
