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

    /// `inputs` are file paths; none, or `-`, means standard input.
    public init(_ inputs: [String]) {
        self.inputs = inputs.isEmpty ? ["-"] : inputs
    }

    /// Calls `body` with a scanner over each valid object line and the offset of its `{`.
    /// `output` is flushed before each blocking read so downstream stages see records promptly.
    public func forEachObject(
        diagnostics: Diagnostics,
        flushing output: OutputWriter? = nil,
        _ body: (JSONScanner, Int, RecordLocation) throws -> Void
    ) throws {
        try forEachValue(diagnostics: diagnostics, flushing: output) { scanner, root, location in
            guard scanner.kind(at: root) == .object else {
                try diagnostics.badRecord(source: location.source, line: location.line, "expected a JSON object, found \(scanner.kind(at: root).map { "\($0)" } ?? "nothing")")
                return
            }
            try body(scanner, root, location)
        }
    }

    /// Like `forEachObject`, for any JSON value per line.
    public func forEachValue(
        diagnostics: Diagnostics,
        flushing output: OutputWriter? = nil,
        _ body: (JSONScanner, Int, RecordLocation) throws -> Void
    ) throws {
        for input in inputs {
            let isStdin = input == "-"
            let fd = isStdin ? 0 : open(input, O_RDONLY)
            guard fd >= 0 else { throw IOFailure(path: input, errno: errno) }
            defer { if !isStdin { close(fd) } }
            let name = isStdin ? "<stdin>" : input
            let reader = LineReader(fileDescriptor: fd)
            if let output { reader.beforeRead = { output.flush() } }
            try reader.forEachLine { line, number in
                let scanner = JSONScanner(line)
                let root: Int
                do {
                    root = try scanner.validateDocument()
                } catch {
                    try diagnostics.badRecord(source: name, line: number, "invalid JSON: \(error)")
                    return
                }
                try body(scanner, root, RecordLocation(source: name, line: number))
            }
        }
    }
}
