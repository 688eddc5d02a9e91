import TrailCore

/// `userIdentity` of an ActionTrail event (formats.md 4.1).
struct AlibabaIdentity {
    enum Kind: String {
        case root = "root-account", ramUser = "ram-user", assumedRole = "assumed-role", system = "system"
    }

    var kind: Kind
    var principalID: String
    var accountID: String
    var userName: String
    var accessKeyID: String?
    /// `sessionContext.attributes` for temporary credentials (STS tokens, console sessions).
    var session: (created: UTCTime, mfa: Bool)?

    static func ramUser(_ user: AlibabaWorld.RAMUser, world: AlibabaWorld, accessKeyID: String? = nil,
                        session: (created: UTCTime, mfa: Bool)? = nil) -> AlibabaIdentity {
        AlibabaIdentity(kind: .ramUser, principalID: user.principalID, accountID: world.accountID, userName: user.name,
                        accessKeyID: accessKeyID ?? user.accessKeyID, session: session)
    }

    static func assumedRole(_ role: AlibabaWorld.RAMRole, session name: String, world: AlibabaWorld, token: String, created: UTCTime) -> AlibabaIdentity {
        AlibabaIdentity(kind: .assumedRole, principalID: "\(role.roleID):\(name)", accountID: world.accountID,
                        userName: "\(role.name):\(name)", accessKeyID: token, session: (created, false))
    }

    static func root(_ world: AlibabaWorld) -> AlibabaIdentity {
        AlibabaIdentity(kind: .root, principalID: world.accountID, accountID: world.accountID, userName: "root")
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.field("type", kind.rawValue)
            w.field("principalId", principalID)
            w.field("accountId", accountID)
            w.field("userName", userName)
            if let accessKeyID { w.field("accessKeyId", accessKeyID) }
            if let session {
                w.object("sessionContext") { w in
                    w.object("attributes") { w in
                        w.field("mfaAuthenticated", session.mfa ? "true" : "false")
                        w.field("creationDate", session.created.iso8601)
                    }
                }
            }
        }
    }
}

/// One ActionTrail event, in the field order of Alibaba's samples. Success is written as
/// empty errorCode/errorMessage, as ActionTrail does.
struct ActionTrailRecord {
    enum EventType: String {
        case apiCall = "ApiCall", consoleOperation = "ConsoleOperation", consoleSignin = "ConsoleSignin"
    }

    var eventID: String
    var eventType: EventType
    var eventSource: String
    var eventName: String
    /// Nil for sign-in events, which are neither reads nor writes.
    var readWrite: String?
    var time: UTCTime
    var region: String
    var isGlobal: Bool
    var serviceName: String
    var apiVersion: String?
    var requestID: String
    var sourceIP: String
    var userAgent: String
    var identity: AlibabaIdentity
    var requestParameters: [UInt8]?
    var responseElements: [UInt8]?
    var referencedResources: [UInt8]?
    var additionalEventData: [UInt8]?
    var errorCode = ""
    var errorMessage = ""
    var recipientAccountID: String

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.field("eventId", eventID)
            // Official samples show the version both as a number and as a string; sign-in
            // samples use the string.
            if eventType == .consoleSignin { w.field("eventVersion", "1") } else { w.field("eventVersion", 1) }
            w.field("eventSource", eventSource)
            w.field("eventType", eventType.rawValue)
            w.field("eventName", eventName)
            if let readWrite { w.field("eventRW", readWrite) }
            w.field("eventCategory", "Management")
            w.field("eventTime", time.iso8601)
            w.field("acsRegion", region)
            w.field("isGlobal", isGlobal)
            w.field("serviceName", serviceName)
            if let apiVersion { w.field("apiVersion", apiVersion) }
            w.field("requestId", requestID)
            w.field("sourceIpAddress", sourceIP)
            w.field("userAgent", userAgent)
            w.key("userIdentity")
            identity.write(to: &w)
            w.rawField("requestParameters", requestParameters)
            w.rawField("responseElements", responseElements)
            w.rawField("referencedResources", referencedResources)
            w.rawField("additionalEventData", additionalEventData)
            w.field("errorCode", errorCode)
            w.field("errorMessage", errorMessage)
            w.field("recipientAccountId", recipientAccountID)
        }
    }
}

/// Who calls Alibaba Cloud and from where.
struct AlibabaCaller {
    var identity: AlibabaIdentity
    var sourceIP: String
    var userAgent: String
    /// Console sessions record ConsoleOperation events rather than ApiCall.
    var viaConsole = false
}

/// Builders for ActionTrail events shared by background traffic and scenarios.
enum AlibabaEvents {
    /// An API call. `parameters` are the request's own members; ActionTrail writes their
    /// values as strings and adds the API gateway's keys after them.
    static func call(world: AlibabaWorld, caller: AlibabaCaller, time: UTCTime, region: String, service: String, name: String,
                     write: Bool, apiVersion: String?, parameters: [(String, String)],
                     resources: [(type: String, ids: [String])] = [], rng: inout SynthRandom) -> ActionTrailRecord {
        let global = service == "Ram" || service == "Sts"
        let recordRegion = global ? AlibabaWorld.globalRegion : region
        let host = endpoint(service: service, region: recordRegion)
        let requestID = rng.uuid(uppercase: true)
        var requestWriter = JSONWriter(capacity: 512)
        requestWriter.object { w in
            for (key, value) in parameters { w.field(key, value) }
            if !global { w.field("RegionId", recordRegion) }
            w.field("AcsHost", host)
            w.field("AcsProduct", service)
            w.field("RequestId", requestID)
            w.field("HostId", host)
            if caller.identity.kind == .assumedRole { w.field("stsTokenPrincipalName", caller.identity.userName) }
        }
        var record = ActionTrailRecord(
            eventID: rng.uuid(uppercase: true), eventType: caller.viaConsole ? .consoleOperation : .apiCall, eventSource: host,
            eventName: name, readWrite: write ? "Write" : "Read", time: time, region: recordRegion, isGlobal: global,
            serviceName: service, apiVersion: apiVersion, requestID: requestID, sourceIP: caller.sourceIP,
            userAgent: caller.userAgent, identity: caller.identity, requestParameters: requestWriter.bytes,
            responseElements: JSONWriter.build { $0.field("RequestId", requestID) },
            recipientAccountID: world.accountID)
        if !resources.isEmpty {
            record.referencedResources = JSONWriter.build { w in
                for resource in resources { w.strings(resource.type, resource.ids) }
            }
        }
        record.additionalEventData = JSONWriter.build { w in
            w.field("Scheme", "https")
            w.field("CallerBid", "26842")
        }
        return record
    }

    /// A console sign-in (formats.md 4.2); a failure carries a non-empty errorCode/errorMessage.
    static func consoleSignin(world: AlibabaWorld, identity: AlibabaIdentity, time: UTCTime, sourceIP: String, browser: String,
                              mfa: Bool, failure: (code: String, message: String)?, rng: inout SynthRandom) -> ActionTrailRecord {
        let root = identity.kind == .root
        var record = ActionTrailRecord(
            eventID: "1.\(rng.int(in: 100...250))_\(time.seconds * 1000 + Int64(rng.int(in: 0...999)))_\(rng.int(in: 1000...9999))",
            eventType: .consoleSignin, eventSource: root ? "https://signin.aliyun.com/login.htm" : "signin.aliyun.com",
            eventName: "ConsoleSignin", readWrite: nil, time: time, region: AlibabaWorld.globalRegion, isGlobal: false,
            serviceName: root ? "AasCustomer" : "AasSub", apiVersion: nil, requestID: rng.uuid(uppercase: true),
            sourceIP: sourceIP, userAgent: browser, identity: identity,
            errorCode: failure?.code ?? "", errorMessage: failure?.message ?? "", recipientAccountID: world.accountID)
        record.additionalEventData = JSONWriter.build { w in
            if root {
                w.field("loginAccount", world.loginAccount)
                w.field("isMFAChecked", mfa ? "true" : "false")
            } else {
                w.field("callbackUrl", "https://home.console.aliyun.com/")
                w.field("mfaChecked", mfa ? "true" : "false")
            }
        }
        return record
    }

    static func endpoint(service: String, region: String) -> String {
        switch service {
        case "Ram": return "ram.aliyuncs.com"
        case "Sts": return "sts.aliyuncs.com"
        case "Oss": return "oss-\(region).aliyuncs.com"
        case "Vpc", "Slb", "Rds": return "\(service.lowercased()).aliyuncs.com"
        default: return "\(service.lowercased()).\(region).aliyuncs.com"
        }
    }
}
