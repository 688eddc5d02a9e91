import Foundation
import TrailCore

/// Finds the credentials in the order of the AWS CLI and SDKs: keys in the environment; a web
/// identity token (EKS IRSA); the profile (`--profile`, AWS_PROFILE, `default`) with its keys,
/// role, IAM Identity Center login or `credential_process`; the container endpoint (ECS, EKS
/// Pod Identity); the EC2 instance metadata service. `--profile` skips the environment's
/// keys and token, as in the AWS CLI.
public struct AWSCredentialChain: Sendable {
    let shared: AWSSharedConfig
    /// Roles chained through `source_profile` deeper than this are a loop.
    static let maxProfileDepth = 8

    public init(_ shared: AWSSharedConfig) { self.shared = shared }

    /// The first source that is configured; nil when none is (and the metadata service is
    /// switched off with AWS_EC2_METADATA_DISABLED).
    public func provider() throws(CredentialFailure) -> (any AWSCredentialProvider)? {
        if !shared.profileNamed {
            if let keys = environmentKeys() { return keys }
            if let tokenFile = shared.env("AWS_WEB_IDENTITY_TOKEN_FILE"), let role = shared.env("AWS_ROLE_ARN") {
                return WebIdentityCredentials(roleARN: role, tokenFile: tokenFile, sessionName: shared.env("AWS_ROLE_SESSION_NAME") ?? Self.sessionName(),
                                              durationSeconds: nil, sts: STSEndpoint(shared))
            }
        }
        if let settings = shared.profile(shared.profileName) {
            if let provider = try profileProvider(shared.profileName, settings, depth: 0) { return provider }
        } else if shared.profileName != "default" {
            throw CredentialFailure("profile \(shared.profileName) is in neither ~/.aws/config nor ~/.aws/credentials")
        }
        return try metadataProvider()
    }

    private func environmentKeys() -> StaticCredentials? {
        guard let id = shared.env("AWS_ACCESS_KEY_ID"), let secret = shared.env("AWS_SECRET_ACCESS_KEY") else { return nil }
        return StaticCredentials(AWSCredentials(accessKeyID: id, secretAccessKey: secret,
                                                sessionToken: shared.env("AWS_SESSION_TOKEN") ?? shared.env("AWS_SECURITY_TOKEN")),
                                 source: "the environment (AWS_ACCESS_KEY_ID)")
    }

    /// The container endpoint when its variables are set, else the instance metadata service.
    private func metadataProvider() throws(CredentialFailure) -> (any AWSCredentialProvider)? {
        if let container = try ContainerCredentials.fromEnvironment(shared) { return container }
        if shared.env("AWS_EC2_METADATA_DISABLED")?.lowercased() == "true" { return nil }
        return InstanceMetadataCredentials(shared)
    }

    /// What profile `name` names, in the SDKs' order: a role, an IAM Identity Center login,
    /// keys, a program. Nil when it names none of them (a profile holding only a region).
    private func profileProvider(_ name: String, _ settings: [String: String], depth: Int) throws(CredentialFailure) -> (any AWSCredentialProvider)? {
        if let role = settings["role_arn"] {
            return try roleProvider(name, role: role, settings, depth: depth)
        }
        if let sso = try SSOCredentials.fromProfile(name, settings, shared) { return sso }
        if let keys = Self.profileKeys(name, settings) { return keys }
        if let command = settings["credential_process"] { return ProcessCredentials(command: command, profile: name) }
        return nil
    }

    private static func profileKeys(_ name: String, _ settings: [String: String]) -> StaticCredentials? {
        guard let id = settings["aws_access_key_id"], let secret = settings["aws_secret_access_key"] else { return nil }
        return StaticCredentials(AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: settings["aws_session_token"]),
                                 source: "profile \(name)")
    }

    /// `role_arn` with `web_identity_token_file`, `source_profile` or `credential_source`.
    private func roleProvider(_ name: String, role: String, _ settings: [String: String], depth: Int) throws(CredentialFailure) -> any AWSCredentialProvider {
        let sessionName = settings["role_session_name"] ?? Self.sessionName()
        if let tokenFile = settings["web_identity_token_file"] {
            return WebIdentityCredentials(roleARN: role, tokenFile: tokenFile, sessionName: sessionName,
                                          durationSeconds: settings["duration_seconds"], sts: STSEndpoint(shared))
        }
        let source = try roleSource(name, settings, depth: depth)
        return AssumeRoleCredentials(roleARN: role, sessionName: sessionName, externalID: settings["external_id"],
                                     durationSeconds: settings["duration_seconds"], sourceCredentials: AWSCredentialSource(source),
                                     sts: STSEndpoint(shared))
    }

    private func roleSource(_ name: String, _ settings: [String: String], depth: Int) throws(CredentialFailure) -> any AWSCredentialProvider {
        if let sourceProfile = settings["source_profile"] {
            guard depth < Self.maxProfileDepth else { throw CredentialFailure("profile \(name): source_profile chain too long (a loop?)") }
            guard let sourceSettings = shared.profile(sourceProfile) else {
                throw CredentialFailure("profile \(name): source_profile \(sourceProfile) does not exist")
            }
            // A profile that is its own source uses its keys, not its role.
            let provider = sourceProfile == name
                ? Self.profileKeys(name, sourceSettings)
                : try profileProvider(sourceProfile, sourceSettings, depth: depth + 1)
            guard let provider else { throw CredentialFailure("profile \(name): source_profile \(sourceProfile) holds no credentials") }
            return provider
        }
        switch settings["credential_source"] {
        case "Environment":
            guard let keys = environmentKeys() else { throw CredentialFailure("profile \(name): credential_source Environment, but AWS_ACCESS_KEY_ID is not set") }
            return keys
        case "Ec2InstanceMetadata":
            return InstanceMetadataCredentials(shared)
        case "EcsContainer":
            guard let container = try ContainerCredentials.fromEnvironment(shared) else {
                throw CredentialFailure("profile \(name): credential_source EcsContainer, but AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not set")
            }
            return container
        case let other?:
            throw CredentialFailure("profile \(name): credential_source \(other) is not Environment, Ec2InstanceMetadata or EcsContainer")
        case nil:
            throw CredentialFailure("profile \(name): role_arn needs source_profile, credential_source or web_identity_token_file")
        }
    }

    /// A session name that says which tool assumed the role, as CloudTrail records it.
    static func sessionName() -> String { "trail-\(Int(Date().timeIntervalSince1970))" }
}
