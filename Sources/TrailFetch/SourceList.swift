import TrailCore

/// `--sources-from FILE`: sources one per line, for more objects than a command line holds (a
/// Spark task's share of a listing). A line is a source as the command line takes it, or a
/// line of `trail-fetch --list` (its "uri"); blank lines are passed over.
public enum SourceList {
    public static func read(_ path: String, diagnostics: Diagnostics) throws -> [String] {
        var sources: [String] = []
        try NDJSONInput([path]).forEachLine { line, location in
            let s = JSONScanner(line)
            let start = s.skipWhitespace(0)
            guard start < s.count else { return }
            guard s.byte(start) == UInt8(ascii: "{") else {
                sources.append(String(decoding: line, as: UTF8.self))
                return
            }
            guard let root = try NDJSONInput.object(s, at: location, diagnostics: diagnostics) else { return }
            guard let uri = s.member("uri", ofObjectAt: root).flatMap({ s.string(at: $0) }) else {
                return try diagnostics.badRecord(source: location.source, line: location.line, "no \"uri\" string; skipped")
            }
            sources.append(uri)
        }
        return sources
    }
}
