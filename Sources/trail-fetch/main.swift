import ArgumentParser
import Foundation
import TrailCommandLine
import TrailCore
import TrailFetch

@main
struct TrailFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration.trail(
        "trail-fetch",
        abstract: "Read trail log files from buckets or folders and write one NDJSON line per document.",
        discussion: """
            Sources: s3://bucket/prefix (CloudTrail in S3 or any S3-compatible store), \
            oss://bucket/prefix (ActionTrail in Alibaba OSS, through its S3-compatible \
            endpoint), folders, files, and - (a gzip or JSON stream on stdin). Log files are \
            read in key order and gunzipped; each JSON document becomes one compact line with \
            the file it came from in "trailFile". Pipe the output into trail-flatten.

            Buckets are walked along the CloudTrail and ActionTrail layouts with delimiter \
            listings; --account, --region, --since and --until narrow the listing to the \
            folders they name. Credentials are found as the AWS CLI finds them: \
            AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a web identity token (EKS), the profile \
            (--profile, AWS_PROFILE: keys, a role, an aws sso login, credential_process), the \
            container endpoint (ECS, EKS Pod Identity), the EC2 instance metadata service \
            (IMDSv2); temporary ones are renewed before they expire, and --verbose names the \
            source. For oss:// ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET \
            come first. See docs/credentials-and-intake.md.

            With --state, a run emits only objects earlier runs have not delivered. The \
            current and previous day (--rewind-days) are listed again on every run, since \
            files are not delivered in key order; older days are closed once delivered. A run \
            killed at any moment repeats at most the objects that were in flight (--jobs).

            In the scheduled pipeline (trail-watch) --defer-commit leaves the new state \
            in FILE.next: the run's files count as delivered only once every later stage has \
            finished and the pipeline renames it into place, so a run that dies anywhere \
            leaves its files to the next one. An unreadable state file stops the run before \
            anything is fetched; --reset-state moves it aside.

            Hostile objects are skipped with one line, and recorded as done with --state: an \
            object over --max-object-size once gunzipped (a gzip bomb stops at the cap), a \
            document over --max-record-size, one the store refuses for itself. Below a folder \
            only regular files are read. Keys are sent as signed (S3 does not normalize \
            paths); redirects are never followed, so credentials go to the endpoint only; \
            --archive maps every key to a path inside DIR.

            With --list, trail-fetch reads nothing: it prints the log files the sources hold \
            as NDJSON, {"uri","size","etag"}, in the order it would read them (pipelines/spark.py \
            spreads them over Spark tasks). --sources-from FILE takes sources one a line, plain \
            or such lines: each uri is then read as one object, named as a whole run names it.

            With --verify, trail-fetch checks the trail's integrity instead of fetching it, as \
            aws cloudtrail validate-logs does: each digest's SHA256withRSA signature (from the \
            object's x-amz-meta-signature; in a local copy of the bucket, from the side file \
            <name>.json.gz.sig, hex on one line), the chain of digests, hours without a digest, \
            the SHA-256 of every log file a digest lists, and log files no digest lists. Public \
            keys come from a file saved with aws cloudtrail list-public-keys (--public-keys). \
            One finding per object goes to stdout, with a trail header so that trail-match can \
            alert on it: "kind" integrity, "status" (valid, invalid, missing, unsigned, \
            uncovered, gap, unfetched), "type" (digest, log, chain), "object", "reason", \
            "digest". With --state (read only), log files the digests list that trail-fetch \
            never delivered are unfetched.

            Exit status: 0 all delivered (with --verify: everything valid); 1 some files were \
            corrupt and skipped (with --verify: some finding is not valid); 2 fatal error (bad \
            credentials, access denied, no such bucket, unreachable endpoint).

            Examples:
              trail-fetch pipelines/sample/AWSLogs | trail-flatten
              trail-fetch --state fetch-state.json s3://my-trail/AWSLogs/
              trail-fetch --account 111122223333 --region us-east-1 \\
                --since 2024-01-15 s3://my-trail
              trail-fetch --endpoint http://127.0.0.1:9000 --archive /srv/trail s3://trail
              trail-fetch --bucket-region cn-hangzhou oss://my-actiontrail/AliyunLogs/
              trail-fetch --state fetch-state.json logs://aws-cloudtrail-logs-111122223333
              trail-fetch --state fetch-state.json \\
                --queue https://sqs.us-east-1.amazonaws.com/222233334444/org-trail-objects
              aws cloudtrail list-public-keys --start-time 2024-01-01 > keys.json
              trail-fetch --verify --public-keys keys.json --since 2024-01-15 s3://my-trail
              trail-fetch --verify --public-keys keys.json --state fetch-state.json ./my-trail-copy
              trail-fetch --list s3://my-trail/AWSLogs/ > objects.ndjson
              trail-fetch --sources-from objects.ndjson | trail-flatten
            """)

    @Argument(help: "s3://bucket/prefix, oss://bucket/prefix, logs://LOG_GROUP (CloudWatch Logs), folders, files, or - for stdin.")
    var sources: [String] = []

    @Flag(help: "List the log files the sources hold, one NDJSON line each ({\"uri\",\"size\",\"etag\"}), in the order they would be read, instead of reading them.")
    var list = false

    @Option(help: ArgumentHelp("Read more sources from FILE (- for stdin), one a line: a path or URI, or a line of --list.", valueName: "file"))
    var sourcesFrom: String?

    @Option(help: ArgumentHelp("Read S3 event notifications (direct, through SNS, or EventBridge) from this SQS queue and fetch the log files they name; stops when the queue is drained.", valueName: "url"))
    var queue: String?

    @Option(help: ArgumentHelp("With logs://: only the log streams whose names start with this.", valueName: "prefix"))
    var logStreamPrefix: String?

    @Flag(help: "With --queue: keep long-polling once the queue is drained; messages are deleted after each batch.")
    var follow = false

    @Option(help: ArgumentHelp("With --queue: seconds a receive waits for a message (0-20).", valueName: "seconds"))
    var queueWait = 20

    @OptionGroup var state: StateOptions

    @OptionGroup var stats: StatsOption

    @Option(help: "Days listed again on every run with --state (today counts as one).")
    var rewindDays = 2

    @Option(help: ArgumentHelp("Only these accounts (repeatable, or comma-separated).", valueName: "id"))
    var account: [String] = []

    @Option(help: ArgumentHelp("Only these trail regions (repeatable, or comma-separated).", valueName: "region"))
    var region: [String] = []

    @Option(help: ArgumentHelp("First UTC day to read (YYYY-MM-DD), or a time (RFC 3339): files delivered before it are skipped.", valueName: "day"))
    var since: String?

    @Option(help: ArgumentHelp("Last UTC day to read (YYYY-MM-DD or an RFC 3339 time).", valueName: "day"))
    var until: String?

    @Option(help: ArgumentHelp("Profile of ~/.aws/credentials and ~/.aws/config.", valueName: "name"))
    var profile: String?

    @Option(help: ArgumentHelp("Region the bucket is in, used to sign requests (default: AWS_REGION, the profile's, us-east-1; cn-hangzhou for oss://).", valueName: "region"))
    var bucketRegion: String?

    @Option(help: ArgumentHelp("S3-compatible endpoint (MinIO, Alibaba OSS, a test server).", valueName: "url"))
    var endpoint: String?

    @Option(help: "Bucket addressing: auto (virtual-hosted on AWS and OSS, path-style elsewhere), path, virtual.")
    var addressing: String = "auto"

    @Option(help: "Objects downloaded at once.")
    var jobs = 8

    @Option(help: ArgumentHelp("Stop after this many List and Get requests; the rest is left for the next run.", valueName: "n"))
    var maxRequests: Int?

    @Option(help: ArgumentHelp("Keep a raw copy of every fetched object under DIR/<account>/<region>/YYYY/MM/DD/ (unsafe names percent-encoded).", valueName: "dir"))
    var archive: String?

    @Option(help: ArgumentHelp("Skip an object (or file) that holds or inflates to more than this many bytes (suffixes K, M, G).", valueName: "bytes"))
    var maxObjectSize = "1G"

    @Option(help: ArgumentHelp("Skip a document longer than this as a line (the later stages' --max-record-size).", valueName: "bytes"))
    var maxRecordSize = "64M"

    @Flag(help: "Check digest signatures, the digest chain and log file hashes instead of fetching; write findings.")
    var verify = false

    @Option(help: ArgumentHelp("With --verify: the output of aws cloudtrail list-public-keys (JSON).", valueName: "file"))
    var publicKeys: String?

    @OptionGroup var verbosity: VerbosityOptions

    @OptionGroup var strict: StrictOption

    func validate() throws {
        if queue == nil, sources.isEmpty, sourcesFrom == nil {
            throw ValidationError("name a source (s3://, oss://, logs://, a folder, a file, -), --sources-from FILE, or --queue URL")
        }
        if queue != nil, !sources.isEmpty || sourcesFrom != nil || verify || list {
            throw ValidationError("--queue reads the objects its notifications name: give no sources, --sources-from, --list or --verify")
        }
        if queue != nil, archive != nil || !account.isEmpty || !region.isEmpty || since != nil || until != nil {
            throw ValidationError("--queue fetches the objects its notifications name: --account, --region, --since, --until and --archive are for bucket listings")
        }
        if queue == nil, follow { throw ValidationError("--follow goes with --queue") }
        if follow, state.deferCommit { throw ValidationError("--follow deletes messages after each batch; --defer-commit is for the scheduled pipeline's single runs") }
        guard (0...20).contains(queueWait) else { throw ValidationError("--queue-wait must be between 0 and 20") }
        if list, verify || state.state != nil || archive != nil { throw ValidationError("--list reads nothing: --verify, --state and --archive do not go with it") }
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 256") }
        guard (1...366).contains(rewindDays) else { throw ValidationError("--rewind-days must be between 1 and 366") }
        if let maxRequests, maxRequests < 1 { throw ValidationError("--max-requests must be at least 1") }
        guard S3Client.Addressing(rawValue: addressing) != nil else { throw ValidationError("--addressing must be auto, path or virtual") }
        if verify, publicKeys == nil {
            throw ValidationError("--verify needs the trail's public keys: save them with `aws cloudtrail list-public-keys --start-time <first day> > keys.json` (in the region that delivers the digests) and pass --public-keys keys.json")
        }
        if publicKeys != nil, !verify { throw ValidationError("--public-keys is only for --verify") }
        if verify, archive != nil { throw ValidationError("--archive keeps fetched objects; --verify fetches none to keep") }
        if verify, state.deferCommit || state.resetState { throw ValidationError("--verify reads the state; --defer-commit and --reset-state are for fetching") }
        for (name, value) in [("--max-object-size", maxObjectSize), ("--max-record-size", maxRecordSize)] {
            guard let bytes = parseByteCount(value), (1 << 10...1 << 40).contains(bytes) else {
                throw ValidationError("\(name) \(value): not a byte count from 1K to 1T (a number with an optional K, M, G or T)")
            }
        }
        for source in sources where BucketLocation(source) == nil && source.contains("://") && !(source.hasPrefix("logs://") && source.count > 7) {
            throw ValidationError("\(source): unknown scheme (use s3://, oss://, logs://, a path, or -)")
        }
        if let endpoint, S3Client.endpointURL(endpoint) == nil { throw ValidationError("--endpoint \(endpoint): not an http(s) URL with a host") }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, FetchFilters.day(value) == nil { throw ValidationError("\(name) \(value): not a date (YYYY-MM-DD) or RFC 3339 time") }
        }
    }

    func run() throws {
        var options = FetchOptions()
        options.profile = profile
        options.region = bucketRegion
        options.endpoint = endpoint
        options.addressing = S3Client.Addressing(rawValue: addressing) ?? .auto
        options.maxRequests = maxRequests
        options.statePath = state.statePath
        options.deferCommit = state.deferCommit
        options.resetState = state.resetState
        options.verbose = verbosity.verbose
        options.quiet = verbosity.quiet
        options.environment = ProcessInfo.processInfo.environment
        options.logStreamPrefix = logStreamPrefix
        options.bucket.filters = FetchFilters(accounts: Set(account.flatMap { $0.split(separator: ",").map(String.init) }),
                                              regions: Set(region.flatMap { $0.split(separator: ",").map(String.init) }),
                                              since: since.flatMap(FetchFilters.day), until: until.flatMap(FetchFilters.day),
                                              sinceTime: since.flatMap { Timestamp(iso8601: $0) })
        options.bucket.rewindDays = rewindDays
        options.bucket.jobs = jobs
        options.bucket.archive = archive
        options.bucket.progress = isatty(2) != 0 && !verbosity.quiet
        options.limits.maxObjectSize = parseByteCount(maxObjectSize) ?? options.limits.maxObjectSize
        options.limits.maxRecordSize = parseByteCount(maxRecordSize) ?? options.limits.maxRecordSize
        let mode = list ? FetchMode.list : publicKeys.map(FetchMode.verify) ?? queue.map { .queue($0, QueueOptions(follow: follow, wait: queueWait)) } ?? .fetch
        CommandLineTool.run("trail-fetch", strict) { diagnostics, output in
            try Fetcher(output: output, diagnostics: diagnostics, options: options).run(mode, sources: sources, sourcesFrom: sourcesFrom, stats: stats.stats)
        }
    }
}
