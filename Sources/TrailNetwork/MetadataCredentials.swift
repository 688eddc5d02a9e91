import Foundation
import TrailCore

/// The task role of ECS (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) or EKS Pod Identity and other
/// hosts (AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN or
/// _TOKEN_FILE). The token file is read on every renewal, since the agent rotates it.
public struct ContainerCredentials: AWSCredentialProvider {
    let url: String
    let variable: String
    let token: String?
    let tokenFile: String?

    public var source: String { "the container credentials endpoint (\(variable))" }

    /// Nil when neither variable is set. A full URI must be https, or http to the ECS and EKS
    /// agents' addresses or loopback: the token must not travel in clear to anyone else.
    static func fromEnvironment(_ shared: AWSSharedConfig) throws(CredentialFailure) -> ContainerCredentials? {
        let token = shared.env("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        let tokenFile = shared.env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        if let relative = shared.env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            return ContainerCredentials(url: "http://169.254.170.2" + relative, variable: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                        token: token, tokenFile: tokenFile)
        }
        guard let full = shared.env("AWS_CONTAINER_CREDENTIALS_FULL_URI") else { return nil }
        guard let parts = URLComponents(string: full), let host = parts.host?.lowercased(),
              parts.scheme == "https" || (parts.scheme == "http" && isAllowedHTTPHost(host)) else {
            throw CredentialFailure("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to loopback, 169.254.170.2 or 169.254.170.23")
        }
        return ContainerCredentials(url: full, variable: "AWS_CONTAINER_CREDENTIALS_FULL_URI", token: token, tokenFile: tokenFile)
    }

    static func isAllowedHTTPHost(_ host: String) -> Bool {
        ["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "localhost", "[::1]"].contains(host) || host.hasPrefix("127.")
    }

    public func fetch() throws(CredentialFailure) -> ExpiringCredentials {
        var authorization = token
        if let tokenFile {
            do {
                authorization = String(decoding: try FileIO.readFile(tokenFile), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw CredentialFailure("container authorization token: \(error)")
            }
        }
        let response = try CredentialDocument.send(CurlTransport(timeout: 5), "GET", url,
                                                   headers: authorization.map { [("Authorization", $0)] } ?? [], what: source)
        guard response.status == 200, let fields = CredentialDocument.jsonMembers(response.body) else {
            throw CredentialFailure("\(source): refused (HTTP \(response.status))")
        }
        return try CredentialDocument.credentials(fields, id: "AccessKeyId", secret: "SecretAccessKey", token: "Token",
                                                  expiration: "Expiration", what: source)
    }
}

/// The EC2 instance's role through the instance metadata service, IMDSv2 only: a session
/// token is PUT for first, then sent with every read. The endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT
/// (or the profile's `ec2_metadata_service_endpoint`), else 169.254.169.254.
public struct InstanceMetadataCredentials: AWSCredentialProvider {
    let endpoint: String
    /// As in the SDKs: one second, so that a host without the service fails fast.
    static let timeout: TimeInterval = 1

    public var source: String { "the EC2 instance metadata service (IMDSv2)" }

    init(_ shared: AWSSharedConfig) {
        let configured = shared.env("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? shared.profile(shared.profileName)?["ec2_metadata_service_endpoint"]
        endpoint = (configured ?? "http://169.254.169.254").trimmingSuffix("/")
    }

    public func fetch() throws(CredentialFailure) -> ExpiringCredentials {
        let transport = CurlTransport(timeout: Self.timeout)
        let tokenResponse = try CredentialDocument.send(transport, "PUT", endpoint + "/latest/api/token",
                                                        headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")], body: [], what: source)
        guard tokenResponse.status == 200 else { throw CredentialFailure("\(source): no session token (HTTP \(tokenResponse.status))") }
        let header = [(name: "X-aws-ec2-metadata-token", value: String(decoding: tokenResponse.body, as: UTF8.self))]
        let base = endpoint + "/latest/meta-data/iam/security-credentials/"
        let roles = try CredentialDocument.send(transport, "GET", base, headers: header, what: source)
        guard roles.status == 200, let role = String(decoding: roles.body, as: UTF8.self).split(separator: "\n").first else {
            throw CredentialFailure("\(source): the instance has no role (HTTP \(roles.status))")
        }
        let answer = try CredentialDocument.send(transport, "GET", base + SigV4Signer.uriEncode(String(role)), headers: header, what: source)
        guard answer.status == 200, let fields = CredentialDocument.jsonMembers(answer.body) else {
            throw CredentialFailure("\(source): refused (HTTP \(answer.status))")
        }
        if let code = fields["Code"], code != "Success" { throw CredentialFailure("\(source): \(code)") }
        return try CredentialDocument.credentials(fields, id: "AccessKeyId", secret: "SecretAccessKey", token: "Token",
                                                  expiration: "Expiration", what: source)
    }
}

extension String {
    public func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
