import TrailCore

/// Splits trail documents into one event per line, each led by the normalized `trail` header
/// and followed by the event's own members exactly as they were.
public final class Flattener {
    private let output: OutputWriter
    private let diagnostics: Diagnostics
    private var json = JSONWriter()
    public private(set) var eventsWritten = 0

    /// Members that provenance or an earlier flatten added in front of an event; they are
    /// replaced, never repeated.
    private static let addedMembers = ["trail", FetchEnvelope.fileKey, FetchEnvelope.documentKey].map { Array($0.utf8) }
    private static let records = Array(FetchEnvelope.recordsKey.utf8)
    private static let header = Array("trail".utf8)
    private static let file = Array("file".utf8)
    private static let index = Array("index".utf8)
    private static let eventMarkers = ["eventName", "eventTime", "eventID", "eventId"].map { Array($0.utf8) }

    public init(output: OutputWriter, diagnostics: Diagnostics) {
        self.output = output
        self.diagnostics = diagnostics
    }

    /// Flattens every line of `inputs` (files, or stdin when empty).
    public func run(inputs: [String]) throws -> ExitStatus {
        try NDJSONInput(inputs).forEachValue(diagnostics: diagnostics, flushing: output) { scanner, root, location in
            try flatten(scanner, root: root, location: location)
        }
        output.flush()
        return diagnostics.exitStatus
    }

    /// Flattens one input value: a log file document (`{"Records":[…]}`, an ActionTrail array)
    /// or a single event.
    public func flatten(_ s: JSONScanner, root: Int, location: RecordLocation) throws {
        switch s.kind(at: root) {
        case .array:
            try flattenElements(s, array: root, file: location.source, location: location)
        case .object:
            let file = s.member(FetchEnvelope.fileKey, ofObjectAt: root).flatMap { s.string(at: $0) } ?? location.source
            if let records = s.member(Flattener.records, ofObjectAt: root), s.kind(at: records) == .array {
                try flattenElements(s, array: records, file: file, location: location)
            } else if isEvent(s, root) {
                // An event flattened before keeps the provenance of the object it came from.
                let earlier = s.member(Flattener.header, ofObjectAt: root)
                let earlierFile = earlier.flatMap { s.member(Flattener.file, ofObjectAt: $0) }.flatMap { s.string(at: $0) }
                let index = (s.member(FetchEnvelope.documentKey, ofObjectAt: root) ?? earlier.flatMap { s.member(Flattener.index, ofObjectAt: $0) })
                    .flatMap { s.text(at: $0) }.flatMap(Int.init)
                writeEvent(s, record: root, file: earlierFile ?? file, index: index ?? location.line - 1)
            } else {
                try diagnostics.badRecord(source: location.source, line: location.line,
                                          "not a trail document: no Records array and no event fields")
            }
        default:
            try diagnostics.badRecord(source: location.source, line: location.line, "expected a JSON object or array")
        }
    }

    private func isEvent(_ s: JSONScanner, _ root: Int) -> Bool {
        Flattener.eventMarkers.contains { s.member($0, ofObjectAt: root) != nil }
    }

    private func flattenElements(_ s: JSONScanner, array: Int, file: String, location: RecordLocation) throws {
        var index = 0
        var problem: String?
        s.forEachElement(ofArrayAt: array) { element in
            if s.kind(at: element) == .object {
                writeEvent(s, record: element, file: file, index: index)
            } else {
                problem = "record \(index) is not a JSON object"
            }
            index += 1
            return problem == nil
        }
        if let problem { try diagnostics.badRecord(source: location.source, line: location.line, problem) }
    }

    private func writeEvent(_ s: JSONScanner, record: Int, file: String, index: Int) {
        json.bytes.removeAll(keepingCapacity: true)
        json.bytes.append(contentsOf: #"{"trail":"#.utf8)
        Header(s, record: record, file: file, index: index).write(to: &json)
        // Copy the record's own members verbatim, after any that were added in front of it.
        var firstOriginal: Int?
        s.forEachMember(ofObjectAt: record) { key, _ in
            if Flattener.addedMembers.contains(where: { s.stringEquals(at: key, $0) }) { return true }
            firstOriginal = key
            return false
        }
        if let firstOriginal, let recordEnd = try? s.valueEnd(at: record) {
            json.bytes.append(UInt8(ascii: ","))
            json.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: s.bytes[firstOriginal..<recordEnd]))
        } else {
            json.bytes.append(UInt8(ascii: "}"))
        }
        output.writeLine(json.bytes)
        eventsWritten += 1
    }
}
