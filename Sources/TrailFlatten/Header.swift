import TrailCore

/// The normalized `trail` header written before every event's own fields. One vocabulary
/// for AWS CloudTrail and Alibaba ActionTrail, so that one rule or report serves both clouds.
/// The fields and their meaning are the product's contract (README, "Event schema").
struct Header {
    var cloud: String?
    var time: String?
    var account: String?
    var region: String?
    var service: String?
    var action: String?
    var actorName: String?
    var actorType: String?
    var actorIsRoot = false
    var mfa: Bool?
    var sourceIP: String?
    var sourceService: String?
    var agent: String?
    var error: String?
    var readOnly: Bool?
    var category: Category?
    var id: String?
    var file: String
    var index: Int

    var outcome: String { error == nil ? "success" : "failure" }

    /// What an action does, coarsely, for dashboards and rules that want "every delete"
    /// (README, "Event schema", documents the mapping).
    enum Category: String {
        case create, delete, modify, read, auth
    }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("cloud", cloud)
        json.member("time", time)
        json.member("account", account)
        json.member("region", region)
        json.member("service", service)
        json.member("action", action)
        json.key("actor")
        json.beginObject()
        json.member("name", actorName)
        json.member("type", actorType)
        json.key("root"); json.bool(actorIsRoot)
        json.key("mfa"); if let mfa { json.bool(mfa) } else { json.null() }
        json.endObject()
        json.key("source")
        json.beginObject()
        json.member("ip", sourceIP)
        json.member("service", sourceService)
        json.endObject()
        json.member("agent", agent)
        json.member("outcome", outcome)
        json.member("error", error)
        json.key("readOnly"); if let readOnly { json.bool(readOnly) } else { json.null() }
        json.member("category", category?.rawValue)
        json.member("id", id)
        json.member("file", file)
        json.key("index"); json.number(index)
        json.endObject()
    }
}

/// The top-level members of a record that the header reads, found in one pass over the
/// record instead of one search per field.
private struct RecordMembers {
    enum Field: Int, CaseIterable {
        case eventTime, eventSource, eventName, awsRegion, acsRegion, recipientAccountId, userIdentity,
             sourceIPAddress, sourceIpAddress, userAgent, errorCode, errorMessage, responseElements,
             additionalEventData, readOnly, eventRW, eventID, eventId, serviceName, eventType
    }

    static let names: [[UInt8]] = Field.allCases.map { Array("\($0)".utf8) }
    var offsets = [Int?](repeating: nil, count: Field.allCases.count)

    init(_ s: JSONScanner, _ root: Int) {
        s.forEachMember(ofObjectAt: root) { key, value in
            for (k, name) in RecordMembers.names.enumerated() where offsets[k] == nil && s.stringEquals(at: key, name) {
                offsets[k] = value
                break
            }
            return true
        }
    }

    subscript(_ field: Field) -> Int? { offsets[field.rawValue] }
}

extension Header {
    private static let mfaUsed = Array("MFAUsed".utf8)
    private static let mfaChecked = [Array("isMFAChecked".utf8), Array("mfaChecked".utf8)]
    private static let mfaAuthenticated = JSONPath("sessionContext.attributes.mfaAuthenticated")
    private static let consoleLogin = Array("ConsoleLogin".utf8)

    /// Reads the header of the record (a CloudTrail or ActionTrail event object) at `root`.
    init(_ s: JSONScanner, record root: Int, file: String, index: Int) {
        self.file = file
        self.index = index
        let m = RecordMembers(s, root)
        func text(_ f: RecordMembers.Field) -> String? {
            m[f].flatMap { s.text(at: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }

        let eventSource = text(.eventSource)
        if m[.awsRegion] != nil || eventSource?.hasSuffix("amazonaws.com") == true {
            cloud = "aws"
        } else if m[.acsRegion] != nil || eventSource.map({ $0.contains("aliyun") }) == true {
            cloud = "alibaba"
        }
        if let t = m[.eventTime] {
            if s.kind(at: t) == .number, let v = s.text(at: t).flatMap(Double.init) {
                time = Timestamp(epoch: v).rfc3339
            } else {
                time = s.string(at: t).flatMap { Timestamp(iso8601: $0) }?.rfc3339
            }
        }
        let identity = m[.userIdentity]
        func identityText(_ key: String) -> String? {
            identity.flatMap { s.member(key, ofObjectAt: $0) }.flatMap { s.text(at: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        account = text(.recipientAccountId) ?? identityText("accountId")
        region = text(.awsRegion) ?? text(.acsRegion)
        service = Header.serviceName(eventSource: eventSource) ?? text(.serviceName)?.lowercased()
        action = text(.eventName)

        let rawType = identityText("type")
        actorType = rawType.map(Header.normalizedActorType)
        actorIsRoot = actorType == "root"
        if actorIsRoot {
            actorName = "root"
        } else {
            actorName = identityText("userName")
                ?? identityText("arn").flatMap(Header.arnResourceName)
                ?? identityText("invokedBy")
                ?? identityText("principalId")
        }
        mfa = Header.mfa(s, additional: m[.additionalEventData], identity: identity)

        let source = text(.sourceIPAddress) ?? text(.sourceIpAddress)
        if let source, IPAddress(source) != nil {
            sourceIP = source
        } else {
            sourceService = source
        }
        agent = text(.userAgent)

        error = text(.errorCode) ?? text(.errorMessage)
        if error == nil, let response = m[.responseElements], let login = s.member(Header.consoleLogin, ofObjectAt: response),
           s.string(at: login) == "Failure" {
            error = "Failure"
        }
        if let r = m[.readOnly] {
            readOnly = s.bool(at: r) ?? s.string(at: r).map { $0.lowercased() == "true" }
        } else if let rw = text(.eventRW) {
            readOnly = rw.lowercased() == "read"
        }
        id = text(.eventID) ?? text(.eventId)
        category = action.map { Header.category(action: $0, service: service, eventType: text(.eventType), readOnly: readOnly) }
    }

    /// Sign-in and credential calls are `auth` whatever they change; otherwise a read-only
    /// call is `read`, and the verb that starts the action name decides between create,
    /// delete and modify (read verbs count when the record does not say whether it is read-only).
    static func category(action: String, service: String?, eventType: String?, readOnly: Bool?) -> Category {
        if service == "signin" || service == "sts" || Header.authEventTypes.contains(eventType ?? "") || Header.authActions.contains(action) {
            return .auth
        }
        if readOnly == true { return .read }
        let verb = Header.leadingVerb(action)
        if readOnly == nil, Header.readVerbs.contains(verb) { return .read }
        if Header.createVerbs.contains(verb) { return .create }
        if Header.deleteVerbs.contains(verb) { return .delete }
        return .modify
    }

    static let authEventTypes: Set<String> = ["AwsConsoleSignIn", "ConsoleSignin", "ConsoleSignout"]
    static let authActions: Set<String> = [
        "ConsoleLogin", "ConsoleSignin", "ConsoleSignout", "CheckMfa", "SwitchRole", "ExitRole", "Federate",
        "GetSigninToken", "GetSessionToken", "GetFederationToken", "AssumeRole", "AssumeRoleWithSAML",
        "AssumeRoleWithWebIdentity", "GetRoleCredentials", "Authenticate", "CreateToken",
    ]
    static let readVerbs: Set<Substring> = ["Get", "List", "Describe", "Head", "Lookup", "Search", "Query", "Scan", "Select", "Check", "View", "Preview", "Download"]
    static let createVerbs: Set<Substring> = ["Create", "Run", "Launch", "Allocate", "Import", "Register", "Copy", "Upload", "Generate", "Issue", "Request", "Clone"]
    static let deleteVerbs: Set<Substring> = ["Delete", "Remove", "Terminate", "Release", "Deregister", "Purge", "Destroy", "Drop"]

    /// The first word of a CamelCase action: `DeleteBucketPolicy` → `Delete`.
    static func leadingVerb(_ action: String) -> Substring {
        var end = action.startIndex
        for (offset, c) in action.enumerated() {
            if offset > 0, c.isUppercase || !c.isLetter { break }
            end = action.index(after: end)
        }
        return action[..<end]
    }

    /// `iam.amazonaws.com` → `iam`; `ecs.cn-hangzhou.aliyuncs.com` → `ecs`; a URL's host likewise.
    static func serviceName(eventSource: String?) -> String? {
        guard let source = eventSource?.lowercased() else { return nil }
        // A URL (Alibaba's root sign-in) names its host after the scheme.
        let host = source.split(separator: "/", omittingEmptySubsequences: true).first { !$0.hasSuffix(":") } ?? ""
        let label = host.prefix { $0 != "." }
        return label.isEmpty ? nil : String(label)
    }

    /// One vocabulary for both clouds' identity types.
    static func normalizedActorType(_ raw: String) -> String {
        switch raw.lowercased() {
        case "root", "root-account": return "root"
        case "iamuser", "ram-user": return "user"
        case "assumedrole", "assumed-role", "role": return "role"
        case "awsservice", "system": return "service"
        case "federateduser", "samluser", "webidentityuser", "identitycenteruser": return "federated"
        case "awsaccount": return "account"
        default: return raw.lowercased()
        }
    }

    /// The resource part of an ARN after its type: `assumed-role/Ops/alice` → `Ops/alice`.
    static func arnResourceName(_ arn: String) -> String? {
        guard arn.hasPrefix("arn:"), let resource = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).last,
              let slash = resource.firstIndex(of: "/") else { return nil }
        let name = resource[resource.index(after: slash)...]
        return name.isEmpty ? nil : String(name)
    }

    /// MFA as the sign-in recorded it (AWS MFAUsed, Alibaba isMFAChecked/mfaChecked), else the
    /// session's mfaAuthenticated attribute. Values are strings in the wild; compare loosely.
    static func mfa(_ s: JSONScanner, additional: Int?, identity: Int?) -> Bool? {
        func flag(_ at: Int?) -> Bool? {
            guard let at else { return nil }
            if let b = s.bool(at: at) { return b }
            switch s.string(at: at)?.lowercased() {
            case "yes", "true": return true
            case "no", "false": return false
            default: return nil
            }
        }
        if let additional {
            for key in [mfaUsed] + mfaChecked {
                if let v = flag(s.member(key, ofObjectAt: additional)) { return v }
            }
        }
        return flag(identity.flatMap { s.value(at: mfaAuthenticated, from: $0) })
    }
}
