/// The lines of a block checked as JSON, on a second thread while the stage handles the block
/// before (`NDJSONInput.forEachObjectCheckedAside`): a stage that writes what it reads must
/// check every byte it passes on, and the check costs more than the rest of such a stage's
/// work, so on a machine with two cores it runs beside it instead of before it.
///
/// A line trail-flatten framed (`TrailHeader`) is checked but for its header, which the stage
/// checks as it reads it: the work is shared about equally between the two threads.
final class CheckedLines: LineBlockWork {
    /// Per line of the block: the offset of its value, or its syntax error (`.success(0)` for
    /// a line too long, which is not checked).
    private(set) var verdicts: [Result<Int, JSONError>] = []

    func process(_ block: LineBlockView) {
        verdicts.removeAll(keepingCapacity: true)
        for line in block.lines {
            guard case .text(let range, _) = line else {
                verdicts.append(.success(0))
                continue
            }
            let s = JSONScanner(block.text(range))
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
