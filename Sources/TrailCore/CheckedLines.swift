#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch

/// Lines read in blocks and checked as JSON on a second thread while the caller handles the
/// block before: a stage that writes what it reads must check every byte it passes on, and
/// the check costs more than the rest of such a stage's work, so on a machine with two cores
/// it runs beside it instead of before it.
///
/// A line trail-flatten framed (`TrailHeader`) is checked but for its header, which the caller
/// checks as it reads it: the work is shared about equally between the two threads.
///
/// Order and messages are as if each line were checked just before the caller sees it: the
/// caller gets the lines of one input in order, each with its verdict; lines too long are
/// reported in their place; before a read that would wait for input, every line read so far is
/// handed over and `output` flushed, so a live stream is not held back for a block to fill.
struct CheckedLineReader {
    /// Whole lines as read, in the buffer they were read into: handed to the checking thread
    /// and back whole, so no line is copied.
    final class Block: @unchecked Sendable {
        // @unchecked: a block is owned by one thread at a time. The reader fills it, hands it
        // to the checker with `submit` and touches it again only after `waitUntilChecked`.
        var storage: UnsafeMutableRawBufferPointer
        /// Bytes read into `storage`; the lines and the partial line after them lie below.
        var used = 0
        var lines: [LineSplitter.Line] = []
        /// Per line: the offset of its value, or its syntax error (`.success(0)` for a line
        /// too long, which is not checked).
        var verdicts: [Result<Int, JSONError>] = []
        private let checked = DispatchSemaphore(value: 0)

        init(capacity: Int) { storage = .allocate(byteCount: capacity, alignment: 16) }
        deinit { storage.deallocate() }

        var isFull: Bool { used == storage.count }
        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(storage) }

        func text(_ range: Range<Int>) -> UnsafeRawBufferPointer {
            precondition(range.lowerBound >= 0 && range.upperBound <= used, "a line lies inside its block's bytes")
            return UnsafeRawBufferPointer(rebasing: bytes[range])
        }

        /// Room for `count` bytes: a larger storage, what was read kept.
        func grow(to count: Int) {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
            if used > 0 { bigger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: used) }
            storage.deallocate()
            storage = bigger
        }

        /// Checks every line as one JSON text: its value's offset, or the first syntax error. A
        /// framed line's header is left to the caller, who reads it member by member anyway.
        func check(maxDepth: Int) {
            verdicts.removeAll(keepingCapacity: true)
            for line in lines {
                guard case .text(let range, _) = line else {
                    verdicts.append(.success(0))
                    continue
                }
                let s = JSONScanner(text(range), maxDepth: maxDepth)
                verdicts.append(Result { () throws(JSONError) -> Int in
                    guard TrailHeader.isFramed(s), let headerEnd = s.skipValue(at: TrailHeader.offset) else {
                        return try s.validateDocument()
                    }
                    try s.validateObjectRest(from: headerEnd)
                    return 0
                })
            }
        }

        func submit(to queue: DispatchQueue, maxDepth: Int) {
            queue.async { [self] in
                check(maxDepth: maxDepth)
                checked.signal()
            }
        }

        func waitUntilChecked() { checked.wait() }

        /// Empty again for the next block; a block grown for one huge line gives the memory back.
        func reset(capacity: Int) {
            used = 0
            lines.removeAll(keepingCapacity: true)
            if storage.count > 4 * capacity {
                storage.deallocate()
                storage = .allocate(byteCount: capacity, alignment: 16)
            }
        }
    }

    /// Bytes read into a block before it is handed to the checker.
    static let blockSize = 1 << 20
    let maxDepth: Int
    let maxLineLength: Int
    private let queue = DispatchQueue(label: "trail.checked-lines")

    init(maxLineLength: Int, maxDepth: Int = JSONScanner.defaultMaxDepth) {
        self.maxLineLength = maxLineLength
        self.maxDepth = maxDepth
    }

    typealias Body = (JSONScanner, Result<Int, JSONError>, Int) throws -> Void

    /// Reads `fd` to its end, calling `body` with each line's scanner, verdict and number,
    /// and `tooLong` in its place with the number of each line over the limit.
    func forEachLine(in fd: Int32, flushing output: OutputWriter?, _ body: Body, tooLong: (Int) throws -> Void) throws {
        var reading = Reading(self)
        // Whatever happens in `body`, the checker is done with a block before it is freed.
        defer { reading.checking?.waitUntilChecked() }
        var splitter = LineSplitter(maxLineLength: maxLineLength)
        var start = 0
        while true {
            // A partial line carried into a fresh block may fill it: room until there is some.
            while reading.block.isFull { try reading.makeRoom(&start, body, tooLong) }
            if !LineReader.inputIsReady(fd) {
                try reading.drain(&start, body, tooLong)
                output?.flush()
            }
            let block = reading.block
            precondition(block.used < block.storage.count, "a read has room: a read into none would end the input early")
            let n = read(fd, block.storage.baseAddress! + block.used, block.storage.count - block.used)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOFailure(path: "<input>", errno: errno)
            }
            if n == 0 { break }
            start = splitter.split(block.bytes, start: start, scan: block.used, end: block.used + n) { block.lines.append($0) }
            block.used += n
        }
        let block = reading.block
        splitter.finish(block.bytes, start: start, end: block.used) { block.lines.append($0) }
        start = block.used
        try reading.drain(&start, body, tooLong)
    }

    /// The blocks of one read: the one being filled, the one the checker has, spare ones.
    private struct Reading {
        let reader: CheckedLineReader
        var block = Block(capacity: CheckedLineReader.blockSize)
        var checking: Block?
        var free: [Block] = []

        init(_ reader: CheckedLineReader) { self.reader = reader }

        /// A full block: its whole lines handed over, or, when it holds none, room for the
        /// line it is reading (moved to the front, or a larger block up to the line limit).
        mutating func makeRoom(_ start: inout Int, _ body: Body, _ tooLong: (Int) throws -> Void) throws {
            if !block.lines.isEmpty { return try handOver(&start, body, tooLong) }
            if start > 0 {
                let partial = block.used - start
                if partial > 0 { block.storage.baseAddress!.copyMemory(from: block.storage.baseAddress! + start, byteCount: partial) }
                block.used = partial
                start = 0
            } else {
                block.grow(to: min(block.storage.count * 2, reader.maxLineLength + 1))
            }
        }

        /// Sends the block's whole lines to be checked (its partial line goes on in a fresh
        /// block), then hands the block checked before to `body`: the checker works on the
        /// next block while `body` handles this one.
        mutating func handOver(_ start: inout Int, _ body: Body, _ tooLong: (Int) throws -> Void) throws {
            let checked = checking
            checked?.waitUntilChecked()
            checking = nil
            if !block.lines.isEmpty {
                let next = free.popLast() ?? Block(capacity: CheckedLineReader.blockSize)
                let partial = block.used - start
                if partial > next.storage.count { next.grow(to: partial) }
                if partial > 0 { next.storage.baseAddress!.copyMemory(from: block.storage.baseAddress! + start, byteCount: partial) }
                next.used = partial
                start = 0
                block.submit(to: reader.queue, maxDepth: reader.maxDepth)
                checking = block
                block = next
            }
            if let checked {
                try reader.deliver(checked, body, tooLong)
                checked.reset(capacity: CheckedLineReader.blockSize)
                free.append(checked)
            }
        }

        /// Every line read so far, checked and handed over.
        mutating func drain(_ start: inout Int, _ body: Body, _ tooLong: (Int) throws -> Void) throws {
            try handOver(&start, body, tooLong)
            try handOver(&start, body, tooLong)
        }
    }

    private func deliver(_ block: Block, _ body: Body, _ tooLong: (Int) throws -> Void) throws {
        for (line, verdict) in zip(block.lines, block.verdicts) {
            switch line {
            case .text(let range, let number): try body(JSONScanner(block.text(range), maxDepth: maxDepth), verdict, number)
            case .tooLong(let number): try tooLong(number)
            }
        }
    }
}
