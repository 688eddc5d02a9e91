import Crypto
import _CryptoExtras
import Foundation
import TrailCore

/// `trail-fetch --verify`: what `aws cloudtrail validate-logs` checks (formats.md 3.5–3.6),
/// offline or against the bucket, as `IntegrityFinding` lines.
///
/// Each digest chain (account × delivering region × trail) is walked from its oldest digest
/// to its newest. A digest is valid when it inflates, names the place it was read from, and
/// its signature verifies under the public key of its fingerprint; each link to the previous
/// digest is checked (hash of its inflated bytes, its signature), a pointer to a digest that
/// is not there is a `missing` digest, and hours no digest covers are a `gap`. Every log file
/// a valid digest lists is hashed; log files of the chain's hours that no valid digest lists
/// are `uncovered`. With a fetch state, listed files trail-fetch never delivered are `unfetched`.
public final class DigestVerifier {
    private let store: TrailObjectStore
    private let keys: PublicKeyRing
    private let filters: FetchFilters
    private let state: FetchState?
    private let output: OutputWriter
    private let jobs: Int
    private let limits: FetchLimits
    /// Findings by type and status, for the summary.
    public private(set) var counts: [IntegrityFinding.ObjectType: [IntegrityFinding.Status: Int]] = [:]

    public init(store: TrailObjectStore, keys: PublicKeyRing, filters: FetchFilters = FetchFilters(),
                state: FetchState? = nil, jobs: Int = 8, limits: FetchLimits = FetchLimits(), output: OutputWriter) {
        self.store = store
        self.limits = limits
        self.keys = keys
        self.filters = filters
        self.state = state
        self.output = output
        self.jobs = max(1, jobs)
    }

    /// True when some finding is not `valid`.
    public var foundProblems: Bool {
        counts.values.contains { $0.contains { $0.key.isProblem && $0.value > 0 } }
    }

    public func run() throws {
        let all = try store.keys()
        let listed = Set(all)
        var chains: [String: [DigestKey]] = [:]
        var logs: [String: [LogKey]] = [:]
        for key in all {
            if let digest = DigestKey(key), admits(digest) {
                chains[digest.chain, default: []].append(digest)
            } else if let log = LogKey(key) {
                logs[log.stream, default: []].append(log)
            }
        }
        var covered = Set<String>()
        var spans: [String: (first: Timestamp, last: Timestamp)] = [:]
        var ends: [(last: DigestKey, end: Timestamp)] = []
        for chain in chains.keys.sorted() {
            let digests = chains[chain]!.sorted { $0.stamp < $1.stamp }
            if let span = try walk(digests, listed: listed, covered: &covered) {
                let stream = digests[0].stream
                let old = spans[stream]
                spans[stream] = (min(old?.first ?? span.first, span.first), max(old?.last ?? span.last, span.last))
                if !digests[0].backfill { ends.append((digests[digests.count - 1], span.last)) }
            }
        }
        reportStoppedChains(ends, spans: &spans)
        for stream in logs.keys.sorted() {
            guard let span = spans[stream] else { continue }
            for log in logs[stream]! where log.delivered >= span.first && log.delivered < span.last && !covered.contains(log.key) {
                emit(IntegrityFinding(status: .uncovered, type: .log, object: store.uri(log.key), reason: "no valid digest lists it",
                                      account: log.account, region: log.region, time: log.delivered.rfc3339))
            }
        }
        output.flush()
    }

    /// A chain whose digests stop while the same trail's other chains (accounts, regions) go on
    /// has lost its newest digests, or its region stopped delivering: a gap up to the trail's
    /// newest digest. Regions deliver their digests minutes apart, so only a lag of two hours
    /// or more counts. The stream's log files are then checked up to the trail's newest digest.
    private func reportStoppedChains(_ ends: [(last: DigestKey, end: Timestamp)], spans: inout [String: (first: Timestamp, last: Timestamp)]) {
        let newest = Dictionary(ends.map { ($0.last.trail, $0.end) }, uniquingKeysWith: max)
        for (last, end) in ends {
            guard let trailEnd = newest[last.trail], trailEnd.seconds - end.seconds >= 2 * 3600 else { continue }
            emit(IntegrityFinding(status: .gap, type: .chain, object: store.uri(last.folder),
                                  reason: "no digest after \(end.rfc3339); the trail's other digests go on to \(trailEnd.rfc3339)",
                                  digest: store.uri(last.key), account: last.account, region: last.region, time: end.rfc3339))
            if let span = spans[last.stream] { spans[last.stream] = (span.first, max(span.last, trailEnd)) }
        }
    }

    /// The summary line for stderr: counts by type and status.
    public var summary: String {
        let order: [IntegrityFinding.Status] = [.valid, .invalid, .missing, .unsigned, .uncovered, .gap, .unfetched]
        let parts = [(IntegrityFinding.ObjectType.digest, "digest file"), (.log, "log file"), (.chain, "chain finding")].compactMap { type, name -> String? in
            guard let byStatus = counts[type], !byStatus.isEmpty else { return nil }
            let total = byStatus.values.reduce(0, +)
            return "\(total) \(name)\(total == 1 ? "" : "s") (" + order.compactMap { status in
                byStatus[status].map { "\($0) \(status.rawValue)" }
            }.joined(separator: ", ") + ")"
        }
        return parts.isEmpty ? "no digests found" : parts.joined(separator: "; ")
    }

    /// What signs a digest (formats.md 3.5 step 6): end time, bucket/key, the hex SHA-256 of the
    /// inflated bytes as stored, the previous signature or `null`, joined by `\n`.
    public static func stringToSign(endTime: String, bucket: String, key: String, body: [UInt8], previousSignature: String?) -> [UInt8] {
        Array("\(endTime)\n\(bucket)/\(key)\n\(Hex.encode(SHA256.hash(data: body)))\n\(previousSignature ?? "null")".utf8)
    }

    // MARK: - The chain

    /// A digest as far as it was checked: the next one's link is compared against it.
    private struct Checked {
        let key: String
        let body: [UInt8]
        let signature: String?
        let valid: Bool
        let start: Timestamp?
        let end: Timestamp?
    }

    /// Checks one chain, oldest first; returns the span of hours its digests cover.
    private func walk(_ digests: [DigestKey], listed: Set<String>, covered: inout Set<String>) throws -> (first: Timestamp, last: Timestamp)? {
        var previous: Checked?
        var span: (first: Timestamp, last: Timestamp)?
        for digest in digests {
            let uri = store.uri(digest.key)
            func finding(_ status: IntegrityFinding.Status, _ type: IntegrityFinding.ObjectType = .digest, object: String? = nil,
                         reason: String, time: String? = nil) -> IntegrityFinding {
                IntegrityFinding(status: status, type: type, object: object ?? uri, reason: reason, digest: uri,
                                 account: digest.account, region: digest.region, time: time ?? digest.endTime)
            }
            guard let (raw, signature) = try store.readSigned(digest.key) else {
                emit(finding(.missing, reason: "not found"))
                continue
            }
            guard let body = inflated(raw, limit: limits.maxRecordSize),
                  let fields = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                  let document = DigestDocument(fields) else {
                emit(finding(.invalid, reason: "invalid format"))
                previous = Checked(key: digest.key, body: [], signature: signature, valid: false, start: nil, end: nil)
                continue
            }
            let start = Timestamp(iso8601: document.startTime), end = Timestamp(iso8601: document.endTime)
            if let start, let end {
                span = (min(span?.first ?? start, start), max(span?.last ?? end, end))
                if let gapStart = previous?.end, gapStart < start {
                    emit(finding(.gap, .chain, object: store.uri(digest.folder),
                                 reason: "no digest between \(gapStart.rfc3339) and \(start.rfc3339)", time: gapStart.rfc3339))
                }
            }
            let verdict = check(document, body: body, signature: signature, key: digest.key)
            emit(finding(verdict.status, reason: verdict.reason, time: document.endTime))
            if verdict.status == .valid {
                if let broken = link(document, to: previous, listed: listed) {
                    // A digest that is gone is a missing digest file; one that is there but not what the
                    // link recorded is a broken chain, beside its own (valid) signature finding.
                    emit(finding(broken.status, broken.status == .missing ? .digest : .chain, object: broken.object,
                                 reason: broken.reason, time: document.endTime))
                }
                let files = document.logFiles.filter { $0.bucket == (store.bucket ?? $0.bucket) }
                for file in document.logFiles where file.bucket != (store.bucket ?? file.bucket) {
                    emit(finding(.missing, .log, object: "s3://\(file.bucket)/\(file.key)", reason: "in another bucket than the one verified",
                                 time: document.endTime))
                }
                for batch in stride(from: 0, to: files.count, by: jobs) {
                    let slice = Array(files[batch..<min(batch + jobs, files.count)])
                    for (file, content) in zip(slice, readAtOnce(slice.map(\.key), store.read)) {
                        covered.insert(file.key)
                        try checkLog(file, content: content.get(), digest: digest, document: document)
                    }
                }
            }
            previous = Checked(key: digest.key, body: body, signature: signature, valid: verdict.status == .valid, start: start, end: end)
        }
        return span
    }

    /// The digest's own checks, in the order of validate-logs.
    private func check(_ document: DigestDocument, body: [UInt8], signature: String?, key: String) -> (status: IntegrityFinding.Status, reason: String) {
        if document.bucket != (store.bucket ?? document.bucket) || document.object != key {
            return (.invalid, "has been moved from its original location")
        }
        guard let signature else { return (.unsigned, store.signatureSource) }
        guard let publicKey = keys.key(fingerprint: document.fingerprint) else {
            return (.invalid, "public key not found for fingerprint \(document.fingerprint)")
        }
        let message = DigestVerifier.stringToSign(endTime: document.endTime, bucket: document.bucket, key: key, body: body,
                                                  previousSignature: document.previousSignature)
        guard let bytes = Hex.decode(signature),
              publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: bytes), for: message, padding: .insecurePKCS1v1_5) else {
            return (.invalid, "signature verification failed")
        }
        return (.valid, "signature verified")
    }

    /// What is wrong with a valid digest's link to the one before it, if anything: a previous
    /// digest that is gone, or one whose bytes or signature are not those the link records.
    private func link(_ document: DigestDocument, to previous: Checked?, listed: Set<String>) -> (status: IntegrityFinding.Status, object: String, reason: String)? {
        guard let pointer = document.previousObject, document.previousBucket == (store.bucket ?? document.previousBucket) else {
            return nil
        }
        guard listed.contains(pointer) else { return (.missing, store.uri(pointer), "not found") }
        // The first digest of the selected hours links to one outside them: not checked here.
        guard let previous else { return nil }
        let uri = store.uri(previous.key)
        if previous.key != pointer {
            return (.invalid, uri, "not the previous digest: the next one links to \(store.uri(pointer))")
        }
        guard previous.valid else { return nil }
        if document.previousHash?.lowercased() != Hex.encode(SHA256.hash(data: previous.body)) {
            return (.invalid, uri, "hash value doesn't match the next digest's previousDigestHashValue")
        }
        if document.previousSignature?.lowercased() != previous.signature?.lowercased() {
            return (.invalid, uri, "signature doesn't match the next digest's previousDigestSignature")
        }
        return nil
    }

    // MARK: - Log files

    /// A digest file gunzipped, or nil when it is not gzip or inflates past `limit` bytes.
    private func inflated(_ raw: [UInt8], limit: Int) -> [UInt8]? {
        var body: [UInt8] = []
        let inflated: ()? = try? raw.withUnsafeBytes { bytes in
            try Gzip.inflate(bytes) { block in
                guard body.count + block.count <= limit else { throw GzipError("over the limit") }
                body.append(contentsOf: block)
            }
        }
        return inflated.map { body }
    }

    /// A log file's SHA-256 once gunzipped against the digest's, hashed a block at a time:
    /// one that is not gzip, or inflates past the object cap (a bomb), is invalid.
    private func checkHash(_ raw: [UInt8], expected: String) -> (IntegrityFinding.Status, String) {
        var hasher = SHA256()
        var total = 0
        do {
            try raw.withUnsafeBytes { bytes in
                try Gzip.inflate(bytes) { block in
                    total += block.count
                    guard total <= limits.maxObjectSize else { throw ObjectProblem.tooLarge(limit: limits.maxObjectSize) }
                    hasher.update(bufferPointer: block)
                }
            }
        } catch ObjectProblem.tooLarge(let limit) {
            return (.invalid, "decompressed size exceeds \(formatLimit(limit))")
        } catch {
            return (.invalid, "invalid format")
        }
        let matches = Hex.encode(hasher.finalize()) == expected.lowercased()
        return matches ? (.valid, "hash value matches") : (.invalid, "hash value doesn't match")
    }

    /// The findings of one listed log file, given its bytes (nil: no such object).
    private func checkLog(_ file: DigestDocument.LogFile, content: [UInt8]?, digest: DigestKey, document: DigestDocument) throws {
        func emitLog(_ status: IntegrityFinding.Status, _ reason: String) {
            emit(IntegrityFinding(status: status, type: .log, object: store.uri(file.key), reason: reason,
                                  digest: store.uri(digest.key), account: digest.account, region: digest.region, time: document.endTime))
        }
        if let raw = content {
            let (status, reason) = checkHash(raw, expected: file.hash)
            emitLog(status, reason)
        } else {
            emitLog(.missing, "not found")
        }
        let name = file.key.split(separator: "/").last.map(String.init) ?? file.key
        if let state, !state.hasDelivered(name, folder: dayFolder(of: file.key)) {
            emitLog(.unfetched, "listed by a digest, never delivered by trail-fetch (not in its state)")
        }
    }

    /// The fetch state's name for the folder of a log file (what trail-fetch records it under).
    private func dayFolder(of key: String) -> DayFolder {
        let folder = key.lastIndex(of: "/").map { String(key[...$0]) } ?? ""
        if case .day(let day) = FolderRole.of(folder) {
            return DayFolder(stream: store.uri(String(folder.dropLast(DayFolder.path(day).count))), day: day)
        }
        return DayFolder(stream: store.uri(folder), day: nil)
    }

    // MARK: - Selection and output

    private func admits(_ digest: DigestKey) -> Bool {
        if !filters.accounts.isEmpty, !filters.accounts.contains(digest.account) { return false }
        if !filters.regions.isEmpty, !filters.regions.contains(digest.region) { return false }
        guard let end = Timestamp(iso8601: digest.endTime) else { return false }
        let sinceStart = filters.sinceTime ?? filters.since.map { Timestamp(seconds: Int64($0) * 86_400) }
        if let sinceStart, end.seconds <= sinceStart.seconds { return false }
        if let until = filters.until, end.seconds - 3600 >= Int64(until + 1) * 86_400 { return false }
        return true
    }

    private func emit(_ finding: IntegrityFinding) {
        counts[finding.type, default: [:]][finding.status, default: 0] += 1
        output.writeLine(finding.json)
    }
}

/// A digest object's key: `…/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHMMSSZ>[_backfill].json.gz`.
struct DigestKey {
    let key: String
    let account: String
    let region: String
    /// `…/CloudTrail-Digest/<region>/`, the folder of the chain.
    let folder: String
    /// Where the stream's log files are: `…/<account>|<region>`, shared with `LogKey`.
    let stream: String
    /// One chain per folder, trail and home region; backfill digests form their own.
    let chain: String
    /// `YYYYMMDDTHHMMSSZ`, the digest's end time; sorts as time does.
    let stamp: String
    /// `<trail name>_<home region>`: the chains of one trail across accounts and regions.
    let trail: String
    let backfill: Bool

    init?(_ key: String) {
        guard key.hasSuffix(".json.gz") else { return nil }
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard let service = parts.lastIndex(of: "CloudTrail-Digest"), service >= 1, service + 6 == parts.count else { return nil }
        let name = parts[parts.count - 1]
        let backfill = name.hasSuffix("_backfill.json.gz")
        let tail = backfill ? 34 : 25   // `_<stamp>[_backfill].json.gz`
        guard name.count > tail else { return nil }
        let stampStart = name.index(name.endIndex, offsetBy: -(tail - 1))
        stamp = String(name[stampStart..<name.index(stampStart, offsetBy: 16)])
        guard stamp.count == 16, let end = Timestamp(iso8601: stamp) else { return nil }
        endTime = end.rfc3339
        self.key = key
        account = String(parts[service - 1])
        region = String(parts[service + 1])
        folder = parts[...(service + 1)].joined(separator: "/") + "/"
        stream = parts[..<service].joined(separator: "/") + "|" + region
        chain = folder + name.dropLast(tail) + (backfill ? " backfill" : "")
        trail = String(name.dropLast(tail).dropFirst(account.count + "_CloudTrail-Digest_".count + region.count + 1))
        self.backfill = backfill
    }

    /// The stamp as RFC 3339.
    let endTime: String
}

/// A CloudTrail log file's key: `…/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<id>.json.gz`.
struct LogKey {
    let key: String
    let account: String
    let region: String
    let stream: String
    /// Delivery time, to the minute, from the name.
    let delivered: Timestamp

    init?(_ key: String) {
        guard key.hasSuffix(".json.gz") else { return nil }
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard let service = parts.lastIndex(of: "CloudTrail"), service >= 1, service + 6 == parts.count else { return nil }
        let fields = parts[parts.count - 1].split(separator: "_")
        guard fields.count >= 5, fields[3].count == 14 else { return nil }
        guard let time = Timestamp(iso8601: String(fields[3])) else { return nil }
        self.key = key
        account = String(parts[service - 1])
        region = String(parts[service + 1])
        stream = parts[..<service].joined(separator: "/") + "|" + region
        delivered = time
    }
}

/// The members of a digest's JSON that validation reads (formats.md 3.2); nil when one that
/// validate-logs requires is absent (`invalid format`).
struct DigestDocument {
    struct LogFile {
        let bucket: String
        let key: String
        let hash: String
    }

    let fingerprint: String
    let bucket: String
    let object: String
    let startTime: String
    let endTime: String
    let previousBucket: String?
    let previousObject: String?
    let previousHash: String?
    let previousSignature: String?
    let logFiles: [LogFile]

    init?(_ fields: [String: Any]) {
        guard let fingerprint = fields["digestPublicKeyFingerprint"] as? String, let bucket = fields["digestS3Bucket"] as? String,
              let object = fields["digestS3Object"] as? String, let startTime = fields["digestStartTime"] as? String,
              let endTime = fields["digestEndTime"] as? String, let previous = fields["previousDigestSignature"],
              previous is NSNull || previous is String else { return nil }
        self.fingerprint = fingerprint
        self.bucket = bucket
        self.object = object
        self.startTime = startTime
        self.endTime = endTime
        previousSignature = previous as? String
        previousBucket = fields["previousDigestS3Bucket"] as? String
        previousObject = fields["previousDigestS3Object"] as? String
        previousHash = fields["previousDigestHashValue"] as? String
        var files: [LogFile] = []
        for entry in fields["logFiles"] as? [[String: Any]] ?? [] {
            guard let bucket = entry["s3Bucket"] as? String, let key = entry["s3Object"] as? String,
                  let hash = entry["hashValue"] as? String else { return nil }
            files.append(LogFile(bucket: bucket, key: key, hash: hash))
        }
        logFiles = files
    }
}
