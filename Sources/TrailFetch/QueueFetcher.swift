import Foundation
import TrailCore

/// `--queue`: how long to wait and hold, and whether to stop once the queue is drained.
public struct QueueOptions: Sendable {
    /// Keep long-polling after the queue is drained (`--follow`).
    public var follow = false
    /// Seconds a receive waits for a message (SQS long polling, at most 20).
    public var wait = 20
    /// Seconds a received message stays invisible to other readers; renewed while it is held.
    public var visibility = 600

    public init(follow: Bool = false, wait: Int = 20) {
        self.follow = follow
        self.wait = wait
    }
}

/// Reads S3 event notifications from an SQS queue and delivers the log files they name.
/// A message is deleted only once its objects are committed: at the clean end of a standalone
/// run (after the output is flushed and the state saved), after each batch with `--follow`,
/// and with a deferred commit (the scheduled pipeline) at the start of the run after the
/// commit, from the receipt handles the committed state holds. Messages naming digests, keys
/// outside the trail layout or objects already delivered are deleted as well; a message that
/// is no notification is reported and left on the queue for its redrive policy.
public final class QueueFetcher {
    private let queue: SQSClient
    private let client: (String) throws -> S3Client
    private let writer: DocumentWriter
    private let state: FetchState?
    private let options: QueueOptions
    private let limits: FetchLimits
    private var clients: [String: S3Client] = [:]
    private var held: [String] = []
    /// Objects of this run: a notification sent twice is fetched once.
    private var seen: Set<String> = []
    private var heldSince = Date()
    public private(set) var objectsDelivered = 0
    public private(set) var messagesDeleted = 0

    /// `client` makes the S3 client of a bucket named by a notification.
    public init(queue: SQSClient, client: @escaping (String) throws -> S3Client, writer: DocumentWriter, state: FetchState?,
                options: QueueOptions, limits: FetchLimits) {
        self.queue = queue
        self.client = client
        self.writer = writer
        self.state = state
        self.options = options
        self.limits = limits
    }

    public func run() throws {
        try deleteCommitted()
        while true {
            let messages = try queue.receive(wait: options.wait, visibility: options.visibility)
            if messages.isEmpty && !options.follow { break }
            var done: [(folder: DayFolder, name: String, etag: String)] = []
            for message in messages {
                guard let objects = ObjectNotification.objects(in: message.body) else {
                    try writer.diagnostics.badInput("\(queue.queueURL) message \(message.id)",
                                                    "not an S3 event notification; left on the queue for its redrive policy")
                    continue
                }
                for object in objects { try deliver(object, into: &done) }
                if held.isEmpty { heldSince = Date() }
                held.append(message.receiptHandle)
            }
            // Output first, then the state: a file is recorded only once its lines are out.
            try writer.output.finish()
            try state?.record(done)
            if options.follow { try commit() } else { try keepInvisible() }
        }
        try commit()
    }

    /// The handles the committed state holds (from a run whose commit came after it ended).
    private func deleteCommitted() throws {
        guard let state, let handles = state.receipts[queue.queueURL], !handles.isEmpty else { return }
        messagesDeleted += handles.count - (try queue.delete(handles))
        state.holdReceipts([], queue: queue.queueURL)
        if !state.file.deferCommit { try state.save() }
    }

    /// Saves the state with the handles held, then deletes the messages (with a deferred
    /// commit they go into `FILE.next` and wait for the commit).
    private func commit() throws {
        guard let state else {
            messagesDeleted += held.count - (try queue.delete(held))
            held = []
            return
        }
        state.holdReceipts(held, queue: queue.queueURL)
        try state.save()
        guard !state.file.deferCommit else { return }
        messagesDeleted += held.count - (try queue.delete(held))
        held = []
        state.holdReceipts([], queue: queue.queueURL)
        try state.save()
    }

    /// Held past half the visibility timeout: hidden for another timeout.
    private func keepInvisible() throws {
        guard !held.isEmpty, Date().timeIntervalSince(heldSince) > Double(options.visibility) / 2 else { return }
        try queue.extend(held, seconds: options.visibility)
        heldSince = Date()
    }

    /// Fetches and writes one notified object, unless it is a digest, outside the layout or
    /// already delivered.
    private func deliver(_ object: NotifiedObject, into done: inout [(folder: DayFolder, name: String, etag: String)]) throws {
        let key = object.key
        let slash = key.lastIndex(of: "/").map { key.index(after: $0) } ?? key.startIndex
        let parent = String(key[..<slash]), name = String(key[slash...])
        guard LocalFetcher.isLogFile(key), Self.isTrailFolder(parent), case .day(let day) = FolderRole.of(parent) else { return }
        let folder = DayFolder(stream: "s3://\(object.bucket)/" + parent.dropLast(11), day: day)
        let uri = folder.uri + name
        if state?.hasDelivered(name, folder: folder) == true || !seen.insert(uri).inserted { return }
        if clients[object.bucket] == nil { clients[object.bucket] = try client(object.bucket) }
        do {
            guard let bytes = try clients[object.bucket]!.get(key, maxBytes: limits.maxObjectSize) else {
                return try writer.diagnostics.badInput(uri, "the object disappeared before it was fetched; skipped")
            }
            try writer.deliver(bytes, from: uri)
            objectsDelivered += 1
        } catch let failure as S3Failure where failure.isObjectProblem {
            try writer.diagnostics.badInput(uri, failure.reason(for: uri))
        }
        done.append((folder, name, "\"\(object.etag)\""))
    }

    /// CloudTrail's and ActionTrail's log folders (not digests, not another service's logs).
    static func isTrailFolder(_ folder: String) -> Bool {
        folder.contains("/CloudTrail/") || folder.contains("/CloudTrail-Insight/") || folder.hasPrefix("AliyunLogs/")
            || folder.contains("/AliyunLogs/")
    }
}
