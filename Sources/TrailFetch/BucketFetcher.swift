import Foundation
import TrailCore

/// How a bucket is read, beyond where it is.
public struct BucketFetchOptions: Sendable {
    public var filters = FetchFilters()
    /// Days re-listed on every run, today included; older days close once delivered.
    public var rewindDays = 2
    /// Objects downloaded at once; also the most a killed run can repeat.
    public var jobs = 8
    /// Raw copies of fetched objects go below this folder.
    public var archive: String?
    /// Today as days since 1970-01-01 (UTC); the clock's when nil.
    public var today: Int?
    /// A progress line on stderr (only worth it on a terminal).
    public var progress = false
    /// Objects bigger than `maxObjectSize` are skipped without being fetched.
    public var limits = FetchLimits()

    public init() {}
}

/// Reads one bucket location: plans the day folders from the layout and the filters, lists
/// them, downloads what the state has not seen (in parallel, delivered in key order), and
/// records each flushed batch in the state.
public final class BucketFetcher {
    private let client: S3Client
    private let writer: DocumentWriter
    private let state: FetchState?
    private let options: BucketFetchOptions
    private let today: Int
    /// True when `--max-requests` stopped the run early.
    public private(set) var budgetSpent = false
    public private(set) var objectsDelivered = 0
    /// Old days a month's listing showed to have no folder: closed with the delivered ones.
    private var absentDays: [DayFolder] = []
    /// Days before this one close once delivered; the later ones are the rewind window.
    private var firstOpenDay: Int { today - (options.rewindDays - 1) }

    public init(client: S3Client, writer: DocumentWriter, state: FetchState?, options: BucketFetchOptions) {
        self.client = client
        self.writer = writer
        self.state = state
        self.options = options
        today = options.today ?? Int(Date().timeIntervalSince1970 / 86_400)
    }

    /// A day folder to list, with the key prefix it is listed under (the folder's key, or
    /// one object's key when the source names a single object).
    struct Target {
        let folder: DayFolder
        let keyPrefix: String
        var objects: [S3Object]?
        var onlyKey: String?
        var startAfter: String?
    }

    private var location: BucketLocation { client.location }

    public func run() throws {
        let (targets, pending) = try plan()
        var remaining = Dictionary(grouping: pending, by: \.target).mapValues(\.count)
        let progress = options.progress ? Progress(objects: pending.count, bytes: pending.reduce(0) { $0 + $1.object.size }) : nil
        var next = 0
        while next < pending.count, !budgetSpent {
            let batch = Array(pending[next..<min(next + options.jobs, pending.count)])
            let bodies = download(batch.map(\.object))
            var done: [(folder: DayFolder, name: String, etag: String)] = []
            for (item, body) in zip(batch, bodies) {
                let target = targets[item.target]
                guard try deliver(body, of: item.object, in: target) else { continue }
                remaining[item.target]! -= 1
                done.append((target.folder, String(item.object.key.dropFirst(target.keyPrefix.count)), item.object.etag))
            }
            // Output first, then the state: a file is recorded only once its lines are out.
            try writer.output.finish()
            try state?.record(done)
            progress?.advance(objects: batch.count, bytes: batch.reduce(0) { $0 + $1.object.size })
            next += batch.count
        }
        progress?.finish()

        if let state {
            for (index, target) in targets.enumerated() where target.objects != nil && target.onlyKey == nil && (remaining[index] ?? 0) == 0 {
                if let day = target.folder.day, day < firstOpenDay { state.closeDay(target.folder) }
            }
            absentDays.forEach(state.closeDay)
            try state.save()
        }
    }

    /// The objects a run would fetch (the state's new ones), in key order, without fetching
    /// any: `trail-fetch --list`, for a scheduler that spreads them over workers.
    public func listNew() throws -> [S3Object] {
        try plan().pending.map(\.object)
    }

    /// Lists the day folders the layout and filters name, and the objects in them the state
    /// has not seen, in key order.
    private func plan() throws -> (targets: [Target], pending: [(target: Int, object: S3Object)]) {
        var targets: [Target] = []
        var pending: [(target: Int, object: S3Object)] = []
        do {
            let root = location.prefix
            if root.isEmpty || root.hasSuffix("/") {
                try walk(root, into: &targets)
            } else if LocalFetcher.isLogFile(root) {
                let parent = root.contains("/") ? String(root[...root.lastIndex(of: "/")!]) : ""
                targets.append(Target(folder: dayFolder(parent), keyPrefix: parent, onlyKey: root))
            } else {
                try walk(root + "/", into: &targets)
            }
            for (index, target) in targets.enumerated() {
                let objects = try target.objects ?? client.list(prefix: target.onlyKey ?? target.keyPrefix, startAfter: target.startAfter).objects
                    .filter { LocalFetcher.isLogFile($0.key) && (target.onlyKey == nil || $0.key == target.onlyKey) }
                if let key = target.onlyKey, objects.isEmpty {
                    throw S3Failure(description: "\(location.uri(key)): no such object", code: "NoSuchKey")
                }
                targets[index].objects = objects
                for object in objects where !wasDelivered(object, target) { pending.append((index, object)) }
            }
        } catch is RequestBudgetSpent {
            // Days not fully listed are neither fetched nor closed: they come on the next run.
            budgetSpent = true
        }
        return (targets, pending)
    }

    /// Writes one downloaded object (and its archive copy), or reports why it is skipped;
    /// false when it is left for the next run (the request budget ran out). An object that
    /// fails for a reason of its own fails the same way on every run: it counts as done.
    private func deliver(_ body: Result<[UInt8]?, Error>, of object: S3Object, in target: Target) throws -> Bool {
        let uri = location.uri(object.key)
        switch body {
        case .success(.some(let bytes)):
            try archive(bytes, key: object.key, folder: target)
            try writer.deliver(bytes, from: uri)
            objectsDelivered += 1
        case .success(.none):
            try writer.diagnostics.badInput(uri, "the object disappeared before it was fetched; skipped")
        case .failure(is RequestBudgetSpent):
            budgetSpent = true
            return false
        case .failure(let failure as S3Failure) where failure.isObjectProblem:
            try writer.diagnostics.badInput(uri, failure.reason(for: uri))
        case .failure(let error):
            throw error
        }
        return true
    }

    private func wasDelivered(_ object: S3Object, _ target: Target) -> Bool {
        state?.wasDelivered(String(object.key.dropFirst(target.keyPrefix.count)), etag: object.etag, in: target.folder) ?? false
    }

    /// Downloads `objects` in parallel (`readAtOnce`); results in key order. One listed bigger
    /// than the object cap is not fetched.
    private func download(_ objects: [S3Object]) -> [Result<[UInt8]?, Error>] {
        let client = self.client
        let limit = options.limits.maxObjectSize
        return readAtOnce(objects) { object in
            guard object.size <= limit else {
                throw S3Failure(description: "\(client.location.uri(object.key)): size exceeds \(formatLimit(limit)); skipped",
                                isObjectProblem: true)
            }
            return try client.get(object.key, maxBytes: limit)
        }
    }

    /// Lists `folder` with a delimiter and goes down the layout, keeping only the accounts,
    /// regions and days the filters admit, and skipping closed days without listing them.
    private func walk(_ folder: String, into targets: inout [Target]) throws {
        switch FolderRole.of(folder) {
        case .day:
            let day = dayFolder(folder)
            if state?.isClosed(day) != true { targets.append(Target(folder: day, keyPrefix: folder)) }
            return
        case .region where options.filters.since != nil:
            // The days are known: list them directly instead of discovering years and months.
            let last = min(options.filters.until ?? today, today)
            guard let first = options.filters.since, first <= last else { return }
            for day in first...last {
                let dayFolder = DayFolder(stream: location.uri(folder), day: day)
                if state?.isClosed(dayFolder) != true {
                    let key = folder + DayFolder.path(day)
                    targets.append(Target(folder: dayFolder, keyPrefix: key,
                                          startAfter: day == first ? options.filters.startAfter(dayFolder: key) : nil))
                }
            }
            return
        default:
            break
        }
        let page = try client.list(prefix: folder, delimiter: "/")
        if case .month(let year, let month) = FolderRole.of(folder) {
            let present = Set(page.commonPrefixes)
            for dayOfMonth in 1...Timestamp.daysInMonth(year: year, month: month) {
                let day = Timestamp.daysFromCivil(year: year, month: month, day: dayOfMonth)
                let key = folder + Timestamp(seconds: Int64(day) * 86_400).utc("%d/")
                if day < firstOpenDay, options.filters.admits(first: day, last: day), !present.contains(key) {
                    absentDays.append(dayFolder(key))
                }
            }
        }
        let files = page.objects.filter { LocalFetcher.isLogFile($0.key) }
        if !files.isEmpty {
            targets.append(Target(folder: dayFolder(folder), keyPrefix: folder, objects: files))
        }
        for child in page.commonPrefixes where admits(child) {
            try walk(child, into: &targets)
        }
    }

    /// Every day of the month the filters admit is closed: the month is not listed at all.
    private func monthClosed(_ folder: String, year: Int, month: Int) -> Bool {
        guard let state else { return false }
        let stream = location.uri(String(folder.dropLast("YYYY/MM/".count)))
        let first = Timestamp.daysFromCivil(year: year, month: month, day: 1)
        return (first..<first + Timestamp.daysInMonth(year: year, month: month)).allSatisfy { day in
            !options.filters.admits(first: day, last: day) || state.isClosed(DayFolder(stream: stream, day: day))
        }
    }

    /// The state's name for a folder: dated when the layout says it is a day.
    private func dayFolder(_ folder: String) -> DayFolder {
        if case .day(let day) = FolderRole.of(folder) {
            return DayFolder(stream: location.uri(String(folder.dropLast(DayFolder.path(day).count))), day: day)
        }
        return DayFolder(stream: location.uri(folder), day: nil)
    }

    private func admits(_ folder: String) -> Bool {
        let filters = options.filters
        switch FolderRole.of(folder) {
        case .account(let id): return filters.accounts.isEmpty || filters.accounts.contains(id)
        case .service(let logs): return logs
        case .region(let name): return filters.regions.isEmpty || filters.regions.contains(name)
        case .year(let y): return filters.admits(year: y)
        case .month(let y, let m): return filters.admits(year: y, month: m) && !monthClosed(folder, year: y, month: m)
        case .day(let d): return filters.admits(first: d, last: d)
        case .unknown, .organization, .other: return true
        }
    }

    /// A raw copy below `--archive` (`Archive.components`). An object that cannot be kept
    /// there is reported and still delivered: the run and later runs go on.
    private func archive(_ bytes: [UInt8], key: String, folder target: Target) throws {
        guard let root = options.archive else { return }
        let components = Archive.components(key: key, folderKey: target.keyPrefix, day: target.folder.day, bucket: location.bucket)
        do {
            try Archive(root: root).write(bytes, at: components)
        } catch {
            try writer.diagnostics.badInput(location.uri(key), "not archived: \(error)")
        }
    }
}

/// `objects n/N, bytes, rate, ETA` on one rewritten stderr line; the ETA from the listed sizes.
final class Progress {
    private let objects: Int
    private let bytes: Int
    private var objectsDone = 0
    private var bytesDone = 0
    private let start = Date()

    init(objects: Int, bytes: Int) {
        self.objects = objects
        self.bytes = bytes
    }

    func advance(objects count: Int, bytes size: Int) {
        objectsDone += count
        bytesDone += size
        let elapsed = max(Date().timeIntervalSince(start), 0.001)
        let rate = Double(bytesDone) / elapsed
        let eta = rate > 0 ? Double(bytes - bytesDone) / rate : 0
        Diagnostics.writeStandardError("\r\u{1B}[Ktrail-fetch: \(objectsDone)/\(objects) objects, \(formatBytes(bytesDone)) of \(formatBytes(bytes)), \(formatBytes(Int(rate)))/s, ETA \(Int(eta.rounded()))s")
    }

    func finish() {
        if objectsDone > 0 { Diagnostics.writeStandardError("\r\u{1B}[K") }
    }
}

/// `812 B`, `1.4 MB`.
func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(bytes), unit = 0
    while value >= 1000, unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
}
