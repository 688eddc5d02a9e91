import Foundation
import Testing
import TrailCore
@testable import TrailFetch
import TrailTestSupport

/// Hostile objects and files: gzip bombs, oversized documents, devices and FIFOs, objects
/// refused or too big in a bucket. None may fill memory, hang the run, or stop later runs.
@Suite struct LimitTests {
    static var tool: String { S3FetchTests.tool }

    /// Writes `head` then `times` gzip members of 100 MiB of `fill`, made on the fly: the
    /// file is about 100 KiB per member and inflates to `times` × 100 MiB.
    static func bomb(_ path: String, head: String, fill: UInt8, times: Int) throws {
        let result = try runShell("""
            python3 -c '
            import sys, zlib
            def member(data):
                c = zlib.compressobj(9, zlib.DEFLATED, 31)
                return c.compress(data) + c.flush()
            block = member(bytes([int(sys.argv[2])]) * (100 << 20))
            with open(sys.argv[4], "wb") as f:
                if sys.argv[1]: f.write(member(sys.argv[1].encode()))
                for _ in range(int(sys.argv[3])): f.write(block)
            ' '\(head)' \(fill) \(times) '\(path)'
            """)
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// Peak resident memory of the command, in KiB, from GNU time's report on stderr.
    static func peakKiB(_ stderr: String) -> Int? {
        stderr.split(separator: "\n").first { $0.contains("Maximum resident set size") }
            .flatMap { Int($0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) }
    }

    @Test func gzipBombsAreSkippedInBoundedMemory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // 10 GiB of zeros (not JSON from the first byte), and 10 GiB of spaces inside an
        // open array, which only the object cap stops.
        let zeros = dir.path + "/zeros.json.gz", spaces = dir.path + "/spaces.json.gz"
        try Self.bomb(zeros, head: "", fill: 0, times: 100)
        try Self.bomb(spaces, head: #"{"Records":["#, fill: 0x20, times: 100)
        let good = try dir.write("good.json", #"{"Records":[{"eventID":"kept"}]}"#)
        let run = try runShell("/usr/bin/time -v '\(Self.tool)' '\(zeros)' '\(spaces)' '\(good)'", timeout: 300)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stdoutLines == [#"{"trailFile":"\#(good)","Records":[{"eventID":"kept"}]}"#])
        #expect(run.stderr.contains("trail-fetch: \(zeros): invalid JSON: "))
        #expect(run.stderr.contains("trail-fetch: \(spaces): decompressed size exceeds 1 GiB; skipped"))
        let peak = Self.peakKiB(run.stderr)
        #expect(peak.map { $0 < 256 << 10 } == true, "peak RSS \(peak.map(String.init) ?? "?") KiB")
    }

    @Test func aDocumentOverTheRecordSizeIsLeftOutAndTheRestDelivered() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let big = String(repeating: "b", count: 2048)
        let file = try dir.write("three.json", #"{"n":1} {"n":"\#(big)"} [{"n":3}]"#)
        let run = try runShell("'\(Self.tool)' --max-record-size 1K '\(file)'")
        #expect(run.status == 1)
        #expect(run.stdoutLines == [#"{"trailFile":"\#(file)","trailDoc":0,"n":1}"#, #"{"trailFile":"\#(file)","trailDoc":2,"Records":[{"n":3}]}"#])
        #expect(run.stderr == "trail-fetch: \(file): document 2 exceeds the record size limit (1 KiB); skipped\n")
        // Under the default limit the object is held whole and checked once: the same documents.
        let whole = try runShell("'\(Self.tool)' '\(file)'")
        #expect(whole.status == 0 && whole.stdoutLines.count == 3 && whole.stdoutLines[0] == run.stdoutLines[0] && whole.stdoutLines[2] == run.stdoutLines[1])
        // The same object whole, gzipped, under a cap it exceeds once inflated.
        let gzipped = try dir.write("three.json.gz", try FileIO.readFile(file).withUnsafeBytes { try Gzip.deflate($0) })
        let capped = try runShell("'\(Self.tool)' --max-object-size 1K '\(gzipped)'")
        #expect(capped.status == 1 && capped.stdout.isEmpty)
        #expect(capped.stderr == "trail-fetch: \(gzipped): decompressed size exceeds 1 KiB; skipped\n")
    }

    @Test func limitOptionsTakeSuffixesAndRanges() throws {
        let sample = S3FetchTests.sample
        #expect(try runShell("'\(Self.tool)' --max-object-size 64M --max-record-size 1g '\(sample)' >/dev/null").status == 0)
        for bad in ["--max-object-size 0", "--max-object-size 2T", "--max-record-size 12Q", "--max-record-size -1K"] {
            let run = try runShell("'\(Self.tool)' \(bad) '\(sample)'")
            #expect(run.status == 64, "\(bad): \(run.stderr)")
        }
        #expect(parseByteCount("64M") == 64 << 20 && parseByteCount("1GiB") == 1 << 30 && parseByteCount("512k") == 512 << 10)
        #expect(parseByteCount("") == nil && parseByteCount("M") == nil && parseByteCount("99999999999T") == nil)
        #expect(formatLimit(1 << 30) == "1 GiB" && formatLimit(1500) == "1500 bytes")
    }

    @Test func aFolderPassesOverDevicesFIFOsSocketsAndLinkLoops() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let good = try dir.write("logs/good.json", #"{"Records":[]}"#)
        let logs = dir.path + "/logs"
        let setup = try runShell("""
            cd '\(logs)' && ln -s /dev/zero zero.json && mkfifo fifo.json && ln -s self.json self.json \
              && ln -s nowhere dangling.json && ln -s . loop && ln -s /dev/urandom random.json.gz \
              && python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("sock.json")'
            """)
        #expect(setup.status == 0, "\(setup.stderr)")
        let run = try runShell("'\(Self.tool)' '\(logs)'", timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutLines == [#"{"trailFile":"\#(good)","Records":[]}"#])
        for (name, reason) in [("zero.json", "not a regular file"), ("fifo.json", "not a regular file"), ("sock.json", "not a regular file"),
                               ("random.json.gz", "not a regular file"), ("self.json", "a symbolic link loop"),
                               ("dangling.json", "a dangling link"), ("loop", "a link to a folder already read")] {
            #expect(run.stderr.contains("trail-fetch: \(logs)/\(name): \(reason)"), "\(name): \(run.stderr)")
        }
        #expect(run.stderr.split(separator: "\n").count == 7)

        // Named on the command line, a device is read up to the cap and a FIFO is read.
        let zero = try runShell("'\(Self.tool)' --max-object-size 1M /dev/zero", timeout: 30)
        #expect(zero.status == 1 && zero.stderr == "trail-fetch: /dev/zero: size exceeds 1 MiB; skipped\n")
        let fifo = try runShell(#"(echo '{"a":1}' > '\#(logs)/fifo.json' &); '\#(Self.tool)' '\#(logs)/fifo.json'"#, timeout: 30)
        #expect(fifo.stdoutLines == [#"{"trailFile":"\#(logs)/fifo.json","a":1}"#])
    }

    @Test func objectsTooBigOrRefusedAreReportedAndRecordedAsDone() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let day = HostileKeyTests.day
        let bomb = dir.path + "/bomb.json.gz"
        try Self.bomb(bomb, head: #"{"Records":["#, fill: 0x20, times: 1)
        let big = try dir.write("big.json", #"{"Records":[{"eventID":"\#(String(repeating: "x", count: 2 << 20))"}]}"#)
        let good = try dir.write("good.json", #"{"Records":[{"eventID":"kept"}]}"#)
        try moto.put(bucket: "limits", [(day + "a-bomb.json.gz", bomb), (day + "b-big.json", big), (day + "c-good.json", good)])
        let state = dir.path + "/state.json"
        let first = try S3FetchTests.fetch("--state \(state) --max-object-size 1M s3://limits", moto)
        #expect(first.status == 1)
        #expect(first.stdoutLines.count == 1 && first.stdout.contains("kept"))
        #expect(first.stderr.contains("s3://limits/\(day)a-bomb.json.gz: decompressed size exceeds 1 MiB; skipped"), "\(first.stderr)")
        #expect(first.stderr.contains("s3://limits/\(day)b-big.json: size exceeds 1 MiB; skipped"), "\(first.stderr)")
        #expect(first.stderr.contains("2 Get requests"), "the object listed too big is not fetched: \(first.stderr)")
        let second = try S3FetchTests.fetch("--state \(state) --max-object-size 1M s3://limits", moto)
        #expect(second.status == 0 && second.stdout.isEmpty && second.stderr.contains(" 0 Get requests"), "\(second.stderr)")
    }

    @Test func anObjectTheServerRefusesDoesNotBlockLaterRuns() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let day = HostileKeyTests.day
        let table = ["b/\(day)a.json": #"{"n":1}"#, "b/\(day)b-denied.json": nil, "b/\(day)c.json": #"{"n":3}"#]
        let objects = try dir.write("objects.json", String(decoding: try JSONSerialization.data(withJSONObject: table.mapValues { $0 ?? NSNull() as Any }), as: UTF8.self))
        let server = try LoopbackServer(["python3", packageRoot + "/Tests/TrailFetchTests/signed_s3_listener.py", "AKIDLISTENER", "secret", objects])
        defer { server.stop() }
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDLISTENER", "AWS_SECRET_ACCESS_KEY": "secret",
                           "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:\(server.port)", "AWS_REGION": "us-east-1",
                           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"]
        let state = dir.path + "/state.json"
        let first = try runShell("'\(Self.tool)' --state '\(state)' s3://b", environment: environment)
        #expect(first.status == 1)
        #expect(first.stdoutLines.count == 2)
        #expect(first.stderr.contains("trail-fetch: s3://b/\(day)b-denied.json: access denied (AccessDenied)\n"), "\(first.stderr)")
        let second = try runShell("'\(Self.tool)' --state '\(state)' s3://b", environment: environment)
        #expect(second.status == 0 && second.stdout.isEmpty && second.stderr.contains(" 0 Get requests"), "\(second.stderr)")
        #expect(server.log.components(separatedBy: "b-denied.json").count == 2, "fetched once: \(server.log)")
    }
}

/// The splitter finds the same documents wherever the chunks are cut: inside strings, in
/// runs of backslashes, between a number and what ends it.
@Suite struct DocumentSplitterTests {
    static let text = #"{"a":"x\"y\\","b":[1,"\\\"",{}]} [2,"]"] "s\\\"" 3 {"c":"}\\\\"}"#
    static let documents = [#"{"a":"x\"y\\","b":[1,"\\\"",{}]}"#, #"[2,"]"]"#, #""s\\\"""#, "3", #"{"c":"}\\\\"}"#]

    /// The documents found when `text` comes in chunks of `size` bytes.
    static func split(_ text: String, size: Int) -> [String] {
        let bytes = Array(text.utf8)
        var splitter = TrailFetch.DocumentSplitter()
        var found: [String] = [], start = 0
        for offset in stride(from: 0, to: bytes.count, by: size) {
            let chunk = Array(bytes[offset..<min(offset + size, bytes.count)])
            chunk.withUnsafeBytes { raw in
                var at = 0
                while at < raw.count {
                    let (next, boundary) = splitter.advance(raw, from: at)
                    at = next
                    if case .started(let first) = boundary { start = offset + first }
                    if boundary == .ended { found.append(String(decoding: bytes[start..<offset + at], as: UTF8.self)) }
                }
            }
        }
        if splitter.inValue, splitter.finish() { found.append(String(decoding: bytes[start...], as: UTF8.self)) }
        return found
    }

    @Test func findsTheSameDocumentsWhateverTheChunks() {
        for size in 1...Self.text.utf8.count {
            #expect(Self.split(Self.text, size: size) == Self.documents, "chunks of \(size)")
        }
    }
}
