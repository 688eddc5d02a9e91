/// The integrity contract: one result of `trail-fetch --verify`, written as one NDJSON line
/// (read back by trail-report):
/// `{"trail":{…},"kind":"integrity","status":…,"type":…,"object":…,"reason":…,"digest":…,"account":…,"region":…,"time":…}`.
public struct IntegrityFinding: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Signature, chain link or hash checked and right.
        case valid
        /// Present but wrong: altered, moved, unreadable, signed by another key.
        case invalid
        /// Named by a digest (a log file, or a previous digest in the chain) but not there.
        case missing
        /// A digest without a signature (no `x-amz-meta-signature`, no `.sig` side file).
        case unsigned
        /// A log file that no valid digest lists: planted, or its digest is gone or invalid.
        case uncovered
        /// Hours of a digest chain for which there is no digest.
        case gap
        /// Listed by a valid digest, but never delivered by trail-fetch (absent from `--state`).
        case unfetched

        /// Whether the finding makes the run fail (exit status 1).
        public var isProblem: Bool { self != .valid }
    }

    /// What was checked: a digest file, a log file, or the chain (a gap; a link to a previous
    /// digest that is not what the link recorded).
    public enum ObjectType: String, Sendable { case digest, log, chain }

    public var status: Status
    public var type: ObjectType
    /// `s3://bucket/key` or the local path of the object; for a gap, the chain's folder.
    public var object: String
    /// Why, in the words of `aws cloudtrail validate-logs` where it has them.
    public var reason: String
    /// The digest that lists or points to the object (the digest itself for a digest).
    public var digest: String?
    public var account: String?
    public var region: String?
    /// The end of the digest's hour (RFC 3339), or the start of a gap: when the finding applies.
    public var time: String?

    public init(status: Status, type: ObjectType, object: String, reason: String, digest: String? = nil,
                account: String? = nil, region: String? = nil, time: String? = nil) {
        self.status = status
        self.type = type
        self.object = object
        self.reason = reason
        self.digest = digest
        self.account = account
        self.region = region
        self.time = time
    }

    /// `time` as a time, when it is one.
    public var timestamp: Timestamp? { time.flatMap { Timestamp(iso8601: $0) } }

    /// Reads the finding object at `root`; nil when its status or type is not one written here.
    public init?(_ s: JSONScanner, finding root: Int) {
        func text(_ name: String) -> String? { s.member(name, ofObjectAt: root).flatMap { s.text(at: $0) } }
        guard let status = text("status").flatMap(Status.init(rawValue:)), let type = text("type").flatMap(ObjectType.init(rawValue:)) else {
            return nil
        }
        self.init(status: status, type: type, object: text("object") ?? "", reason: text("reason") ?? "", digest: text("digest"),
                  account: text("account"), region: text("region"), time: text("time"))
    }

    /// The NDJSON line, without its newline. It starts with the `trail` header trail-flatten
    /// writes for events, so findings go straight into trail-enrich and trail-match: cloud
    /// `aws`, service `cloudtrail`, action `ValidateLogs`, outcome `failure` unless valid, with
    /// `error` the status, and `file` the object checked.
    public var json: [UInt8] {
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.key("trail")
        w.beginObject()
        w.member("cloud", "aws")
        w.member("time", time)
        w.member("account", account)
        w.member("region", region)
        w.member("service", "cloudtrail")
        w.member("action", "ValidateLogs")
        w.key("actor"); w.beginObject(); w.member("name", nil); w.member("type", "service"); w.endObject()
        w.key("source"); w.beginObject(); w.member("ip", nil); w.member("service", "trail-fetch"); w.endObject()
        w.member("agent", nil)
        w.member("outcome", status == .valid ? "success" : "failure")
        w.member("error", status == .valid ? nil : status.rawValue)
        w.key("readOnly"); w.bool(true)
        w.member("category", "read")
        w.member("id", nil)
        w.member("file", object)
        w.endObject()
        w.member("kind", "integrity")
        w.member("status", status.rawValue)
        w.member("type", type.rawValue)
        w.member("object", object)
        w.member("reason", reason)
        for (name, value) in [("digest", digest), ("account", account), ("region", region), ("time", time)] {
            if let value { w.member(name, value) }
        }
        w.endObject()
        return w.bytes
    }
}
