import TrailCore

/// `userIdentity` of a CloudTrail record (formats.md 1.4).
struct AWSIdentity {
    enum Kind: String {
        case root = "Root", iamUser = "IAMUser", assumedRole = "AssumedRole", awsService = "AWSService"
        case awsAccount = "AWSAccount", federatedUser = "FederatedUser", samlUser = "SAMLUser", webIdentityUser = "WebIdentityUser"
    }

    /// `sessionContext.sessionIssuer`.
    struct Issuer {
        let type: String
        let principalID: String
        let arn: String
        let accountID: String
        let userName: String
    }

    /// `sessionContext` of temporary credentials.
    struct Session {
        var issuer: Issuer?
        var created: UTCTime
        var mfaAuthenticated: Bool
        /// Instance-profile credentials carry `ec2RoleDelivery` "2.0" (IMDSv2).
        var ec2RoleDelivery = false
    }

    /// Nil for service events, whose identity is only `accountId` and `invokedBy`.
    var kind: Kind?
    var principalID: String?
    var arn: String?
    var accountID: String?
    var accessKeyID: String?
    var userName: String?
    var session: Session?
    var invokedBy: String?
    var identityProvider: String?

    static func iamUser(_ user: IAMUserProfile, account: AWSAccount, accessKeyID: String? = nil, session: Session? = nil) -> AWSIdentity {
        AWSIdentity(kind: .iamUser, principalID: user.principalID, arn: user.arn, accountID: account.id,
                    accessKeyID: accessKeyID ?? user.accessKeyID, userName: user.name, session: session)
    }

    static func assumedRole(_ role: RoleProfile, session name: String, accessKeyID: String, created: UTCTime,
                            mfa: Bool = false, invokedBy: String? = nil, ec2: Bool = false) -> AWSIdentity {
        let issuer = Issuer(type: "Role", principalID: role.roleID, arn: role.arn, accountID: role.accountID, userName: role.name)
        return AWSIdentity(kind: .assumedRole, principalID: "\(role.roleID):\(name)", arn: role.sessionARN(name),
                           accountID: role.accountID, accessKeyID: accessKeyID,
                           session: Session(issuer: issuer, created: created, mfaAuthenticated: mfa, ec2RoleDelivery: ec2),
                           invokedBy: invokedBy)
    }

    static func root(_ account: AWSAccount, accessKeyID: String = "", session: Session? = nil) -> AWSIdentity {
        AWSIdentity(kind: .root, principalID: account.id, arn: account.rootARN, accountID: account.id,
                    accessKeyID: accessKeyID, session: session)
    }

    static func service(_ invokedBy: String) -> AWSIdentity {
        AWSIdentity(kind: .awsService, invokedBy: invokedBy)
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            if let kind { w.field("type", kind.rawValue) }
            if let principalID { w.field("principalId", principalID) }
            if let arn { w.field("arn", arn) }
            if let accountID { w.field("accountId", accountID) }
            if let accessKeyID { w.field("accessKeyId", accessKeyID) }
            if let userName { w.field("userName", userName) }
            if let session {
                w.object("sessionContext") { w in
                    if let issuer = session.issuer {
                        w.object("sessionIssuer") { w in
                            w.field("type", issuer.type)
                            w.field("principalId", issuer.principalID)
                            w.field("arn", issuer.arn)
                            w.field("accountId", issuer.accountID)
                            w.field("userName", issuer.userName)
                        }
                    } else {
                        w.emptyObject("sessionIssuer")
                    }
                    w.emptyObject("webIdFederationData")
                    w.object("attributes") { w in
                        w.field("creationDate", session.created.iso8601)
                        w.field("mfaAuthenticated", session.mfaAuthenticated ? "true" : "false")
                    }
                    if session.ec2RoleDelivery { w.field("ec2RoleDelivery", "2.0") }
                }
            }
            if let invokedBy { w.field("invokedBy", invokedBy) }
            if let identityProvider { w.field("identityProvider", identityProvider) }
        }
    }
}

/// One entry of `resources`.
struct AWSResource {
    let arn: String
    let accountID: String
    let type: String
}

/// Who made a call and from where: everything about a caller that repeats across its calls.
struct AWSCaller {
    var identity: AWSIdentity
    var sourceIP: String
    var userAgent: String
    /// Calls made by the console for a signed-in user (`sessionCredentialFromConsole`).
    var viaConsole = false
    /// TLS version the client negotiates; nil for calls made inside AWS (service principals).
    var tlsVersion: TLSVersion?

    enum TLSVersion {
        case v12, v13
        var name: String { self == .v13 ? "TLSv1.3" : "TLSv1.2" }
        var cipherSuite: String { self == .v13 ? "TLS_AES_128_GCM_SHA256" : "ECDHE-RSA-AES128-GCM-SHA256" }
    }
}

/// The event categories this generator writes.
enum AWSEventType: String {
    case apiCall = "AwsApiCall", serviceEvent = "AwsServiceEvent", consoleSignIn = "AwsConsoleSignIn"
}

/// One CloudTrail record, field by field, in the order CloudTrail writes them (formats.md 1.3).
/// JSON-valued fields hold finished JSON text; nil means `null` for the request and response
/// and "absent" for the optional objects.
struct CloudTrailRecord {
    var eventVersion = "1.09"
    var identity: AWSIdentity
    var time: UTCTime
    var eventSource: String
    var eventName: String
    var region: String
    var sourceIP: String
    var userAgent: String
    var errorCode: String?
    var errorMessage: String?
    var requestParameters: [UInt8]?
    var responseElements: [UInt8]?
    var additionalEventData: [UInt8]?
    var requestID: String?
    var eventID: String
    var readOnly: Bool?
    var resources: [AWSResource] = []
    var eventType = AWSEventType.apiCall
    var apiVersion: String?
    var recipientAccountID: String
    var sharedEventID: String?
    var sessionCredentialFromConsole = false
    var tlsVersion: AWSCaller.TLSVersion?
    var tlsHost: String?

    /// A call by `caller` with fresh IDs; the caller's TLS and console flags carry over.
    /// Scenario events and session openings come with their payloads prepared.
    init(caller: AWSCaller, accountID: String, time: UTCTime, region: String, source: String, name: String, readOnly: Bool?,
         request: [UInt8]? = nil, response: [UInt8]? = nil, resources: [AWSResource] = [], rng: inout SynthRandom) {
        identity = caller.identity
        self.time = time
        eventSource = source
        eventName = name
        self.region = region
        sourceIP = caller.sourceIP
        userAgent = caller.userAgent
        requestID = rng.uuid()
        eventID = rng.uuid()
        self.readOnly = readOnly
        requestParameters = request
        responseElements = response
        self.resources = resources
        recipientAccountID = accountID
        sessionCredentialFromConsole = caller.viaConsole
        tlsVersion = caller.tlsVersion
        if tlsVersion != nil { tlsHost = CloudTrailRecord.endpoint(source: source, region: region) }
        eventVersion = CloudTrailRecord.eventVersion(source: source)
    }

    /// The host name a client connects to for `source` (global services have no region in it).
    static func endpoint(source: String, region: String) -> String {
        let service = source.prefix { $0 != "." }
        switch service {
        case "iam", "sts", "organizations": return "\(service).amazonaws.com"
        case "signin": return "signin.aws.amazon.com"
        default: return "\(service).\(region).amazonaws.com"
        }
    }

    /// Services moved to newer record versions at different times; keep that spread.
    static func eventVersion(source: String) -> String {
        switch source {
        case "ec2.amazonaws.com", "s3.amazonaws.com", "kms.amazonaws.com": return "1.10"
        case "cloudtrail.amazonaws.com", "iam.amazonaws.com": return "1.11"
        case "sts.amazonaws.com", "lambda.amazonaws.com": return "1.08"
        default: return "1.09"
        }
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.field("eventVersion", eventVersion)
            w.key("userIdentity")
            identity.write(to: &w)
            w.field("eventTime", time.iso8601)
            w.field("eventSource", eventSource)
            w.field("eventName", eventName)
            w.field("awsRegion", region)
            w.field("sourceIPAddress", sourceIP)
            w.field("userAgent", userAgent)
            if let errorCode { w.field("errorCode", errorCode) }
            if let errorMessage { w.field("errorMessage", errorMessage) }
            w.key("requestParameters")
            if let requestParameters { w.raw(requestParameters) } else { w.null() }
            w.key("responseElements")
            if let responseElements { w.raw(responseElements) } else { w.null() }
            w.rawField("additionalEventData", additionalEventData)
            if let requestID { w.field("requestID", requestID) }
            w.field("eventID", eventID)
            if let readOnly { w.field("readOnly", readOnly) }
            if !resources.isEmpty {
                w.array("resources") { w in
                    for resource in resources {
                        w.object { w in
                            w.field("accountId", resource.accountID)
                            w.field("type", resource.type)
                            w.field("ARN", resource.arn)
                        }
                    }
                }
            }
            w.field("eventType", eventType.rawValue)
            if let apiVersion { w.field("apiVersion", apiVersion) }
            w.field("managementEvent", true)
            w.field("recipientAccountId", recipientAccountID)
            if let sharedEventID { w.field("sharedEventID", sharedEventID) }
            w.field("eventCategory", "Management")
            if sessionCredentialFromConsole { w.field("sessionCredentialFromConsole", "true") }
            if let tlsVersion, let tlsHost {
                w.object("tlsDetails") { w in
                    w.field("tlsVersion", tlsVersion.name)
                    w.field("cipherSuite", tlsVersion.cipherSuite)
                    w.field("clientProvidedHostHeader", tlsHost)
                }
            }
        }
    }
}
