import Foundation
import TrailCore

/// Where `--verify` reads a trail: a bucket, or a local copy of one. Keys are object keys
/// below the bucket (for a local copy, paths below the folder that stands for the bucket).
public protocol TrailObjectStore: Sendable {
    /// The bucket name digests must name, nil for a local copy whose bucket is not known.
    var bucket: String? { get }
    /// Every key below the store's prefix, in key order.
    func keys() throws -> [String]
    /// The object's bytes, nil when there is no such object.
    func read(_ key: String) throws -> [UInt8]?
    /// A digest's bytes and hex signature (its `x-amz-meta-signature`, or a local copy's side
    /// file; nil when absent), nil when there is no such object.
    func readSigned(_ key: String) throws -> (body: [UInt8], signature: String?)?
    /// How findings name the object: `s3://bucket/key`, or the local path.
    func uri(_ key: String) -> String
    /// Where a digest's signature was looked for, for the `unsigned` reason.
    var signatureSource: String { get }
}

/// A local copy of a trail bucket: the folder holds what the bucket holds (`AWSLogs/…`), and
/// each digest `K` has its signature, the hex text of `x-amz-meta-signature`, in `K.sig`.
public struct LocalTrailCopy: TrailObjectStore {
    public let root: String
    public let bucket: String?

    public init(root: String, bucket: String? = nil) {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
        self.bucket = bucket
    }

    public func keys() throws -> [String] {
        try FileIO.filesBelow(root).map { String($0.dropFirst(root.count + 1)) }
    }

    public func read(_ key: String) throws -> [UInt8]? {
        let path = uri(key)
        return FileIO.exists(path) ? try FileIO.readFile(path) : nil
    }

    public func readSigned(_ key: String) throws -> (body: [UInt8], signature: String?)? {
        guard let body = try read(key) else { return nil }
        let signature = try read(key + ".sig").map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        return (body, signature)
    }

    public func uri(_ key: String) -> String { root + "/" + key }

    public var signatureSource: String { "no side file <digest>.sig" }
}

/// A trail bucket on S3 or an S3-compatible store; signatures come from object metadata.
public struct BucketTrail: TrailObjectStore {
    let client: S3Client

    public init(client: S3Client) { self.client = client }

    public var bucket: String? { client.location.bucket }

    public func keys() throws -> [String] {
        try client.list(prefix: client.location.prefix).objects.map(\.key)
    }

    public func read(_ key: String) throws -> [UInt8]? { try client.get(key) }

    public func readSigned(_ key: String) throws -> (body: [UInt8], signature: String?)? {
        try client.getWithMetadata(key).map { ($0.body, $0.metadata["signature"]) }
    }

    public func uri(_ key: String) -> String { client.location.uri(key) }

    public var signatureSource: String { "no x-amz-meta-signature" }
}
