/// How trail-fetch says where a document came from: members spliced in front of the
/// document's own, which trail-flatten turns into `trail.file` and `trail.index` and removes.
public enum FetchEnvelope {
    /// The object's URI or path, on every line trail-fetch writes.
    public static let fileKey = "trailFile"
    /// The document's 0-based position, only in files holding several JSON documents.
    public static let documentKey = "trailDoc"
    /// The positions of the records trail-fetch reported and replaced by `null` in the record
    /// array (`RecordSalvage`): trail-flatten passes over those without a second report.
    public static let skippedKey = "trailSkipped"
    /// A file whose document is a bare array (ActionTrail) is written under this key.
    public static let recordsKey = "Records"
}
