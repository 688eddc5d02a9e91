import TrailCore

typealias ResponseDetails = @Sendable (inout JSONWriter) -> Void

/// A run of calls by one caller: a console visit, a Terraform plan, an agent's polling hour.
struct AWSSession {
    /// How the session began, when that left its own event.
    enum Opening {
        case consoleLogin(identity: AWSIdentity, browser: String, mfaDevice: String)
        /// STS issued the session's credentials (AssumeRole, …WithWebIdentity, …WithSAML, GetFederationToken).
        /// `details` writes what the response holds besides the credentials.
        case credentials(name: String, by: AWSCaller, request: [UInt8], details: ResponseDetails?, resources: [AWSResource] = [],
                         crossAccount: Bool = false)
        case keyRotation(key: String)
    }

    let kind: AWSCallerKind
    let account: Int
    let region: Int
    let caller: AWSCaller
    /// aws-cli users: each call's user agent names its command.
    let cliPlatform: String?
    var opening: Opening?
    /// The temporary key the session's credentials carry (issued by the opening, if any).
    let accessKeyID: String
}

/// What every session drawn for one caller kind shares: its account, region, temporary key,
/// and when it started and its credentials were issued.
struct SessionDraw {
    let kind: AWSCallerKind
    let index: Int
    let account: AWSAccount
    let region: Int
    let temporaryKey: String
    let time: UTCTime, issued: UTCTime

    func session(_ caller: AWSCaller, cli: String? = nil, opening: AWSSession.Opening? = nil) -> AWSSession {
        AWSSession(kind: kind, account: index, region: region, caller: caller, cliPlatform: cli, opening: opening, accessKeyID: temporaryKey)
    }
}

/// How each kind of caller's session starts: who it is, from where, and the event that opened it.
extension AWSTraffic {
    func makeSession(_ kind: AWSCallerKind, account index: Int, time: UTCTime, rng: inout SynthRandom) -> AWSSession {
        // Workloads live mostly in the account's home region; people and scanners roam.
        let home = index % regions.count
        let region = rng.chance(0.6) ? home : rng.below(regions.count)
        let temporaryKey = rng.awsID("ASIA", length: 20)
        let issued = time - rng.int64(in: 60...3000)
        let draw = SessionDraw(kind: kind, index: index, account: world.accounts[index], region: region, temporaryKey: temporaryKey,
                               time: time, issued: issued)
        switch kind {
        case .humanCLI, .humanConsole: return humanSession(draw, rng: &rng)
        case .ssoCLI, .ssoConsole: return ssoSession(draw, rng: &rng)
        case .samlCLI: return samlSession(draw, rng: &rng)
        case .terraform: return terraformSession(draw, rng: &rng)
        case .instanceAgent, .lambdaFunction: return workloadSession(draw, rng: &rng)
        case .configRecorder, .serviceCrypto, .keyRotation: return serviceSession(draw, rng: &rng)
        case .vendorPoller: return vendorSession(draw, rng: &rng)
        case .federatedExport: return federatedSession(draw, rng: &rng)
        }
    }

    private func humanSession(_ draw: SessionDraw, rng: inout SynthRandom) -> AWSSession {
        let account = draw.account
        let user = rng.pick(account.humans)
        let person = user.person!
        if draw.kind == .humanCLI {
            return draw.session(AWSCaller(identity: .iamUser(user, account: account), sourceIP: person.address, userAgent: "", tlsVersion: .v13),
                                cli: person.cliPlatform)
        }
        let context = AWSIdentity.Session(issuer: nil, created: draw.time, mfaAuthenticated: true)
        let identity = AWSIdentity.iamUser(user, account: account, accessKeyID: draw.temporaryKey, session: context)
        let signInIdentity = AWSIdentity.iamUser(user, account: account, accessKeyID: "")
        return draw.session(AWSCaller(identity: identity, sourceIP: person.address, userAgent: rng.pick(UserAgents.consoleInternal),
                                      viaConsole: true, tlsVersion: .v12),
                            opening: .consoleLogin(identity: signInIdentity, browser: person.browser, mfaDevice: user.mfaDeviceARN))
    }

    private func ssoSession(_ draw: SessionDraw, rng: inout SynthRandom) -> AWSSession {
        let account = draw.account
        let person = rng.pick(account.humans).person!
        let role = rng.chance(0.4) ? account.ssoAdmin : account.ssoReadOnly
        let identity = AWSIdentity.assumedRole(role, session: person.email, accessKeyID: draw.temporaryKey, created: draw.issued)
        if draw.kind == .ssoCLI {
            return draw.session(AWSCaller(identity: identity, sourceIP: person.address, userAgent: "", tlsVersion: .v13), cli: person.cliPlatform)
        }
        return draw.session(AWSCaller(identity: identity, sourceIP: person.address, userAgent: rng.pick(UserAgents.consoleInternal),
                                      viaConsole: true, tlsVersion: .v12))
    }

    private func samlSession(_ draw: SessionDraw, rng: inout SynthRandom) -> AWSSession {
        let account = draw.account
        let person = rng.pick(account.humans).person!
        let identity = AWSIdentity.assumedRole(account.samlRole, session: person.email, accessKeyID: draw.temporaryKey, created: draw.time)
        let provider = "arn:aws:iam::\(account.id):saml-provider/Okta"
        let samlUser = AWSIdentity(kind: .samlUser, principalID: "\(rng.base64(27))=:\(person.email)", userName: person.email,
                                   identityProvider: rng.base64(27) + "=")
        let caller = AWSCaller(identity: samlUser, sourceIP: person.address,
                               userAgent: UserAgents.awsCLI(platform: person.cliPlatform, command: "sts.assume-role-with-saml"), tlsVersion: .v13)
        let request = JSONWriter.build { w in
            w.field("sAMLAssertionID", "id" + rng.digits(20))
            w.field("roleSessionName", person.email)
            w.field("principalArn", provider)
            w.field("roleArn", account.samlRole.arn)
            w.field("durationSeconds", 3600)
        }
        let issuerID = rng.alphanumeric(17), qualifier = rng.base64(27) + "="
        let details: ResponseDetails = { w in
            w.field("subject", person.email)
            w.field("subjectType", "persistent")
            w.field("issuer", "http://www.okta.com/exk\(issuerID)")
            w.field("audience", "https://signin.aws.amazon.com/saml")
            w.field("nameQualifier", qualifier)
        }
        return draw.session(AWSCaller(identity: identity, sourceIP: person.address, userAgent: "", tlsVersion: .v13), cli: person.cliPlatform,
                            opening: .credentials(name: "AssumeRoleWithSAML", by: caller, request: request, details: details,
                                                  resources: [account.samlRole.resource,
                                                              AWSResource(arn: provider, accountID: account.id,
                                                                          type: "AWS::IAM::SAMLProvider")]))
    }

    private func terraformSession(_ draw: SessionDraw, rng: inout SynthRandom) -> AWSSession {
        let account = draw.account
        let runner = Addresses.ciRunner(&rng)
        let subjectName = "repo:acme-corp/infrastructure:ref:refs/heads/main"
        let provider = "arn:aws:iam::\(account.id):oidc-provider/token.actions.githubusercontent.com"
        let webUser = AWSIdentity(kind: .webIdentityUser, principalID: "\(provider):sts.amazonaws.com:\(subjectName)",
                                  userName: subjectName, identityProvider: provider)
        let caller = AWSCaller(identity: webUser, sourceIP: runner, userAgent: "aws-actions/configure-aws-credentials/4.0.2 aws-sdk-js/3.687.0", tlsVersion: .v13)
        let request = JSONWriter.build { w in
            w.field("roleArn", account.ci.arn)
            w.field("roleSessionName", "GitHubActions")
            w.field("durationSeconds", 3600)
        }
        let details: ResponseDetails = { w in
            w.field("subjectFromWebIdentityToken", subjectName)
            w.field("provider", provider)
            w.field("audience", "sts.amazonaws.com")
        }
        let identity = AWSIdentity.assumedRole(account.ci, session: "GitHubActions", accessKeyID: draw.temporaryKey, created: draw.time)
        return draw.session(AWSCaller(identity: identity, sourceIP: runner, userAgent: UserAgents.terraform, tlsVersion: .v13),
                            opening: .credentials(name: "AssumeRoleWithWebIdentity", by: caller, request: request, details: details,
                                                  resources: [account.ci.resource]))
    }

    /// An instance agent or a Lambda function, on credentials a service principal assumed.
    private func workloadSession(_ draw: SessionDraw, rng: inout SynthRandom) -> AWSSession {
        let account = draw.account
        if draw.kind == .instanceAgent {
            let instance = rng.pick(account.resources.instances)
            let identity = AWSIdentity.assumedRole(account.instanceRole, session: instance, accessKeyID: draw.temporaryKey, created: draw.issued, ec2: true)
            var result = draw.session(AWSCaller(identity: identity, sourceIP: Addresses.awsPublic(region: regions[draw.region], &rng),
                                                userAgent: UserAgents.boto3Server, tlsVersion: .v12))
            // Instance-profile credentials are refreshed by EC2 itself now and then.
            if rng.chance(0.3) {
                result.opening = serviceAssumeRole(by: "ec2.amazonaws.com", role: account.instanceRole, session: instance, account: account, rng: &rng)
            }
            return result
        }
        let which = rng.below(account.lambdaRoles.count)
        let role = account.lambdaRoles[which]
        let function = account.resources.functions[which]
        let identity = AWSIdentity.assumedRole(role, session: function, accessKeyID: draw.temporaryKey, created: draw.time)
        return draw.session(AWSCaller(identity: identity, sourceIP: Addresses.awsPublic(region: regions[draw.region], &rng),
                                      userAgent: which == 1 ? UserAgents.javaLambda : UserAgents.boto3Lambda, tlsVersion: .v13),
                            opening: serviceAssumeRole(by: "lambda.amazonaws.com", role: role, session: function, account: account, rng: &rng))
    }

    /// AWS services calling on the account's behalf: Config, KMS for Secrets Manager or S3, key rotation.
    private func serviceSession(_ draw: SessionDraw, rng: inout SynthRandom) -> AWSSession {
        let account = draw.account
        switch draw.kind {
        case .configRecorder:
            let identity = AWSIdentity.assumedRole(account.configRole, session: "AWSConfig-Describe", accessKeyID: draw.temporaryKey,
                                                   created: draw.issued, invokedBy: "config.amazonaws.com")
            return draw.session(AWSCaller(identity: identity, sourceIP: "config.amazonaws.com", userAgent: "config.amazonaws.com"))
        case .serviceCrypto:
            let which = rng.below(account.lambdaRoles.count)
            let viaS3 = rng.chance(0.4)
            let service = viaS3 ? "AWS Internal" : "secretsmanager.amazonaws.com"
            let identity = AWSIdentity.assumedRole(account.lambdaRoles[which], session: account.resources.functions[which],
                                                   accessKeyID: draw.temporaryKey, created: draw.issued, invokedBy: viaS3 ? "AWS Internal" : service)
            return draw.session(AWSCaller(identity: identity, sourceIP: service, userAgent: service))
        default:
            return draw.session(AWSCaller(identity: AWSIdentity(kind: nil, accountID: account.id, invokedBy: "kms.amazonaws.com"),
                                          sourceIP: "kms.amazonaws.com", userAgent: "kms.amazonaws.com"),
                                opening: .keyRotation(key: rng.pick(account.resources.kmsKeys)))
        }
    }

    private func vendorSession(_ draw: SessionDraw, rng: inout SynthRandom) -> AWSSession {
        let account = draw.account
        let sessionName = "DatadogAWSIntegration"
        let address = "3.233.\(rng.int(in: 144...159)).\(rng.int(in: 1...254))"
        let vendor = AWSIdentity(kind: .awsAccount, principalID: "AROAWCXR7OPF\(rng.awsID("", length: 9)):dd-\(rng.hex(8))",
                                 accountID: AWSAccount.vendorAccountID)
        let caller = AWSCaller(identity: vendor, sourceIP: address, userAgent: UserAgents.datadog, tlsVersion: .v12)
        let request = JSONWriter.build { w in
            w.field("roleArn", account.vendorRole.arn)
            w.field("roleSessionName", sessionName)
            w.field("externalId", rng.hex(32))
            w.field("durationSeconds", 3600)
        }
        let identity = AWSIdentity.assumedRole(account.vendorRole, session: sessionName, accessKeyID: draw.temporaryKey, created: draw.time)
        return draw.session(AWSCaller(identity: identity, sourceIP: address, userAgent: UserAgents.datadog, tlsVersion: .v12),
                            opening: .credentials(name: "AssumeRole", by: caller, request: request, details: nil,
                                                  resources: [account.vendorRole.resource], crossAccount: true))
    }

    private func federatedSession(_ draw: SessionDraw, rng: inout SynthRandom) -> AWSSession {
        let account = draw.account
        let user = account.machineUser
        let name = "export-\(rng.digits(6))"
        let issuer = AWSIdentity.Issuer(type: "IAMUser", principalID: user.principalID, arn: user.arn, accountID: account.id, userName: user.name)
        let federated = AWSIdentity(kind: .federatedUser, principalID: "\(account.id):\(name)",
                                    arn: "arn:aws:sts::\(account.id):federated-user/\(name)", accountID: account.id,
                                    accessKeyID: draw.temporaryKey, session: AWSIdentity.Session(issuer: issuer, created: draw.time, mfaAuthenticated: false))
        let address = "203.0.113.\(rng.int(in: 200...220))"
        let request = JSONWriter.build { w in
            w.field("name", name)
            w.field("durationSeconds", 3600)
            w.field("policy", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:List*\",\"s3:GetBucket*\"],\"Resource\":\"*\"}]}")
        }
        let details: ResponseDetails = { w in
            w.object("federatedUser") { w in
                w.field("federatedUserId", "\(account.id):\(name)")
                w.field("arn", "arn:aws:sts::\(account.id):federated-user/\(name)")
            }
            w.field("packedPolicySize", 9)
        }
        let machine = AWSCaller(identity: .iamUser(user, account: account), sourceIP: address, userAgent: UserAgents.boto3Server, tlsVersion: .v12)
        return draw.session(AWSCaller(identity: federated, sourceIP: address, userAgent: UserAgents.boto3Server, tlsVersion: .v12),
                            opening: .credentials(name: "GetFederationToken", by: machine, request: request, details: details))
    }

    /// A service principal assuming a role for a workload (Lambda cold start, EC2 refresh).
    private func serviceAssumeRole(by service: String, role: RoleProfile, session: String, account: AWSAccount,
                                   rng: inout SynthRandom) -> AWSSession.Opening {
        let request = JSONWriter.build { w in
            w.field("roleArn", role.arn)
            w.field("roleSessionName", session)
            if service == "ec2.amazonaws.com" { w.field("durationSeconds", 21600) }
        }
        return .credentials(name: "AssumeRole", by: AWSCaller(identity: .service(service), sourceIP: service, userAgent: service),
                            request: request, details: nil, resources: [role.resource])
    }
}
