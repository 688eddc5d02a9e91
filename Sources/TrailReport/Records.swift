import TrailCore

/// What the report makes of an event's `trail` header (docs/schema.md).
extension TrailHeader {
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

/// The kinds of line the report reads, recognized by their leading members as the tools write
/// them: an alert starts with `alert`; an integrity finding has `kind` `integrity` first or right
/// after its `trail` header; an event starts with its `trail` header.
enum LineKind {
    case event(header: Int)
    case alert
    case integrity
    case unknown

    private static let alertKey = Array("alert".utf8), kindKey = Array("kind".utf8), trailKey = Array("trail".utf8)

    init(scanner s: JSONScanner, root: Int) {
        var kind = LineKind.unknown
        var seen = 0
        s.forEachMember(ofObjectAt: root) { key, value in
            seen += 1
            if s.stringEquals(at: key, LineKind.alertKey), s.kind(at: value) == .object {
                kind = .alert
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
