import Foundation
import TrailCore

/// Where STS is asked: AWS_ENDPOINT_URL_STS (or the profile's), else the region's own endpoint.
public struct STSEndpoint: Sendable {
    public let url: String
    public let region: String

    init(_ shared: AWSSharedConfig) {
        let region = shared.region() ?? "us-east-1"
        self.region = region
        let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        url = shared.endpoint(service: "sts") ?? "https://sts.\(region).\(domain)/"
    }

    /// Calls `action` with `parameters`, signed with `credentials` (nil: unsigned, for the
    /// web identity call, whose token is the proof), and reads the credentials it answers.
    func credentials(_ action: String, _ parameters: [(String, String)], signedWith credentials: AWSCredentials?,
                     role: String) throws(CredentialFailure) -> ExpiringCredentials {
        let what = "\(action) \(role)"
        guard let parts = URLComponents(string: url), let host = parts.host, parts.scheme == "https" || parts.scheme == "http" else {
            throw CredentialFailure("\(what): \(url) is not an http(s) STS endpoint")
        }
        let body = Array(SigV4Signer.canonicalQuery([("Action", action), ("Version", "2011-06-15")] + parameters).utf8)
        var headers: [(name: String, value: String)] = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        if let credentials {
            let authority = parts.port.map { "\(host):\($0)" } ?? host
            let path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
            headers = SigV4Signer(credentials: credentials, region: region, service: "sts")
                .sign(method: "POST", path: path, query: [], headers: headers + [("Host", authority)], date: Date(),
                      payloadHash: SigV4Signer.payloadHash(body)).headers
        }
        let response = try CredentialDocument.send(CurlTransport(timeout: 10), "POST", url, headers: headers, body: body, what: what)
        let leaves = CredentialDocument.xmlLeaves(response.body) ?? [:]
        guard response.status == 200 else {
            let code = leaves["Code"] ?? "HTTP \(response.status)"
            let message = leaves["Message"].map { ": \($0)" } ?? ""
            throw CredentialFailure("\(what): refused (\(code)\(message))")
        }
        return try CredentialDocument.credentials(leaves, id: "AccessKeyId", secret: "SecretAccessKey", token: "SessionToken",
                                                  expiration: "Expiration", what: what)
    }
}

/// A role assumed with other credentials (`role_arn` with `source_profile` or
/// `credential_source`): STS AssumeRole, as for a read-only role in a log-archive account.
public struct AssumeRoleCredentials: AWSCredentialProvider {
    let roleARN: String
    let sessionName: String
    let externalID: String?
    let durationSeconds: String?
    let sourceCredentials: AWSCredentialSource
    let sts: STSEndpoint

    public var source: String { "role \(roleARN) assumed with \(sourceCredentials.source)" }

    public func fetch() throws(CredentialFailure) -> ExpiringCredentials {
        var parameters = [("RoleArn", roleARN), ("RoleSessionName", sessionName)]
        if let externalID { parameters.append(("ExternalId", externalID)) }
        if let durationSeconds { parameters.append(("DurationSeconds", durationSeconds)) }
        return try sts.credentials("AssumeRole", parameters, signedWith: try sourceCredentials.current(), role: roleARN)
    }
}

/// A role assumed with an OpenID Connect token from a file (EKS IRSA sets
/// AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN): STS AssumeRoleWithWebIdentity. The file is
/// read on every renewal, since the cluster rotates it.
public struct WebIdentityCredentials: AWSCredentialProvider {
    let roleARN: String
    let tokenFile: String
    let sessionName: String
    let durationSeconds: String?
    let sts: STSEndpoint

    public var source: String { "web identity token \(tokenFile) for role \(roleARN)" }

    public func fetch() throws(CredentialFailure) -> ExpiringCredentials {
        let token: String
        do {
            token = String(decoding: try FileIO.readFile(tokenFile), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw CredentialFailure("web identity token: \(error)")
        }
        var parameters = [("RoleArn", roleARN), ("RoleSessionName", sessionName), ("WebIdentityToken", token)]
        if let durationSeconds { parameters.append(("DurationSeconds", durationSeconds)) }
        return try sts.credentials("AssumeRoleWithWebIdentity", parameters, signedWith: nil, role: roleARN)
    }
}
