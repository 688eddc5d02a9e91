import Foundation
import Testing
import TrailCore

/// docs/schema.md and the contract types cannot drift: each field `TrailHeader`, `AlertView`
/// and `AlertWriter` read or write is in the schema's tables, and each field the tables
/// document is one the types know.
@Suite struct ContractSchemaTests {
    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/schema.md").standardizedFileURL

    /// The first column of the first table under `heading`, each name in backquotes; a name
    /// starting with `.` continues the one before it (`trail.source.scope`, `.geo`).
    static func documented(under heading: String) throws -> Set<String> {
        let text = try String(contentsOf: schema, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "\n## ").first { $0.hasPrefix(heading) })
        var names = Set<String>()
        let lines = section.split(separator: "\n", omittingEmptySubsequences: false)
        for line in (lines.drop { !$0.hasPrefix("|") }).prefix(while: { $0.hasPrefix("|") }) where line.hasPrefix("| `") {
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            var parent = ""
            for part in cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter({ $0.offset % 2 == 1 }).map({ String($0.element) }) {
                let name = part.hasPrefix(".") ? parent + part : part
                parent = String(name[..<(name.lastIndex(of: ".") ?? name.endIndex)])
                names.insert(name)
            }
        }
        return names
    }

    /// Whether `field` is documented itself or below a documented object.
    static func covered(_ field: String, by documented: Set<String>) -> Bool {
        documented.contains { field == $0 || field.hasPrefix($0 + ".") }
    }

    @Test("Every trail header field the type reads is documented, and every documented one is read")
    func header() throws {
        let documented = try Self.documented(under: "Event schema")
        let known = Set((TrailHeader.Field.allCases.map(\.rawValue) + TrailHeader.passedOn).map { "trail." + $0 })
        #expect(known.filter { !Self.covered($0, by: documented) }.isEmpty)
        #expect(documented.filter { d in !known.contains { $0 == d || $0.hasPrefix(d + ".") } }.isEmpty)
    }

    /// The paths below `alert` of a line AlertWriter writes with every part it has.
    static func written() throws -> Set<String> {
        var alert = AlertWriter()
        alert.begin(rule: AlertWriter.ruleObject(id: "i", title: "t", level: "high", tags: ["a"], references: ["r"],
                                                 runbook: "do", falsePositives: ["f"]))
        alert.time("2026-01-01T00:00:00Z")
        alert.resources { $0.string("arn:a") }
        alert.correlation(type: "value_count", group: [("trail.account", "1")], count: 2, measure: "2", field: "trail.region",
                          values: ["a", "b"], events: ["e1", "e2"], first: "2026-01-01T00:00:00Z", last: "2026-01-01T00:00:01Z")
        let line = Array(#"{"trail":{}}"#.utf8).withUnsafeBytes { alert.finish(event: $0) }
        return try line.withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            let root = try s.validateDocument()
            var paths = Set<String>()
            func walk(_ object: Int, _ prefix: String) {
                s.forEachMember(ofObjectAt: object) { key, value in
                    let path = prefix + (s.string(at: key) ?? "")
                    paths.insert(path)
                    if path == "rule" || path == "correlation" { walk(value, path + ".") }
                    return true
                }
            }
            walk(try #require(s.member("alert", ofObjectAt: root)), "")
            return paths.subtracting(["rule", "correlation"])
        }
    }

    @Test("Every alert field AlertView reads and AlertWriter writes is documented, and every documented one is known")
    func alert() throws {
        let documented = try Self.documented(under: "Alert schema")
        let read = Set(AlertView.Field.allCases.map(\.rawValue) + AlertView.List.allCases.map(\.rawValue))
        let written = try Self.written()
        #expect(read.subtracting(documented).isEmpty)
        #expect(written.subtracting(documented).isEmpty)
        #expect(documented.subtracting(written).isEmpty)
    }

    @Test("AlertView reads back what AlertWriter writes")
    func roundTrip() throws {
        var alert = AlertWriter()
        alert.begin(rule: AlertWriter.ruleObject(id: "r1", title: "Root used", level: "high", tags: ["t1", "t2"], references: [],
                                                 runbook: nil, falsePositives: []))
        let event = #"{"trail":{"time":"2026-01-01T00:00:00Z","actor":{"name":"root"},"id":"e1"},"eventName":"X"}"#
        let line = Array(event.utf8).withUnsafeBytes { raw in
            alert.time(JSONScanner(raw), at: 17)
            return alert.finish(event: raw)
        }
        let view = try #require(AlertView(json: line))
        #expect(view.ruleID == "r1" && view.title == "Root used" && view.level == "high" && view[.tags] == ["t1", "t2"])
        #expect(view.time == "2026-01-01T00:00:00Z" && view.timestamp != nil && view[.runbook] == nil && view.correlationCount == nil)
        #expect(view.event?.actorName == "root" && view.event?.id == "e1" && view.event?.time == view.time)
        #expect(AlertView(json: Array(event.utf8)) == nil)
    }
}
