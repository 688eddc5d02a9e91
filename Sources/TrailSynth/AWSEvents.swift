import TrailCore

/// Builders for the CloudTrail events that both background traffic and scenarios write:
/// console sign-ins and STS credential issuance.
enum AWSEvents {
    struct SignIn {
        /// Nil for a successful sign-in.
        var failureMessage: String? = nil
        var mfaUsed: Bool
        var mfaDevice: String?
        /// Set for SAML-federated console sessions (MFA happens at the identity provider).
        var samlProvider: String?
    }

    /// A `ConsoleLogin` (formats.md 1.5): no request, result in responseElements, failures
    /// carry errorMessage but no errorCode, recorded in us-east-1.
    static func consoleLogin(account: AWSAccount, identity: AWSIdentity, time: UTCTime, sourceIP: String,
                             browser: String, signIn: SignIn, rng: inout SynthRandom) -> CloudTrailRecord {
        let caller = AWSCaller(identity: identity, sourceIP: sourceIP, userAgent: browser, tlsVersion: .v13)
        var record = CloudTrailRecord(caller: caller, accountID: account.id, time: time, region: SynthOptions.globalRegion,
                                      source: "signin.amazonaws.com", name: "ConsoleLogin", readOnly: false, rng: &rng)
        record.requestID = nil
        record.eventType = .consoleSignIn
        record.errorMessage = signIn.failureMessage
        let outcome = signIn.failureMessage == nil ? "Success" : "Failure"
        record.responseElements = JSONWriter.build { $0.field("ConsoleLogin", outcome) }
        let state = rng.hex(16)
        record.additionalEventData = JSONWriter.build { w in
            if let provider = signIn.samlProvider { w.field("SamlProviderArn", provider) }
            w.field("LoginTo", "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_\(state)")
            w.field("MobileVersion", "No")
            if signIn.mfaUsed, let device = signIn.mfaDevice { w.field("MFAIdentifier", device) }
            w.field("MFAUsed", signIn.mfaUsed ? "Yes" : "No")
        }
        return record
    }

    /// How STS renders issued credentials in responseElements.
    static func writeCredentials(_ w: inout JSONWriter, accessKeyID: String, issued: UTCTime, lifetime: Int64, rng: inout SynthRandom) {
        w.object("credentials") { w in
            w.field("accessKeyId", accessKeyID)
            // Real session tokens are long opaque base64 blobs; their length drives event size.
            w.field("sessionToken", "IQoJb3JpZ2luX2VjE" + rng.base64(rng.int(in: 360...620)))
            w.field("expiration", (issued + lifetime).awsResponseDate)
        }
    }
}
