import Foundation
import TrailCore

/// Which alerts a target wants: a minimum level, some rules (id or title), some tags
/// (`attack` takes `attack.t1078` too). Empty sets take everything.
public struct Route: Sendable {
    public var minLevel: AlertLevel?
    public var rules: Set<String> = []
    public var tags: [String] = []

    public func accepts(_ alert: Alert) -> Bool {
        if let minLevel, (alert.level ?? .informational) < minLevel { return false }
        if !rules.isEmpty, !rules.contains(alert.ruleID), !rules.contains(alert.title) { return false }
        if !tags.isEmpty, !alert.tags.contains(where: { tag in tags.contains { tag == $0 || tag.hasPrefix($0 + ".") } }) {
            return false
        }
        return true
    }
}

/// Where messages go and how they are shaped, from a URL (`smtp://…?to=…&level=high`).
public struct Target: Sendable {
    public enum Kind: Sendable {
        case console
        case smtp(SMTPSettings)
        case webhook(WebhookSettings)
        case syslog(SyslogSettings)
        /// `ocsf`: each alert as an OCSF Detection Finding instead of the alert record.
        case file(path: String, ocsf: Bool)
        case exec(program: String, arguments: [String], timeout: TimeInterval)
        case pagerduty(PagerDutySettings)
        case opsgenie(OpsgenieSettings)
        case dingtalk(DingTalkSettings)
        case splunk(SplunkSettings)
        case sns(SNSSettings)
    }

    public let kind: Kind
    /// The URL as safe to print: no user, password, query, nor the token parts of a path or
    /// host, and no value a `${NAME}` brought in anywhere in it.
    public let shown: String
    /// The values its `${NAME}`s brought in, masked in whatever is said about it.
    let secrets: [String]
    /// A short hash of the full URL: names the target's spool and throttle state.
    public let key: String
    public let route: Route
    public let templates: MessageTemplates
    /// Digest window in seconds; nil sends one message per alert.
    public let digestWindow: Int64?
    /// Where a digest finds an alert's item name (first present wins).
    public let itemPaths: [JSONPath]

    static let defaultItemPaths = [JSONPath("event.check_item_name"), JSONPath("event.trail.action")]

    /// Parses one target. `${NAME}` is replaced by the environment variable NAME first, so
    /// passwords and tokens need not appear on the command line.
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let spec = try Target.expand(text, environment: environment)
        let secrets = Target.secrets(in: text, environment: environment)
        self.secrets = secrets
        let shown = Target.masking(secrets, in: Target.redact(spec))
        key = Alert.hex(Array(spec.utf8), length: 16)
        if spec == "-" || spec == "stdout" || spec == "stdout:" || spec == "stdout://" {
            kind = .console
            self.shown = "stdout"
            route = Route()
            templates = try .defaults()
            digestWindow = nil
            itemPaths = Target.defaultItemPaths
            return
        }
        // Templates in the query bring braces and spaces; encoded here, so every platform's
        // URL parser sees a valid URL and `%20` already written stays what it was.
        let encoded = spec.addingPercentEncoding(withAllowedCharacters: .urlCharacters) ?? spec
        guard let url = URLComponents(string: encoded), let scheme = url.scheme?.lowercased() else {
            throw NotifyError("not a target URL: \(shown)")
        }
        var options = TargetOptions(url.queryItems ?? [])
        var route = Route()
        if let level = options.take("level") {
            guard let parsed = AlertLevel(name: level) else { throw NotifyError("\(shown): unknown level \(level)") }
            route.minLevel = parsed
        }
        route.rules = Set(options.takeList("rule"))
        route.tags = options.takeList("tag")
        self.route = route
        var templates = try MessageTemplates.defaults()
        if let t = options.take("subject") { templates.subject = try TextTemplate(t) }
        let body = try options.take("body").map(TextTemplate.init)
        if let t = options.take("digest_subject") { templates.digestSubject = try TextTemplate(t) }
        if let t = options.take("digest_body") { templates.digestBody = try TextTemplate(t) }
        if let t = options.take("line") { templates.line = try TextTemplate(t) }
        if let window = options.take("digest") {
            guard let seconds = TimeSpan.seconds(window), seconds > 0 else { throw NotifyError("\(shown): bad digest window \(window)") }
            digestWindow = seconds
        } else {
            digestWindow = nil
        }
        let items = options.takeList("item")
        itemPaths = items.isEmpty ? Target.defaultItemPaths : items.map(JSONPath.init)

        kind = try Target.kind(scheme, url: url, options: &options, shown: shown, environment: environment)
        templates.body = try body ?? TextTemplate(Target.isChat(kind) ? DefaultTemplates.chatBody : DefaultTemplates.body)
        self.templates = templates
        self.shown = shown
        if digestWindow != nil, Target.writesOCSF(kind) { throw NotifyError("\(shown): format=ocsf writes one finding per alert, not digests") }
        if let unknown = options.remainingNames.first, !Target.passesQuery(kind) {
            throw NotifyError("\(shown): unknown option \(unknown)")
        }
    }

    /// What the URL's scheme names, with its settings taken from the URL and its options.
    private static func kind(_ scheme: String, url: URLComponents, options: inout TargetOptions, shown: String,
                             environment: [String: String]) throws -> Kind {
        do {
            switch scheme {
            case "smtp", "smtps": return .smtp(try SMTPSettings(url: url, implicitTLS: scheme == "smtps", options: &options))
            case "http", "https": return .webhook(try WebhookSettings(url: url, options: &options))
            case "syslog", "syslog+udp", "syslog+tcp": return .syslog(try SyslogSettings(url: url, tcp: scheme == "syslog+tcp", options: &options))
            case "file":
                guard url.path.hasPrefix("/") else { throw NotifyError("file:// needs an absolute path") }
                let format = options.take("format") ?? "json"
                guard format == "json" || format == "ocsf" else { throw NotifyError("file format is json or ocsf, not \(format)") }
                return .file(path: url.path, ocsf: format == "ocsf")
            case "exec":
                guard !url.path.isEmpty else { throw NotifyError("needs a program (exec:///path/to/program?arg=…)") }
                let timeout = options.take("timeout").flatMap(TimeSpan.seconds).map(TimeInterval.init) ?? 60
                return .exec(program: url.path, arguments: options.takeAll("arg"), timeout: timeout)
            case "stdout": return .console
            case "pagerduty": return .pagerduty(try PagerDutySettings(url: url, options: &options))
            case "opsgenie": return .opsgenie(try OpsgenieSettings(url: url, options: &options))
            case "dingtalk": return .dingtalk(try DingTalkSettings(url: url, options: &options))
            case "splunk": return .splunk(try SplunkSettings(url: url, options: &options))
            case "sns", "arn": return .sns(try SNSSettings(url: url, scheme: scheme, options: &options, environment: environment))
            default: throw NotifyError("unknown target kind \(scheme) (\(Target.schemes.joined(separator: ", ")))")
            }
        } catch let error as NotifyError {
            throw NotifyError("\(shown): \(error)")
        }
    }

    static let schemes = ["smtp", "smtps", "http", "https", "syslog", "syslog+tcp", "file", "exec", "stdout",
                          "pagerduty", "opsgenie", "dingtalk", "splunk", "sns"]

    private static func writesOCSF(_ kind: Kind) -> Bool {
        switch kind {
        case .file(_, let ocsf): return ocsf
        case .webhook(let settings): return settings.format == .ocsf
        case .splunk(let settings): return settings.ocsf
        default: return false
        }
    }

    /// Targets people read in a chat or an incident: the chat body's order, not the mail's.
    private static func isChat(_ kind: Kind) -> Bool {
        switch kind {
        case .webhook(let settings): return settings.format == .slack || settings.format == .teams
        case .dingtalk, .opsgenie: return true
        default: return false
        }
    }

    private static func passesQuery(_ kind: Kind) -> Bool {
        if case .webhook = kind { return true }
        return false
    }

    /// The values `${NAME}`s in `text` stand for: secrets, whatever part of the URL they are in.
    static func secrets(in text: String, environment: [String: String]) -> [String] {
        var values: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") {
            if let value = environment[String(rest[open.upperBound..<close])] { values.append(value) }
            rest = rest[rest.index(after: close)...]
        }
        return values
    }

    /// A failure's reason as it may be printed: an error may quote a host or a reply.
    func masked(_ reason: String) -> String { Target.masking(secrets, in: reason) }

    /// `text` with each secret, as is and percent-encoded, replaced by `***`. Values under
    /// four characters are left: masking them would garble the text and hide little.
    static func masking(_ secrets: [String], in text: String) -> String {
        var out = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) where secret.count >= 4 {
            for form in [secret, secret.addingPercentEncoding(withAllowedCharacters: .urlUnreservedCharacters) ?? secret] {
                out = out.replacingOccurrences(of: form, with: "***")
            }
        }
        return out
    }

    /// Replaces `${NAME}` with the environment variable NAME; unset is an error.
    static func expand(_ text: String, environment: [String: String]) throws -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            let name = String(rest[open.upperBound..<close])
            guard let value = environment[name] else { throw NotifyError("environment variable \(name) (used in a target) is not set") }
            result += rest[..<open.lowerBound]
            // Percent-encoded, so a password's `@`, `:` or `/` cannot end the user part; in a
            // path (Slack's `T…/B…/token`) slashes stay, in a query `&`, `=` and `#` do not.
            let authority = result.range(of: "://").map { !result[$0.upperBound...].contains("/") } ?? false
            result += value.addingPercentEncoding(withAllowedCharacters: authority ? .urlUnreservedCharacters : .urlPathCharacters) ?? value
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// A target as it may be printed: scheme, host, port, and for web hooks only the first
    /// path segment (Slack and Teams put their tokens in the path); no user, password or query.
    /// Where the host is the key (`pagerduty://KEY`), or the kind is unknown, the scheme only.
    public static func redact(_ spec: String) -> String {
        guard var url = URLComponents(string: spec.addingPercentEncoding(withAllowedCharacters: .urlCharacters) ?? spec), let scheme = url.scheme?.lowercased() else { return "<target>" }
        let hostIsPlace = ["smtp", "smtps", "http", "https", "syslog", "syslog+udp", "syslog+tcp", "file", "exec", "stdout", "splunk", "sns"]
        // A topic's ARN names no secret.
        if scheme == "arn" { return spec.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "<target>" }
        guard hostIsPlace.contains(scheme) else { return scheme + "://…" }
        url.user = nil
        url.password = nil
        url.query = nil
        url.fragment = nil
        if scheme == "http" || scheme == "https" || scheme.hasPrefix("smtp") {
            let segments = url.path.split(separator: "/")
            url.path = segments.isEmpty ? url.path : "/" + segments[0] + (segments.count > 1 ? "/…" : "")
        }
        return url.string?.removingPercentEncoding ?? "<target>"
    }
}

extension CharacterSet {
    static let urlPathCharacters = urlUnreservedCharacters.union(CharacterSet(charactersIn: "/:@"))
    /// What may stand in a URL as written, `%` of existing escapes included.
    static let urlCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%")
    static let urlUnreservedCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

/// Query options of a target URL, taken one by one; what is left is passed on (web hooks) or wrong.
struct TargetOptions {
    private var items: [URLQueryItem]

    init(_ items: [URLQueryItem]) { self.items = items }

    mutating func take(_ name: String) -> String? { takeAll(name).last }

    mutating func takeAll(_ name: String) -> [String] {
        let values = items.filter { $0.name == name }.map { $0.value ?? "" }
        items.removeAll { $0.name == name }
        return values
    }

    mutating func takeList(_ name: String) -> [String] {
        takeAll(name).flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }

    var remaining: [URLQueryItem] { items }
    var remainingNames: [String] { items.map(\.name) }
}
