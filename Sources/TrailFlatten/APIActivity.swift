import TrailCore

/// `trail-flatten --format ocsf`: each event as an OCSF API Activity (class 6003, category 6),
/// the activity from the event's category, the record as the cloud wrote it in `raw_data`,
/// and the `trail` header (geo, context, file) in `unmapped`.
enum APIActivity {
    /// Writes the flattened event `flattened` (compact JSON, `trail` first) as one object.
    static func write(_ flattened: [UInt8], to w: inout JSONWriter) {
        flattened.withUnsafeBytes { raw in
            let e = OCSF.Event(JSONScanner(raw), event: 0)
            w.beginObject()
            OCSF.writeClassification(category: (6, "Application Activity"), class: (6003, "API Activity"), activity: activity(e.category), to: &w)
            w.key("severity_id"); w.number(1)
            w.member("severity", "Informational")
            w.key("time"); w.number(Int(e.timestamp?.milliseconds ?? 0))
            let status = e.outcome == "success" ? (1, "Success") : e.outcome == "failure" ? (2, "Failure") : (0, "Unknown")
            w.key("status_id"); w.number(status.0)
            w.member("status", status.1)
            if let error = e.error { w.member("status_code", error) }
            w.member("message", "\(e.action ?? "unknown") by \(e.actorName ?? "unknown")")
            OCSF.writeActor(e, to: &w)
            OCSF.writeAPI(e, to: &w)
            OCSF.writeSource(e, to: &w)
            OCSF.writeCloud(e, to: &w)
            if let agent = e.agent { w.key("http_request"); w.beginObject(); w.member("user_agent", agent); w.endObject() }
            OCSF.writeMetadata(product: e.provider.log, vendor: e.provider.cloud, uid: e.id, to: &w)
            w.member("raw_data", String(decoding: e.original, as: UTF8.self))
            w.key("unmapped"); w.beginObject(); w.key("trail"); w.raw(e.header); w.endObject()
            w.endObject()
        }
    }

    private static let activities: [String: (id: Int, name: String)] = [
        "create": (1, "Create"), "read": (2, "Read"), "modify": (3, "Update"), "delete": (4, "Delete"),
        "auth": (99, "Authentication"),
    ]

    /// The event's category (`trail.category`) as the class's activity; sign-ins are Other.
    static func activity(_ category: String?) -> (id: Int, name: String) { category.flatMap { activities[$0] } ?? (0, "Unknown") }
}
