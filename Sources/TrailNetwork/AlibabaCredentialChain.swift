import Foundation
import TrailCore

/// For `oss://`: Alibaba Cloud's credentials, in the order of its SDKs' default chain:
/// ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET (+ _SECURITY_TOKEN); RRSA on ACK
/// (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE); the
/// profile of the aliyun CLI's `~/.aliyun/config.json` (ALIBABA_CLOUD_PROFILE, else its
/// `current`: modes AK, StsToken, RamRoleArn, EcsRamRole, OIDC); the ECS instance's RAM role
/// (ALIBABA_CLOUD_ECS_METADATA names it). Nil when none is configured.
extension AWSCredentialChain {
    public func alibabaProvider() throws(CredentialFailure) -> (any AWSCredentialProvider)? {
        if let id = shared.env("ALIBABA_CLOUD_ACCESS_KEY_ID"), let secret = shared.env("ALIBABA_CLOUD_ACCESS_KEY_SECRET") {
            return StaticCredentials(AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: shared.env("ALIBABA_CLOUD_SECURITY_TOKEN")),
                                     source: "the environment (ALIBABA_CLOUD_ACCESS_KEY_ID)")
        }
        if let role = shared.env("ALIBABA_CLOUD_ROLE_ARN"), let provider = shared.env("ALIBABA_CLOUD_OIDC_PROVIDER_ARN"),
           let tokenFile = shared.env("ALIBABA_CLOUD_OIDC_TOKEN_FILE") {
            return AlibabaOIDCCredentials(roleARN: role, providerARN: provider, tokenFile: tokenFile,
                                          sessionName: shared.env("ALIBABA_CLOUD_ROLE_SESSION_NAME") ?? Self.sessionName(), sts: AlibabaSTS(shared))
        }
        if let profile = try aliyunProfile() { return try aliyunProvider(profile) }
        if let role = shared.env("ALIBABA_CLOUD_ECS_METADATA"), shared.env("ALIBABA_CLOUD_ECS_METADATA_DISABLED")?.lowercased() != "true" {
            return ecsRole(role)
        }
        return nil
    }

    private func ecsRole(_ role: String) -> AlibabaECSRoleCredentials {
        AlibabaECSRoleCredentials(role: role, endpoint: (shared.env("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT") ?? "http://100.100.100.200").trimmingSuffix("/"))
    }

    /// The profile's settings, by the names the aliyun CLI writes; nil without a config file.
    private func aliyunProfile() throws(CredentialFailure) -> [String: String]? {
        let path = shared.env("ALIBABA_CLOUD_CONFIG_FILE") ?? shared.home + "/.aliyun/config.json"
        guard FileIO.exists(path) else { return nil }
        let bytes: [UInt8]
        do { bytes = try FileIO.readFile(path) } catch { throw CredentialFailure("\(error)") }
        guard let top = CredentialDocument.jsonMembers(bytes), let profiles = top["profiles"] else {
            throw CredentialFailure("\(path): not an aliyun CLI configuration (no \"profiles\")")
        }
        let name = shared.env("ALIBABA_CLOUD_PROFILE") ?? top["current"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let found = Array(profiles.utf8).withUnsafeBytes { buffer -> [String: String]? in
            let scanner = JSONScanner(buffer)
            var match: Int?
            scanner.forEachElement(ofArrayAt: scanner.skipWhitespace(0)) { element in
                if scanner.member("name", ofObjectAt: element).flatMap(scanner.string) == name { match = element }
                return match == nil
            }
            guard let match, let raw = scanner.raw(at: match) else { return nil }
            return CredentialDocument.jsonMembers(Array(raw))
        }
        guard let found else { throw CredentialFailure("\(path): no profile \(name)") }
        return found
    }

    private func aliyunProvider(_ profile: [String: String]) throws(CredentialFailure) -> any AWSCredentialProvider {
        let name = profile["name"] ?? "default"
        // The aliyun CLI writes every field of every mode, empty where unused.
        let profile = profile.filter { !$0.value.isEmpty }
        let mode = profile["mode"] ?? "AK"
        let key = profile["access_key_id"].flatMap { id in
            profile["access_key_secret"].map {
                AWSCredentials(accessKeyID: id, secretAccessKey: $0, sessionToken: mode == "StsToken" ? profile["sts_token"] : nil)
            }
        }
        switch mode {
        case "AK", "StsToken":
            guard let key else { throw CredentialFailure("aliyun profile \(name): mode \(mode) needs access_key_id and access_key_secret") }
            return StaticCredentials(key, source: "aliyun profile \(name)")
        case "RamRoleArn":
            guard let key, let role = profile["ram_role_arn"] else {
                throw CredentialFailure("aliyun profile \(name): mode RamRoleArn needs access_key_id, access_key_secret and ram_role_arn")
            }
            return AlibabaRoleCredentials(roleARN: role, sessionName: profile["ram_session_name"] ?? Self.sessionName(),
                                          durationSeconds: profile["expired_seconds"].flatMap { $0 == "0" ? nil : $0 }, key: key, sts: AlibabaSTS(shared))
        case "EcsRamRole":
            guard let role = profile["ram_role_name"] else { throw CredentialFailure("aliyun profile \(name): mode EcsRamRole needs ram_role_name") }
            return ecsRole(role)
        case "OIDC":
            guard let role = profile["ram_role_arn"], let provider = profile["oidc_provider_arn"], let tokenFile = profile["oidc_token_file"] else {
                throw CredentialFailure("aliyun profile \(name): mode OIDC needs ram_role_arn, oidc_provider_arn and oidc_token_file")
            }
            return AlibabaOIDCCredentials(roleARN: role, providerARN: provider, tokenFile: tokenFile,
                                          sessionName: profile["ram_session_name"] ?? Self.sessionName(), sts: AlibabaSTS(shared))
        default:
            throw CredentialFailure("aliyun profile \(name): mode \(mode) is not AK, StsToken, RamRoleArn, EcsRamRole or OIDC")
        }
    }
}
