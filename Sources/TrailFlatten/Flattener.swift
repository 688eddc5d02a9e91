#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TrailCore

/// How `Flattener` writes events.
public struct FlattenOptions {
    public enum Format: String, CaseIterable, Sendable {
        /// NDJSON: the `trail` header, then the event's own members.
        case json
        /// Tab-separated header fields, then the compact event: for grep and line-based monitors.
        case line
        /// OCSF API Activity (class 6003): for Security Lake and SIEMs that read OCSF.
        case ocsf
    }

    public var format: Format
    /// The header fields of `--format line`, in order.
    public var fields: [HeaderField]
    /// How many recent event ids `--dedupe` remembers; nil keeps every event.
    public var dedupeWindow: Int?
    /// The largest document held whole; larger ones are streamed element by element.
    public var windowLimit: Int

    public init(format: Format = .json, fields: [HeaderField] = HeaderField.allCases, dedupeWindow: Int? = nil,
                windowLimit: Int = 16 << 20) {
        self.format = format
        self.fields = fields
        self.dedupeWindow = dedupeWindow
        self.windowLimit = windowLimit
    }
}

/// Splits trail documents of any known shape into one event per line, each led by the
/// normalized `trail` header and followed by the event's own members exactly as they were.
///
/// Shapes (formats.md §2, §4): CloudTrail files `{"Records":[…]}` (also from trail-fetch, with
/// `trailFile`), ActionTrail arrays, single events, `lookup-events` output, CloudWatch Logs
/// subscription payloads (also Lambda's `{"awslogs":{"data":…}}`) and export lines,
/// EventBridge envelopes, SLS-delivered ActionTrail (`event`), Security Center CSPM records.
public final class Flattener: DocumentConsumer {
    private let output: OutputWriter
    private let diagnostics: Diagnostics
    private let options: FlattenOptions
    private var recentIDs: RecentIDs?
    private var json = JSONWriter()
    public private(set) var eventsWritten = 0
    public private(set) var duplicatesDropped = 0

    /// Members that provenance or an earlier flatten added in front of an event; they are
    /// replaced, never repeated.
    private static let header = Array("trail".utf8)
    private static let file = Array("file".utf8)
    private static let index = Array("index".utf8)
    private static let eventMarkers = ["eventName", "eventTime", "eventID", "eventId"].map { Array($0.utf8) }

    public init(output: OutputWriter, diagnostics: Diagnostics, options: FlattenOptions = FlattenOptions()) {
        self.output = output
        self.diagnostics = diagnostics
        self.options = options
        recentIDs = options.dedupeWindow.map(RecentIDs.init)
    }

    /// Flattens every document of `inputs` (files, or stdin when empty or `-`).
    public func run(inputs: [String]) throws -> ExitStatus {
        // Documents, not lines: the inputs are NDJSONInput's, the framing DocumentReader's.
        try NDJSONInput(inputs).forEachInput { fd, name in
            let reader = DocumentReader(fileDescriptor: fd, name: name, windowLimit: options.windowLimit)
            reader.beforeRead = { [output] in output.flush() }
            try reader.run(self)
        }
        try output.finish()
        return diagnostics.exitStatus
    }

    // MARK: Shapes

    /// What the elements of an array are, decided by the member holding it.
    private enum ElementShape {
        /// Trail records (`Records`, an ActionTrail array).
        case event
        /// `lookup-events` items: the record is the JSON string `CloudTrailEvent`.
        case lookupItem
        /// CloudWatch Logs log events: the record is the JSON string `message`.
        case logEvent

        /// The member holding the record as a JSON string; nil when the element is the record.
        var recordMember: String? { self == .lookupItem ? "CloudTrailEvent" : self == .logEvent ? "message" : nil }

        init?(arrayKey: String?) {
            switch arrayKey {
            case nil, FetchEnvelope.recordsKey?: self = .event
            case "Events"?: self = .lookupItem
            case "logEvents"?: self = .logEvent
            default: return nil
            }
        }
    }

    /// The top-level members that tell the shapes apart, found in one pass that stops at a
    /// record array: what comes after it is not read, as when a large document is streamed.
    private struct TopMembers {
        var records, events, logEvents, messageType, awslogs, detailType, detail, topic, event, file, document, isEvent: Int?

        init(_ s: JSONScanner, _ root: Int) {
            s.forEachMember(ofObjectAt: root) { key, value in
                if s.stringEquals(at: key, TopMembers.recordsKey) { records = value; return s.kind(at: value) != .array }
                else if s.stringEquals(at: key, TopMembers.eventsKey) { events = value; return s.kind(at: value) != .array }
                else if s.stringEquals(at: key, TopMembers.logEventsKey) { logEvents = value; return s.kind(at: value) != .array }
                else if s.stringEquals(at: key, TopMembers.messageTypeKey) { messageType = value }
                else if s.stringEquals(at: key, TopMembers.awslogsKey) { awslogs = value }
                else if s.stringEquals(at: key, TopMembers.detailTypeKey) { detailType = value }
                else if s.stringEquals(at: key, TopMembers.detailKey) { detail = value }
                else if s.stringEquals(at: key, TopMembers.topicKey) { topic = value }
                else if s.stringEquals(at: key, TopMembers.eventKey) { event = value }
                else if s.stringEquals(at: key, TopMembers.fileKey) { file = value }
                else if s.stringEquals(at: key, TopMembers.documentKey) { document = value }
                else if isEvent == nil, Flattener.eventMarkers.contains(where: { s.stringEquals(at: key, $0) }) { isEvent = value }
                return true
            }
        }

        static let recordsKey = Array(FetchEnvelope.recordsKey.utf8), eventsKey = Array("Events".utf8),
                   logEventsKey = Array("logEvents".utf8), messageTypeKey = Array("messageType".utf8),
                   awslogsKey = Array("awslogs".utf8), detailTypeKey = Array("detail-type".utf8),
                   detailKey = Array("detail".utf8), topicKey = Array("__topic__".utf8), eventKey = Array("event".utf8),
                   fileKey = Array(FetchEnvelope.fileKey.utf8), skippedKey = Array(FetchEnvelope.skippedKey.utf8),
                   documentKey = Array(FetchEnvelope.documentKey.utf8)
    }

    func document(_ s: JSONScanner, root: Int, location: RecordLocation, skipped: Set<Int>) throws {
        // Once the output is gone (`| head`), the run ends instead of reading on.
        try output.checkWritten()
        switch s.kind(at: root) {
        case .array:
            try flattenElements(s, array: root, shape: .event, file: location.source, location: location, skipped: skipped)
        case .object:
            try flattenObject(s, root: root, location: location, skipped: skipped)
        default:
            try diagnostics.badRecord(source: location.source, line: location.line, "expected a JSON object or array")
        }
    }

    /// A line trail-fetch wrote: `{"trailFile":…` and one document's members. A document with
    /// a `Records` array (every CloudTrail and ActionTrail log file) is checked as it is read, in
    /// one pass: the members before the array, each record as its members are found, the rest
    /// after it. The records before a malformed one are written; the line is reported there.
    /// Any other document is checked whole first, as documents are.
    func fetchedLine(_ s: JSONScanner, root: Int, location: RecordLocation) throws {
        try output.checkWritten()
        do {
            var file = location.source
            var sawRecords = false
            var skipped: Set<Int> = []
            let end = try s.walkCheckedMembers(ofObjectAt: root) { name, _, value in
                if !sawRecords, s.stringEquals(at: name, TopMembers.recordsKey), value < s.count, s.byte(value) == UInt8(ascii: "[") {
                    sawRecords = true
                    return try flattenElements(s, array: value, shape: .event, file: file, location: location, skipped: skipped)
                }
                if s.stringEquals(at: name, TopMembers.fileKey), let text = s.string(at: value) { file = text }
                if s.stringEquals(at: name, TopMembers.skippedKey) { skipped = Flattener.positions(s, value) }
                return try s.valueEnd(at: value)
            }
            let rest = s.skipWhitespace(end)
            guard rest == s.count else { throw JSONError(offset: rest, "unexpected data after the JSON value") }
            if !sawRecords { try document(s, root: root, location: location, skipped: skipped) }
        } catch let error as JSONError {
            try diagnostics.badRecord(source: location.source, line: location.line, "invalid JSON: \(error.message) at byte \(error.offset - root + 1)")
        }
    }

    /// trail-fetch's `trailSkipped`: the positions of the records it reported.
    private static func positions(_ s: JSONScanner, _ list: Int) -> Set<Int> {
        var positions: Set<Int> = []
        s.forEachElement(ofArrayAt: list) { element in
            if let position = s.text(at: element).flatMap(Int.init) { positions.insert(position) }
            return true
        }
        return positions
    }

    /// `file`: where the object came from when it was packed in another (a Lambda payload).
    private func flattenObject(_ s: JSONScanner, root: Int, location: RecordLocation, skipped: Set<Int>, file outer: String? = nil) throws {
        let m = TopMembers(s, root)
        let file = m.file.flatMap { s.string(at: $0) } ?? outer ?? location.source
        // A document that is one event or finding is named by its place in the object trail-fetch
        // read (`trailDoc`), else by its line in the input.
        let document = m.document.flatMap { s.text(at: $0) }.flatMap(Int.init)
        let place = document ?? location.line - 1
        func array(_ at: Int?) -> Int? { at.flatMap { s.kind(at: $0) == .array ? $0 : nil } }
        if let records = array(m.records) {
            try flattenElements(s, array: records, shape: .event, file: file, location: location, skipped: skipped)
        } else if let events = array(m.events) {
            try flattenElements(s, array: events, shape: .lookupItem, file: file, location: location)
        } else if let logEvents = array(m.logEvents) {
            if m.messageType.flatMap({ s.string(at: $0) }) == "CONTROL_MESSAGE" { return }
            try flattenElements(s, array: logEvents, shape: .logEvent, file: file, location: location)
        } else if let awslogs = m.awslogs, let data = s.member("data", ofObjectAt: awslogs).flatMap({ s.string(at: $0) }) {
            try flattenLambdaPayload(data, file: file, location: location)
        } else if m.detailType != nil, let detail = m.detail, s.kind(at: detail) == .object {
            try writeEvent(s, record: detail, file: file, index: place, location: location)
        } else if let topic = m.topic.flatMap({ s.string(at: $0) }), topic == "sas-cspm-log" {
            // A finding has no ID: its place names it.
            let members = RecordMembers(s, root)
            write(Header(cspm: s, record: root, file: file, index: place), s, members: members)
        } else if m.isEvent == nil, let event = m.event {
            // Simple Log Service delivery: the ActionTrail record under `event`, often as a string.
            try flattenRecord(s, at: event, shape: .event, file: file, index: place, location: location)
        } else if m.isEvent != nil {
            // An event flattened before keeps the provenance of the object it came from.
            let earlier = s.member(Flattener.header, ofObjectAt: root)
            let earlierFile = earlier.flatMap { s.member(Flattener.file, ofObjectAt: $0) }.flatMap { s.string(at: $0) }
            let earlierIndex = earlier.flatMap { s.member(Flattener.index, ofObjectAt: $0) }.flatMap { s.text(at: $0) }.flatMap(Int.init)
            try writeEvent(s, record: root, file: earlierFile ?? file, index: document ?? earlierIndex ?? place, location: location)
        } else {
            let place = file == location.source ? "" : "\(file): "
            try diagnostics.badRecord(source: location.source, line: location.line, place + ForeignShape.of(document: s, at: root).problem)
        }
    }

    /// Flattens each element of the array at `array`, checking the array's syntax as it goes
    /// (and each event record's, as its members are read: no second pass over it); returns
    /// the array's end. A malformed record whose end its brackets tell is reported and passed
    /// over; a `null` at a position in `skipped` was reported already.
    @discardableResult
    private func flattenElements(_ s: JSONScanner, array: Int, shape: ElementShape, file: String, location: RecordLocation,
                                 skipped: Set<Int> = []) throws -> Int {
        var j = s.skipWhitespace(array + 1)
        var index = 0
        guard j < s.count else { throw JSONError(offset: array, "unterminated array", endOfInput: true) }
        if s.byte(j) == UInt8(ascii: "]") { return j + 1 }
        while true {
            let end: Int
            if skipped.contains(index), s.kind(at: j) == .null {
                end = try s.valueEnd(at: j)
            } else {
                do {
                    let recordEnd = try flattenRecord(s, at: j, shape: shape, file: file, index: index, location: location)
                    end = try recordEnd ?? s.valueEnd(at: j)
                } catch let error as JSONError where !error.isEndOfInput {
                    guard let extent = s.skipValue(at: j), extent > j else { throw error }
                    try badElement(index, "invalid JSON: \(error.message) at byte \(error.offset - j + 1) of the record", location)
                    end = extent
                }
            }
            index += 1
            j = s.skipWhitespace(end)
            guard j < s.count else { throw JSONError(offset: array, "unterminated array", endOfInput: true) }
            if s.byte(j) == UInt8(ascii: "]") { return j + 1 }
            guard s.byte(j) == UInt8(ascii: ",") else { throw JSONError(offset: j, "expected ',' or ']'") }
            j = s.skipWhitespace(j + 1)
        }
    }

    func element(_ s: JSONScanner, at element: Int, index: Int, of array: StreamedArray, location: RecordLocation) throws {
        guard let shape = ElementShape(arrayKey: array.key) else { return }
        if shape == .logEvent, array.members["messageType"] == Array(#""CONTROL_MESSAGE""#.utf8) { return }
        let file = array.members[FetchEnvelope.fileKey].flatMap { raw in
            raw.withUnsafeBytes { JSONScanner($0).string(at: 0) }
        } ?? location.source
        try flattenRecord(s, at: element, shape: shape, file: file, index: index, location: location)
    }

    func holdsRecords(_ array: StreamedArray) -> Bool { ElementShape(arrayKey: array.key) != nil }

    func streamEnded(arrays: [String?], location: RecordLocation) throws {
        guard !arrays.contains(where: { ElementShape(arrayKey: $0) != nil }) else { return }
        try diagnostics.badRecord(source: location.source, line: location.line, ForeignShape.noTrailShape.problem)
    }

    func badDocument(_ location: RecordLocation, _ problem: String) throws {
        try diagnostics.badRecord(source: location.source, line: location.line, problem)
    }

    /// One record: an event object, or a JSON string holding one (as `CloudTrailEvent`,
    /// `message` and SLS `event` do). Returns the end of an event object read in place.
    @discardableResult
    private func flattenRecord(_ s: JSONScanner, at element: Int, shape: ElementShape, file: String, index: Int,
                               location: RecordLocation) throws -> Int? {
        var record = element
        if let member = shape.recordMember {
            guard let embedded = s.member(member, ofObjectAt: element) else {
                try badElement(index, "no \(member)", location)
                return nil
            }
            record = embedded
        }
        switch s.kind(at: record) {
        case .object:
            let end = try writeEvent(s, record: record, file: file, index: index, location: location)
            return record == element ? end : nil
        case .string:
            var text = Array((s.string(at: record) ?? "").utf8)
            try text.withUnsafeMutableBytes { bytes in
                let inner = JSONScanner(UnsafeRawBufferPointer(bytes))
                do {
                    let root = try inner.validateDocument()
                    guard inner.kind(at: root) == .object else { return try badElement(index, "the embedded event is not a JSON object", location) }
                    try writeEvent(inner, record: root, file: file, index: index, location: location)
                } catch let error as JSONError {
                    try badElement(index, "the embedded event is not valid JSON: \(error.message)", location)
                }
            }
        default:
            try badElement(index, "not a JSON object", location)
        }
        return nil
    }

    private func badElement(_ index: Int, _ problem: String, _ location: RecordLocation) throws {
        try diagnostics.badRecord(source: location.source, line: location.line, "record \(index): \(problem)")
    }

    /// Lambda's CloudWatch Logs subscription event: base64 of a gzip of the payload JSON,
    /// whose events keep the `file` of the event that carried it.
    private func flattenLambdaPayload(_ data: String, file: String, location: RecordLocation) throws {
        guard let compressed = Base64.decode(data) else {
            return try diagnostics.badRecord(source: location.source, line: location.line, "awslogs.data is not base64")
        }
        let payload: [UInt8]
        do {
            payload = try compressed.withUnsafeBytes { try Gzip.inflate($0) }
        } catch {
            return try diagnostics.badRecord(source: location.source, line: location.line, "awslogs.data is not gzip: \(error)")
        }
        try payload.withUnsafeBytes { bytes in
            let s = JSONScanner(bytes)
            do {
                let root = try s.validateDocument()
                if s.kind(at: root) == .object {
                    try flattenObject(s, root: root, location: location, skipped: [], file: file)
                } else {
                    try document(s, root: root, location: location, skipped: [])
                }
            } catch let error as JSONError {
                try diagnostics.badRecord(source: location.source, line: location.line, "awslogs.data holds invalid JSON: \(error.message)")
            }
        }
    }

    // MARK: Writing

    /// Writes the record's event line; returns the record's end, or throws what is wrong with
    /// its syntax (found as its members are read) and writes nothing. A record that is not a
    /// trail event is reported by its shape and skipped.
    @discardableResult
    private func writeEvent(_ s: JSONScanner, record: Int, file: String, index: Int, location: RecordLocation) throws -> Int {
        let members = RecordMembers(s, record)
        if let failure = members.failure { throw failure }
        if let foreign = ForeignShape.of(record: s, at: record, members: members) {
            // Read from trail-fetch, the line is not the file: the file is named too.
            let place = file == location.source ? "" : "\(file), record \(index): "
            try diagnostics.badRecord(source: location.source, line: location.line, place + foreign.problem)
        } else {
            let header = Header(s, members: members, file: file, index: index)
            if header.time == nil, members[.eventTime] != nil {
                // Kept, so its own rules still see it; said, so a null time is never a surprise.
                let place = file == location.source ? "" : "\(file), record \(index): "
                diagnostics.warn("\(location.source):\(location.line): \(place)eventTime is not a time of the years 0001-9999; trail.time is null")
            }
            write(header, s, members: members)
        }
        return members.end ?? s.count
    }

    private func write(_ header: Header, _ s: JSONScanner, members: RecordMembers) {
        if let id = header.id, recentIDs?.insert(id) == false {
            duplicatesDropped += 1
            return
        }
        json.bytes.removeAll(keepingCapacity: true)
        switch options.format {
        case .json:
            json.bytes.append(contentsOf: #"{"trail":"#.utf8)
            header.write(to: &json)
            appendOriginalMembers(s, members, leadingComma: true)
        case .ocsf:
            json.bytes.append(contentsOf: #"{"trail":"#.utf8)
            header.write(to: &json)
            appendOriginalMembers(s, members, leadingComma: true)
            let flattened = json.bytes
            json = JSONWriter()
            APIActivity.write(flattened, to: &json)
        case .line:
            for field in options.fields {
                header.appendText(field, to: &json.bytes)
                json.bytes.append(0x09)
            }
            json.bytes.append(UInt8(ascii: "{"))
            appendOriginalMembers(s, members, leadingComma: false)
        }
        output.writeLine(json.bytes)
        eventsWritten += 1
    }

    /// Appends the record's own members, after any that were added in front of it, and its
    /// closing brace; a record spread over several lines is compacted to keep one per line.
    private func appendOriginalMembers(_ s: JSONScanner, _ members: RecordMembers, leadingComma: Bool) {
        guard let first = members.firstOriginal, let end = members.end else {
            json.bytes.append(UInt8(ascii: "}"))
            return
        }
        if leadingComma { json.bytes.append(UInt8(ascii: ",")) }
        let own = UnsafeRawBufferPointer(rebasing: s.bytes[first..<end])
        if options.format == .json, memchr(own.baseAddress!, 0x0A, own.count) == nil {
            json.bytes.append(contentsOf: own)
        } else {
            JSONCompactor.compact(own, into: &json.bytes)
        }
    }
}

/// The ids of the most recent events, for `--dedupe`: a fixed-size ring of 64-bit hashes
/// and a set over it, so memory stays bounded however long the input.
struct RecentIDs {
    private let capacity: Int
    private var ring: [UInt64] = []
    private var set: Set<UInt64>
    private var next = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        set = Set(minimumCapacity: self.capacity)
    }

    /// Remembers `id`; false when it is among the remembered ones already.
    mutating func insert(_ id: HeaderText) -> Bool {
        var hasher = Hasher()
        id.withBytes { hasher.combine(bytes: $0) }
        let h = UInt64(bitPattern: Int64(hasher.finalize()))
        guard set.insert(h).inserted else { return false }
        if ring.count < capacity {
            ring.append(h)
        } else {
            set.remove(ring[next])
            ring[next] = h
            next = (next + 1) % ring.count
        }
        return true
    }
}
