#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a record came from, for error messages: `source:line`.
public struct RecordLocation: Sendable {
    public let source: String
    public let line: Int

    public init(source: String, line: Int) {
        self.source = source
        self.line = line
    }
}

/// The NDJSON loop every stage runs: read the named inputs (or stdin) line by line, check
/// each line is a JSON object, report and skip the bad ones, hand the good ones on.
public struct NDJSONInput {
    public let inputs: [String]
    /// Longer lines are reported and skipped without being held whole (`--max-record-size`).
    public let maxRecordSize: Int

    /// `inputs` are file paths; none, or `-`, means standard input.
    public init(_ inputs: [String], maxRecordSize: Int = LineReader.defaultMaxLineLength) {
        self.inputs = inputs.isEmpty ? ["-"] : inputs
        self.maxRecordSize = maxRecordSize
    }

    /// Calls `body` with a scanner over each valid object line and the offset of its `{`.
    /// `output` is flushed before each blocking read so downstream stages see records promptly.
    public func forEachObject(
        diagnostics: Diagnostics,
        flushing output: OutputWriter? = nil,
        _ body: (JSONScanner, Int, RecordLocation) throws -> Void
    ) throws {
        try forEachLine(diagnostics: diagnostics, flushing: output) { line, location in
            let scanner = JSONScanner(line)
            guard let root = try NDJSONInput.object(scanner, at: location, diagnostics: diagnostics) else { return }
            try body(scanner, root, location)
        }
    }

    /// Calls `body` with each non-empty line as it was read, unchecked, for a stage that checks
    /// lines itself (with `object(_:at:diagnostics:)`) and can pass over some cheaply. A line
    /// longer than `maxRecordSize` is reported to `diagnostics` and skipped; without
    /// diagnostics (a file this program wrote) it is an error.
    public func forEachLine(
        diagnostics: Diagnostics? = nil,
        flushing output: OutputWriter? = nil,
        _ body: (UnsafeRawBufferPointer, RecordLocation) throws -> Void
    ) throws {
        try forEachInput { fd, name in
            let reader = LineReader(fileDescriptor: fd, maxLineLength: maxRecordSize)
            if let output { reader.beforeRead = { try output.finish() } }
            try reader.forEachLine({ line, number in
                // Once the output is gone (`| head`), the run ends instead of reading on.
                try output?.checkWritten()
                try body(line, RecordLocation(source: name, line: number))
            }, tooLong: { number in try skipTooLong(name, number, diagnostics) })
        }
    }

    /// Like `forEachObject`, with each line checked on a second thread while `body` handles the
    /// lines before it (`CheckedLines`): for a stage that passes on every byte it reads, where
    /// checking them all would otherwise cost more than the stage's own work. Order and
    /// messages are as if each line were checked just before `body` sees it.
    public func forEachObjectCheckedAside(
        diagnostics: Diagnostics,
        flushing output: OutputWriter? = nil,
        _ body: (JSONScanner, Int, RecordLocation) throws -> Void
    ) throws {
        try forEachBlock(lanes: 1, work: { CheckedLines() }, flushing: output) { block, checked, name in
            for (line, verdict) in zip(block.lines, checked.verdicts) {
                guard case .text(let range, let number) = line else {
                    if case .tooLong(let number) = line { try skipTooLong(name, number, diagnostics) }
                    continue
                }
                try output?.checkWritten()
                let scanner = JSONScanner(block.text(range)), location = RecordLocation(source: name, line: number)
                guard let root = try NDJSONInput.object(scanner, verdict, at: location, diagnostics: diagnostics) else { continue }
                try body(scanner, root, location)
            }
        }
    }

    /// Like `forEachLine`, a block of lines at a time, each block's `Work` done on one of up to
    /// `lanes` worker threads while `body` acts on the blocks before it (`LineBlockReader`):
    /// for a stage whose per-line work can be done apart from its output and state. `body`
    /// gets each block in input order with its work and the input's name; a line too long is
    /// for it to report in its place (`skipTooLong`).
    public func forEachBlock<Work: LineBlockWork>(
        lanes: Int,
        work: @escaping () -> Work,
        flushing output: OutputWriter? = nil,
        _ body: (LineBlockView, Work, String) throws -> Void
    ) throws {
        let reader = LineBlockReader(maxLineLength: maxRecordSize, lanes: lanes, work: work)
        try forEachInput { fd, name in
            try reader.forEachBlock(in: fd, flushing: output) { block, done in
                // Once the output is gone (`| head`), the run ends instead of reading on.
                try output?.checkWritten()
                try body(block, done, name)
            }
        }
    }

    /// Calls `body` with each input open and its name in messages (`<stdin>` for `-`).
    public func forEachInput(_ body: (Int32, String) throws -> Void) throws {
        for input in inputs {
            let isStdin = input == "-"
            let fd = isStdin ? 0 : open(input, O_RDONLY)
            guard fd >= 0 else { throw IOFailure(path: input, errno: errno) }
            defer { if !isStdin { close(fd) } }
            try body(fd, isStdin ? "<stdin>" : input)
        }
    }

    /// A line over `maxRecordSize`: reported and skipped, or an error without diagnostics.
    public func skipTooLong(_ name: String, _ number: Int, _ diagnostics: Diagnostics?) throws {
        guard let diagnostics else { throw RecordTooLong(place: "\(name):\(number)", limit: maxRecordSize) }
        try diagnostics.badRecord(source: name, line: number, "record longer than \(maxRecordSize) bytes; skipped")
    }

    /// The offset of the line's JSON value after checking it, or nil once a bad line has been
    /// reported (an error with `--strict`).
    public static func value(_ scanner: JSONScanner, at location: RecordLocation, diagnostics: Diagnostics) throws -> Int? {
        try report(Result { () throws(JSONError) -> Int in try scanner.validateDocument() }.mapError(LineProblem.init),
                   at: location, diagnostics: diagnostics)
    }

    /// Like `value(_:at:diagnostics:)`, for a line that must hold a JSON object.
    public static func object(_ scanner: JSONScanner, at location: RecordLocation, diagnostics: Diagnostics) throws -> Int? {
        try report(checkObject(scanner), at: location, diagnostics: diagnostics)
    }

    /// Like `object(_:at:diagnostics:)`, for a line checked already: `verdict` is its value's
    /// offset or its syntax error.
    static func object(_ scanner: JSONScanner, _ verdict: Result<Int, JSONError>, at location: RecordLocation, diagnostics: Diagnostics) throws -> Int? {
        try report(checkObject(scanner, verdict), at: location, diagnostics: diagnostics)
    }

    /// The offset of the line's JSON object after checking it, or what is wrong with the line;
    /// for a stage that reports it later, in input order.
    public static func checkObject(_ scanner: JSONScanner) -> Result<Int, LineProblem> {
        checkObject(scanner, Result { () throws(JSONError) -> Int in try scanner.validateDocument() })
    }

    private static func checkObject(_ scanner: JSONScanner, _ verdict: Result<Int, JSONError>) -> Result<Int, LineProblem> {
        verdict.mapError(LineProblem.init).flatMap { root in
            guard scanner.kind(at: root) == .object else {
                return .failure(LineProblem("expected a JSON object, found \(scanner.kind(at: root).map { "\($0)" } ?? "nothing")"))
            }
            return .success(root)
        }
    }

    /// Like `checkObject(_:)`, for a line framed as `TrailHeader` says whose members up to
    /// `checkedUpTo` (just after a member's value: the header's at least) were checked already:
    /// only the rest is checked.
    public static func checkFramedObject(_ scanner: JSONScanner, checkedUpTo: Int) -> Result<Int, LineProblem> {
        Result { () throws(JSONError) -> Int in
            try scanner.validateObjectRest(from: checkedUpTo)
            return 0
        }.mapError(LineProblem.init)
    }

    /// The line's value, or nil once its problem is reported (an error with `--strict`).
    private static func report(_ checked: Result<Int, LineProblem>, at location: RecordLocation, diagnostics: Diagnostics) throws -> Int? {
        switch checked {
        case .success(let root): return root
        case .failure(let problem):
            try diagnostics.badRecord(source: location.source, line: location.line, problem.description)
            return nil
        }
    }
}

/// Why a line is not a record a stage takes, as reported in its place (`source:line: …`).
public struct LineProblem: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
    init(_ error: JSONError) { description = "invalid JSON: \(error)" }
}
