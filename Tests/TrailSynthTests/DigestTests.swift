import Foundation
import Testing
import TrailCore
import TrailTestSupport
@testable import TrailSynth

/// Digest files checked by an independent verifier: Python's `cryptography`, following the
/// validation algorithm of `aws cloudtrail validate-logs` (formats.md 3.5) plus the chain checks
/// a stricter tool adds (3.6).
@Suite("CloudTrail digest files")
struct DigestTests {
    /// Prints `{"digests":…,"referenced":[…],"logFiles":[…],"errors":[…]}` for a corpus root.
    static let verifier = #"""
    import gzip, hashlib, json, os, sys
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.exceptions import InvalidSignature

    root, key_file, bucket = sys.argv[1], sys.argv[2], sys.argv[3]
    public = serialization.load_pem_private_key(open(key_file, "rb").read(), None).public_key()
    pkcs1 = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    fingerprint = hashlib.md5(pkcs1).hexdigest()
    errors, referenced, log_files, chains = [], [], [], {}
    for folder, _, names in os.walk(root):
        for name in names:
            key = os.path.relpath(os.path.join(folder, name), root)
            if "/CloudTrail-Digest/" in key and key.endswith(".json.gz"):
                chains.setdefault(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(key)))), []).append(key)
            elif "/CloudTrail/" in key:
                log_files.append(key)
    digests = 0
    for chain in chains.values():
        chain.sort(key=lambda k: k[-24:-8])
        previous = None
        for key in chain:
            digests += 1
            body = gzip.decompress(open(os.path.join(root, key), "rb").read())
            d = json.loads(body)
            signature = open(os.path.join(root, key) + ".sig").read().strip()
            if d["digestS3Bucket"] != bucket or d["digestS3Object"] != key:
                errors.append(key + ": moved from its original location")
            if d["digestPublicKeyFingerprint"] != fingerprint or d["digestSignatureAlgorithm"] != "SHA256withRSA":
                errors.append(key + ": wrong key fingerprint or algorithm")
            prev_sig = d["previousDigestSignature"]
            message = "\n".join([d["digestEndTime"], bucket + "/" + key, hashlib.sha256(body).hexdigest(),
                                 "null" if prev_sig is None else prev_sig]).encode()
            try:
                public.verify(bytes.fromhex(signature), message, padding.PKCS1v15(), hashes.SHA256())
            except (InvalidSignature, ValueError):
                errors.append(key + ": signature verification failed")
            if key[-24:-8] != d["digestEndTime"].replace("-", "").replace(":", ""):
                errors.append(key + ": name does not carry the end time")
            if previous is None:
                if any(d[f] is not None for f in ["previousDigestS3Bucket", "previousDigestS3Object", "previousDigestHashValue",
                                                  "previousDigestHashAlgorithm", "previousDigestSignature"]):
                    errors.append(key + ": first digest of the chain is not a starting digest")
            else:
                p_key, p_body, p_sig, p_end = previous
                if (d["previousDigestS3Bucket"], d["previousDigestS3Object"]) != (bucket, p_key) \
                        or d["previousDigestHashValue"] != hashlib.sha256(p_body).hexdigest() \
                        or d["previousDigestHashAlgorithm"] != "SHA-256" or prev_sig != p_sig or d["digestStartTime"] != p_end:
                    errors.append(key + ": does not link to the previous digest")
            for f in d["logFiles"]:
                referenced.append(f["s3Object"])
                path = os.path.join(root, f["s3Object"])
                if f["s3Bucket"] != bucket or not os.path.exists(path):
                    errors.append(f["s3Object"] + ": not found")
                    continue
                if hashlib.sha256(gzip.decompress(open(path, "rb").read())).hexdigest() != f["hashValue"]:
                    errors.append(f["s3Object"] + ": hash value doesn't match")
            previous = (key, body, signature, d["digestEndTime"])
    print(json.dumps({"digests": digests, "referenced": sorted(referenced), "logFiles": sorted(log_files), "errors": errors}))
    """#

    struct Verdict {
        let digests: Int
        let referenced: [String]
        let logFiles: [String]
        let errors: [String]
    }

    static func verify(_ root: String, key: String, bucket: String, scripts: TemporaryDirectory) throws -> Verdict {
        let script = try scripts.write("verify.py", verifier)
        let result = try runShell("python3 '\(script)' '\(root)' '\(key)' '\(bucket)'", timeout: 60)
        #expect(result.status == 0, "verifier failed: \(result.stderr)")
        let json = try parseJSON(result.stdout)
        return Verdict(digests: json["digests"] as? Int ?? -1, referenced: json["referenced"] as? [String] ?? [],
                       logFiles: json["logFiles"] as? [String] ?? [], errors: json["errors"] as? [String] ?? [])
    }

    static func makeKey(in dir: TemporaryDirectory) throws -> String {
        let path = dir.path + "/digest-key.pem"
        let result = try runShell("""
            python3 -c 'from cryptography.hazmat.primitives.asymmetric import rsa; from cryptography.hazmat.primitives import serialization as s
            k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            open("\(path)", "wb").write(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))'
            """, timeout: 60)
        #expect(result.status == 0, "key generation failed: \(result.stderr)")
        return path
    }

    @Test("an organization trail's digests verify, chain hour by hour, and cover every log file once")
    func digestsVerify() throws {
        let dir = try TemporaryDirectory("trail-digests")
        defer { dir.remove() }
        var options = SynthOptions(outputDirectory: dir.path + "/bucket")
        options.events = 600
        options.accounts = 2
        options.regions = ["us-east-1", "eu-west-1"]
        options.organizationID = "o-a1b2c3d4e5"
        options.days = 1
        options.digestKeyPath = try Self.makeKey(in: dir)
        options.bucket = "org-trail-logs"
        let summary = try TrailSynthesizer.run(options)

        // One digest per hour for each account × region: 24 hours, plus the hour after the
        // last day, into which the last files are delivered.
        #expect(summary.digestFiles == 2 * 2 * 25)
        let verdict = try Self.verify(options.outputDirectory, key: options.digestKeyPath!, bucket: options.bucket, scripts: dir)
        #expect(verdict.errors.isEmpty, "\(verdict.errors.prefix(5))")
        #expect(verdict.digests == summary.digestFiles)
        #expect(verdict.logFiles.count == summary.cloudTrailFiles)
        #expect(verdict.referenced == verdict.logFiles)
        #expect(verdict.logFiles.allSatisfy { $0.hasPrefix("AWSLogs/o-a1b2c3d4e5/") })

        // The verifier sees tampering: a log file edited after delivery, a forged signature.
        let logPath = options.outputDirectory + "/" + verdict.logFiles[0]
        var body = try FileIO.readFile(logPath).withUnsafeBytes { try Gzip.inflate($0) }
        body[body.count - 3] = UInt8(ascii: " ")
        try FileIO.writeAtomically(body.withUnsafeBytes { try Gzip.deflate($0) }, to: logPath)
        let sigPath = try #require(FileManager.default.enumerator(atPath: options.outputDirectory)?
            .compactMap { $0 as? String }.sorted().first { $0.hasSuffix(".sig") })
        let forged = String(repeating: "0", count: 512) + "\n"
        try FileIO.writeAtomically(Array(forged.utf8), to: options.outputDirectory + "/" + sigPath)
        let tampered = try Self.verify(options.outputDirectory, key: options.digestKeyPath!, bucket: options.bucket, scripts: dir)
        #expect(tampered.errors.contains(verdict.logFiles[0] + ": hash value doesn't match"))
        #expect(tampered.errors.contains(String(sigPath.dropLast(4)) + ": signature verification failed"))
    }

    @Test("a key that is not an RSA private key is refused without quoting it")
    func badKey() throws {
        let dir = try TemporaryDirectory("trail-digests")
        defer { dir.remove() }
        let keyPath = try dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n")
        var options = SynthOptions(outputDirectory: dir.path + "/bucket")
        options.events = 10
        options.digestKeyPath = keyPath
        let error = try #require(throws: SynthError.self) { try TrailSynthesizer.run(options) }
        #expect(error.message.contains(keyPath))
        #expect(!error.message.contains("c2VjcmV0"))
        // Refused before anything was written.
        #expect(!FileManager.default.fileExists(atPath: options.outputDirectory))
    }
}
