#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch

/// The work a stage does on a block of lines away from its own thread: whatever it finds
/// stays in the object, for the stage to act on when the block is handed back in order.
public protocol LineBlockWork: AnyObject, SendableMetatype {
    /// Called on a worker thread, one block at a time per object, with the block's lines.
    func process(_ block: LineBlockView)
}

/// The lines of a block, as `LineBlockWork.process` and the stage see them.
public struct LineBlockView {
    public let bytes: UnsafeRawBufferPointer
    public let lines: [LineSplitter.Line]

    /// The text of a line in the block.
    public func text(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "a line lies inside its block's bytes")
        return UnsafeRawBufferPointer(rebasing: bytes[range])
    }
}

/// Whole lines as read, in the buffer they were read into, with the work done on them: handed
/// to a worker thread and back whole, so no line is copied.
final class LineBlock<Work: LineBlockWork>: @unchecked Sendable {
    // @unchecked: a block and its work are owned by one thread at a time. The reader fills
    // it, hands it to a worker with `submit` and touches it again only after `waitUntilDone`.
    var storage: UnsafeMutableRawBufferPointer
    /// Bytes read into `storage`; the lines and the partial line after them lie below.
    var used = 0
    var lines: [LineSplitter.Line] = []
    let work: Work
    private let done = DispatchSemaphore(value: 0)

    init(capacity: Int, work: Work) {
        storage = .allocate(byteCount: capacity, alignment: 16)
        self.work = work
    }
    deinit { storage.deallocate() }

    var isFull: Bool { used == storage.count }
    var view: LineBlockView { LineBlockView(bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<used]), lines: lines) }

    /// Room for `count` bytes: a larger storage, what was read kept.
    func grow(to count: Int) {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        if used > 0 { bigger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: used) }
        storage.deallocate()
        storage = bigger
    }

    func submit(to queue: DispatchQueue) {
        queue.async { [self] in
            work.process(view)
            done.signal()
        }
    }

    func waitUntilDone() { done.wait() }

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

/// Lines read in blocks, each block's `LineBlockWork` done on a worker thread while the caller
/// acts on the blocks before it, in order: up to `lanes` blocks are worked on at once, so a
/// stage whose per-line work is the larger part of its time uses that many cores.
///
/// Order and timing are as if each block were worked on just before the caller sees it: the
/// caller gets the blocks of one input in order; before a read that would wait for input,
/// every line read so far is handed over and `output` flushed, so a live stream is not held
/// back for a block to fill.
public struct LineBlockReader<Work: LineBlockWork> {
    /// Bytes read into a block before it is handed to a worker.
    static var blockSize: Int { 1 << 20 }
    let maxLineLength: Int
    let lanes: Int
    let makeWork: () -> Work
    private let queue = DispatchQueue(label: "trail.line-blocks", attributes: .concurrent)

    public init(maxLineLength: Int, lanes: Int, work makeWork: @escaping () -> Work) {
        precondition(lanes >= 1, "at least one block is worked on at a time")
        self.maxLineLength = maxLineLength
        self.lanes = lanes
        self.makeWork = makeWork
    }

    public typealias Body = (LineBlockView, Work) throws -> Void

    /// Reads `fd` to its end, calling `body` with each block once its work is done, in order.
    public func forEachBlock(in fd: Int32, flushing output: OutputWriter?, _ body: Body) throws {
        var reading = Reading(self)
        // Whatever happens in `body`, the workers are done with every block before it is freed.
        defer { for block in reading.working { block.waitUntilDone() } }
        var splitter = LineSplitter(maxLineLength: maxLineLength)
        var start = 0
        while true {
            // A partial line carried into a fresh block may fill it: room until there is some.
            while reading.block.isFull { try reading.makeRoom(&start, body) }
            if !LineReader.inputIsReady(fd) {
                try reading.drain(&start, body)
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
            start = splitter.split(UnsafeRawBufferPointer(block.storage), start: start, scan: block.used, end: block.used + n) { block.lines.append($0) }
            block.used += n
        }
        let block = reading.block
        splitter.finish(UnsafeRawBufferPointer(block.storage), start: start, end: block.used) { block.lines.append($0) }
        start = block.used
        try reading.drain(&start, body)
    }

    /// The blocks of one read: the one being filled, those being worked on (oldest first),
    /// spare ones.
    private struct Reading {
        let reader: LineBlockReader
        var block: LineBlock<Work>
        var working: [LineBlock<Work>] = []
        var free: [LineBlock<Work>] = []

        init(_ reader: LineBlockReader) {
            self.reader = reader
            block = LineBlock(capacity: LineBlockReader.blockSize, work: reader.makeWork())
        }

        /// A full block: its whole lines handed over, or, when it holds none, room for the
        /// line it is reading (moved to the front, or a larger block up to the line limit).
        mutating func makeRoom(_ start: inout Int, _ body: Body) throws {
            if !block.lines.isEmpty { return try handOver(&start, keeping: reader.lanes, body) }
            if start > 0 {
                let partial = block.used - start
                if partial > 0 { block.storage.baseAddress!.copyMemory(from: block.storage.baseAddress! + start, byteCount: partial) }
                block.used = partial
                start = 0
            } else {
                block.grow(to: min(block.storage.count * 2, reader.maxLineLength + 1))
            }
        }

        /// Sends the block's whole lines to a worker (its partial line goes on in a fresh
        /// block), then hands the oldest blocks worked on to `body` until `keeping` are left.
        mutating func handOver(_ start: inout Int, keeping: Int, _ body: Body) throws {
            if !block.lines.isEmpty {
                let next = free.popLast() ?? LineBlock(capacity: LineBlockReader.blockSize, work: reader.makeWork())
                let partial = block.used - start
                if partial > next.storage.count { next.grow(to: partial) }
                if partial > 0 { next.storage.baseAddress!.copyMemory(from: block.storage.baseAddress! + start, byteCount: partial) }
                next.used = partial
                start = 0
                block.submit(to: reader.queue)
                working.append(block)
                block = next
            }
            while working.count > keeping {
                let done = working.removeFirst()
                done.waitUntilDone()
                try body(done.view, done.work)
                done.reset(capacity: LineBlockReader.blockSize)
                free.append(done)
            }
        }

        /// Every line read so far, worked on and handed over.
        mutating func drain(_ start: inout Int, _ body: Body) throws {
            try handOver(&start, keeping: 0, body)
        }
    }
}
