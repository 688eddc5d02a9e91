import TrailCore

/// What the report reads of an event: its `trail` header (docs/schema.md), taken in
/// one pass over the header's members.
public struct EventHeader: Sendable {
    public var time: Timestamp?
    public var account: String?
    public var region: String?
    public var service: String?
    public var action: String?
    public var actor: String?
    public var mfa: Bool?
    public var sourceIP: String?
    public var sourceService: String?
    public var country: String?
    public var countryName: String?
    public var outcome: String?
    public var error: String?
    public var category: String?
    public var readOnly: Bool?

    init(scanner s: JSONScanner, trailAt header: Int) {
        s.forEachMember(ofObjectAt: header) { key, value in
            switch Self.key(s, key) {
            case "time": time = s.string(at: value).flatMap { Timestamp(iso8601: $0) }
            case "account": account = s.text(at: value)
            case "region": region = s.string(at: value)
            case "service": service = s.string(at: value)
            case "action": action = s.string(at: value)
            case "outcome": outcome = s.string(at: value)
            case "error": error = s.text(at: value)
            case "category": category = s.string(at: value)
            case "readOnly": readOnly = s.kind(at: value) == .bool ? s.bool(at: value) : nil
            case "actor":
                s.forEachMember(ofObjectAt: value) { k, v in
                    switch Self.key(s, k) {
                    case "name": actor = s.text(at: v)
                    case "mfa": mfa = s.kind(at: v) == .bool ? s.bool(at: v) : nil
                    default: break
                    }
                    return true
                }
            case "source":
                s.forEachMember(ofObjectAt: value) { k, v in
                    switch Self.key(s, k) {
                    case "ip": sourceIP = s.string(at: v)
                    case "service": sourceService = s.string(at: v)
                    case "geo":
                        s.forEachMember(ofObjectAt: v) { gk, gv in
                            switch Self.key(s, gk) {
                            case "country": country = s.string(at: gv)
                            case "countryName": countryName = s.string(at: gv)
                            default: break
                            }
                            return true
                        }
                    default: break
                    }
                    return true
                }
            default: break
            }
            return true
        }
    }

    private static func key(_ s: JSONScanner, _ at: Int) -> String {
        s.string(at: at) ?? ""
    }

    /// A console sign-in (AWS `ConsoleLogin`, Alibaba Cloud `ConsoleSignin`).
    var isConsoleSignIn: Bool {
        guard let action else { return false }
        return action.caseInsensitiveCompare("ConsoleLogin") || action.caseInsensitiveCompare("ConsoleSignin")
    }

    /// Denied for lack of permission, by the error words the D4 rule looks for (AWS
    /// AccessDenied, UnauthorizedOperation, Unauthorized*; Alibaba NoPermission, Forbidden.RAM).
    var isAuthorizationFailure: Bool {
        guard let error = error?.lowercased() else { return false }
        return error.contains("accessdenied") || error.contains("unauthorized")
            || error.contains("nopermission") || error.contains("forbidden")
    }

    /// A call that changed something (not a read, not a sign-in).
    var isChange: Bool {
        readOnly != true && category != "read" && category != "auth"
    }

    /// Which change table row the event belongs in, if any: security groups, network ACLs, or
    /// IAM (RAM on Alibaba Cloud).
    var configurationChange: ConfigurationChange.Kind? {
        guard isChange, let action else { return nil }
        if action.contains("SecurityGroup") { return .securityGroup }
        if action.contains("NetworkAcl") { return .networkACL }
        if service == "iam" || service == "ram" { return .iam }
        return nil
    }
}

extension String {
    fileprivate func caseInsensitiveCompare(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}

/// One row of the security group, network ACL and IAM change table.
public struct ConfigurationChange: Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case securityGroup = "security group"
        case networkACL = "network ACL"
        case iam = "IAM / RAM"
    }

    public let time: Timestamp?
    public let kind: Kind
    public let actor: String?
    public let action: String
    public let target: String?
    public let outcome: String?
    public let account: String?
    public let region: String?

    /// The request parameters that name what was changed, most telling first (AWS names, then
    /// Alibaba Cloud's capitalised ones). Up to two are shown: a user and the policy attached.
    static let targetParameters = [
        "groupId", "groupName", "networkAclId", "userName", "roleName", "policyArn", "policyName",
        "instanceProfileName", "SecurityGroupId", "NetworkAclId", "UserName", "RoleName", "GroupName",
        "PolicyName", "PolicyType",
    ].map { Array($0.utf8) }

    static func target(scanner s: JSONScanner, root: Int) -> String? {
        guard let parameters = s.member("requestParameters", ofObjectAt: root), s.kind(at: parameters) == .object else { return nil }
        var found: [String] = []
        for name in targetParameters where found.count < 2 {
            if let v = s.member(name, ofObjectAt: parameters), let text = s.text(at: v), !text.isEmpty, !found.contains(text) {
                found.append(text)
            }
        }
        return found.isEmpty ? nil : found.joined(separator: " · ")
    }
}

/// What the report reads of an alert (docs/schema.md).
struct AlertRecord {
    let ruleID: String
    let title: String
    let level: String
    let time: Timestamp?
    let correlationCount: Int?
    let event: EventHeader?

    init?(scanner s: JSONScanner, alertAt alert: Int, root: Int) {
        guard let rule = s.member("rule", ofObjectAt: alert), s.kind(at: rule) == .object else { return nil }
        let id = s.member("id", ofObjectAt: rule).flatMap { s.text(at: $0) }
        let title = s.member("title", ofObjectAt: rule).flatMap { s.string(at: $0) }
        guard let key = id ?? title else { return nil }
        ruleID = key
        self.title = title ?? key
        level = (s.member("level", ofObjectAt: rule).flatMap { s.string(at: $0) } ?? "unknown").lowercased()
        time = s.member("time", ofObjectAt: alert).flatMap { s.string(at: $0) }.flatMap { Timestamp(iso8601: $0) }
        correlationCount = s.member("correlation", ofObjectAt: alert)
            .flatMap { s.member("count", ofObjectAt: $0) }.flatMap { s.text(at: $0) }.flatMap { Int($0) }
        event = s.member("event", ofObjectAt: root).flatMap { s.member("trail", ofObjectAt: $0) }
            .map { EventHeader(scanner: s, trailAt: $0) }
    }
}

/// What the report reads of an integrity finding of `trail-fetch --verify` (docs/tools.md, "Validating a trail").
public struct IntegrityFinding: Sendable {
    public let status: String
    public let type: String?
    public let object: String?
    public let reason: String?
    public let account: String?
    public let region: String?
    public let time: Timestamp?

    init(scanner s: JSONScanner, root: Int) {
        func text(_ name: String) -> String? { s.member(name, ofObjectAt: root).flatMap { s.text(at: $0) } }
        status = text("status") ?? "unknown"
        type = text("type")
        object = text("object")
        reason = text("reason")
        account = text("account")
        region = text("region")
        time = text("time").flatMap { Timestamp(iso8601: $0) }
    }
}

/// The kinds of line the report reads, recognized by their leading members as the tools write
/// them: an alert starts with `alert`; an integrity finding has `kind` `integrity` first or right
/// after its `trail` header; an event starts with its `trail` header.
enum LineKind {
    case event(header: Int)
    case alert(at: Int)
    case integrity
    case unknown

    private static let alertKey = Array("alert".utf8), kindKey = Array("kind".utf8), trailKey = Array("trail".utf8)

    init(scanner s: JSONScanner, root: Int) {
        var kind = LineKind.unknown
        var seen = 0
        s.forEachMember(ofObjectAt: root) { key, value in
            seen += 1
            if s.stringEquals(at: key, LineKind.alertKey), s.kind(at: value) == .object {
                kind = .alert(at: value)
                return false
            }
            if s.stringEquals(at: key, LineKind.kindKey) {
                if s.string(at: value) == "integrity" { kind = .integrity }
                return false
            }
            if s.stringEquals(at: key, LineKind.trailKey), s.kind(at: value) == .object {
                kind = .event(header: value)
            }
            return seen < 2
        }
        self = kind
    }
}
