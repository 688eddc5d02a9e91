import Crypto
import _CryptoExtras
import Foundation
import TrailCore

/// CloudTrail's digest-signing public keys, read from what `aws cloudtrail list-public-keys`
/// prints (formats.md 3.4), looked up by the digest's `digestPublicKeyFingerprint`.
public struct PublicKeyRing: Sendable {
    private var keys: [String: _RSA.Signing.PublicKey] = [:]

    public var count: Int { keys.count }

    public init() {}

    /// Reads `{"PublicKeyList":[{"Value":…,"Fingerprint":…}, …]}`. `Value` is base64 of a DER
    /// RSA key (PKCS#1 or SubjectPublicKeyInfo), or base64 of that base64 text, as the AWS CLI
    /// sees it. A key is filed under its own fingerprint (MD5 of its DER bytes); a listed
    /// fingerprint that disagrees is an error, so a wrong file cannot pass silently.
    public init(file path: String) throws(IOFailure) {
        let bytes = try FileIO.readFile(path)
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let list = root["PublicKeyList"] as? [[String: Any]] else {
            throw IOFailure(path: path, reason: "not the output of aws cloudtrail list-public-keys (no PublicKeyList)")
        }
        for (index, entry) in list.enumerated() {
            let place = "PublicKeyList[\(index)]"
            guard let value = entry["Value"] as? String, let der = PublicKeyRing.der(value) else {
                throw IOFailure(path: path, reason: "\(place): Value is not a base64 DER key")
            }
            let fingerprint = Hex.encode(Insecure.MD5.hash(data: der))
            if let listed = entry["Fingerprint"] as? String, listed.lowercased() != fingerprint {
                throw IOFailure(path: path, reason: "\(place): Fingerprint \(listed) is not the MD5 of its key (\(fingerprint))")
            }
            guard let key = try? _RSA.Signing.PublicKey(derRepresentation: der) else {
                throw IOFailure(path: path, reason: "\(place): unable to load PKCS #1 key with fingerprint \(fingerprint)")
            }
            keys[fingerprint] = key
        }
    }

    public func key(fingerprint: String) -> _RSA.Signing.PublicKey? { keys[fingerprint.lowercased()] }

    /// Base64-decodes once, and again when the result is base64 text rather than DER (which
    /// starts with a SEQUENCE tag, 0x30).
    static func der(_ value: String) -> [UInt8]? {
        guard let once = Base64.decode(value), !once.isEmpty else { return nil }
        if once[0] == 0x30 { return once }
        guard let twice = Base64.decode(String(decoding: once, as: UTF8.self)),
              twice.first == 0x30 else { return nil }
        return twice
    }
}
