#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TrailCore

/// The normalized `trail` header written before every event's own fields. One vocabulary
/// for AWS CloudTrail and Alibaba ActionTrail, so that one rule or report serves both clouds.
/// The fields and their meaning are the product's contract (README, "Event schema").
struct Header {
    var cloud: String?
    var time: HeaderText?
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
    var agent: HeaderText?
    var error: String?
    var readOnly: Bool?
    var category: Category?
    var id: HeaderText?
    var file: String
    var index: Int

    var outcome: String { error == nil ? "success" : "failure" }

    /// What an action does, coarsely, for dashboards and rules that want "every delete"
    /// (README, "Event schema", documents the mapping).
    enum Category: String {
        case create, delete, modify, read, auth
    }

    /// Writes the header object. Keys are static text appended as they are; only values are
    /// escaped.
    func write(to json: inout JSONWriter) {
        func put(_ text: StaticString) { json.bytes.append(contentsOf: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)) }
        func string(_ key: StaticString, _ value: String?) {
            put(key)
            if let value { JSONWriter.appendQuoted(value, to: &json.bytes) } else { put("null") }
        }
        func string(_ key: StaticString, _ value: HeaderText?) {
            put(key)
            if let value { value.appendQuoted(to: &json.bytes) } else { put("null") }
        }
        func flag(_ key: StaticString, _ value: Bool?) {
            put(key)
            put(value.map { $0 ? "true" : "false" } ?? "null")
        }
        string(#"{"cloud":"#, cloud)
        string(#","time":"#, time)
        string(#","account":"#, account)
        string(#","region":"#, region)
        string(#","service":"#, service)
        string(#","action":"#, action)
        string(#","actor":{"name":"#, actorName)
        string(#","type":"#, actorType)
        flag(#","root":"#, actorIsRoot)
        flag(#","mfa":"#, mfa)
        string(#"},"source":{"ip":"#, sourceIP)
        string(#","service":"#, sourceService)
        string(#"},"agent":"#, agent)
        string(#","outcome":"#, outcome)
        string(#","error":"#, error)
        flag(#","readOnly":"#, readOnly)
        string(#","category":"#, category?.rawValue)
        string(#","id":"#, id)
        string(#","file":"#, file)
        put(#","index":"#)
        json.bytes.append(contentsOf: String(index).utf8)
        put("}")
    }
}

/// The top-level members of a record that the header reads, found in one pass over the
/// record instead of one search per field; the same pass finds where the record's own members
/// start (after any added in front) and where it ends.
struct RecordMembers {
    enum Field: Int, CaseIterable {
        case eventTime, eventSource, eventName, awsRegion, acsRegion, recipientAccountId, userIdentity,
             sourceIPAddress, sourceIpAddress, userAgent, errorCode, errorMessage, responseElements,
             additionalEventData, readOnly, eventRW, eventID, eventId, serviceName, eventType
        /// Members trail-fetch or an earlier flatten put in front of the record's own.
        case trail, trailFile, trailDoc

        var isAdded: Bool { self == .trail || self == .trailFile || self == .trailDoc }
    }

    /// The names as static text: comparing them costs no reference counting.
    private static let names: [StaticString] = [
        "eventTime", "eventSource", "eventName", "awsRegion", "acsRegion", "recipientAccountId", "userIdentity",
        "sourceIPAddress", "sourceIpAddress", "userAgent", "errorCode", "errorMessage", "responseElements",
        "additionalEventData", "readOnly", "eventRW", "eventID", "eventId", "serviceName", "eventType",
        "trail", "trailFile", "trailDoc", // FetchEnvelope.fileKey, .documentKey
    ]

    private var offsets = [Int](repeating: -1, count: Field.allCases.count)
    /// The key of the first member that is the record's own.
    private(set) var firstOriginal: Int?
    /// Just past the record's closing brace.
    private(set) var end: Int?
    /// What is wrong with the record's syntax, which this pass checks (checking costs no more
    /// than skipping, and a record trail-fetch handed over is checked here only).
    private(set) var failure: JSONError?

    init(_ s: JSONScanner, _ root: Int) {
        do {
            try read(s, root)
        } catch {
            failure = error
        }
    }

    private mutating func read(_ s: JSONScanner, _ root: Int) throws(JSONError) {
        guard root < s.count, s.byte(root) == UInt8(ascii: "{") else { throw JSONError(offset: root, "expected an object") }
        var j = s.skipWhitespace(root + 1)
        if j < s.count, s.byte(j) == UInt8(ascii: "}") {
            end = j + 1
            return
        }
        while true {
            guard j < s.count, s.byte(j) == UInt8(ascii: "\"") else { throw JSONError(offset: j, "expected a member name") }
            let keyEnd = try s.stringEnd(at: j)
            var v = s.skipWhitespace(keyEnd)
            guard v < s.count, s.byte(v) == UInt8(ascii: ":") else { throw JSONError(offset: v, "expected ':'") }
            v = s.skipWhitespace(v + 1)
            let field = RecordMembers.field(UnsafeRawBufferPointer(rebasing: s.bytes[(j + 1)..<(keyEnd - 1)]))
            if let field, offsets[field.rawValue] < 0 { offsets[field.rawValue] = v }
            if firstOriginal == nil, field?.isAdded != true { firstOriginal = j }
            j = s.skipWhitespace(try s.valueEnd(at: v))
            guard j < s.count else { throw JSONError(offset: root, "unterminated object", endOfInput: true) }
            if s.byte(j) == UInt8(ascii: "}") {
                end = j + 1
                return
            }
            guard s.byte(j) == UInt8(ascii: ",") else { throw JSONError(offset: j, "expected ',' or '}'") }
            j = s.skipWhitespace(j + 1)
        }
    }

    /// The field a raw key names (keys written with escapes are not recognized).
    private static func field(_ key: UnsafeRawBufferPointer) -> Field? {
        position(of: key, in: names).flatMap(Field.init(rawValue:))
    }

    /// The position of `key` (raw bytes between the quotes) in `names`.
    static func position(of key: UnsafeRawBufferPointer, in names: [StaticString]) -> Int? {
        guard let base = key.baseAddress else { return nil }
        for (k, name) in names.enumerated() where name.utf8CodeUnitCount == key.count {
            if memcmp(base, name.utf8Start, key.count) == 0 { return k }
        }
        return nil
    }

    subscript(_ field: Field) -> Int? {
        let at = offsets[field.rawValue]
        return at < 0 ? nil : at
    }
}

/// The members of `userIdentity` the header reads, in one pass.
struct IdentityMembers {
    enum Field: Int, CaseIterable {
        case type, userName, arn, invokedBy, principalId, accountId, sessionContext
    }

    private static let names: [StaticString] = ["type", "userName", "arn", "invokedBy", "principalId", "accountId", "sessionContext"]
    private var offsets = [Int](repeating: -1, count: Field.allCases.count)

    init(_ s: JSONScanner, _ identity: Int?) {
        guard let identity else { return }
        s.forEachMember(ofObjectAt: identity) { key, value in
            guard let end = s.skipValue(at: key), end - key >= 2 else { return false }
            let raw = UnsafeRawBufferPointer(rebasing: s.bytes[(key + 1)..<(end - 1)])
            if let k = RecordMembers.position(of: raw, in: IdentityMembers.names), offsets[k] < 0 { offsets[k] = value }
            return true
        }
    }

    subscript(_ field: Field) -> Int? {
        let at = offsets[field.rawValue]
        return at < 0 ? nil : at
    }
}

extension Header {
    /// AWS MFAUsed, Alibaba isMFAChecked and mfaChecked (both spellings are documented).
    private static let signInMFAKeys: [StaticString] = ["MFAUsed", "isMFAChecked", "mfaChecked"]
    private static let attributes = Array("attributes".utf8)
    private static let mfaAuthenticated = Array("mfaAuthenticated".utf8)
    private static let consoleLogin = Array("ConsoleLogin".utf8)

    /// Reads the header of the record (a CloudTrail or ActionTrail event object) at `root`.
    init(_ s: JSONScanner, members m: RecordMembers, file: String, index: Int) {
        self.file = file
        self.index = index
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
            if s.kind(at: t) == .number, let v = s.text(at: t).flatMap(Double.init), v.magnitude < 1e14 {
                time = .made(Timestamp(epoch: v).rfc3339)
            } else {
                time = Header.rfc3339(s, string: t)
            }
        }
        let identity = m[.userIdentity]
        let who = IdentityMembers(s, identity)
        func identityText(_ field: IdentityMembers.Field) -> String? {
            who[field].flatMap { s.text(at: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        account = text(.recipientAccountId) ?? identityText(.accountId)
        region = text(.awsRegion) ?? text(.acsRegion)
        service = Header.serviceName(eventSource: eventSource) ?? text(.serviceName)?.lowercased()
        action = text(.eventName)

        let rawType = identityText(.type)
        actorType = rawType.map(Header.normalizedActorType)
        actorIsRoot = actorType == "root"
        if actorIsRoot {
            actorName = "root"
        } else {
            actorName = identityText(.userName)
                ?? identityText(.arn).flatMap(Header.arnResourceName)
                ?? identityText(.invokedBy)
                ?? identityText(.principalId)
        }
        mfa = Header.mfa(s, additional: m[.additionalEventData], sessionContext: who[.sessionContext])

        let source = text(.sourceIPAddress) ?? text(.sourceIpAddress)
        if let source, IPAddress(source) != nil {
            sourceIP = source
        } else {
            sourceService = source
        }
        agent = m[.userAgent].flatMap { HeaderText(s, at: $0) }

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
        id = m[.eventID].flatMap { HeaderText(s, at: $0) } ?? m[.eventId].flatMap { HeaderText(s, at: $0) }
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
        let utf8 = action.utf8
        var end = utf8.startIndex
        for (offset, b) in utf8.enumerated() {
            let isLower = b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")
            if offset > 0, !isLower { break }
            end = utf8.index(after: end)
        }
        return action[..<end]
    }

    /// The time of the string at `at` in RFC 3339 UTC; a time already written so
    /// (`2024-05-01T09:12:03Z`, as CloudTrail and ActionTrail do) is kept as it is.
    static func rfc3339(_ s: JSONScanner, string at: Int) -> HeaderText? {
        guard let end = s.skipValue(at: at), end - at >= 2, s.byte(at) == UInt8(ascii: "\"") else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: s.bytes[(at + 1)..<(end - 1)])
        guard let time = Timestamp.parse(body) else { return nil }
        let canonical = body.count == 20 && body[4] == UInt8(ascii: "-") && body[10] == UInt8(ascii: "T") && body[19] == UInt8(ascii: "Z")
        return canonical ? .copied(body) : .made(time.rfc3339)
    }

    /// `iam.amazonaws.com` → `iam`; `ecs.cn-hangzhou.aliyuncs.com` → `ecs`; a URL's host likewise.
    static func serviceName(eventSource: String?) -> String? {
        guard let source = eventSource else { return nil }
        var host = Substring(source)
        if source.utf8.contains(UInt8(ascii: "/")) {
            // A URL (Alibaba's root sign-in) names its host after the scheme.
            host = source.split(separator: "/", omittingEmptySubsequences: true).first { !$0.hasSuffix(":") } ?? ""
        }
        let label = host.utf8.prefix { $0 != UInt8(ascii: ".") }
        return label.isEmpty ? nil : String(Substring(label)).lowercased()
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
        guard arn.hasPrefix("arn:") else { return nil }
        var arn = arn
        // arn:partition:service:region:account:resource; the resource may hold colons itself.
        // Over the contiguous bytes: an index walk over String.UTF8View cost more than the rest.
        return arn.withUTF8 { bytes -> String? in
            var colons = 0
            var at = 0
            while at < bytes.count, colons < 5 {
                if bytes[at] == UInt8(ascii: ":") { colons += 1 }
                at += 1
            }
            guard colons == 5 else { return nil }
            while at < bytes.count, bytes[at] != UInt8(ascii: "/") { at += 1 }
            guard at + 1 < bytes.count else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[(at + 1)...]), as: UTF8.self)
        }
    }

    /// MFA as the sign-in recorded it (AWS MFAUsed, Alibaba isMFAChecked/mfaChecked), else the
    /// session's mfaAuthenticated attribute. Values are strings in the wild; compare loosely.
    static func mfa(_ s: JSONScanner, additional: Int?, sessionContext: Int?) -> Bool? {
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
            var signIn: Int?
            s.forEachMember(ofObjectAt: additional) { key, value in
                guard let end = s.skipValue(at: key), end - key >= 2 else { return false }
                let raw = UnsafeRawBufferPointer(rebasing: s.bytes[(key + 1)..<(end - 1)])
                if RecordMembers.position(of: raw, in: signInMFAKeys) != nil, flag(value) != nil { signIn = value }
                return signIn == nil
            }
            if let signIn { return flag(signIn) }
        }
        let attributes = sessionContext.flatMap { s.member(Header.attributes, ofObjectAt: $0) }
        return flag(attributes.flatMap { s.member(Header.mfaAuthenticated, ofObjectAt: $0) })
    }
}

/// A header value that is either a string of the record copied as it is (one with no escapes:
/// its JSON text is its text) or text made here. The longest values every event has (time,
/// agent, id) are copied: making a Swift string of each cost more than the rest of the header.
/// A copied value points into the record, so it lives no longer than the record's scanner.
enum HeaderText {
    case copied(UnsafeRawBufferPointer)
    case made(String)

    /// The text of the value at `at`, nil when it is null, absent or empty (as `text(at:)`).
    init?(_ s: JSONScanner, at: Int) {
        if s.kind(at: at) == .string, let end = s.skipValue(at: at), end - at >= 2 {
            let body = UnsafeRawBufferPointer(rebasing: s.bytes[(at + 1)..<(end - 1)])
            guard !body.isEmpty else { return nil }
            if body.firstIndex(of: UInt8(ascii: "\\")) == nil {
                self = .copied(body)
                return
            }
        }
        guard let text = s.text(at: at), !text.isEmpty else { return nil }
        self = .made(text)
    }

    /// Calls `body` with the text's UTF-8 bytes.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch self {
        case .copied(let bytes): return body(bytes)
        case .made(var text): return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Appends the value as a JSON string.
    func appendQuoted(to out: inout [UInt8]) {
        switch self {
        case .copied(let bytes):
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
        case .made(let text):
            JSONWriter.appendQuoted(text, to: &out)
        }
    }
}
