import Dispatch

/// Lines read in blocks and checked as JSON on a second thread while the caller handles the
/// block before: a stage that writes what it reads must check every byte it passes on, and
/// the check costs more than the rest of such a stage's work, so on a machine with two cores
/// it runs beside it instead of before it.
///
/// A line trail-flatten framed (`HeaderLine`) is checked but for its header, which the caller
/// checks as it reads it: the work is shared about equally between the two threads.
///
/// Order and messages are as if each line were checked just before the caller sees it: the
/// caller gets the lines of one input in order, each with its verdict; lines too long are
/// reported in their place; before a read that would wait for input, every line read so far is
/// handed over and `output` flushed, so a live stream is not held back for a block to fill.
struct CheckedLineReader {
    /// A block's bytes and lines as read; handed to the checking thread and back whole.
    final class Block: @unchecked Sendable {
        // @unchecked: a block is owned by one thread at a time. The reader fills it, hands it
        // to the checker with `submit` and touches it again only after `waitUntilChecked`.
        var storage: UnsafeMutableRawBufferPointer
        var used = 0
        var lines: [(start: Int, count: Int, number: Int)] = []
        var verdicts: [Result<Int, JSONError>] = []
        private let checked = DispatchSemaphore(value: 0)

        init(capacity: Int) { storage = .allocate(byteCount: capacity, alignment: 16) }
        deinit { storage.deallocate() }

        var isEmpty: Bool { lines.isEmpty }

        func append(_ line: UnsafeRawBufferPointer, number: Int) {
            if used + line.count > storage.count { grow(to: used + line.count) }
            if line.count > 0 { (storage.baseAddress! + used).copyMemory(from: line.baseAddress!, byteCount: line.count) }
            lines.append((used, line.count, number))
            used += line.count
        }

        private func grow(to needed: Int) {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(needed, storage.count * 2), alignment: 16)
            if used > 0 { bigger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: used) }
            storage.deallocate()
            storage = bigger
        }

        func line(_ k: Int) -> UnsafeRawBufferPointer {
            let l = lines[k]
            precondition(l.start >= 0 && l.start + l.count <= used, "a line lies inside its block's bytes")
            return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[l.start..<(l.start + l.count)])
        }

        /// Checks every line as one JSON text: its value's offset, or the first syntax error. A
        /// framed line's header is left to the caller, who reads it member by member anyway.
        func check(maxDepth: Int) {
            verdicts.removeAll(keepingCapacity: true)
            for k in lines.indices {
                let s = JSONScanner(line(k), maxDepth: maxDepth)
                verdicts.append(Result { () throws(JSONError) -> Int in
                    guard HeaderLine.isFramed(s), let headerEnd = s.skipValue(at: HeaderLine.headerOffset) else {
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

    /// Bytes of lines gathered before a block is handed to the checker.
    static let blockSize = 1 << 20
    let maxDepth: Int
    private let queue = DispatchQueue(label: "trail.checked-lines")

    init(maxDepth: Int = JSONScanner.defaultMaxDepth) { self.maxDepth = maxDepth }

    typealias Body = (JSONScanner, Result<Int, JSONError>, Int) throws -> Void

    /// Reads `reader` to its end, calling `body` with each line's scanner, verdict and number,
    /// and `tooLong` in its place with the number of each line over the limit.
    func read(_ reader: LineReader, flushing output: OutputWriter?, _ body: Body, tooLong: (Int) throws -> Void) throws {
        // The reader keeps `beforeRead` only while it reads (it is cleared before returning).
        try withoutActuallyEscaping(body) { body in try read(reader, flushing: output, escaping: body, tooLong: tooLong) }
    }

    private func read(_ reader: LineReader, flushing output: OutputWriter?, escaping body: @escaping Body, tooLong: (Int) throws -> Void) throws {
        var filling = Block(capacity: CheckedLineReader.blockSize)
        // The block the checker has, and blocks handed over and free to fill again.
        var checking: Block?
        var free: [Block] = []
        // Whatever happens in `body`, the checker is done with a block before it is freed.
        defer { checking?.waitUntilChecked() }

        /// Sends the filled block to be checked, then hands the one checked before to `body`:
        /// the checker works on the next block while `body` handles this one.
        func advance() throws {
            let checked = checking
            checked?.waitUntilChecked()
            checking = nil
            let submitted = !filling.isEmpty
            if submitted {
                filling.submit(to: queue, maxDepth: maxDepth)
                checking = filling
            }
            if let checked {
                try deliver(checked, body)
                checked.reset(capacity: CheckedLineReader.blockSize)
                free.append(checked)
            }
            if submitted { filling = free.popLast() ?? Block(capacity: CheckedLineReader.blockSize) }
        }
        /// Everything read so far, checked and handed over.
        func drain() throws {
            try advance()
            try advance()
        }
        reader.beforeRead = {
            try drain()
            output?.flush()
        }
        defer { reader.beforeRead = nil }
        try reader.forEachLine({ line, number in
            filling.append(line, number: number)
            if filling.used >= CheckedLineReader.blockSize { try advance() }
        }, tooLong: { number in
            try drain()
            try tooLong(number)
        })
        try drain()
    }

    private func deliver(_ block: Block, _ body: Body) throws {
        for k in block.lines.indices {
            try body(JSONScanner(block.line(k), maxDepth: maxDepth), block.verdicts[k], block.lines[k].number)
        }
    }
}
