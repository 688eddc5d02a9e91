import Foundation
import TrailCore
import TrailNetwork

/// Everything trail-fetch is told besides its sources.
public struct FetchOptions: Sendable {
    public var profile: String?
    public var region: String?
    public var endpoint: String?
    public var addressing = S3Client.Addressing.auto
    public var maxRequests: Int?
    /// The state file of incremental runs (buckets and local folders).
    public var statePath: String?
    /// Write the state to `FILE.next` for the scheduled pipeline to commit (`StateFile`).
    public var deferCommit = false
    /// Move an existing state aside and start from an empty one.
    public var resetState = false
    public var bucket = BucketFetchOptions()
    /// Caps on one object and one document (`--max-object-size`, `--max-record-size`).
    public var limits = FetchLimits() {
        didSet { bucket.limits = limits }
    }
    /// One line per request on stderr.
    public var verbose = false
    /// No cost report at the end.
    public var quiet = false
    public var environment: [String: String] = [:]
    /// `logs://` sources: only the streams whose names start with this.
    public var logStreamPrefix: String?
    /// Attempts per request and the first retry's delay.
    public var attempts = 4
    public var backoff = 0.25

    public init() {}
}

/// What a run of trail-fetch does: fetch the sources, list their log files (`--list`), check
/// their digests with the public keys in a file (`--verify`), or fetch what a queue names.
public enum FetchMode: Sendable {
    case fetch, list, verify(publicKeys: String), queue(String, QueueOptions)
}

/// The whole of trail-fetch: local folders and files, stdin, and `s3://` / `oss://` buckets,
/// in the order given, written as NDJSON documents by one `DocumentWriter`.
public final class Fetcher {
    private let writer: DocumentWriter
    private let options: FetchOptions
    private var requestsUsed = 0

    public init(output: OutputWriter, diagnostics: Diagnostics, options: FetchOptions) {
        writer = DocumentWriter(output: output, diagnostics: diagnostics, limits: options.limits)
        self.options = options
    }

    /// Days before this one close once delivered; the later ones are re-read every run.
    private var firstOpenDay: Int {
        (options.bucket.today ?? Int(Date().timeIntervalSince1970 / 86_400)) - (options.bucket.rewindDays - 1)
    }

    /// A whole run of trail-fetch in `mode`, over `sources` and those the file `sourcesFrom`
    /// lists; the figures of a fetch go to the file `stats`.
    public func run(_ mode: FetchMode, sources: [String], sourcesFrom: String? = nil, stats: String? = nil) throws -> ExitStatus {
        let sources = try sources + (sourcesFrom.map { try SourceList.read($0, diagnostics: writer.diagnostics) } ?? [])
        let status: ExitStatus
        switch mode {
        case .list: return try list(sources: sources)
        case .verify(let publicKeys): return try verify(sources: sources, keys: PublicKeyRing(file: publicKeys))
        case .queue(let url, let queueOptions): status = try run(queue: url, options: queueOptions)
        case .fetch: status = try run(sources: sources)
        }
        if let stats { try self.stats.write(to: stats) }
        return status
    }

    public func run(sources: [String]) throws -> ExitStatus {
        // Lines already written reach the output even when a later source fails.
        defer { writer.output.flush() }
        let local = LocalFetcher(writer: writer)
        let state = try openState()
        for source in sources {
            if let location = BucketLocation(source) {
                try fetch(location, state: state)
            } else if source.hasPrefix("logs://"), source.count > 7 {
                try fetchLogs(group: String(source.dropFirst(7)), state: state)
            } else if source.contains("://") {
                throw S3Failure(description: "\(source): unknown scheme (use s3://, oss://, logs://, a path, or -)")
            } else {
                try local.fetch(source, state: state, firstOpenDay: firstOpenDay)
            }
        }
        return writer.diagnostics.exitStatus
    }

    /// `--queue`: the log files the queue's notifications name, fetched from their buckets.
    public func run(queue url: String, options queueOptions: QueueOptions) throws -> ExitStatus {
        defer { writer.output.flush() }
        let (configuration, credentials) = try resolveCredentials(url, region: nil, service: "sqs")
        announce(credentials)
        let queue = try SQSClient(queueURL: url, credentials: credentials, region: configuration.region, endpoint: configuration.endpoint)
        let fetcher = QueueFetcher(queue: queue, client: { bucket in try self.makeClient(BucketLocation("s3://\(bucket)")!) },
                                   writer: writer, state: try openState(), options: queueOptions, limits: options.limits)
        try fetcher.run()
        if !options.quiet {
            writer.diagnostics.warn("\(url): \(fetcher.objectsDelivered) new object\(fetcher.objectsDelivered == 1 ? "" : "s"), \(fetcher.messagesDeleted) message\(fetcher.messagesDeleted == 1 ? "" : "s") deleted")
        }
        return writer.diagnostics.exitStatus
    }

    /// `--list`: one NDJSON line per log file the sources hold, in the order `run` would
    /// read them, `{"uri","size","etag"}` (for a local file its size and modification time
    /// stand in for the ETag), without reading any. The URIs are what `run` names the files
    /// (`trailFile`), and `run` takes them back as sources, one object each.
    public func list(sources: [String]) throws -> ExitStatus {
        defer { writer.output.flush() }
        var json = JSONWriter(capacity: 256)
        func emit(_ uri: String, _ size: Int, _ etag: String) {
            json.bytes.removeAll(keepingCapacity: true)
            json.beginObject()
            json.member("uri", uri)
            json.key("size"); json.number(size)
            json.member("etag", etag)
            json.endObject()
            writer.output.writeLine(json.bytes)
        }
        for source in sources {
            if let location = BucketLocation(source) {
                let client = try makeClient(location)
                let fetcher = BucketFetcher(client: client, writer: writer, state: nil, options: options.bucket)
                for object in try fetcher.listNew() { emit(location.uri(object.key), object.size, object.etag) }
            } else if source.contains("://") || source == "-" {
                throw S3Failure(description: "\(source): --list takes s3://, oss:// or a path")
            } else {
                for path in try LocalFiles(diagnostics: writer.diagnostics).below(source, admits: LocalFetcher.isLogFile) {
                    emit(path, LocalFiles.size(path), try LocalFetcher.tag(path))
                }
            }
        }
        return writer.diagnostics.exitStatus
    }

    /// `--verify`: checks the digest chains of each source (a bucket or a local copy of one)
    /// and writes findings instead of documents; returns `recordsSkipped` (1) when any finding
    /// is not `valid`. The summary of each source goes to stderr.
    public func verify(sources: [String], keys: PublicKeyRing) throws -> ExitStatus {
        let state = try options.statePath.map { try FetchState(path: $0) }
        var problems = false
        for source in sources {
            let store: TrailObjectStore
            var client: S3Client?
            if let location = BucketLocation(source) {
                client = try makeClient(location)
                store = BucketTrail(client: client!)
            } else if source.contains("://") {
                throw S3Failure(description: "\(source): unknown scheme (use s3://, oss://, or a folder)")
            } else {
                guard FileIO.isDirectory(source) else { throw IOFailure(path: source, reason: "--verify needs a folder (a local copy of the bucket)") }
                store = LocalTrailCopy(root: source)
            }
            let verifier = DigestVerifier(store: store, keys: keys, filters: options.bucket.filters, state: state,
                                          jobs: options.bucket.jobs, limits: options.limits, output: writer.output)
            try verifier.run()
            problems = problems || verifier.foundProblems
            if !options.quiet {
                let cost = client.map { c in
                    let counts = c.requestCounts
                    return " (\(counts.lists) List and \(counts.gets) Get requests, \(formatBytes(counts.bytes)))"
                } ?? ""
                writer.diagnostics.warn("\(source): \(verifier.summary)\(cost)")
            }
        }
        return problems ? .recordsSkipped : writer.diagnostics.exitStatus
    }

    /// The state named by `--state`, moved aside first with `--reset-state`.
    private func openState() throws -> FetchState? {
        guard let path = options.statePath else { return nil }
        return try FetchState(StateFile.opening(path, deferCommit: options.deferCommit, reset: options.resetState,
                                                suffixes: [".journal"], diagnostics: writer.diagnostics))
    }

    /// The run's figures for `--stats`.
    public var stats: RunStats {
        var stats = RunStats()
        stats.set("trail_fetch_files", writer.filesDelivered, help: "Log files (objects) delivered by the last run.")
        stats.set("trail_fetch_bad_files", writer.diagnostics.skippedRecords, help: "Files reported as corrupt and skipped by the last run.")
        stats.set("trail_fetch_requests", requestsUsed, help: "List and Get requests made by the last run.")
        return stats
    }

    private func makeClient(_ location: BucketLocation) throws -> S3Client {
        let (configuration, credentials) = try resolveCredentials(
            location.uri(location.prefix), region: options.region, endpoint: options.endpoint, alibaba: location.isAlibaba,
            missing: location.isAlibaba
                ? "no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                : "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile of ~/.aws/config (--profile, AWS_PROFILE); AWS_EC2_METADATA_DISABLED is set")
        let region = configuration.region ?? (location.isAlibaba ? "cn-hangzhou" : "us-east-1")
        let client = try S3Client(location: location, credentials: credentials, region: region, endpoint: configuration.endpoint,
                                  addressing: options.addressing, maxRequests: options.maxRequests.map { max(0, $0 - requestsUsed) },
                                  attempts: options.attempts, backoff: options.backoff)
        announce(credentials)
        if options.verbose { client.log = { Diagnostics.writeStandardError("trail-fetch: \($0)\n") } }
        return client
    }

    /// The configuration for `name` (a bucket, queue or log group) and its credentials; a
    /// failure to find them names `name`.
    private func resolveCredentials(_ name: String, region: String?, endpoint: String? = nil, alibaba: Bool = false,
                                    service: String = "s3", missing: String = "no credentials")
        throws -> (AWSConfiguration, AWSCredentialSource) {
        let configuration: AWSConfiguration
        do {
            configuration = try AWSConfiguration.resolve(environment: options.environment, profile: options.profile,
                                                         region: region, endpoint: endpoint, alibaba: alibaba, service: service)
        } catch let failure as CredentialFailure {
            throw S3Failure(description: "\(name): \(failure)")
        }
        guard let credentials = configuration.credentials else { throw S3Failure(description: "\(name): \(missing)") }
        return (configuration, credentials)
    }

    private func announce(_ credentials: AWSCredentialSource) {
        if options.verbose { Diagnostics.writeStandardError("trail-fetch: credentials from \(credentials.source)\n") }
    }

    private func fetchLogs(group: String, state: FetchState?) throws {
        let (configuration, credentials) = try resolveCredentials("logs://\(group)", region: options.region,
                                                                  service: "cloudwatch logs")
        announce(credentials)
        let filters = options.bucket.filters
        let since = filters.sinceTime ?? filters.since.map { Timestamp(seconds: Int64($0) * 86_400) }
        let fetcher = try LogsFetcher(group: group, streamPrefix: options.logStreamPrefix, since: since, credentials: credentials,
                                      region: configuration.region ?? "us-east-1", endpoint: configuration.endpoint,
                                      writer: writer, state: state)
        try fetcher.run()
        if !options.quiet { writer.diagnostics.warn("logs://\(group): \(fetcher.eventsDelivered) new event\(fetcher.eventsDelivered == 1 ? "" : "s")") }
    }

    private func fetch(_ location: BucketLocation, state: FetchState?) throws {
        let client = try makeClient(location)
        let fetcher = BucketFetcher(client: client, writer: writer, state: state, options: options.bucket)
        defer { requestsUsed += client.requestCounts.lists + client.requestCounts.gets }
        try fetcher.run()
        let counts = client.requestCounts
        if fetcher.budgetSpent {
            writer.diagnostics.warn("\(location.uri(location.prefix)): --max-requests \(options.maxRequests ?? 0) reached; the rest is left for the next run")
        }
        if !options.quiet {
            writer.diagnostics.warn("\(location.uri(location.prefix)): \(counts.lists) List and \(counts.gets) Get requests, \(formatBytes(counts.bytes)) fetched, \(fetcher.objectsDelivered) new object\(fetcher.objectsDelivered == 1 ? "" : "s")")
        }
    }
}
