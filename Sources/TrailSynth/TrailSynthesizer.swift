import Crypto
import TrailCore

/// What a run produced.
public struct SynthSummary: Sendable {
    public var cloudTrailEvents = 0
    public var cloudTrailFiles = 0
    public var actionTrailEvents = 0
    public var actionTrailFiles = 0
    public var digestFiles = 0
    public var securityCenterRecords = 0
    public var securityCenterFiles = 0
    /// Truth lines per scenario (an event exemplifying two scenarios counts for both).
    public var scenarioEvents: [ScenarioID: Int] = [:]

    /// What was written below `folder`, in one line for stderr.
    public func report(folder: String) -> String {
        var report = "wrote \(cloudTrailEvents) CloudTrail events in \(cloudTrailFiles) files"
        if actionTrailFiles > 0 { report += " and \(actionTrailEvents) ActionTrail events in \(actionTrailFiles) files" }
        if securityCenterFiles > 0 { report += ", \(securityCenterRecords) Security Center findings in \(securityCenterFiles) files" }
        if digestFiles > 0 { report += ", and \(digestFiles) signed digest files" }
        report += " under \(folder)"
        if !scenarioEvents.isEmpty {
            report += "; scenario events: " + scenarioEvents.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        }
        return report
    }
}

/// One line of the answer key.
struct TruthEntry: Sendable {
    let scenario: ScenarioID
    let cloud: String
    /// Nil for records that have none (Security Center findings): `file` and `index` name them.
    let eventID: String?
    let eventName: String
    let file: String
    let time: UTCTime
    /// The record's line in its file, for records without an ID.
    var index: Int? = nil

    var json: [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.object { w in
            w.field("scenario", scenario.rawValue)
            w.field("cloud", cloud)
            w.member("eventID", eventID)
            w.field("eventName", eventName)
            w.field("file", file)
            if let index { w.field("index", index) }
        }
        return w.bytes
    }
}

/// One file to write: a run of one stream's sorted events and when the trail delivers it.
struct FileJob: Sendable {
    let stream: Int32
    let events: Range<Int>
    let delivered: UTCTime
    /// CloudTrail's random 16-character name part.
    let unique: String
}

/// What writing a run of files produced.
struct WrittenFiles: Sendable {
    var files = 0
    var events = 0
    var truth: [TruthEntry] = []
    /// Facts for the digests, when digests are written.
    var logFiles: [DeliveredLogFile] = []
}

/// What writing one file produced.
struct WrittenFile {
    var truth: [TruthEntry]
    var logFile: DeliveredLogFile?
}

/// Generates a corpus: plans background traffic and scenario events for both clouds, cuts
/// each delivery stream into files, writes them in the buckets' layouts, and writes the truth.
public enum TrailSynthesizer {
    /// Random streams, one per purpose, so that changing one part of the request leaves the
    /// other parts of the corpus as they were.
    private enum Purpose: UInt64 {
        case world = 1, awsTraffic, alibabaTraffic, cloudTrailFiles, actionTrailFiles, securityCenterFiles
    }

    public static func run(_ options: SynthOptions) throws -> SynthSummary {
        try options.validate()
        // Read the key first: a bad key should fail before minutes of writing.
        let signer = try options.digestKeyPath.map { path throws(SynthError) in try DigestSigner(keyFile: path) }
        var worldRNG = SynthRandom(seed: options.seed, purpose: Purpose.world.rawValue)
        let company = Company(rng: &worldRNG)
        let aws = AWSWorld(count: options.accounts, company: company, rng: &worldRNG)
        let alibaba = options.actionTrailEvents > 0 ? AlibabaWorld(company: company, rng: &worldRNG) : nil
        let frame = TimeFrame(start: options.start, days: options.days)

        var plan = ScenarioPlan(aws: aws, alibaba: alibaba, regions: options.regions, frame: frame, seed: options.seed)
        plan.inject(options.scenarios, rate: options.scenarioRate)
        let injected = plan.events
        let cloudTrailInjected = injected.indices.filter { if case .cloudTrail = injected[$0].record { true } else { false } }
        let actionTrailInjected = injected.indices.filter { if case .actionTrail = injected[$0].record { true } else { false } }
        guard cloudTrailInjected.count <= options.events else {
            throw SynthError("--events \(options.events) is too small: the requested scenarios need \(cloudTrailInjected.count) CloudTrail events")
        }
        guard actionTrailInjected.count <= options.actionTrailEvents else {
            throw SynthError("--actiontrail \(options.actionTrailEvents) is too small: the requested scenarios need \(actionTrailInjected.count) ActionTrail events")
        }
        try BucketWriter(root: options.outputDirectory).makeDirectories(options.outputDirectory)
        var summary = SynthSummary()
        var truth = try synthesizeCloudTrail(aws, injected: injected, at: cloudTrailInjected, frame: frame, signer: signer,
                                             options: options, summary: &summary)
        if let alibaba {
            truth += try synthesizeActionTrail(alibaba, injected: injected, at: actionTrailInjected, frame: frame, options: options, summary: &summary)
        }
        truth += try synthesizeSecurityCenter(injected, options: options, summary: &summary)
        try writeTruth(truth, options: options, summary: &summary)
        return summary
    }

    /// Background traffic with the injected CloudTrail events (`at` in `injected`), cut into
    /// files, written, and signed into digests when there is a signer; returns the truth.
    private static func synthesizeCloudTrail(_ aws: AWSWorld, injected: [InjectedEvent], at indices: [Int], frame: TimeFrame,
                                             signer: DigestSigner?, options: SynthOptions, summary: inout SynthSummary) throws -> [TruthEntry] {
        var awsTraffic = AWSTraffic(world: aws, regions: options.regions, frame: frame)
        var planned: [PlannedEvent] = []
        planned.reserveCapacity(options.events)
        var trafficRNG = SynthRandom(seed: options.seed, purpose: Purpose.awsTraffic.rawValue)
        awsTraffic.plan(count: options.events - indices.count, rng: &trafficRNG, into: &planned)
        for index in indices {
            guard case .cloudTrail(let record, let account) = injected[index].record else { continue }
            let region = options.regions.firstIndex(of: record.region)!
            planned.append(PlannedEvent(time: record.time.seconds, seed: UInt64(index), stream: awsTraffic.stream(account: account, region: region),
                                        ref: Int32(index), action: 0, source: .injected, outcome: .success))
        }
        planned.sort(by: PlannedEvent.byStreamThenTime)
        let cutter = FileCutter(sizes: options.eventsPerFile)
        let cloudTrailJobs = jobs(planned, cutter: cutter, seed: options.seed, purpose: .cloudTrailFiles, delay: 60...420)
        let cloudTrail = try write(cloudTrailJobs, root: options.outputDirectory) { [planned, awsTraffic] job, writer, bucket in
            try writeCloudTrail(job, planned: planned, traffic: awsTraffic, injected: injected, options: options, digests: signer != nil,
                                writer: &writer, bucket: bucket)
        }
        summary.cloudTrailFiles = cloudTrail.files
        summary.cloudTrailEvents = cloudTrail.events
        if let signer {
            summary.digestFiles = try writeDigests(cloudTrail.logFiles, signer: signer, traffic: awsTraffic, frame: frame, options: options)
        }
        return cloudTrail.truth
    }

    /// The same for ActionTrail (no digests).
    private static func synthesizeActionTrail(_ alibaba: AlibabaWorld, injected: [InjectedEvent], at indices: [Int], frame: TimeFrame,
                                              options: SynthOptions, summary: inout SynthSummary) throws -> [TruthEntry] {
        var alibabaTraffic = AlibabaTraffic(world: alibaba, frame: frame)
        var alibabaPlanned: [PlannedEvent] = []
        var alibabaRNG = SynthRandom(seed: options.seed, purpose: Purpose.alibabaTraffic.rawValue)
        alibabaTraffic.plan(count: options.actionTrailEvents - indices.count, rng: &alibabaRNG, into: &alibabaPlanned)
        for index in indices {
            guard case .actionTrail(let record) = injected[index].record else { continue }
            alibabaPlanned.append(PlannedEvent(time: record.time.seconds, seed: UInt64(index), stream: AlibabaTraffic.stream(region: record.region),
                                               ref: Int32(index), action: 0, source: .injected, outcome: .success))
        }
        alibabaPlanned.sort(by: PlannedEvent.byStreamThenTime)
        // ActionTrail delivers within about ten minutes.
        let actionTrailJobs = jobs(alibabaPlanned, cutter: FileCutter(sizes: options.eventsPerFile), seed: options.seed,
                                   purpose: .actionTrailFiles, delay: 120...600)
        let actionTrail = try write(actionTrailJobs, root: options.outputDirectory) { [alibabaPlanned, alibabaTraffic] job, writer, bucket in
            WrittenFile(truth: try writeActionTrail(job, planned: alibabaPlanned, traffic: alibabaTraffic, injected: injected,
                                                    writer: &writer, bucket: bucket))
        }
        summary.actionTrailFiles = actionTrail.files
        summary.actionTrailEvents = actionTrail.events
        return actionTrail.truth
    }

    /// The injected Security Center findings, shipped as SLS would.
    private static func synthesizeSecurityCenter(_ injected: [InjectedEvent], options: SynthOptions,
                                                 summary: inout SynthSummary) throws -> [TruthEntry] {
        let findings = injected.compactMap { item -> (CSPMFinding, [ScenarioID])? in
            if case .securityCenter(let finding) = item.record { (finding, item.scenarios) } else { nil }
        }
        guard !findings.isEmpty else { return [] }
        let shipped = try writeSecurityCenter(findings, seed: options.seed, bucket: BucketWriter(root: options.outputDirectory))
        summary.securityCenterFiles = shipped.files
        summary.securityCenterRecords = shipped.events
        return shipped.truth
    }

    /// Counts the truth per scenario and writes it, in order, where --truth says.
    private static func writeTruth(_ unsorted: [TruthEntry], options: SynthOptions, summary: inout SynthSummary) throws {
        let truth = unsorted.sorted {
            ($0.scenario, $0.time.seconds, $0.eventID ?? $0.file, $0.index ?? 0) < ($1.scenario, $1.time.seconds, $1.eventID ?? $1.file, $1.index ?? 0)
        }
        for entry in truth { summary.scenarioEvents[entry.scenario, default: 0] += 1 }
        guard let truthPath = options.truthPath else { return }
        try FileIO.writeAtomically(truth.flatMap { $0.json + [0x0A] }, to: truthPath)
    }

    /// Cuts every stream of `planned` (sorted by stream) into files, deciding delivery times
    /// and names up front so that the files can then be written in any order.
    private static func jobs(_ planned: [PlannedEvent], cutter: FileCutter, seed: UInt64, purpose: Purpose,
                             delay: ClosedRange<Int64>) -> [FileJob] {
        var jobs: [FileJob] = []
        var start = 0
        while start < planned.count {
            let stream = planned[start].stream
            var end = start + 1
            while end < planned.count, planned[end].stream == stream { end += 1 }
            var rng = SynthRandom(seed: seed, purpose: purpose.rawValue << 32 | UInt64(stream))
            for file in cutter.cut(planned[start..<end], rng: &rng) {
                let delivered = UTCTime(seconds: planned[file.upperBound - 1].time) + rng.int64(in: delay)
                jobs.append(FileJob(stream: stream, events: file, delivered: delivered, unique: rng.alphanumeric(16)))
            }
            start = end
        }
        return jobs
    }

    /// Writes all jobs on all cores, each chunk with its own buffer and folder cache.
    private static func write(_ jobs: [FileJob], root: String,
                              _ one: @escaping @Sendable (FileJob, inout JSONWriter, BucketWriter) throws -> WrittenFile) throws -> WrittenFiles {
        let chunks = try Parallel.mapChunks(count: jobs.count) { range in
            var writer = JSONWriter(capacity: 1 << 20)
            let bucket = BucketWriter(root: root)
            var result = WrittenFiles()
            for job in jobs[range] {
                let written = try one(job, &writer, bucket)
                result.truth += written.truth
                if let logFile = written.logFile { result.logFiles.append(logFile) }
                result.files += 1
                result.events += job.events.count
            }
            return result
        }
        return chunks.reduce(into: WrittenFiles()) { total, chunk in
            total.files += chunk.files
            total.events += chunk.events
            total.truth += chunk.truth
            total.logFiles += chunk.logFiles
        }
    }

    private static func writeCloudTrail(_ job: FileJob, planned: [PlannedEvent], traffic: AWSTraffic, injected: [InjectedEvent],
                                        options: SynthOptions, digests: Bool, writer: inout JSONWriter, bucket: BucketWriter) throws -> WrittenFile {
        let (accountIndex, regionIndex) = traffic.location(of: job.stream)
        let account = traffic.world.accounts[accountIndex]
        let path = BucketLayout.cloudTrail(organization: options.organizationID, account: account.id, region: options.regions[regionIndex],
                                           delivered: job.delivered, unique: job.unique)
        let context = PayloadContext(account: account)
        var truth: [TruthEntry] = []
        writer.bytes.removeAll(keepingCapacity: true)
        writer.beginObject()
        writer.key("Records")
        writer.beginArray()
        for event in planned[job.events] {
            guard event.source == .injected else {
                traffic.record(for: event, context: context).write(to: &writer)
                continue
            }
            let item = injected[Int(event.ref)]
            guard case .cloudTrail(let record, _) = item.record else { continue }
            record.write(to: &writer)
            truth += item.scenarios.map {
                TruthEntry(scenario: $0, cloud: "aws", eventID: record.eventID, eventName: record.eventName, file: path, time: record.time)
            }
        }
        writer.endArray()
        writer.endObject()
        try bucket.write(writer.bytes.withUnsafeBytes { try Gzip.deflate($0) }, to: path)
        guard digests else { return WrittenFile(truth: truth) }
        // Events of a file are in time order (planned is sorted by stream, then time).
        let logFile = DeliveredLogFile(stream: job.stream, path: path, delivered: job.delivered, sha256: Hex.encode(SHA256.hash(data: writer.bytes)),
                                       oldestEvent: UTCTime(seconds: planned[job.events.lowerBound].time),
                                       newestEvent: UTCTime(seconds: planned[job.events.upperBound - 1].time))
        return WrittenFile(truth: truth, logFile: logFile)
    }

    /// Writes every stream's hourly digest chain, from the first hour of the corpus to the hour
    /// of its last delivery, streams in parallel; returns how many digests.
    private static func writeDigests(_ logFiles: [DeliveredLogFile], signer: DigestSigner, traffic: AWSTraffic, frame: TimeFrame,
                                     options: SynthOptions) throws -> Int {
        let hour = DigestWriter.hour
        let first = UTCTime(seconds: frame.start.seconds / hour * hour)
        let lastDelivery = logFiles.map(\.delivered).max() ?? frame.end
        let hours = Int((max(lastDelivery, frame.end).seconds - first.seconds) / hour + 1)
        var byStream: [Int32: [DeliveredLogFile]] = [:]
        for file in logFiles { byStream[file.stream, default: []].append(file) }
        let streams = (0..<traffic.world.accounts.count).flatMap { account in
            options.regions.indices.map { traffic.stream(account: account, region: $0) }
        }
        let chains = DigestWriter(signer: signer, bucket: options.bucket, trailName: options.trailName, organizationID: options.organizationID,
                                  homeRegion: SynthOptions.globalRegion)
        let root = options.outputDirectory
        let counts = try Parallel.mapChunks(count: streams.count) { [byStream] range in
            let bucket = BucketWriter(root: root)
            var written = 0
            for stream in streams[range] {
                let (account, region) = traffic.location(of: stream)
                let files = (byStream[stream] ?? []).sorted { ($0.delivered, $0.path) < ($1.delivered, $1.path) }
                written += try chains.writeChain(account: traffic.world.accounts[account].id, region: options.regions[region], files: files,
                                                 first: first, hours: hours, bucketWriter: bucket)
            }
            return written
        }
        return counts.reduce(0, +)
    }

    /// Ships findings as an SLS OSS shipping job does: one file per shard and shipping interval
    /// (five minutes), one JSON object per line, gzip'd, named by when it was shipped.
    private static func writeSecurityCenter(_ findings: [(CSPMFinding, [ScenarioID])], seed: UInt64, bucket: BucketWriter) throws -> WrittenFiles {
        var rng = SynthRandom(seed: seed, purpose: Purpose.securityCenterFiles.rawValue)
        let sorted = findings.sorted { $0.0.time < $1.0.time }
        var result = WrittenFiles()
        var start = 0
        while start < sorted.count {
            let windowEnd = sorted[start].0.time + FileCutter.window
            var end = start + 1
            while end < sorted.count, sorted[end].0.time < windowEnd { end += 1 }
            let shipped = windowEnd + rng.int64(in: 5...60)
            let path = BucketLayout.securityCenter(shipped: shipped, nanoseconds: rng.int64(in: 0...999_999_999), shard: rng.int(in: 0...1))
            var writer = JSONWriter(capacity: 4096)
            for (line, (finding, scenarios)) in sorted[start..<end].enumerated() {
                finding.write(to: &writer)
                writer.bytes.append(0x0A)
                result.truth += scenarios.map {
                    TruthEntry(scenario: $0, cloud: "alibaba", eventID: nil, eventName: finding.check.name, file: path, time: finding.time, index: line)
                }
            }
            try bucket.write(writer.bytes.withUnsafeBytes { try Gzip.deflate($0) }, to: path)
            result.files += 1
            result.events += end - start
            start = end
        }
        return result
    }

    private static func writeActionTrail(_ job: FileJob, planned: [PlannedEvent], traffic: AlibabaTraffic, injected: [InjectedEvent],
                                         writer: inout JSONWriter, bucket: BucketWriter) throws -> [TruthEntry] {
        var injectedHere: [(InjectedEvent, ActionTrailRecord)] = []
        writer.bytes.removeAll(keepingCapacity: true)
        writer.beginArray()
        for event in planned[job.events] {
            guard event.source == .injected else {
                traffic.record(for: event).write(to: &writer)
                continue
            }
            let item = injected[Int(event.ref)]
            guard case .actionTrail(let record) = item.record else { continue }
            record.write(to: &writer)
            injectedHere.append((item, record))
        }
        writer.endArray()
        // The name carries the count, size and MD5 of the uncompressed body, so it comes last.
        let path = BucketLayout.actionTrail(region: AlibabaTraffic.regions[Int(job.stream)], delivered: job.delivered,
                                            count: job.events.count, size: writer.bytes.count, md5: BucketLayout.md5Hex(writer.bytes))
        try bucket.write(writer.bytes.withUnsafeBytes { try Gzip.deflate($0) }, to: path)
        return injectedHere.flatMap { item, record in
            item.scenarios.map {
                TruthEntry(scenario: $0, cloud: "alibaba", eventID: record.eventID, eventName: record.eventName, file: path, time: record.time)
            }
        }
    }
}
