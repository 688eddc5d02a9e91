import Crypto
import Foundation
import TrailCore

/// IAM Identity Center (AWS SSO): the access token `aws sso login` caches under
/// `~/.aws/sso/cache/`, exchanged at the portal's GetRoleCredentials for the profile's
/// account and role. An expired token is not renewed here: the error says to log in again.
public struct SSOCredentials: AWSCredentialProvider {
    let profile: String
    /// `sso-session NAME` (the cache file is named for NAME) or the legacy start URL.
    let session: String?
    let startURL: String
    let accountID: String
    let roleName: String
    let portal: String
    let cacheFolder: String

    public var source: String { "IAM Identity Center (profile \(profile), role \(roleName) in \(accountID))" }

    /// From a profile with `sso_session` (and its `[sso-session NAME]` section) or `sso_start_url`.
    static func fromProfile(_ name: String, _ settings: [String: String], _ shared: AWSSharedConfig) throws(CredentialFailure) -> SSOCredentials? {
        var sso = settings
        let session = settings["sso_session"]
        if let session {
            guard let section = shared.configSection("sso-session \(session)") else {
                throw CredentialFailure("profile \(name): no [sso-session \(session)] section in the config file")
            }
            sso.merge(section) { $1 }
        }
        guard let startURL = sso["sso_start_url"] else { return nil }
        guard let region = sso["sso_region"], let account = sso["sso_account_id"], let role = sso["sso_role_name"] else {
            throw CredentialFailure("profile \(name): IAM Identity Center needs sso_region, sso_account_id and sso_role_name")
        }
        let portal = shared.endpoint(service: "sso") ?? "https://portal.sso.\(region).amazonaws.com"
        return SSOCredentials(profile: name, session: session, startURL: startURL, accountID: account, roleName: role,
                              portal: portal.trimmingSuffix("/"), cacheFolder: shared.home + "/.aws/sso/cache")
    }

    public func fetch() throws(CredentialFailure) -> ExpiringCredentials {
        let token = try cachedToken()
        let url = portal + "/federation/credentials?" + SigV4Signer.canonicalQuery([("account_id", accountID), ("role_name", roleName)])
        let response = try CredentialDocument.send(CurlTransport(timeout: 10), "GET", url,
                                                   headers: [("x-amz-sso_bearer_token", token)], what: source)
        guard response.status == 200, let fields = CredentialDocument.jsonMembers(response.body, at: "roleCredentials") else {
            let hint = response.status == 401 || response.status == 403 ? ": the login has expired or lacks this role; \(loginHint)" : ""
            throw CredentialFailure("\(source): refused (HTTP \(response.status))\(hint)")
        }
        return try CredentialDocument.credentials(fields, id: "accessKeyId", secret: "secretAccessKey", token: "sessionToken",
                                                  expiration: "expiration", what: source)
    }

    private var loginHint: String {
        session.map { "run aws sso login --sso-session \($0)" } ?? "run aws sso login --profile \(profile)"
    }

    /// The token of `<cache>/<sha1 of the session name or start URL>.json`, while it is valid.
    private func cachedToken() throws(CredentialFailure) -> String {
        let file = cacheFolder + "/" + Hex.encode(Insecure.SHA1.hash(data: Array((session ?? startURL).utf8))) + ".json"
        guard let bytes = try? FileIO.readFile(file), let fields = CredentialDocument.jsonMembers(bytes),
              let token = fields["accessToken"], !token.isEmpty else {
            throw CredentialFailure("\(source): not logged in (no token in \(file)); \(loginHint)")
        }
        if let expires = fields["expiresAt"].flatMap(Self.cacheTime), Double(expires.seconds) <= Date().timeIntervalSince1970 {
            throw CredentialFailure("\(source): the login expired at \(fields["expiresAt"]!); \(loginHint)")
        }
        return token
    }

    /// The cache's `expiresAt`: RFC 3339, or the older `2024-01-01T00:00:00UTC`.
    static func cacheTime(_ text: String) -> Timestamp? {
        Timestamp(iso8601: text.hasSuffix("UTC") ? String(text.dropLast(3)) + "Z" : text)
    }
}
