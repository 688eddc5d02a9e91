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
/// The fields and their meaning are the product's contract (docs/schema.md).
struct Header {
    var cloud: HeaderText?
    var time: HeaderText?
    var account: HeaderText?
    var region: HeaderText?
    var service: HeaderText?
    var action: HeaderText?
    var actorName: HeaderText?
    var actorType: HeaderText?
    var actorIsRoot = false
    var mfa: Bool?
    var sourceIP: HeaderText?
    var sourceService: HeaderText?
    var agent: HeaderText?
    var error: HeaderText?
    var readOnly: Bool?
    var category: Category?
    var id: HeaderText?
    var file: String
    var index: Int

    var outcome: HeaderText { error == nil ? "success" : "failure" }

    /// What an action does, coarsely, for dashboards and rules that want "every delete"
    /// (docs/schema.md documents the mapping).
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
             additionalEventData, readOnly, eventRW, eventID, eventId, serviceName, eventType, insightDetails
        /// Members trail-fetch or an earlier flatten put in front of the record's own.
        case trail, trailFile, trailDoc

        var isAdded: Bool { self == .trail || self == .trailFile || self == .trailDoc }
    }

    /// The names as static text: comparing them costs no reference counting.
    private static let names: NameList = [
        "eventTime", "eventSource", "eventName", "awsRegion", "acsRegion", "recipientAccountId", "userIdentity",
        "sourceIPAddress", "sourceIpAddress", "userAgent", "errorCode", "errorMessage", "responseElements",
        "additionalEventData", "readOnly", "eventRW", "eventID", "eventId", "serviceName", "eventType", "insightDetails",
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
            // The walk and `valueEnd` throw nothing else.
            failure = error as? JSONError
        }
    }

    private mutating func read(_ s: JSONScanner, _ root: Int) throws {
        end = try s.walkCheckedMembers(ofObjectAt: root) { name, nameEnd, value in
            let field = RecordMembers.field(UnsafeRawBufferPointer(rebasing: s.bytes[(name + 1)..<(nameEnd - 1)]))
            if let field, offsets[field.rawValue] < 0 { offsets[field.rawValue] = value }
            if firstOriginal == nil, field?.isAdded != true { firstOriginal = name }
            return try s.valueEnd(at: value)
        }
    }

    /// The field a raw key names (keys written with escapes are not recognized).
    private static func field(_ key: UnsafeRawBufferPointer) -> Field? {
        names.position(of: key).flatMap(Field.init(rawValue:))
    }

    subscript(_ field: Field) -> Int? {
        let at = offsets[field.rawValue]
        return at < 0 ? nil : at
    }
}

/// The members of `userIdentity` the header reads, in one pass.
struct IdentityMembers {
    enum Field: Int, CaseIterable {
        case type, userName, arn, invokedBy, principalId, accountId, sessionContext, onBehalfOf
    }

    private static let names: NameList = ["type", "userName", "arn", "invokedBy", "principalId", "accountId", "sessionContext", "onBehalfOf"]
    private var offsets = [Int](repeating: -1, count: Field.allCases.count)

    init(_ s: JSONScanner, _ identity: Int?) {
        guard let identity else { return }
        s.forEachNamedMember(ofObjectAt: identity) { name, value in
            if let k = IdentityMembers.names.position(of: name), offsets[k] < 0 { offsets[k] = value }
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
    private static let signInMFAKeys: NameList = ["MFAUsed", "isMFAChecked", "mfaChecked"]
    private static let attributes = Array("attributes".utf8)
    private static let mfaAuthenticated = Array("mfaAuthenticated".utf8)
    private static let consoleLogin = Array("ConsoleLogin".utf8)
    private static let failure = Array("Failure".utf8)

    /// Reads the header of the record (a CloudTrail or ActionTrail event object) at `root`.
    /// Values are copied from the record where they can be (`HeaderText`): making a Swift
    /// string of each would cost more than the rest of the line.
    init(_ s: JSONScanner, members m: RecordMembers, file: String, index: Int) {
        self.file = file
        self.index = index
        func text(_ f: RecordMembers.Field) -> HeaderText? {
            m[f].flatMap { HeaderText(s, at: $0) }
        }

        let eventSource = text(.eventSource)
        if m[.awsRegion] != nil || eventSource?.hasSuffix("amazonaws.com") == true {
            cloud = "aws"
        } else if m[.acsRegion] != nil || eventSource?.contains("aliyun") == true {
            cloud = "alibaba"
        }
        if let t = m[.eventTime] {
            if s.kind(at: t) == .number, let v = s.text(at: t).flatMap(Double.init), v.magnitude < 1e14 {
                time = .made(Timestamp(epoch: v).rfc3339)
            } else {
                time = Header.rfc3339(s, string: t)
            }
        }
        let who = IdentityMembers(s, m[.userIdentity])
        account = text(.recipientAccountId) ?? who[.accountId].flatMap { HeaderText(s, at: $0) }
        region = text(.awsRegion) ?? text(.acsRegion)
        service = Header.serviceName(eventSource: eventSource) ?? text(.serviceName)?.lowercased()
        action = text(.eventName)

        describeActor(s, who, additional: m[.additionalEventData])
        mfa = Header.mfa(s, additional: m[.additionalEventData], sessionContext: who[.sessionContext])

        let source = text(.sourceIPAddress) ?? text(.sourceIpAddress)
        if let source, source.withBytes({ IPAddress(bytes: $0) }) != nil {
            sourceIP = source
        } else {
            sourceService = source
        }
        agent = text(.userAgent)

        error = text(.errorCode) ?? text(.errorMessage)
        if error == nil, let response = m[.responseElements], let login = s.member(Header.consoleLogin, ofObjectAt: response),
           s.stringEquals(at: login, Header.failure) {
            error = "Failure"
        }
        if let r = m[.readOnly] {
            if let flag = s.bool(at: r) {
                readOnly = flag
            } else if s.kind(at: r) == .string {
                readOnly = HeaderText(s, at: r)?.equalsIgnoringCase("true") ?? false
            }
        } else if let rw = text(.eventRW) {
            readOnly = rw.equalsIgnoringCase("read")
        }
        id = text(.eventID) ?? text(.eventId)
        category = action.map { Header.category(action: $0, service: service, eventType: text(.eventType), readOnly: readOnly) }
        if let details = m[.insightDetails], s.kind(at: details) == .object { describeInsight(s, details) }
    }

    /// Sign-in and credential calls are `auth` whatever they change; otherwise a read-only
    /// call is `read`, and the verb that starts the action name decides between create,
    /// delete and modify (read verbs count when the record does not say whether it is read-only).
    static func category(action: HeaderText, service: HeaderText?, eventType: HeaderText?, readOnly: Bool?) -> Category {
        if service?.isOne(of: authServices) == true || eventType?.isOne(of: authEventTypes) == true || action.isOne(of: authActions) {
            return .auth
        }
        if readOnly == true { return .read }
        return action.withBytes { action in
            let verb = UnsafeRawBufferPointer(rebasing: action[..<leadingVerbLength(action)])
            if readOnly == nil, readVerbs.contains(verb) { return .read }
            if createVerbs.contains(verb) { return .create }
            if deleteVerbs.contains(verb) { return .delete }
            return .modify
        }
    }

    static let authServices: NameList = ["signin", "sts"]
    static let authEventTypes: NameList = ["AwsConsoleSignIn", "ConsoleSignin", "ConsoleSignout"]
    static let authActions: NameList = [
        "ConsoleLogin", "ConsoleSignin", "ConsoleSignout", "CheckMfa", "SwitchRole", "ExitRole", "Federate",
        "GetSigninToken", "GetSessionToken", "GetFederationToken", "AssumeRole", "AssumeRoleWithSAML",
        "AssumeRoleWithWebIdentity", "GetRoleCredentials", "Authenticate", "CreateToken",
    ]
    static let readVerbs: NameList = ["Get", "List", "Describe", "Head", "Lookup", "Search", "Query", "Scan", "Select", "Check", "View", "Preview", "Download"]
    static let createVerbs: NameList = ["Create", "Run", "Launch", "Allocate", "Import", "Register", "Copy", "Upload", "Generate", "Issue", "Request", "Clone"]
    static let deleteVerbs: NameList = ["Delete", "Remove", "Terminate", "Release", "Deregister", "Purge", "Destroy", "Drop"]

    /// The length of the first word of a CamelCase action: `DeleteBucketPolicy` → 6 (`Delete`).
    static func leadingVerbLength(_ action: UnsafeRawBufferPointer) -> Int {
        guard !action.isEmpty else { return 0 }
        var end = 1
        while end < action.count, action[end] >= UInt8(ascii: "a"), action[end] <= UInt8(ascii: "z") { end += 1 }
        return end
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
    static func serviceName(eventSource: HeaderText?) -> HeaderText? {
        eventSource?.part { source in
            var host = 0..<source.count
            if source.contains(UInt8(ascii: "/")) {
                // A URL (Alibaba's root sign-in) names its host after the scheme: the first
                // part between slashes that does not end with a colon.
                var start = 0
                var found: Range<Int>?
                while start < source.count, found == nil {
                    var end = start
                    while end < source.count, source[end] != UInt8(ascii: "/") { end += 1 }
                    if end > start, source[end - 1] != UInt8(ascii: ":") { found = start..<end }
                    start = end + 1
                }
                guard let found else { return nil }
                host = found
            }
            var end = host.lowerBound
            while end < host.upperBound, source[end] != UInt8(ascii: ".") { end += 1 }
            return end > host.lowerBound ? host.lowerBound..<end : nil
        }?.lowercased()
    }

    /// One vocabulary for both clouds' identity types (raw types compared ignoring case).
    static func normalizedActorType(_ raw: HeaderText) -> HeaderText {
        actorTypes.first { spellings, _ in spellings.contains { raw.equalsIgnoringCase($0) } }.map { .fixed($0.1) } ?? raw.lowercased()
    }

    private static let actorTypes: [(spellings: [StaticString], type: StaticString)] = [
        (["root", "root-account"], "root"),
        (["iamuser", "ram-user"], "user"),
        (["assumedrole", "assumed-role", "role"], "role"),
        (["awsservice", "system"], "service"),
        (["federateduser", "samluser", "webidentityuser", "identitycenteruser"], "federated"),
        (["awsaccount"], "account"),
    ]

    /// The resource part of an ARN after its type: `assumed-role/Ops/alice` → `Ops/alice`.
    static func arnResourceName(_ arn: HeaderText) -> HeaderText? {
        arn.part { bytes in
            // arn:partition:service:region:account:resource; the resource may hold colons itself.
            guard bytes.count > 4, bytes[0] == UInt8(ascii: "a"), bytes[1] == UInt8(ascii: "r"),
                  bytes[2] == UInt8(ascii: "n"), bytes[3] == UInt8(ascii: ":") else { return nil }
            var colons = 0
            var at = 0
            while at < bytes.count, colons < 5 {
                if bytes[at] == UInt8(ascii: ":") { colons += 1 }
                at += 1
            }
            guard colons == 5 else { return nil }
            while at < bytes.count, bytes[at] != UInt8(ascii: "/") { at += 1 }
            guard at + 1 < bytes.count else { return nil }
            return (at + 1)..<bytes.count
        }
    }

    /// MFA as the sign-in recorded it (AWS MFAUsed, Alibaba isMFAChecked/mfaChecked), else the
    /// session's mfaAuthenticated attribute. Values are strings in the wild; compare loosely.
    static func mfa(_ s: JSONScanner, additional: Int?, sessionContext: Int?) -> Bool? {
        func flag(_ at: Int?) -> Bool? {
            guard let at else { return nil }
            if let b = s.bool(at: at) { return b }
            guard s.kind(at: at) == .string, let text = HeaderText(s, at: at) else { return nil }
            if text.equalsIgnoringCase("yes") || text.equalsIgnoringCase("true") { return true }
            if text.equalsIgnoringCase("no") || text.equalsIgnoringCase("false") { return false }
            return nil
        }
        if let additional {
            var signIn: Int?
            s.forEachNamedMember(ofObjectAt: additional) { name, value in
                if signInMFAKeys.contains(name), flag(value) != nil { signIn = value }
                return signIn == nil
            }
            if let signIn { return flag(signIn) }
        }
        let attributes = sessionContext.flatMap { s.member(Header.attributes, ofObjectAt: $0) }
        return flag(attributes.flatMap { s.member(Header.mfaAuthenticated, ofObjectAt: $0) })
    }
}
