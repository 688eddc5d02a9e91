import Foundation
import TrailCore

/// A folder of log files for one day (`…/CloudTrail/us-east-1/2024/01/15/`), or a folder
/// without a date, whose set of delivered files never closes.
public struct DayFolder: Hashable, Sendable {
    /// The URI of the folder above the date (`s3://bucket/AWSLogs/…/us-east-1/`), or the
    /// folder itself when it has no date.
    public let stream: String
    /// Days since 1970-01-01 (UTC), nil for a folder without a date.
    public let day: Int?

    /// The folder's own URI (`stream` + `YYYY/MM/DD/`), made once: the state is asked for it
    /// for every file of the folder.
    public let uri: String

    public init(stream: String, day: Int?) {
        self.stream = stream
        self.day = day
        uri = day.map { stream + DayFolder.path($0) } ?? stream
    }

    /// `YYYY/MM/DD/`.
    static func path(_ day: Int) -> String {
        Timestamp(seconds: Int64(day) * 86_400).utc("%Y/%m/%d/")
    }
}

/// What incremental runs have delivered: for each open day folder the set of file names
/// (with ETags), and for each stream the ranges of closed days, which are not listed again.
///
/// Durability: after each batch of files is written and flushed to the output, their names
/// are appended to a journal (`FILE.journal`); at the end of a run the whole state is written
/// atomically to `FILE` and the journal emptied. A run killed at any moment leaves a state
/// (snapshot + journal) naming every file whose lines were flushed, so the next run repeats
/// at most the batch that was in flight. With a deferred commit (`StateFile.deferCommit`),
/// see `init`.
public final class FetchState {
    public let file: StateFile
    public var path: String { file.path }
    private var journalPath: String { path + ".journal" }
    private var openDays: [String: [String: String]] = [:]     // day folder URI → name → ETag
    private var closed: [String: Set<Int>] = [:]           // stream URI → closed days
    /// Queue URL → receipt handles of messages whose objects this state counts as delivered:
    /// deleted from the queue once the state is committed (`QueueFetcher`).
    public private(set) var receipts: [String: [String]] = [:]
    /// CloudWatch Logs source (`logs://GROUP`, with its stream prefix) → the ids of the events
    /// read from the last `LogsFetcher.rewind` of its time, with their times (epoch ms).
    public private(set) var logEvents: [String: [String: Int]] = [:]
    private var journal: Int32 = -1

    /// With `file.deferCommit` nothing is journaled and `save` writes `FILE.next`: the run's
    /// deliveries count only once the caller commits them (the scheduled pipeline does, when
    /// every later stage has finished), so a run that dies anywhere delivers them again.
    public init(_ file: StateFile) throws {
        self.file = file
        if FileIO.exists(path) { try load(FileIO.readFile(path)) }
        if FileIO.exists(journalPath) {
            // A torn last line (killed while appending) names files that were in flight.
            for line in String(decoding: try FileIO.readFile(journalPath), as: UTF8.self).split(separator: "\n") {
                guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                      let folder = entry["folder"], let name = entry["name"], let etag = entry["etag"] else { continue }
                openDays[folder, default: [:]][name] = etag
            }
        }
    }

    public convenience init(path: String) throws {
        try self.init(StateFile(path: path))
    }

    private func load(_ bytes: [UInt8]) throws {
        let parsed = try? JSONSerialization.jsonObject(with: Data(bytes))
        guard let root = parsed as? [String: Any] else { throw file.corrupt("not a JSON object", tool: "trail-fetch") }
        guard root["version"] as? Int == 1 else { throw file.corrupt("not a trail-fetch state file of version 1", tool: "trail-fetch") }
        guard let open = (root["open"] ?? [String: Any]()) as? [String: [String: String]],
              let closedRanges = (root["closed"] ?? [String: Any]()) as? [String: [String]] else {
            throw file.corrupt("\"open\" or \"closed\" is not what trail-fetch writes", tool: "trail-fetch")
        }
        openDays = open
        guard let held = (root["receipts"] ?? [String: Any]()) as? [String: [String]] else {
            throw file.corrupt("\"receipts\" is not what trail-fetch writes", tool: "trail-fetch")
        }
        receipts = held
        guard let logs = (root["logs"] ?? [String: Any]()) as? [String: [String: Int]] else {
            throw file.corrupt("\"logs\" is not what trail-fetch writes", tool: "trail-fetch")
        }
        logEvents = logs
        for (stream, ranges) in closedRanges {
            for range in ranges {
                let ends = range.split(separator: "/").compactMap { Timestamp(date: $0)?.day }
                guard ends.count == 2, ends[0] <= ends[1] else { throw file.corrupt("bad closed range \(range)", tool: "trail-fetch") }
                closed[stream, default: []].formUnion(ends[0]...ends[1])
            }
        }
    }

    deinit { if journal >= 0 { close(journal) } }

    public func isClosed(_ folder: DayFolder) -> Bool {
        guard let day = folder.day else { return false }
        return closed[folder.stream]?.contains(day) == true
    }

    /// True when `name` was delivered from `folder` with this ETag (a changed ETag is a new object).
    public func wasDelivered(_ name: String, etag: String, in folder: DayFolder) -> Bool {
        openDays[folder.uri]?[name] == etag
    }

    /// True when a file of this name was delivered from `folder` (whatever its ETag), or its
    /// day is closed, all of it delivered.
    public func hasDelivered(_ name: String, folder: DayFolder) -> Bool {
        isClosed(folder) || openDays[folder.uri]?[name] != nil
    }

    /// Records files whose lines have been flushed to the output, durably before returning
    /// (in memory only with a deferred commit: the commit makes them durable).
    public func record(_ files: [(folder: DayFolder, name: String, etag: String)]) throws {
        for file in files { openDays[file.folder.uri, default: [:]][file.name] = file.etag }
        guard !files.isEmpty, !file.deferCommit else { return }
        var text = [UInt8]()
        for file in files {
            var writer = JSONWriter(capacity: 256)
            writer.beginObject()
            writer.member("folder", file.folder.uri)
            writer.member("name", file.name)
            writer.member("etag", file.etag)
            writer.endObject()
            text += writer.bytes
            text.append(0x0A)
        }
        if journal < 0 {
            journal = open(journalPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            guard journal >= 0 else { throw IOFailure(path: journalPath, errno: errno) }
        }
        let written = text.withUnsafeBytes { write(journal, $0.baseAddress!, $0.count) }
        guard written == text.count else { throw IOFailure(path: journalPath, errno: errno) }
    }

    /// Replaces the receipt handles held for `queue` (none: forgets the queue).
    public func holdReceipts(_ handles: [String], queue: String) {
        receipts[queue] = handles.isEmpty ? nil : handles
    }

    /// Replaces what is known of the events of log source `source`.
    public func setLogEvents(_ events: [String: Int], source: String) {
        logEvents[source] = events
    }

    /// Closes a fully delivered day: its names are dropped and the day joins its stream's ranges.
    public func closeDay(_ folder: DayFolder) {
        guard let day = folder.day else { return }
        closed[folder.stream, default: []].insert(day)
        openDays[folder.uri] = nil
    }

    /// Writes the whole state atomically, then empties the journal it now contains (with a
    /// deferred commit: writes `FILE.next`, and the commit removes the journal).
    public func save() throws {
        var writer = JSONWriter(capacity: 4096)
        writer.beginObject()
        writer.key("version"); writer.number(1)
        writer.key("closed"); writer.beginObject()
        for stream in closed.keys.sorted() {
            writer.key(stream); writer.beginArray()
            for range in FetchState.ranges(closed[stream]!) {
                writer.string(FetchState.date(range.lowerBound) + "/" + FetchState.date(range.upperBound))
            }
            writer.endArray()
        }
        writer.endObject()
        writer.key("open"); writer.beginObject()
        for folder in openDays.keys.sorted() {
            writer.key(folder); writer.beginObject()
            for (name, etag) in openDays[folder]!.sorted(by: { $0.key < $1.key }) { writer.member(name, etag) }
            writer.endObject()
        }
        writer.endObject()
        if !receipts.isEmpty {
            writer.key("receipts"); writer.beginObject()
            for queue in receipts.keys.sorted() {
                writer.key(queue); writer.beginArray()
                receipts[queue]!.forEach { writer.string($0) }
                writer.endArray()
            }
            writer.endObject()
        }
        if !logEvents.isEmpty {
            writer.key("logs"); writer.beginObject()
            for source in logEvents.keys.sorted() {
                writer.key(source); writer.beginObject()
                for (id, time) in logEvents[source]!.sorted(by: { $0.key < $1.key }) { writer.key(id); writer.number(time) }
                writer.endObject()
            }
            writer.endObject()
        }
        writer.endObject()
        try FileIO.writeAtomically(writer.bytes + [0x0A], to: file.writePath)
        guard !file.deferCommit else { return }
        if journal >= 0 {
            close(journal)
            journal = -1
        }
        unlink(journalPath)
    }

    /// Consecutive days merged into ranges: closed days take one entry per gap, not per day.
    static func ranges(_ days: Set<Int>) -> [ClosedRange<Int>] {
        var result: [ClosedRange<Int>] = []
        for day in days.sorted() {
            if let last = result.last, last.upperBound + 1 == day {
                result[result.count - 1] = last.lowerBound...day
            } else {
                result.append(day...day)
            }
        }
        return result
    }

    static func date(_ day: Int) -> String {
        String(DayFolder.path(day).dropLast().replacingOccurrences(of: "/", with: "-"))
    }
}
