/// An INI file as the AWS shared files write it: `[section]`, `key = value`, and nested
/// blocks (`s3 =` followed by indented `key = value` lines, stored as `s3.key`).
struct INIFile {
    private(set) var sections: [String: [String: String]] = [:]

    init(text: String) {
        var section: String?
        var parent: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let content = line.trimmingCharacters(in: " \t")
            if content.isEmpty || content.hasPrefix("#") || content.hasPrefix(";") { continue }
            if content.hasPrefix("["), content.hasSuffix("]") {
                section = content.dropFirst().dropLast().trimmingCharacters(in: " \t")
                parent = nil
                continue
            }
            guard let section, let equals = content.firstIndex(of: "=") else { continue }
            let key = content[..<equals].trimmingCharacters(in: " \t").lowercased()
            let value = content[content.index(after: equals)...].trimmingCharacters(in: " \t")
            let indented = line.first == " " || line.first == "\t"
            if indented, let parent {
                sections[section, default: [:]]["\(parent).\(key)"] = value
            } else {
                sections[section, default: [:]][key] = value
                parent = value.isEmpty ? key : nil
            }
        }
    }

    subscript(section: String) -> [String: String]? { sections[section] }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = self[...]
        while let first = s.first, chars.contains(first) { s = s.dropFirst() }
        while let last = s.last, chars.contains(last) { s = s.dropLast() }
        return String(s)
    }
}

/// Where requests go and whom they are signed as, found the way AWS tools find it: flags,
/// then the environment, then the profile in `~/.aws/credentials` and `~/.aws/config`
/// (or the files `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` name).
public struct AWSConfiguration: Sendable {
    public var credentials: AWSCredentials?
    public var region: String?
    public var endpoint: String?

    /// Resolves from `environment`; `profile`, `region` and `endpoint` are the flags, which win.
    /// The endpoint is the one configured for `service` (`AWS_ENDPOINT_URL_SNS`, a services
    /// section's `sns.endpoint_url`), else for every service.
    /// Alibaba's variables (`ALIBABA_CLOUD_ACCESS_KEY_ID`, …) come first for `oss://` sources.
    public static func resolve(environment: [String: String], profile explicitProfile: String? = nil,
                               region explicitRegion: String? = nil, endpoint explicitEndpoint: String? = nil,
                               alibaba: Bool = false, service: String = "s3") throws(IOFailure) -> AWSConfiguration {
        func env(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        let home = env("HOME") ?? ""
        let profile = explicitProfile ?? env("AWS_PROFILE") ?? env("AWS_DEFAULT_PROFILE") ?? "default"
        let credentialsFile = try readINI(env("AWS_SHARED_CREDENTIALS_FILE") ?? "\(home)/.aws/credentials")
        let configFile = try readINI(env("AWS_CONFIG_FILE") ?? "\(home)/.aws/config")
        let fromCredentialsFile = credentialsFile?[profile] ?? [:]
        let fromConfig = configFile?[profile == "default" ? "default" : "profile \(profile)"] ?? [:]

        var credentials: AWSCredentials?
        if alibaba, let id = env("ALIBABA_CLOUD_ACCESS_KEY_ID"), let secret = env("ALIBABA_CLOUD_ACCESS_KEY_SECRET") {
            credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: env("ALIBABA_CLOUD_SECURITY_TOKEN"))
        } else if explicitProfile == nil, let id = env("AWS_ACCESS_KEY_ID"), let secret = env("AWS_SECRET_ACCESS_KEY") {
            // A profile named on the command line overrides keys in the environment, as in the AWS CLI.
            credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret,
                                         sessionToken: env("AWS_SESSION_TOKEN") ?? env("AWS_SECURITY_TOKEN"))
        } else {
            for section in [fromCredentialsFile, fromConfig] {
                if let id = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] {
                    credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: section["aws_session_token"])
                    break
                }
            }
        }

        let region = explicitRegion ?? (alibaba ? env("ALIBABA_CLOUD_REGION_ID") : nil)
            ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? fromConfig["region"]

        var endpoint = explicitEndpoint
        let ignoreConfigured = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.lowercased() == "true"
            || fromConfig["ignore_configured_endpoint_urls"]?.lowercased() == "true"
        if endpoint == nil, !ignoreConfigured {
            let services = fromConfig["services"].flatMap { configFile?["services \($0)"] }
            endpoint = env("AWS_ENDPOINT_URL_\(service.uppercased())") ?? env("AWS_ENDPOINT_URL")
                ?? services?["\(service.lowercased()).endpoint_url"] ?? fromConfig["endpoint_url"]
        }
        return AWSConfiguration(credentials: credentials, region: region, endpoint: endpoint)
    }

    private static func readINI(_ path: String) throws(IOFailure) -> INIFile? {
        guard FileIO.exists(path) else { return nil }
        return INIFile(text: String(decoding: try FileIO.readFile(path), as: UTF8.self))
    }
}
