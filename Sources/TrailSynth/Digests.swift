import Crypto
import _CryptoExtras
import Foundation
import TrailCore

/// What a digest records about one delivered CloudTrail log file.
struct DeliveredLogFile: Sendable {
    let stream: Int32
    /// Object key below the bucket (the path below `--out`).
    let path: String
    let delivered: UTCTime
    /// Lower-case hex SHA-256 of the uncompressed file.
    let sha256: String
    let oldestEvent: UTCTime
    let newestEvent: UTCTime
}

/// Signs CloudTrail digests as the service does (formats.md 3.5): RSASSA-PKCS1-v1_5 with
/// SHA-256 over `endTime\nbucket/key\nhex(SHA-256(digest))\nprevious signature or null`.
public struct DigestSigner: Sendable {
    private let key: _RSA.Signing.PrivateKey
    /// Lower-case hex MD5 of the PKCS#1 DER public key, the `digestPublicKeyFingerprint`.
    public let fingerprint: String

    /// Reads an RSA private key (PEM, PKCS#1 or PKCS#8, 2048 bits or more). The error names
    /// the file only: key material never reaches a message.
    public init(keyFile path: String) throws(SynthError) {
        let text: [UInt8]
        do {
            text = try FileIO.readFile(path)
        } catch {
            throw SynthError("--digest-key: \(error)")
        }
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: String(decoding: text, as: UTF8.self))
        } catch {
            throw SynthError("--digest-key \(path): not an unencrypted RSA private key in PEM form of 2048 bits or more")
        }
        fingerprint = Hex.encode(Insecure.MD5.hash(data: key.publicKey.pkcs1DERRepresentation))
    }

    /// Hex signature of a digest whose uncompressed JSON is `body`.
    func sign(endTime: String, bucket: String, key objectKey: String, body: [UInt8], previousSignature: String?) throws -> String {
        let message = "\(endTime)\n\(bucket)/\(objectKey)\n\(Hex.encode(SHA256.hash(data: body)))\n\(previousSignature ?? "null")"
        return Hex.encode(try key.signature(for: Array(message.utf8), padding: .insecurePKCS1v1_5).rawRepresentation)
    }
}

/// Writes the hourly digest chain of every account × region stream (formats.md 3.1–3.2): one
/// digest per hour, even when no file was delivered in it, the first one a starting digest,
/// each later one linking to its predecessor by key, hash and signature. Local files carry no
/// S3 metadata, so each digest's signature (what `x-amz-meta-signature` holds) goes to a side
/// file `<digest>.sig`: the hex signature on one line.
struct DigestWriter {
    let signer: DigestSigner
    let bucket: String
    let trailName: String
    let organizationID: String?
    let homeRegion: String
    static let hour: Int64 = 3600

    /// Writes the chain of one stream covering `hours` from `first`; returns how many digests.
    func writeChain(account: String, region: String, files: [DeliveredLogFile], first: UTCTime, hours: Int,
                    bucketWriter: BucketWriter) throws -> Int {
        var previous: (key: String, body: [UInt8], signature: String)?
        var next = 0
        for hour in 0..<hours {
            let start = first + Int64(hour) * DigestWriter.hour
            let end = start + DigestWriter.hour
            var covered: [DeliveredLogFile] = []
            while next < files.count, files[next].delivered < end {
                covered.append(files[next])
                next += 1
            }
            let key = BucketLayout.cloudTrailDigest(organization: organizationID, account: account, region: region,
                                                    trail: trailName, homeRegion: homeRegion, end: end)
            let body = digestJSON(account: account, start: start, end: end, key: key, files: covered, previous: previous)
            let signature = try signer.sign(endTime: end.iso8601, bucket: bucket, key: key, body: body,
                                            previousSignature: previous?.signature)
            try bucketWriter.write(body.withUnsafeBytes { try Gzip.deflate($0) }, to: key)
            try bucketWriter.write(Array((signature + "\n").utf8), to: key + ".sig")
            previous = (key, body, signature)
        }
        return hours
    }

    private func digestJSON(account: String, start: UTCTime, end: UTCTime, key: String, files: [DeliveredLogFile],
                            previous: (key: String, body: [UInt8], signature: String)?) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024 + files.count * 400)
        writer.object { w in
            w.field("awsAccountId", account)
            w.field("digestStartTime", start.iso8601)
            w.field("digestEndTime", end.iso8601)
            w.field("digestS3Bucket", bucket)
            w.field("digestS3Object", key)
            w.field("digestPublicKeyFingerprint", signer.fingerprint)
            w.field("digestSignatureAlgorithm", "SHA256withRSA")
            w.member("newestEventTime", files.map(\.newestEvent).max()?.iso8601)
            w.member("oldestEventTime", files.map(\.oldestEvent).min()?.iso8601)
            w.member("previousDigestS3Bucket", previous == nil ? nil : bucket)
            w.member("previousDigestS3Object", previous?.key)
            w.member("previousDigestHashValue", previous.map { Hex.encode(SHA256.hash(data: $0.body)) })
            w.member("previousDigestHashAlgorithm", previous == nil ? nil : "SHA-256")
            w.member("previousDigestSignature", previous?.signature)
            w.array("logFiles") { w in
                for file in files {
                    w.object { w in
                        w.field("s3Bucket", bucket)
                        w.field("s3Object", file.path)
                        w.field("hashValue", file.sha256)
                        w.field("hashAlgorithm", "SHA-256")
                        w.field("newestEventTime", file.newestEvent.iso8601)
                        w.field("oldestEventTime", file.oldestEvent.iso8601)
                    }
                }
            }
        }
        return writer.bytes
    }
}
