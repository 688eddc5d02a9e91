/// Lines checked as JSON on a second thread while the caller handles the block before: a
/// stage that writes what it reads must check every byte it passes on, and the check costs
/// more than the rest of such a stage's work, so on a machine with two cores it runs beside
/// it instead of before it.
///
/// A line trail-flatten framed (`TrailHeader`) is checked but for its header, which the caller
/// checks as it reads it: the work is shared about equally between the two threads.
///
/// Order and messages are as if each line were checked just before the caller sees it: lines
/// too long are reported in their place (see `LineBlockReader` for the rest).
struct CheckedLineReader {
    /// Per line of a block: the offset of its value, or its syntax error (`.success(0)` for
    /// a line too long, which is not checked).
    final class Verdicts: LineBlockWork {
        let maxDepth: Int
        var verdicts: [Result<Int, JSONError>] = []

        init(maxDepth: Int) { self.maxDepth = maxDepth }

        /// Checks every line as one JSON text: its value's offset, or the first syntax error. A
        /// framed line's header is left to the caller, who reads it member by member anyway.
        func process(_ block: LineBlockView) {
            verdicts.removeAll(keepingCapacity: true)
            for line in block.lines {
                guard case .text(let range, _) = line else {
                    verdicts.append(.success(0))
                    continue
                }
                let s = JSONScanner(block.text(range), maxDepth: maxDepth)
                verdicts.append(Result { () throws(JSONError) -> Int in
                    guard TrailHeader.isFramed(s), let headerEnd = s.skipValue(at: TrailHeader.offset) else {
                        return try s.validateDocument()
                    }
                    try s.validateObjectRest(from: headerEnd)
                    return 0
                })
            }
        }
    }

    let maxDepth: Int
    private let reader: LineBlockReader<Verdicts>

    init(maxLineLength: Int, maxDepth: Int = JSONScanner.defaultMaxDepth) {
        self.maxDepth = maxDepth
        reader = LineBlockReader(maxLineLength: maxLineLength, lanes: 1) { Verdicts(maxDepth: maxDepth) }
    }

    typealias Body = (JSONScanner, Result<Int, JSONError>, Int) throws -> Void

    /// Reads `fd` to its end, calling `body` with each line's scanner, verdict and number,
    /// and `tooLong` in its place with the number of each line over the limit.
    func forEachLine(in fd: Int32, flushing output: OutputWriter?, _ body: Body, tooLong: (Int) throws -> Void) throws {
        try reader.forEachBlock(in: fd, flushing: output) { block, checked in
            for (line, verdict) in zip(block.lines, checked.verdicts) {
                switch line {
                case .text(let range, let number): try body(JSONScanner(block.text(range), maxDepth: maxDepth), verdict, number)
                case .tooLong(let number): try tooLong(number)
                }
            }
        }
    }
}
