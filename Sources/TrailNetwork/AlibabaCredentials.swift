import Crypto
import Foundation
import TrailCore

/// Alibaba Cloud STS (AssumeRole signed with an AccessKey, AssumeRoleWithOIDC anonymous):
/// RPC calls answered in JSON. The endpoint: ALIBABA_CLOUD_STS_ENDPOINT, else
/// `sts.aliyuncs.com` (or the region's with ALIBABA_CLOUD_STS_REGION).
struct AlibabaSTS: Sendable {
    let url: String

    init(_ shared: AWSSharedConfig) {
        url = shared.env("ALIBABA_CLOUD_STS_ENDPOINT").map { $0.contains("://") ? $0 : "https://" + $0 }
            ?? "https://" + (shared.env("ALIBABA_CLOUD_STS_REGION").map { "sts.\($0).aliyuncs.com" } ?? "sts.aliyuncs.com")
    }

    /// Calls `action` with `parameters`, signed (RPC signature 1.0, HMAC-SHA1) with `key` when given.
    func credentials(_ action: String, _ parameters: [(String, String)], signedWith key: AWSCredentials?,
                     role: String) throws(CredentialFailure) -> ExpiringCredentials {
        let what = "Alibaba Cloud \(action) \(role)"
        var query = [("Action", action), ("Format", "JSON"), ("Version", "2015-04-01"),
                     ("Timestamp", Self.timestamp(Date()))] + parameters
        if let key {
            query += [("AccessKeyId", key.accessKeyID), ("SignatureMethod", "HMAC-SHA1"), ("SignatureVersion", "1.0"),
                      ("SignatureNonce", UUID().uuidString)]
            if let token = key.sessionToken { query.append(("SecurityToken", token)) }
            query.append(("Signature", Self.signature(query, secret: key.secretAccessKey)))
        }
        let body = Array(SigV4Signer.canonicalQuery(query).utf8)
        let response = try CredentialDocument.send(CurlTransport(timeout: 10), "POST", url,
                                                   headers: [("Content-Type", "application/x-www-form-urlencoded")], body: body, what: what)
        let fields = CredentialDocument.jsonMembers(response.body) ?? [:]
        guard response.status == 200, let credentials = CredentialDocument.jsonMembers(response.body, at: "Credentials") else {
            let code = fields["Code"] ?? "HTTP \(response.status)"
            throw CredentialFailure("\(what): refused (\(code)\(fields["Message"].map { ": \($0)" } ?? ""))")
        }
        return try CredentialDocument.credentials(credentials, id: "AccessKeyId", secret: "AccessKeySecret", token: "SecurityToken",
                                                  expiration: "Expiration", what: what)
    }

    /// Base64 of HMAC-SHA1 (key: the secret and `&`) over `POST&%2F&` and the encoded sorted query.
    static func signature(_ query: [(String, String)], secret: String) -> String {
        let stringToSign = "POST&%2F&" + SigV4Signer.uriEncode(SigV4Signer.canonicalQuery(query))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(stringToSign.utf8), using: SymmetricKey(data: Array((secret + "&").utf8)))
        return Base64.encode(Array(mac))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    static func timestamp(_ date: Date) -> String {
        Timestamp(epoch: date.timeIntervalSince1970).utc("%Y-%m-%dT%H:%M:%SZ")
    }
}

/// A RAM role assumed with an AccessKey (a `RamRoleArn` profile of the aliyun CLI).
struct AlibabaRoleCredentials: AWSCredentialProvider {
    let roleARN: String
    let sessionName: String
    let durationSeconds: String?
    let key: AWSCredentials
    let sts: AlibabaSTS

    var source: String { "Alibaba Cloud RAM role \(roleARN)" }

    func fetch() throws(CredentialFailure) -> ExpiringCredentials {
        var parameters = [("RoleArn", roleARN), ("RoleSessionName", sessionName)]
        if let durationSeconds { parameters.append(("DurationSeconds", durationSeconds)) }
        return try sts.credentials("AssumeRole", parameters, signedWith: key, role: roleARN)
    }
}

/// RRSA on ACK: the pod's OIDC token (ALIBABA_CLOUD_OIDC_TOKEN_FILE, read at every renewal)
/// for ALIBABA_CLOUD_ROLE_ARN through AssumeRoleWithOIDC.
struct AlibabaOIDCCredentials: AWSCredentialProvider {
    let roleARN: String
    let providerARN: String
    let tokenFile: String
    let sessionName: String
    let sts: AlibabaSTS

    var source: String { "Alibaba Cloud RRSA token \(tokenFile) for role \(roleARN)" }

    func fetch() throws(CredentialFailure) -> ExpiringCredentials {
        let token: String
        do {
            token = String(decoding: try FileIO.readFile(tokenFile), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw CredentialFailure("RRSA OIDC token: \(error)")
        }
        return try sts.credentials("AssumeRoleWithOIDC", [("RoleArn", roleARN), ("OIDCProviderArn", providerARN),
                                                          ("OIDCToken", token), ("RoleSessionName", sessionName)],
                                   signedWith: nil, role: roleARN)
    }
}

/// The ECS instance's RAM role from the metadata service (100.100.100.200, or
/// ALIBABA_CLOUD_ECS_METADATA_ENDPOINT), in its hardened mode: a token is PUT for first.
struct AlibabaECSRoleCredentials: AWSCredentialProvider {
    let role: String
    let endpoint: String

    var source: String { "the Alibaba Cloud ECS metadata service (RAM role \(role))" }

    func fetch() throws(CredentialFailure) -> ExpiringCredentials {
        let transport = CurlTransport(timeout: 1)
        let tokenResponse = try CredentialDocument.send(transport, "PUT", endpoint + "/latest/api/token",
                                                        headers: [("X-aliyun-ecs-metadata-token-ttl-seconds", "21600")], body: [], what: source)
        guard tokenResponse.status == 200 else { throw CredentialFailure("\(source): no metadata token (HTTP \(tokenResponse.status))") }
        let answer = try CredentialDocument.send(transport, "GET", endpoint + "/latest/meta-data/ram/security-credentials/" + SigV4Signer.uriEncode(role),
                                                 headers: [("X-aliyun-ecs-metadata-token", String(decoding: tokenResponse.body, as: UTF8.self))],
                                                 what: source)
        guard answer.status == 200, let fields = CredentialDocument.jsonMembers(answer.body) else {
            throw CredentialFailure("\(source): refused (HTTP \(answer.status))")
        }
        if let code = fields["Code"], code != "Success" { throw CredentialFailure("\(source): \(code)") }
        return try CredentialDocument.credentials(fields, id: "AccessKeyId", secret: "AccessKeySecret", token: "SecurityToken",
                                                  expiration: "Expiration", what: source)
    }
}
