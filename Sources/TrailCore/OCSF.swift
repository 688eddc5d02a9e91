/// The Open Cybersecurity Schema Framework (OCSF), which AWS Security Lake and most SIEMs
/// read: a flattened event (its `trail` header and the record beside it) as the attributes
/// OCSF classes share — actor, api, src_endpoint, cloud — and as an API Activity (class 6003).
/// trail-notify's Detection Findings (class 2004) are built from the same parts.
public enum OCSF {
    /// The released schema version every object written here follows (`metadata.version`).
    public static let version = "1.9.0"

    /// A flattened event as OCSF attributes take it: its `trail` header (whose fields read as
    /// the event's own: `e.actorName`), the caller's ARN, the record as the cloud wrote it.
    @dynamicMemberLookup
    public struct Event {
        public let trail: TrailHeader
        public let actorARN: String?
        /// The record as the cloud wrote it (every member but `trail`), compact JSON.
        public let original: [UInt8]
        /// The `trail` header, compact JSON: what has no OCSF attribute (geo, context, file).
        public let header: [UInt8]

        public subscript<T>(dynamicMember field: KeyPath<TrailHeader, T>) -> T { trail[keyPath: field] }

        /// Reads the flattened event object at `root`.
        public init(_ s: JSONScanner, event root: Int) {
            trail = TrailHeader(s, event: root) ?? TrailHeader()
            actorARN = s.value(at: JSONPath("userIdentity.arn"), from: root).flatMap { s.text(at: $0) }
            // Member by member, each name as written (escapes kept) and each value compacted.
            var original: [UInt8] = [UInt8(ascii: "{")]
            var header: [UInt8] = Array("{}".utf8)
            s.forEachNamedMember(ofObjectAt: root) { name, value in
                guard let raw = s.raw(at: value) else { return true }
                if name.elementsEqual("trail".utf8) {
                    header = JSONCompactor.compact(raw)
                    return true
                }
                if original.count > 1 { original.append(UInt8(ascii: ",")) }
                original.append(UInt8(ascii: "\""))
                original.append(contentsOf: name)
                original += Array("\":".utf8)
                JSONCompactor.compact(raw, into: &original)
                return true
            }
            original.append(UInt8(ascii: "}"))
            self.original = original
            self.header = header
        }

        /// OCSF's name of the cloud (`cloud.provider`) and of its audit log (`metadata.product`).
        public var provider: (cloud: String, log: String) {
            trail.cloud == "alibaba" ? ("Alibaba Cloud", "ActionTrail") : ("AWS", "CloudTrail")
        }
    }

    /// `actor`: the user as the trail names it.
    public static func writeActor(_ e: Event, to w: inout JSONWriter) {
        w.key("actor")
        w.beginObject()
        w.key("user")
        w.beginObject()
        w.member("name", e.actorName ?? "unknown")
        if let type = e.actorType { w.member("type", type) }
        if let arn = e.actorARN { w.member("uid", arn) }
        w.endObject()
        w.endObject()
    }

    /// `api`: the operation, its service and the request's id.
    public static func writeAPI(_ e: Event, to w: inout JSONWriter) {
        w.key("api")
        w.beginObject()
        w.member("operation", e.action ?? "unknown")
        if let service = e.service { w.key("service"); w.beginObject(); w.member("name", service); w.endObject() }
        if let id = e.id { w.key("request"); w.beginObject(); w.member("uid", id); w.endObject() }
        w.endObject()
    }

    /// `src_endpoint`: the caller's address and its country, or the calling service.
    public static func writeSource(_ e: Event, to w: inout JSONWriter) {
        w.key("src_endpoint")
        w.beginObject()
        if let ip = e.sourceIP {
            w.member("ip", ip)
            if let country = e.country { w.key("location"); w.beginObject(); w.member("country", country); w.endObject() }
        } else {
            w.member("svc_name", e.sourceService ?? "unknown")
        }
        w.endObject()
    }

    /// `cloud`: provider, region and account.
    public static func writeCloud(_ e: Event, to w: inout JSONWriter) {
        w.key("cloud")
        w.beginObject()
        w.member("provider", e.provider.cloud)
        if let region = e.region { w.member("region", region) }
        if let account = e.account { w.key("account"); w.beginObject(); w.member("uid", account); w.endObject() }
        w.endObject()
    }

    /// `metadata`: the schema version, the product that logged it, the cloud profile.
    public static func writeMetadata(product: String, vendor: String, uid: String?, to w: inout JSONWriter) {
        w.key("metadata")
        w.beginObject()
        w.member("version", version)
        w.key("product"); w.beginObject(); w.member("name", product); w.member("vendor_name", vendor); w.endObject()
        if let uid { w.member("uid", uid) }
        w.key("profiles"); w.beginArray(); w.string("cloud"); w.endArray()
        w.endObject()
    }

    /// The class, activity and type members (`type_uid` is class_uid × 100 + activity_id).
    public static func writeClassification(category: (uid: Int, name: String), class classInfo: (uid: Int, name: String),
                                           activity: (id: Int, name: String), to w: inout JSONWriter) {
        w.key("category_uid"); w.number(category.uid)
        w.member("category_name", category.name)
        w.key("class_uid"); w.number(classInfo.uid)
        w.member("class_name", classInfo.name)
        w.key("activity_id"); w.number(activity.id)
        w.member("activity_name", activity.name)
        w.key("type_uid"); w.number(classInfo.uid * 100 + activity.id)
        w.member("type_name", "\(classInfo.name): \(activity.name)")
    }
}
