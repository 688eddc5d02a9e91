#if canImport(Glibc)
import Glibc
#endif
import TrailCore

/// What one copy of an event counts for on a cluster: these correlations, and of a single
/// correlation only the group `group` (its key, `CorrelationEngine.key`). Correlations chained
/// to one another go together, every group of them.
struct FeedScope: Equatable {
    var correlations: [Int]
    var group: String?
}

/// `trail-match --detections-only --feed FILE`: the half of matching that runs where the events
/// are (pipelines/spark.py). Single-event alerts are written as usual; each event that feeds
/// correlations is written to the feed once per correlation group it counts in, as
/// `KEY<TAB>{"time","seq","id","rules","scope","group","event"}`, KEY naming the group so that
/// a shuffle brings each group's events to one task (`--correlations-only`). `seq` keeps the
/// order the events were read in (`--part`: this input's place in the whole stream), which
/// decides between events of the same time. The end adds `*<TAB>{"latest":T}`, the newest
/// event time read, which closes windows at the end of the whole stream.
final class CorrelationFeed {
    let output: OutputWriter
    private let correlations: [CorrelationRule]
    private let ruleCount: Int
    /// Correlations chained to one another, as sets; a lone correlation is a set of one.
    private let components: [[Int]]
    private let base: Int64
    private var count: Int64 = 0
    private var json = JSONWriter(capacity: 4096)

    init(output: OutputWriter, correlations: [CorrelationRule], ruleCount: Int, part: Int) {
        self.output = output
        self.correlations = correlations
        self.ruleCount = ruleCount
        components = CorrelationFeed.components(correlations, ruleCount: ruleCount)
        base = Int64(part) << 40
    }

    /// Correlations joined when one refers to another, in the order of their first member.
    static func components(_ correlations: [CorrelationRule], ruleCount: Int) -> [[Int]] {
        var parent = Array(correlations.indices)
        func root(_ c: Int) -> Int { parent[c] == c ? c : root(parent[c]) }
        for (c, correlation) in correlations.enumerated() {
            for r in correlation.ruleIndices where r >= ruleCount { parent[root(r - ruleCount)] = root(c) }
        }
        return Dictionary(grouping: correlations.indices, by: root).values.sorted { $0[0] < $1[0] }
    }

    /// Writes one event that matched the referenced rules `matched`, keyed once per group it
    /// counts in.
    func add(time: Int64, id: String, matched: [Int], _ s: JSONScanner, event root: Int) {
        guard let event = s.raw(at: root) else { return }
        count += 1
        for (k, members) in components.enumerated() {
            if members.count == 1 {
                let c = members[0]
                var keys = Set<String>()
                for (slot, source) in correlations[c].ruleIndices.enumerated() where source < ruleCount && matched.contains(source) {
                    let group = correlations[c].groupPaths[slot].map { path in s.value(at: path, from: root).flatMap { s.text(at: $0) } }
                    keys.insert(CorrelationEngine.key(group))
                }
                for group in keys.sorted() {
                    write("c\(c):\(group)", time, id, matched, FeedScope(correlations: members, group: group), event)
                }
            } else if members.contains(where: { c in correlations[c].ruleIndices.contains { $0 < ruleCount && matched.contains($0) } }) {
                write("k\(k)", time, id, matched, FeedScope(correlations: members, group: nil), event)
            }
        }
    }

    private func write(_ key: String, _ time: Int64, _ id: String, _ matched: [Int], _ scope: FeedScope, _ event: UnsafeRawBufferPointer) {
        json.bytes.removeAll(keepingCapacity: true)
        // The key is a JSON array's text or a correlation number: it holds no tab or newline.
        json.bytes.append(contentsOf: key.utf8)
        json.bytes.append(0x09)
        json.beginObject()
        json.key("time"); json.raw(Array(String(time).utf8))
        json.key("seq"); json.raw(Array(String(base + count).utf8))
        json.member("id", id)
        json.key("rules"); json.array(matched)
        json.key("scope"); json.array(scope.correlations)
        json.member("group", scope.group)
        json.key("event"); json.raw(event)
        json.endObject()
        output.writeLine(json.bytes)
    }

    /// The end of this part: the newest event time read, when windows close on it.
    func finish(newest: Int64?) {
        if let newest { output.writeLine(Array("*\t{\"latest\":\(newest)}".utf8)) }
        output.flush()
    }

    /// Opens the feed file (a pipe's /dev/fd/N too).
    static func open(_ path: String) throws -> OutputWriter {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IOFailure(path: path, errno: errno) }
        return OutputWriter(fileDescriptor: fd, name: path)
    }
}

/// One line of a feed, read back by `--correlations-only`.
struct FeedEvent {
    var time: Int64
    var seq: Int64
    var id: String
    var rules: [Int]
    var scope: FeedScope
    var event: [UInt8]

    /// Reads a feed line (its key, up to a tab, is for the shuffle and not needed here). Nil
    /// with the problem when it is not one; `latest` is set by an end-of-part line.
    static func read(_ line: UnsafeRawBufferPointer, ruleCount: Int, correlationCount: Int,
                     latest: inout Int64?) -> Result<FeedEvent?, FeedProblem> {
        let tab = line.firstIndex(of: 0x09).map { $0 + 1 } ?? 0
        let s = JSONScanner(UnsafeRawBufferPointer(rebasing: line[tab...]))
        guard let root = try? s.validateDocument(), s.kind(at: root) == .object else { return .failure(FeedProblem("not a JSON object")) }
        func int(_ name: String) -> Int64? { s.member(name, ofObjectAt: root).flatMap { s.text(at: $0) }.flatMap { Int64($0) } }
        if let newest = int("latest") {
            latest = max(latest ?? newest, newest)
            return .success(nil)
        }
        guard let time = int("time"), let seq = int("seq"),
              let id = s.member("id", ofObjectAt: root).flatMap({ s.string(at: $0) }),
              let rules = ints(s, s.member("rules", ofObjectAt: root), below: ruleCount),
              let scope = ints(s, s.member("scope", ofObjectAt: root), below: correlationCount), !scope.isEmpty,
              let groupAt = s.member("group", ofObjectAt: root),
              let eventAt = s.member("event", ofObjectAt: root), s.kind(at: eventAt) == .object, let event = s.raw(at: eventAt) else {
            return .failure(FeedProblem("not a feed line of trail-match --detections-only (time, seq, id, rules, scope, group, event), or of other rules"))
        }
        let group = s.kind(at: groupAt) == .null ? nil : s.string(at: groupAt)
        return .success(FeedEvent(time: time, seq: seq, id: id, rules: rules, scope: FeedScope(correlations: scope, group: group), event: Array(event)))
    }

    private static func ints(_ s: JSONScanner, _ at: Int?, below limit: Int) -> [Int]? {
        guard let at, s.kind(at: at) == .array else { return nil }
        var result: [Int] = []
        var valid = true
        s.forEachElement(ofArrayAt: at) { e in
            guard let n = s.text(at: e).flatMap({ Int($0) }), (0..<limit).contains(n) else { valid = false; return false }
            result.append(n)
            return true
        }
        return valid ? result : nil
    }
}

struct FeedProblem: Error {
    let description: String
    init(_ description: String) { self.description = description }
}
