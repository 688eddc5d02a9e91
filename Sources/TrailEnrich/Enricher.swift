import TrailCore

/// What to enrich events with: the command line's tables.
public struct EnrichmentOptions: Sendable {
    /// MaxMind DB (City or Country layout) for `trail.source.geo`.
    public var geoDatabase: String?
    /// MaxMind DB (ASN layout) for `trail.source.asn`.
    public var asnDatabase: String?
    /// CSV range tables for `trail.source.geo` (instead of `geoDatabase`).
    public var geoCSV: [String] = []
    /// CSV range tables for `trail.source.asn` (instead of `asnDatabase`).
    public var asnCSV: [String] = []
    /// Named CIDR lists for `trail.source.networks`.
    public var networks: [(name: String, path: String)] = []
    /// Field → CSV lookups for `trail.context`.
    public var tables: [(field: String, path: String)] = []
    /// How many addresses' results are kept; the cache is emptied when it fills.
    public var cacheSize = 65_536
    /// `ZONE DAYS HH:MM-HH:MM` for `trail.context.calendar`.
    public var businessHours: String?
    /// Dates (`YYYY-MM-DD` per line) that are off whatever the weekday; needs `businessHours`.
    public var holidaysFile: String?

    public init() {}

    /// Whether anything is to be looked up about `trail.source`.
    var enrichesSource: Bool {
        geoDatabase != nil || asnDatabase != nil || !geoCSV.isEmpty || !asnCSV.isEmpty || !networks.isEmpty
    }
}

/// Adds context to flattened events: where the caller is (`trail.source.scope`, `.geo`,
/// `.asn`, `.networks`), lookup-table attributes (`trail.context`), and which tables did it
/// (`trail.enrichedBy`). The new members are spliced into the `trail` header's bytes; the
/// rest of each event is written as it came. With no tables it checks and passes events on;
/// events enriched before (their header has `enrichedBy`) also pass unchanged.
public final class Enricher {
    private let output: OutputWriter
    private let diagnostics: Diagnostics
    private let source: SourceLookup?
    private let tables: [LookupTable]
    private let context: ContextTree?
    private let calendar: CalendarLookup?
    /// The calendar's quoted provenance tokens, comma-separated.
    private let calendarTokens: [UInt8]
    /// Each lookup table's quoted `context.PATH@VERSION` provenance token.
    private let tableTokens: [[UInt8]]
    /// Per event: each table's attributes, nil where nothing matched.
    private var found: [[UInt8]?]

    /// Loads every table; a missing or malformed one is an error naming the file (and line).
    public init(options: EnrichmentOptions = EnrichmentOptions(), output: OutputWriter, diagnostics: Diagnostics) throws {
        self.output = output
        self.diagnostics = diagnostics
        source = options.enrichesSource ? try SourceLookup(options) : nil
        tables = try options.tables.map { try LookupTable(field: $0.field, path: $0.path) }
        context = tables.isEmpty ? nil : try ContextTree(tables)
        if let spec = options.businessHours {
            if let clash = tables.first(where: { $0.contextPath.first == "calendar" }) {
                throw TableError("--table", "\(clash.field) would fill trail.context.calendar, which --business-hours fills")
            }
            let calendar = try BusinessCalendar(specification: spec, holidaysFile: options.holidaysFile)
            self.calendar = CalendarLookup(calendar)
            calendarTokens = Array(calendar.provenance.map { JSONWriter.quoted($0) }.joined(separator: ",").utf8)
        } else {
            if options.holidaysFile != nil { throw TableError("--holidays", "needs --business-hours: the days and hours that holidays take off") }
            calendar = nil
            calendarTokens = []
        }
        tableTokens = tables.map { Array(JSONWriter.quoted("context.\($0.contextPath.joined(separator: "."))@\($0.version)").utf8) }
        found = Array(repeating: nil, count: tables.count)
    }

    public func run(inputs: [String], maxRecordSize: Int = LineReader.defaultMaxLineLength) throws -> ExitStatus {
        let missingHeader = MissingHeader()
        // Every line is checked in full, as everything read is written: nothing but JSON leaves.
        // The check runs beside the enriching, on a second thread, but for a framed line's
        // header, which is checked as it is read.
        try NDJSONInput(inputs, maxRecordSize: maxRecordSize).forEachObjectCheckedAside(diagnostics: diagnostics, flushing: output) { s, root, location in
            guard TrailHeader.position(s, event: root) != nil else { return try missingHeader.skip(location, diagnostics) }
            do {
                try enrich(s, root: root)
            } catch let error as JSONError {
                // A framed line's header, checked here as it is read.
                try diagnostics.badRecord(source: location.source, line: location.line, "invalid JSON: \(error)")
            }
        }
        try output.finish()
        return diagnostics.exitStatus
    }

    /// The header members read here, by position: source, time, enrichedBy.
    private static let headerNames: NameList = ["source", "time", "enrichedBy"]

    /// Where the members enriching reads or extends are in one event's `trail` header.
    private struct HeaderMembers {
        var sourceAt: Int?, sourceEnd = 0
        var timeAt: Int?, timeEnd = 0
        /// Enriched already (a re-run over its own output): adding again would repeat members.
        var enrichedBefore = false
        /// The header's closing brace, and whether nothing comes before it.
        var close = 0, isEmpty = false
    }

    /// `s` was checked (a framed line but for its header): it is one JSON object.
    private func enrich(_ s: JSONScanner, root: Int) throws {
        // A framed line's header is where the framing says, and not checked yet; another
        // line's is looked for.
        let framed = TrailHeader.isFramed(s)
        let trail = framed ? TrailHeader.offset : TrailHeader.position(s, event: root)
        guard source != nil || context != nil || calendar != nil, let trail else {
            // Not a flattened event (or nothing to add): on unchanged.
            if framed { _ = try s.valueEnd(at: TrailHeader.offset) }
            output.writeLine(s.bytes)
            return
        }
        let header = try headerMembers(s, trail: trail)
        if header.enrichedBefore {
            output.writeLine(s.bytes)
            return
        }
        var (copied, tokens) = try writeThroughSource(s, header)
        output.write(UnsafeRawBufferPointer(rebasing: s.bytes[copied..<header.close]))
        if !header.isEmpty { output.write(Enricher.comma) }
        if context != nil || calendar != nil {
            output.write(Enricher.contextKey)
            output.write(contextObject(s, root: root, header: header, tokens: &tokens))
            output.write(Enricher.comma)
        }
        output.write(Enricher.enrichedByKey)
        output.write(tokens)
        output.write(Enricher.closeBracket)
        output.writeLine(UnsafeRawBufferPointer(rebasing: s.bytes[header.close...]))
    }

    /// One pass over the header's members: where trail.source and trail.time are and end,
    /// and where the header's closing brace is.
    private func headerMembers(_ s: JSONScanner, trail: Int) throws -> HeaderMembers {
        var header = HeaderMembers()
        let headerEnd = try s.walkCheckedMembers(ofObjectAt: trail) { name, nameEnd, value in
            let end = try s.valueEnd(at: value)
            switch Enricher.headerNames.position(ofStringAt: name, end: nameEnd, in: s) {
            case 0? where header.sourceAt == nil:
                header.sourceAt = value
                header.sourceEnd = end
            case 1? where calendar != nil && header.timeAt == nil:
                header.timeAt = value
                header.timeEnd = end
            case 2?:
                header.enrichedBefore = true
            default:
                break
            }
            return end
        }
        guard TrailHeader.closes(s, at: headerEnd) else { throw JSONError(offset: headerEnd, "the trail header does not close") }
        header.close = headerEnd - 1
        header.isEmpty = s.skipWhitespace(trail + 1) == header.close
        return header
    }

    /// With source lookups and a trail.source object: the line up to that object's closing
    /// brace with the looked-up members added; returns how many bytes of the line that was,
    /// and the lookups' provenance tokens.
    private func writeThroughSource(_ s: JSONScanner, _ header: HeaderMembers) throws -> (copied: Int, tokens: [UInt8]) {
        guard let source, let sourceAt = header.sourceAt, s.kind(at: sourceAt) == .object else { return (0, []) }
        let result = try source.result(for: s, source: sourceAt)
        output.write(UnsafeRawBufferPointer(rebasing: s.bytes[0..<(header.sourceEnd - 1)]))
        if s.byte(s.skipWhitespace(sourceAt + 1)) != UInt8(ascii: "}") { output.write(Enricher.comma) }
        output.write(result.members)
        return (header.sourceEnd - 1, result.tokens)
    }

    /// trail.context: each table's attributes, then the calendar; their provenance is added
    /// to `tokens`.
    private func contextObject(_ s: JSONScanner, root: Int, header: HeaderMembers, tokens: inout [UInt8]) -> [UInt8] {
        var object: [UInt8] = []
        if let context {
            for (index, table) in tables.enumerated() {
                let (consulted, attributes) = table.lookup(s, root: root)
                if consulted { Enricher.append(tableTokens[index], to: &tokens) }
                found[index] = attributes
            }
            context.write(found, to: &object)
        }
        if let calendar {
            // The calendar is one more member of the context object.
            if object.isEmpty {
                object.append(UInt8(ascii: "{"))
            } else {
                object.removeLast()
                if object.count > 1 { object.append(UInt8(ascii: ",")) }
            }
            object.append(contentsOf: Enricher.calendarKey)
            let time = header.timeAt.flatMap { at in
                s.kind(at: at) == .string ? UnsafeRawBufferPointer(rebasing: s.bytes[(at + 1)..<(header.timeEnd - 1)]) : nil
            }
            calendar.member(time: time, into: &object)
            object.append(UInt8(ascii: "}"))
            if time != nil { Enricher.append(calendarTokens, to: &tokens) }
        }
        return object
    }

    /// Adds provenance tokens to a comma-separated list.
    private static func append(_ more: [UInt8], to tokens: inout [UInt8]) {
        if !tokens.isEmpty { tokens.append(UInt8(ascii: ",")) }
        tokens.append(contentsOf: more)
    }

    private static let comma = [UInt8(ascii: ",")], closeBracket = [UInt8(ascii: "]")]
    private static let calendarKey = Array(#""calendar":"#.utf8)
    private static let contextKey = Array(#""context":"#.utf8), enrichedByKey = Array(#""enrichedBy":["#.utf8)
}

/// The nested object `trail.context` is written as: one leaf per table, at its context path.
struct ContextTree {
    private struct Node {
        var name: String
        var children: [Node] = []
        var table: Int?
    }

    private let root: Node

    init(_ tables: [LookupTable]) throws {
        var root = Node(name: "")
        for (index, table) in tables.enumerated() {
            try ContextTree.insert(table.contextPath[...], table: index, into: &root, field: table.field.description)
        }
        self.root = root
    }

    private static func insert(_ path: ArraySlice<String>, table: Int, into node: inout Node, field: String) throws {
        guard let name = path.first else {
            guard node.table == nil, node.children.isEmpty else {
                throw TableError("--table", "\(field) needs trail.context.\(node.name) to itself, which another table also fills")
            }
            node.table = table
            return
        }
        guard node.table == nil else { throw TableError("--table", "\(field) lies inside another table's trail.context.\(node.name)") }
        if let k = node.children.firstIndex(where: { $0.name == name }) {
            try insert(path.dropFirst(), table: table, into: &node.children[k], field: field)
        } else {
            var child = Node(name: name)
            try insert(path.dropFirst(), table: table, into: &child, field: field)
            node.children.append(child)
        }
    }

    /// Writes the object, with each table's attributes or null where its key had no row.
    func write(_ found: [[UInt8]?], to out: inout [UInt8]) {
        ContextTree.write(root, found, to: &out)
    }

    private static func write(_ node: Node, _ found: [[UInt8]?], to out: inout [UInt8]) {
        if let table = node.table {
            out.append(contentsOf: found[table] ?? Array("null".utf8))
            return
        }
        out.append(UInt8(ascii: "{"))
        for (k, child) in node.children.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendQuoted(child.name, to: &out)
            out.append(UInt8(ascii: ":"))
            write(child, found, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}
