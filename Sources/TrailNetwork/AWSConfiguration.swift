import TrailCore

/// An INI file as the AWS shared files write it: `[section]`, `key = value`, and nested
/// blocks (`s3 =` followed by indented `key = value` lines, stored as `s3.key`).
struct INIFile: Sendable {
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

/// The environment and the AWS shared files (`~/.aws/config`, `~/.aws/credentials`, or the
/// files `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` name), read once, with the
/// profile in use (`--profile`, else AWS_PROFILE, else `default`).
public struct AWSSharedConfig: Sendable {
    let environment: [String: String]
    public let profileName: String
    /// The profile was named (flag or AWS_PROFILE): keys in the environment do not override it.
    let profileNamed: Bool
    private let credentialsFile: INIFile?
    private let configFile: INIFile?

    public init(environment: [String: String], profile: String? = nil) throws(IOFailure) {
        self.environment = environment
        func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let home = env("HOME") ?? ""
        profileName = profile ?? env("AWS_PROFILE") ?? env("AWS_DEFAULT_PROFILE") ?? "default"
        profileNamed = profile != nil
        credentialsFile = try Self.readINI(env("AWS_SHARED_CREDENTIALS_FILE") ?? "\(home)/.aws/credentials")
        configFile = try Self.readINI(env("AWS_CONFIG_FILE") ?? "\(home)/.aws/config")
    }

    /// A variable of the environment; empty counts as unset.
    public func env(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    var home: String { env("HOME") ?? "" }

    /// The settings of profile `name`: the config file's, under the credentials file's. Nil when neither file has it.
    func profile(_ name: String) -> [String: String]? {
        let fromConfig = configFile?[name == "default" ? "default" : "profile \(name)"]
        let fromCredentials = credentialsFile?[name]
        guard fromConfig != nil || fromCredentials != nil else { return nil }
        return (fromConfig ?? [:]).merging(fromCredentials ?? [:]) { $1 }
    }

    /// Another section of the config file (`sso-session NAME`, `services NAME`).
    func configSection(_ name: String) -> [String: String]? { configFile?[name] }

    /// The region: the flag, else AWS_REGION, AWS_DEFAULT_REGION, the profile's.
    public func region(explicit: String? = nil) -> String? {
        explicit ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? profile(profileName)?["region"]
    }

    /// The endpoint configured for `service` (`AWS_ENDPOINT_URL_SQS`, a services section's
    /// `sqs.endpoint_url`), else for every service, as the SDKs find it; nil: the service's own.
    public func endpoint(service: String) -> String? {
        let fromConfig = profile(profileName) ?? [:]
        if env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.lowercased() == "true"
            || fromConfig["ignore_configured_endpoint_urls"]?.lowercased() == "true" { return nil }
        let key = service.uppercased().replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        let services = fromConfig["services"].flatMap { configSection("services \($0)") }
        let section = service.lowercased().replacingOccurrences(of: " ", with: "_")
        return env("AWS_ENDPOINT_URL_\(key)") ?? env("AWS_ENDPOINT_URL")
            ?? services?["\(section).endpoint_url"] ?? fromConfig["endpoint_url"]
    }

    private static func readINI(_ path: String) throws(IOFailure) -> INIFile? {
        guard FileIO.exists(path) else { return nil }
        return INIFile(text: String(decoding: try FileIO.readFile(path), as: UTF8.self))
    }
}

/// Where requests go and whom they are signed as, found the way AWS tools find it: flags,
/// then the environment, then the profile, then the container and instance metadata
/// endpoints (`AWSCredentialChain`).
public struct AWSConfiguration: Sendable {
    public var credentials: AWSCredentialSource?
    public var region: String?
    public var endpoint: String?

    /// Resolves from `environment`; `profile`, `region` and `endpoint` are the flags, which win.
    /// The endpoint is the one configured for `service` (`AWS_ENDPOINT_URL_SNS`, a services
    /// section's `sns.endpoint_url`), else for every service.
    /// Alibaba's variables (`ALIBABA_CLOUD_ACCESS_KEY_ID`, …) come first for `oss://` sources.
    public static func resolve(environment: [String: String], profile explicitProfile: String? = nil,
                               region explicitRegion: String? = nil, endpoint explicitEndpoint: String? = nil,
                               alibaba: Bool = false, service: String = "s3") throws -> AWSConfiguration {
        let shared = try AWSSharedConfig(environment: environment, profile: explicitProfile)
        let chain = AWSCredentialChain(shared)
        let provider = try alibaba ? chain.alibabaProvider() ?? chain.provider() : chain.provider()
        let region = explicitRegion ?? (alibaba ? shared.env("ALIBABA_CLOUD_REGION_ID") : nil) ?? shared.region()
        return AWSConfiguration(credentials: provider.map(AWSCredentialSource.init), region: region,
                                endpoint: explicitEndpoint ?? shared.endpoint(service: service))
    }
}
