#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import TrailCore

/// Cuts one stream's time-ordered events into delivery files the way the services do: a
/// file gathers what arrived in a window of about five minutes, and a busy window is split
/// into several files, each with a size drawn from `sizes` (mostly small, now and then large).
struct FileCutter {
    let sizes: ClosedRange<Int>
    static let window: Int64 = 300

    func cut(_ events: ArraySlice<PlannedEvent>, rng: inout SynthRandom) -> [Range<Int>] {
        var files: [Range<Int>] = []
        var start = events.startIndex
        while start < events.endIndex {
            let target = targetSize(&rng)
            let windowEnd = events[start].time + FileCutter.window
            var end = start + 1
            while end < events.endIndex, end - start < target, events[end].time < windowEnd { end += 1 }
            files.append(start..<end)
            start = end
        }
        return files
    }

    /// Squaring a uniform draw skews toward small files, as real trails are.
    private func targetSize(_ rng: inout SynthRandom) -> Int {
        let u = rng.unit()
        return sizes.lowerBound + Int(Double(sizes.count) * u * u)
    }
}

/// Where the services put their files (formats.md 1.1 and 4.4).
enum BucketLayout {
    /// `AWSLogs/[o-id/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDD>T<HHmm>Z_<unique>.json.gz`
    static func cloudTrail(organization: String?, account: String, region: String, delivered: UTCTime, unique: String) -> String {
        let org = organization.map { "\($0)/" } ?? ""
        return "AWSLogs/\(org)\(account)/CloudTrail/\(region)/\(delivered.datePath)/\(account)_CloudTrail_\(region)_\(delivered.cloudTrailFileStamp)_\(unique).json.gz"
    }

    /// `AWSLogs/[o-id/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<home-region>_<YYYYMMDDTHHMMSSZ>.json.gz`,
    /// dated by the digest's end time (formats.md 3.1).
    static func cloudTrailDigest(organization: String?, account: String, region: String, trail: String, homeRegion: String, end: UTCTime) -> String {
        let org = organization.map { "\($0)/" } ?? ""
        return "AWSLogs/\(org)\(account)/CloudTrail-Digest/\(region)/\(end.datePath)/\(account)_CloudTrail-Digest_\(region)_\(trail)_\(homeRegion)_\(end.digestFileStamp).json.gz"
    }

    /// `AliyunLogs/Actiontrail/<region>/YYYY/MM/DD/Actiontrail_<region>_<YYYYMMDDHHMMSS>_1002_<count>_<size>_<md5>.gz`
    static func actionTrail(region: String, delivered: UTCTime, count: Int, size: Int, md5: String) -> String {
        "AliyunLogs/Actiontrail/\(region)/\(delivered.datePath)/Actiontrail_\(region)_\(delivered.actionTrailFileStamp)_1002_\(count)_\(size)_\(md5).gz"
    }

    /// `sas-cspm-log/YYYY/MM/DD/HH/MM_<nanoseconds>_<shard>.gz`: what a Simple Log Service OSS
    /// shipping job writes for Security Center's log store, with the topic as its prefix, the
    /// default partition format `%Y/%m/%d/%H/%M`, JSON lines and gzip compression (formats.md
    /// 4.5; the prefix is the user's choice, the rest is SLS's naming).
    static func securityCenter(shipped: UTCTime, nanoseconds: Int64, shard: Int) -> String {
        "sas-cspm-log/\(shipped.minutePath)_\(shipped.seconds * 1_000_000_000 + nanoseconds)_\(shard).gz"
    }

    /// Lower-case hex MD5 of an ActionTrail body, as its file name carries it.
    static func md5Hex(_ bytes: [UInt8]) -> String {
        Hex.encode(Insecure.MD5.hash(data: bytes))
    }
}

/// Writes files below the output folder, creating date folders as needed.
final class BucketWriter {
    let root: String
    private var existing = Set<String>()

    init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    func write(_ bytes: [UInt8], to relativePath: String) throws(IOFailure) {
        let path = "\(root)/\(relativePath)"
        if let slash = path.lastIndex(of: "/") { try makeDirectories(String(path[..<slash])) }
        try FileIO.writeAtomically(bytes, to: path, durable: false)
    }

    /// `mkdir -p`, remembering what exists so each folder costs one system call per run.
    func makeDirectories(_ path: String) throws(IOFailure) {
        guard !path.isEmpty, !existing.contains(path) else { return }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]))
        }
        if mkdir(path, 0o755) != 0, errno != EEXIST {
            throw IOFailure(path: path, errno: errno)
        }
        guard FileIO.isDirectory(path) else { throw IOFailure(path: path, reason: "exists and is not a folder") }
        existing.insert(path)
    }
}
