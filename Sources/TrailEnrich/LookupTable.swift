import TrailCore

/// `--table FIELD=FILE`: a CSV file whose header names a key column (the first) and attribute
/// columns; events whose FIELD equals a key get the attributes under `trail.context`, at the
/// field's path without its `trail.` prefix (`trail.account` → `trail.context.account`).
struct LookupTable {
    let field: JSONPath
    /// Where the attributes go below `trail.context`.
    let contextPath: [String]
    let version: String
    /// Key → the attributes as a JSON object, ready to splice.
    private let rows: [String: [UInt8]]

    init(field: String, path: String) throws {
        guard !field.isEmpty, !field.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw TableError(path, "--table needs a dotted field path before '=', got \"\(field)\"")
        }
        self.field = JSONPath(field)
        let components = field.split(separator: ".").map(String.init)
        contextPath = components.first == "trail" && components.count > 1 ? Array(components.dropFirst()) : components
        let file = try CSVFile(path: path)
        version = file.contentHash
        guard let header = try file.firstRow()?.fields, header.count >= 2 else {
            throw TableError(path, line: 1, "expected a header row: a key column, then attribute columns")
        }
        if let blank = header.firstIndex(where: \.isEmpty) { throw TableError(path, line: 1, "column \(blank + 1) has no name") }
        if Set(header).count != header.count { throw TableError(path, line: 1, "column names repeat") }
        var rows: [String: [UInt8]] = [:]
        try file.forEachDataRow(width: header.count) { row in
            let key = row.fields[0]
            guard rows[key] == nil else { throw TableError(path, line: row.line, "key \"\(key.prefix(60))\" appears twice") }
            var writer = JSONWriter(capacity: 128)
            writer.beginObject()
            for (name, value) in zip(header.dropFirst(), row.fields.dropFirst()) {
                writer.member(name, value.isEmpty ? nil : value)
            }
            writer.endObject()
            rows[key] = writer.bytes
            return true
        }
        self.rows = rows
    }

    /// Looks the event's field up: consulted when the event has a value there (not null),
    /// attributes when a row matches it.
    func lookup(_ scanner: JSONScanner, root: Int) -> (consulted: Bool, attributes: [UInt8]?) {
        guard let at = scanner.value(at: field, from: root), let key = scanner.text(at: at) else { return (false, nil) }
        return (true, rows[key])
    }
}
