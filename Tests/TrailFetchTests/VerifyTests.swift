import Foundation
import Testing
import TrailCore
import TrailFetch
import TrailSynth
import TrailTestSupport

/// `trail-fetch --verify` over a signed digest chain that trail-synth writes with a test key,
/// clean and then tampered with in one way at a time.
@Suite("trail-fetch --verify")
struct VerifyTests {
    static let bucket = "verify-trail-logs"

    /// Makes RSA keys with Python's `cryptography` (independent of swift-crypto), writes each
    /// key's PEM and the `list-public-keys` JSON for it, and signs digests as CloudTrail does:
    ///   keys DIR NAME…                         → DIR/NAME.pem, DIR/NAME.keys.json
    ///   sign KEY ROOT DIGEST_KEY BUCKET        → the hex signature (with the string to sign in hex
    ///                                             first), computed following awscli's validation.py
    static let python = #"""
    import base64, gzip, hashlib, json, sys
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    if sys.argv[1] == "keys":
        for name in sys.argv[3:]:
            k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            open(f"{sys.argv[2]}/{name}.pem", "wb").write(
                k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            der = k.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
            # What the CLI prints: the blob is base64 text of the DER key, printed base64 once more.
            value = base64.b64encode(base64.b64encode(der)).decode()
            json.dump({"PublicKeyList": [{"Value": value, "ValidityStartTime": 1700000000.0, "ValidityEndTime": 1900000000.0,
                                          "Fingerprint": hashlib.md5(der).hexdigest()}]}, open(f"{sys.argv[2]}/{name}.keys.json", "w"))
    else:
        key_file, root, key, bucket = sys.argv[2:6]
        private = serialization.load_pem_private_key(open(key_file, "rb").read(), None)
        body = gzip.decompress(open(f"{root}/{key}", "rb").read())
        d = json.loads(body)
        previous = d["previousDigestSignature"]
        message = "\n".join([d["digestEndTime"], bucket + "/" + key, hashlib.sha256(body).hexdigest(),
                             "null" if previous is None else previous]).encode()
        print(message.hex())
        print(private.sign(message, padding.PKCS1v15(), hashes.SHA256()).hex())
    """#

    /// A one-account, one-region day of CloudTrail with its 25 hourly digests, signed with
    /// `right.pem`; `wrong.pem` is another key.
    struct Fixture {
        let dir: TemporaryDirectory
        let root: String
        let digests: [String]
        let logFiles: Int

        init(regions: [String] = ["us-east-1"]) throws {
            dir = try TemporaryDirectory("trail-verify")
            let script = try dir.write("keys.py", VerifyTests.python)
            let made = try runShell("python3 '\(script)' keys '\(dir.path)' right wrong", timeout: 60)
            #expect(made.status == 0, "key generation failed: \(made.stderr)")
            var options = SynthOptions(outputDirectory: dir.path + "/bucket")
            options.events = 300
            options.accounts = 1
            options.regions = regions
            options.days = 1
            options.digestKeyPath = dir.path + "/right.pem"
            options.bucket = VerifyTests.bucket
            let summary = try TrailSynthesizer.run(options)
            let root = options.outputDirectory
            self.root = root
            logFiles = summary.cloudTrailFiles
            digests = try FileIO.filesBelow(root).filter { $0.contains("/CloudTrail-Digest/") && $0.hasSuffix(".json.gz") }
                .map { String($0.dropFirst(root.count + 1)) }
        }

        func verify(keys: String = "right", bucket: String? = VerifyTests.bucket, filters: FetchFilters = FetchFilters(),
                    state: FetchState? = nil, limits: FetchLimits = FetchLimits()) throws -> [[String: Any]] {
            let output = OutputWriter(collectingAs: "findings")
            let verifier = DigestVerifier(store: LocalTrailCopy(root: root, bucket: bucket),
                                          keys: try PublicKeyRing(file: "\(dir.path)/\(keys).keys.json"), filters: filters,
                                          state: state, limits: limits, output: output)
            try verifier.run()
            let findings = try output.collectedLines.map(parseJSON)
            #expect(verifier.foundProblems == findings.contains { $0["status"] as? String != "valid" })
            return findings
        }

        /// The digest's uncompressed JSON, edited, written back compressed.
        func editDigest(_ key: String, _ edit: (String) -> String) throws {
            let path = root + "/" + key
            let text = String(decoding: try FileIO.readFile(path).withUnsafeBytes { try Gzip.inflate($0) }, as: UTF8.self)
            try FileIO.writeAtomically(Array(edit(text).utf8).withUnsafeBytes { try Gzip.deflate($0) }, to: path)
        }

        /// The log files a digest lists.
        func listed(by key: String) throws -> [String] {
            let body = try FileIO.readFile(root + "/" + key).withUnsafeBytes { try Gzip.inflate($0) }
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            return (json["logFiles"] as? [[String: Any]] ?? []).compactMap { $0["s3Object"] as? String }
        }

        /// A digest in the middle of the chain that lists log files.
        func middleDigest() throws -> String {
            try #require(try digests[8...].first { try !listed(by: $0).isEmpty })
        }

        func pythonSign(_ key: String, with keyName: String) throws -> (message: String, signature: String) {
            let script = dir.path + "/keys.py"
            let result = try runShell("python3 '\(script)' sign '\(dir.path)/\(keyName).pem' '\(root)' '\(key)' '\(VerifyTests.bucket)'", timeout: 60)
            #expect(result.status == 0, "signing failed: \(result.stderr)")
            let lines = result.stdoutLines
            return (lines.first ?? "", lines.last ?? "")
        }

        func uri(_ key: String) -> String { root + "/" + key }
    }

    /// The rule docs/tools.md shows for integrity findings.
    static let integrityRule = """
        title: CloudTrail log file integrity problem
        id: 6d1b8a52-2f0e-4c55-9a43-0c1f6b1e7a10
        level: high
        tags: [attack.defense-evasion, attack.t1565.001]
        logsource: {product: aws, service: cloudtrail}
        detection:
          finding: {kind: integrity}
          valid: {status: valid}
          condition: finding and not valid
        """

    static func problems(_ findings: [[String: Any]]) -> [[String: Any]] {
        findings.filter { $0["status"] as? String != "valid" }
    }

    static func finding(_ findings: [[String: Any]], _ object: String) -> [String: Any]? {
        findings.first { $0["object"] as? String == object && $0["status"] as? String != "valid" }
    }

    @Test("a clean chain: every digest and log file valid")
    func clean() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let findings = try fixture.verify()
        #expect(Self.problems(findings).isEmpty, "\(Self.problems(findings).prefix(3))")
        #expect(fixture.digests.count == 25)
        #expect(findings.filter { $0["type"] as? String == "digest" }.count == 25)
        #expect(findings.filter { $0["type"] as? String == "log" }.count == fixture.logFiles)
        #expect(findings.allSatisfy { $0["kind"] as? String == "integrity" && $0["account"] != nil && $0["time"] != nil })
    }

    @Test("the string to sign is the one awscli's algorithm builds, and its signatures verify")
    func stringToSignMatchesPython() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let key = try fixture.middleDigest()
        let python = try fixture.pythonSign(key, with: "right")
        let body = try FileIO.readFile(fixture.uri(key)).withUnsafeBytes { try Gzip.inflate($0) }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let ours = DigestVerifier.stringToSign(endTime: json["digestEndTime"] as! String, bucket: Self.bucket, key: key, body: body,
                                               previousSignature: json["previousDigestSignature"] as? String)
        #expect(Hex.encode(ours) == python.message)
        // Python's own signature over its own string verifies; trail-synth's did too.
        try FileIO.writeAtomically(Array(python.signature.utf8), to: fixture.uri(key) + ".sig")
        let findings = try fixture.verify()
        #expect(Self.finding(findings, fixture.uri(key)) == nil)
    }

    @Test("a modified log file: invalid, hash value doesn't match")
    func modifiedLog() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let log = try #require(try fixture.listed(by: try fixture.middleDigest()).first)
        var body = try FileIO.readFile(fixture.uri(log)).withUnsafeBytes { try Gzip.inflate($0) }
        body[body.count - 3] = UInt8(ascii: " ")
        try FileIO.writeAtomically(body.withUnsafeBytes { try Gzip.deflate($0) }, to: fixture.uri(log))
        let problems = Self.problems(try fixture.verify())
        #expect(problems.count == 1)
        let found = try #require(Self.finding(problems, fixture.uri(log)))
        #expect(found["status"] as? String == "invalid")
        #expect(found["reason"] as? String == "hash value doesn't match")
        #expect(found["type"] as? String == "log")
    }

    @Test("a log file that is a gzip bomb: invalid, hashed only up to the object cap")
    func bombLog() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let log = try #require(try fixture.listed(by: try fixture.middleDigest()).first)
        try LimitTests.bomb(fixture.uri(log), head: #"{"Records":["#, fill: 0x20, times: 1)
        var limits = FetchLimits()
        limits.maxObjectSize = 1 << 20
        let problems = Self.problems(try fixture.verify(limits: limits))
        let found = try #require(Self.finding(problems, fixture.uri(log)))
        #expect(found["status"] as? String == "invalid")
        #expect(found["reason"] as? String == "decompressed size exceeds 1 MiB")
    }

    @Test("a deleted log file: missing, not found")
    func deletedLog() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let digest = try fixture.middleDigest()
        let log = try #require(try fixture.listed(by: digest).first)
        try FileManager.default.removeItem(atPath: fixture.uri(log))
        let problems = Self.problems(try fixture.verify())
        #expect(problems.count == 1)
        let found = try #require(Self.finding(problems, fixture.uri(log)))
        #expect(found["status"] as? String == "missing")
        #expect(found["reason"] as? String == "not found")
        #expect(found["digest"] as? String == fixture.uri(digest))
    }

    @Test("an altered digest: invalid, signature verification failed; its log files are uncovered")
    func alteredDigest() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let digest = try fixture.middleDigest()
        let logs = try fixture.listed(by: digest)
        // An intruder rewrites the hash of a log file he edited.
        try fixture.editDigest(digest) { $0.replacingOccurrences(of: #""hashValue":""#, with: #""hashValue":"0"#) }
        let problems = Self.problems(try fixture.verify())
        let found = try #require(Self.finding(problems, fixture.uri(digest)))
        #expect(found["status"] as? String == "invalid")
        #expect(found["reason"] as? String == "signature verification failed")
        #expect(Set(problems.filter { $0["status"] as? String == "uncovered" }.compactMap { $0["object"] as? String })
                == Set(logs.map(fixture.uri)))
        #expect(problems.count == 1 + logs.count)
    }

    @Test("a digest removed from the middle of the chain: missing, and a gap of one hour")
    func removedDigest() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let index = fixture.digests.firstIndex(of: try fixture.middleDigest())!
        let removed = fixture.digests[index]
        let logs = try fixture.listed(by: removed)
        try FileManager.default.removeItem(atPath: fixture.uri(removed))
        try FileManager.default.removeItem(atPath: fixture.uri(removed) + ".sig")
        let problems = Self.problems(try fixture.verify())
        let found = try #require(Self.finding(problems, fixture.uri(removed)))
        #expect(found["status"] as? String == "missing")
        #expect(found["reason"] as? String == "not found")
        #expect(found["digest"] as? String == fixture.uri(fixture.digests[index + 1]))
        let gaps = problems.filter { $0["status"] as? String == "gap" }
        #expect(gaps.count == 1)
        #expect((gaps.first?["reason"] as? String)?.hasPrefix("no digest between ") == true)
        #expect(Set(problems.filter { $0["status"] as? String == "uncovered" }.compactMap { $0["object"] as? String })
                == Set(logs.map(fixture.uri)))
        #expect(problems.count == 2 + logs.count)
    }

    @Test("a digest replaced by another validly signed one breaks the next digest's link")
    func replacedDigest() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let index = fixture.digests.firstIndex(of: try fixture.middleDigest())!
        let replaced = fixture.digests[index]
        // Whoever holds the signing key rewrites a digest: it verifies on its own, but the next
        // digest recorded the hash and signature of the original.
        try fixture.editDigest(replaced) { $0.replacingOccurrences(of: #""hashValue":""#, with: #""hashValue":"0"#) }
        try FileIO.writeAtomically(Array(try fixture.pythonSign(replaced, with: "right").signature.utf8), to: fixture.uri(replaced) + ".sig")
        let findings = try fixture.verify()
        let problems = Self.problems(findings)
        let found = try #require(Self.finding(problems, fixture.uri(replaced)))
        #expect(found["status"] as? String == "invalid")
        #expect(found["reason"] as? String == "hash value doesn't match the next digest's previousDigestHashValue")
        #expect(found["digest"] as? String == fixture.uri(fixture.digests[index + 1]))
        #expect(found["type"] as? String == "chain")
        #expect(findings.filter { $0["type"] as? String == "digest" }.count == 25)
        // Its log files' hashes were altered with it.
        #expect(problems.filter { $0["reason"] as? String == "hash value doesn't match" }.count == (try fixture.listed(by: replaced)).count)
    }

    @Test("a chain whose newest digests are gone while another region's go on: a gap, and its files uncovered")
    func stoppedChain() throws {
        let fixture = try Fixture(regions: ["us-east-1", "eu-west-1"])
        defer { fixture.dir.remove() }
        let chain = fixture.digests.filter { $0.contains("/CloudTrail-Digest/eu-west-1/") }
        #expect(chain.count == 25)
        let removed = Array(chain.suffix(3))
        let logs = try removed.flatMap { try fixture.listed(by: $0) }
        for key in removed {
            try FileManager.default.removeItem(atPath: fixture.uri(key))
            try FileManager.default.removeItem(atPath: fixture.uri(key) + ".sig")
        }
        let problems = Self.problems(try fixture.verify())
        let gap = try #require(problems.first { $0["status"] as? String == "gap" })
        #expect(gap["region"] as? String == "eu-west-1")
        #expect(gap["reason"] as? String == "no digest after 2026-11-16T22:00:00Z; the trail's other digests go on to 2026-11-17T01:00:00Z")
        #expect(Set(problems.filter { $0["status"] as? String == "uncovered" }.compactMap { $0["object"] as? String })
                == Set(logs.map(fixture.uri)))
        #expect(problems.count == 1 + logs.count)

        // --region and --since select chains and hours; the selected ones are whole.
        let selected = try fixture.verify(filters: FetchFilters(regions: ["us-east-1"], sinceTime: Timestamp(iso8601: "2026-11-16T12:00:00Z")))
        let digests = selected.filter { $0["type"] as? String == "digest" }
        #expect(digests.count == 13, "the digests ending after 12:00, 13:00 to 01:00")
        #expect(digests.allSatisfy { $0["region"] as? String == "us-east-1" && ($0["time"] as? String ?? "") > "2026-11-16T12:00:00Z" })
        #expect(Self.problems(selected).isEmpty)
    }

    @Test("a signature from the wrong key, or keys that do not include the signing key")
    func wrongKey() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let digest = try fixture.middleDigest()
        try FileIO.writeAtomically(Array(try fixture.pythonSign(digest, with: "wrong").signature.utf8), to: fixture.uri(digest) + ".sig")
        let problems = Self.problems(try fixture.verify())
        let found = try #require(Self.finding(problems, fixture.uri(digest)))
        #expect(found["status"] as? String == "invalid")
        #expect(found["reason"] as? String == "signature verification failed")

        let withOtherKeys = Self.problems(try fixture.verify(keys: "wrong"))
        let digestFindings = withOtherKeys.filter { $0["type"] as? String == "digest" }
        #expect(digestFindings.count == 25)
        #expect(digestFindings.allSatisfy { ($0["reason"] as? String)?.hasPrefix("public key not found for fingerprint ") == true })
    }

    @Test("a digest without its signature is unsigned; a digest read from another place has moved")
    func unsignedAndMoved() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let digest = try fixture.middleDigest()
        try FileManager.default.removeItem(atPath: fixture.uri(digest) + ".sig")
        let found = try #require(Self.finding(try fixture.verify(), fixture.uri(digest)))
        #expect(found["status"] as? String == "unsigned")
        let moved = Self.problems(try fixture.verify(bucket: "another-bucket")).filter { $0["type"] as? String == "digest" }
        #expect(moved.count == 25)
        #expect(moved.allSatisfy { $0["reason"] as? String == "has been moved from its original location" })
    }

    @Test("the ledger: log files the digests list that trail-fetch never delivered are unfetched")
    func ledger() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let log = try #require(try fixture.listed(by: try fixture.middleDigest()).first)
        try FileManager.default.moveItem(atPath: fixture.uri(log), toPath: fixture.dir.path + "/aside")
        var options = FetchOptions()
        options.statePath = fixture.dir.path + "/state.json"
        options.bucket.today = Timestamp.daysFromCivil(year: 2026, month: 11, day: 16)   // the corpus's days stay open
        let fetched = OutputWriter(collectingAs: "fetched")
        _ = try Fetcher(output: fetched, diagnostics: Diagnostics(tool: "trail-fetch"), options: options).run(sources: [fixture.root])
        try FileManager.default.moveItem(atPath: fixture.dir.path + "/aside", toPath: fixture.uri(log))

        let problems = Self.problems(try fixture.verify(state: FetchState(path: options.statePath!)))
        #expect(problems.count == 1)
        let found = try #require(Self.finding(problems, fixture.uri(log)))
        #expect(found["status"] as? String == "unfetched")
    }

    @Test("the executable: findings on stdout, a summary on stderr, exit 1 when anything is wrong, keys required")
    func executable() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let tool = builtExecutablesFolder() + "/trail-fetch"
        let keys = fixture.dir.path + "/right.keys.json"
        let clean = try runShell("'\(tool)' --verify --public-keys '\(keys)' '\(fixture.root)'", timeout: 60)
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdoutLines.count == 25 + fixture.logFiles)
        #expect(clean.stderr.contains("25 digest files (25 valid)"), "\(clean.stderr)")

        try FileManager.default.removeItem(atPath: fixture.uri(try #require(try fixture.listed(by: try fixture.middleDigest()).first)))
        let tampered = try runShell("'\(tool)' --verify --public-keys '\(keys)' '\(fixture.root)'", timeout: 60)
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("1 missing"), "\(tampered.stderr)")

        // Findings carry a trail header: a Sigma rule on them alerts through trail-match.
        let rule = try fixture.dir.write("rules/integrity.yml", Self.integrityRule)
        let alerts = try runShell("'\(tool)' --verify --public-keys '\(keys)' '\(fixture.root)' 2>/dev/null | '\(builtExecutablesFolder())/trail-match' --rules '\(rule)'", timeout: 60)
        #expect(alerts.status == 1, "trail-fetch's status through pipefail: \(alerts.stderr)")
        #expect(alerts.stdoutLines.count == 1)
        let alert = try parseJSON(alerts.stdout)
        #expect(value(alert, "alert.rule.title") as? String == "CloudTrail log file integrity problem")
        #expect(value(alert, "event.status") as? String == "missing")
        #expect(value(alert, "alert.time") as? String != nil)

        let noKeys = try runShell("'\(tool)' --verify '\(fixture.root)'", timeout: 60)
        #expect(noKeys.status == 64)
        #expect(noKeys.stderr.contains("list-public-keys"))
    }

    @Test("public keys: base64 once or twice, PKCS#1 or SubjectPublicKeyInfo; a wrong fingerprint is refused")
    func publicKeys() throws {
        let dir = try TemporaryDirectory("trail-keys")
        defer { dir.remove() }
        let made = try runShell("""
            python3 -c 'import base64, hashlib, json
            from cryptography.hazmat.primitives.asymmetric import rsa; from cryptography.hazmat.primitives import serialization as s
            k = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
            spki = k.public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)
            print(json.dumps({"PublicKeyList": [{"Value": base64.b64encode(spki).decode(), "Fingerprint": hashlib.md5(spki).hexdigest()}]}))
            print(json.dumps({"PublicKeyList": [{"Value": base64.b64encode(spki).decode(), "Fingerprint": "0" * 32}]}))
            print(hashlib.md5(spki).hexdigest())'
            """, timeout: 60)
        #expect(made.status == 0, "\(made.stderr)")
        let lines = made.stdoutLines
        try #require(lines.count == 3)
        let good = try dir.write("good.json", lines[0])
        let ring = try PublicKeyRing(file: good)
        #expect(ring.key(fingerprint: lines[2]) != nil)
        let bad = try dir.write("bad.json", lines[1])
        #expect(throws: IOFailure.self) { try PublicKeyRing(file: bad) }
    }

    @Test("a bucket on an S3-compatible server: signatures from x-amz-meta-signature")
    func bucket() throws {
        let fixture = try Fixture()
        defer { fixture.dir.remove() }
        let digest = try fixture.middleDigest()
        let log = try #require(try fixture.listed(by: digest).first)
        try FileManager.default.removeItem(atPath: fixture.uri(log))
        let unsigned = fixture.digests[3]
        let uncovered = try fixture.listed(by: unsigned).map { "s3://\(Self.bucket)/\($0)" }
        try FileManager.default.removeItem(atPath: fixture.uri(unsigned) + ".sig")

        let moto = try MotoServer()
        defer { moto.stop() }
        // Each digest goes up with its side file's signature as the service stores it: user metadata.
        let upload = try runShell("""
            python3 -c '
            import boto3, os, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                              aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
            bucket, root = sys.argv[4], sys.argv[5]
            s3.create_bucket(Bucket=bucket)
            for folder, _, names in os.walk(root):
                for name in names:
                    path = os.path.join(folder, name)
                    if name.endswith(".sig"):
                        continue
                    metadata = {}
                    if os.path.exists(path + ".sig"):
                        metadata = {"signature": open(path + ".sig").read().strip(), "signature-algorithm": "SHA256withRSA"}
                    s3.put_object(Bucket=bucket, Key=os.path.relpath(path, root), Body=open(path, "rb").read(), Metadata=metadata)
            ' "\(moto.endpoint)" "\(moto.accessKeyID)" "\(moto.secretAccessKey)" "\(Self.bucket)" "\(fixture.root)"
            """, timeout: 120)
        try #require(upload.status == 0, "upload failed: \(upload.stderr)")

        let tool = builtExecutablesFolder() + "/trail-fetch"
        let result = try runShell("'\(tool)' --verify --public-keys '\(fixture.dir.path)/right.keys.json' s3://\(Self.bucket)",
                                  environment: moto.environment, timeout: 60)
        #expect(result.status == 1, "\(result.stderr)")
        let findings = try result.stdoutLines.map(parseJSON)
        #expect(findings.filter { $0["type"] as? String == "digest" }.count == 25)
        let problems = Self.problems(findings)
        // An unsigned digest vouches for nothing: its log files are uncovered.
        #expect(problems.count == 2 + uncovered.count, "\(problems)")
        #expect(Set(problems.filter { $0["status"] as? String == "uncovered" }.compactMap { $0["object"] as? String }) == Set(uncovered))
        #expect(Self.finding(problems, "s3://\(Self.bucket)/\(log)")?["reason"] as? String == "not found")
        let notSigned = try #require(Self.finding(problems, "s3://\(Self.bucket)/\(unsigned)"))
        #expect(notSigned["status"] as? String == "unsigned")
        #expect(notSigned["reason"] as? String == "no x-amz-meta-signature")
        #expect(result.stderr.contains("Get requests"), "the cost report: \(result.stderr)")
    }
}
