import TrailCore

/// D1: a credential-stuffing burst against one user from one address — the user's own name
/// and mistyped names (`HIDDEN_DUE_TO_SECURITY_REASONS`) — and, elsewhere, a single typo
/// followed by a successful sign-in.
struct SignInFailures: ScenarioGenerator {
    /// ActionTrail's failure codes are not documented (formats.md 4.2); these are plausible.
    static let alibabaFailure = (code: "IncorrectPassword", message: "The password you entered is incorrect.")

    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        let victim = plan.rng.pick(account.humans)
        let attacker = Addresses.hostile(&plan.rng)
        var time = plan.workTime(day: day)
        let failures = plan.rng.int(in: 6...8)
        let mistyped = Set([plan.rng.int(in: 1...3), plan.rng.int(in: 4...failures)])
        // Gaps of 10–30 s keep the victim's failures inside five minutes.
        for attempt in 0..<(failures + mistyped.count) {
            let hidden = mistyped.contains(attempt)
            let identity = hidden
                ? AWSIdentity(kind: .iamUser, principalID: "", accountID: account.id, accessKeyID: "", userName: "HIDDEN_DUE_TO_SECURITY_REASONS")
                : AWSIdentity(kind: .iamUser, principalID: victim.principalID, accountID: account.id, accessKeyID: "", userName: victim.name)
            let message = hidden ? "No username found in supplied account" : "Failed authentication"
            plan.add(AWSEvents.consoleLogin(account: account, identity: identity, time: time, sourceIP: attacker,
                                            browser: UserAgents.scriptedBrowser,
                                            signIn: .init(failureMessage: message, mfaUsed: false), rng: &plan.rng),
                     .d1)
            time = time + plan.rng.int64(in: 10...30)
        }

        // Elsewhere that day, someone mistypes once and gets in on the second try.
        let other = plan.account()
        let typist = plan.rng.pick(other.humans)
        let person = typist.person!
        let typo = plan.workTime(day: day)
        let failed = AWSIdentity(kind: .iamUser, principalID: typist.principalID, accountID: other.id, accessKeyID: "", userName: typist.name)
        plan.add(AWSEvents.consoleLogin(account: other, identity: failed, time: typo, sourceIP: person.address, browser: person.browser,
                                        signIn: .init(failureMessage: "Failed authentication", mfaUsed: false), rng: &plan.rng),
                 .d1)
        plan.add(plan.consoleLogin(typist, account: other, at: typo + plan.rng.int64(in: 20...60)))

        guard let world = plan.alibaba else { return }
        let target = plan.rng.pick(world.users)
        var attempt = plan.workTime(day: day)
        let source = Addresses.hostile(&plan.rng)
        for _ in 0..<plan.rng.int(in: 6...7) {
            plan.add(plan.consoleSignin(world, target, at: attempt, from: source, browser: UserAgents.scriptedBrowser, mfa: false,
                                        failure: SignInFailures.alibabaFailure), .d1)
            attempt = attempt + plan.rng.int64(in: 15...40)
        }
        let slip = plan.rng.pick(world.users.filter { $0.name != target.name })
        let slipTime = plan.workTime(day: day)
        plan.add(plan.consoleSignin(world, slip, at: slipTime, mfa: false, failure: SignInFailures.alibabaFailure), .d1)
        plan.add(plan.consoleSignin(world, slip, at: slipTime + plan.rng.int64(in: 20...60)))
    }
}

/// D2: a successful, MFA-protected sign-in outside Tokyo business hours — on a weekend when
/// the corpus has one (odd occurrences), otherwise in the small hours.
struct OffHoursSignIn: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        let user = plan.rng.pick(account.humans)
        let time: UTCTime
        if occurrence % 2 == 1, let weekend = plan.weekendDay {
            time = plan.frame.dayStart(weekend) + 3600 + plan.rng.int64(in: 0...(4 * 3600))  // 10:00–14:00 JST
        } else {
            time = plan.nightTime(day: day)
        }
        plan.add(plan.consoleLogin(user, account: account, at: time), .d2)

        guard let world = plan.alibaba else { return }
        let ramUser = plan.rng.pick(world.users)
        plan.add(plan.consoleSignin(world, ramUser, at: plan.nightTime(day: day)), .d2)
    }
}

/// D10: an IAM user signs in to the console with a password only. The decoy is a SAML
/// federated console sign-in, which CloudTrail also records with MFAUsed "No" because MFA
/// happens at the identity provider; a correct rule keys on userIdentity.type IAMUser.
struct SignInWithoutMFA: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        let user = plan.rng.pick(account.humans)
        plan.add(plan.consoleLogin(user, account: account, at: plan.workTime(day: day), mfa: false), .d10)

        let federated = plan.rng.pick(account.humans).person!
        let time = plan.workTime(day: day)
        var identity = AWSIdentity.assumedRole(account.samlRole, session: federated.email, accessKeyID: "", created: time)
        identity.session?.mfaAuthenticated = false
        plan.add(AWSEvents.consoleLogin(account: account, identity: identity, time: time, sourceIP: federated.address, browser: federated.browser,
                                        signIn: .init(mfaUsed: false, samlProvider: "arn:aws:iam::\(account.id):saml-provider/Okta"),
                                        rng: &plan.rng))

        guard let world = plan.alibaba else { return }
        let ramUser = plan.rng.pick(world.users)
        plan.add(plan.consoleSignin(world, ramUser, at: plan.workTime(day: day), mfa: false), .d10)
    }
}

/// D11: one user signs in from home, then from two other countries within half an hour, in
/// both clouds.
struct SignInFromSeveralCountries: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        let user = plan.rng.pick(account.humans)
        let person = user.person!
        var time = plan.workTime(day: day, margin: 3600)
        let places = [person.address, Addresses.abroad(plan.rng.pick(["GB", "SE"]), &plan.rng), Addresses.abroad(plan.rng.pick(["CN", "US"]), &plan.rng)]
        // The sign-ins from abroad are also a known user seen from a new address and country (D17).
        for (step, address) in places.enumerated() {
            let record = plan.consoleLogin(user, account: account, at: time, from: address,
                                           browser: step == 0 ? person.browser : UserAgents.scriptedBrowser)
            if step == 0 { plan.add(record, .d11) } else { plan.add(record, .d11, .d17) }
            time = time + plan.rng.int64(in: 240...840)
        }

        guard let world = plan.alibaba else { return }
        let ramUser = plan.rng.pick(world.users)
        var when = plan.workTime(day: day, margin: 3600)
        let abroad = [Addresses.abroad("SE", &plan.rng), Addresses.abroad(plan.rng.pick(["CN", "US"]), &plan.rng)]
        for (step, address) in ([ramUser.person.address] + abroad).enumerated() {
            let record = plan.consoleSignin(world, ramUser, at: when, from: address)
            if step == 0 { plan.add(record, .d11) } else { plan.add(record, .d11, .d17) }
            when = when + plan.rng.int64(in: 300...780)
        }
    }
}

/// D3: the root user signs in (with MFA) and then does something only root should never do
/// day to day: create an access key, or edit a bucket policy.
struct RootUsage: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        // The account's first administrator keeps the root credentials: root always signs in
        // from their address, so a new address for root stands out (D17) and this is not one.
        let admin = account.humans[0].person!
        let time = plan.workTime(day: day)
        let device = "arn:aws:iam::\(account.id):mfa/root-account-mfa-device"
        plan.add(AWSEvents.consoleLogin(account: account, identity: .root(account), time: time, sourceIP: admin.address, browser: admin.browser,
                                        signIn: .init(mfaUsed: true, mfaDevice: device), rng: &plan.rng), .d3)

        let session = AWSIdentity.Session(issuer: nil, created: time, mfaAuthenticated: true)
        let root = AWSCaller(identity: .root(account, accessKeyID: plan.rng.awsID("ASIA", length: 20), session: session),
                             sourceIP: admin.address, userAgent: plan.rng.pick(UserAgents.consoleInternal), viaConsole: true, tlsVersion: .v12)
        let later = time + plan.rng.int64(in: 60...400)
        if occurrence % 2 == 0 {
            let key = plan.rng.awsID("AKIA", length: 20)
            let record = plan.call(account, root, at: later, region: SynthOptions.globalRegion, "iam.amazonaws.com", "CreateAccessKey",
                                   request: nil, response: JSONWriter.build { w in
                                       w.object("accessKey") { w in
                                           w.field("accessKeyId", key)
                                           w.field("status", "Active")
                                           w.field("createDate", later.awsResponseDate)
                                       }
                                   })
            plan.add(record, .d3, .d8)
        } else {
            rootBucketPolicy(account: account, root: root, at: later, plan: &plan)
        }
        if let world = plan.alibaba { alibabaRoot(world, day: day, plan: &plan) }
    }

    /// Root gives an instance role read access to a bucket (on odd occurrences).
    private func rootBucketPolicy(account: AWSAccount, root: AWSCaller, at later: UTCTime, plan: inout ScenarioPlan) {
        let bucket = plan.rng.pick(account.resources.buckets)
        let region = plan.workloadRegion()
        let host = "\(bucket).s3.\(region).amazonaws.com"
        let reader = "arn:aws:iam::\(account.id):role/\(account.instanceRole.name)"
        var record = plan.call(account, root, at: later, region: region, "s3.amazonaws.com", "PutBucketPolicy",
                               request: JSONWriter.build { w in
                                   w.object("bucketPolicy") { w in
                                       w.field("Version", "2012-10-17")
                                       w.array("Statement") { w in
                                           w.object { w in
                                               w.field("Sid", "AppServerRead")
                                               w.field("Effect", "Allow")
                                               w.object("Principal") { $0.field("AWS", reader) }
                                               w.strings("Action", ["s3:GetObject", "s3:ListBucket"])
                                               w.strings("Resource", ["arn:aws:s3:::\(bucket)", "arn:aws:s3:::\(bucket)/*"])
                                           }
                                       }
                                   }
                                   w.field("bucketName", bucket)
                                   w.field("Host", host)
                                   w.field("policy", "")
                               }, resources: [AWSResource(arn: "arn:aws:s3:::\(bucket)", accountID: account.id, type: "AWS::S3::Bucket")])
        record.tlsHost = host
        plan.add(record, .d3)
    }

    /// Alibaba's root account signs in and creates an access key.
    private func alibabaRoot(_ world: AlibabaWorld, day: Int, plan: inout ScenarioPlan) {
        let rootTime = plan.workTime(day: day)
        let person = world.users[0].person
        plan.add(AlibabaEvents.consoleSignin(world: world, identity: .root(world), time: rootTime, sourceIP: person.address,
                                             browser: person.browser, mfa: true, failure: nil, rng: &plan.rng), .d3)
        var rootIdentity = AlibabaIdentity.root(world)
        rootIdentity.accessKeyID = "STS.NT" + plan.rng.alphanumeric(20)
        let rootCaller = AlibabaCaller(identity: rootIdentity, sourceIP: person.address, userAgent: person.browser, viaConsole: true)
        plan.add(plan.call(world, rootCaller, at: rootTime + plan.rng.int64(in: 60...300), region: AlibabaWorld.globalRegion, "Ram",
                           "CreateAccessKey", apiVersion: "2015-05-01", []), .d3, .d8)
    }
}

/// D17: a user signs in from home in the morning, as every day, and in the afternoon from a
/// country never seen for them, in both clouds. The networks are ones the GeoLite2 City
/// database places in the country named (checked against the 2018 database PyPI's
/// maxminddb-geolite2 ships, which `make run` uses); the D11 countries (GB, SE, CN, US) are
/// left out, so the country is new whatever else was injected. Hours apart, the two sign-ins
/// are no D11 burst, and both fall in business hours (no D2).
struct SignInFromNewCountry: ScenarioGenerator {
    static let networks: [(country: String, prefix: String)] = [
        ("BR", "200.147.35."), ("DE", "85.214.132."), ("AU", "139.130.4."),
        ("IN", "117.239.195."), ("NL", "145.97.39."), ("KR", "211.234.118."),
    ]

    static func address(_ pick: Int, _ rng: inout SynthRandom) -> String {
        networks[pick % networks.count].prefix + String(rng.int(in: 2...250))
    }

    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        // Someone working from a home line: the office egress is a documentation range, which
        // no geo database places, so only a home address gives the user a home country.
        let remote = account.humans.filter { !Addresses.isOffice($0.person!.address) }
        let user = plan.rng.pick(remote.isEmpty ? account.humans : remote)
        plan.add(plan.consoleLogin(user, account: account, at: plan.workTime(day: day, hoursIntoWorkday: 0...1)))
        plan.add(plan.consoleLogin(user, account: account, at: plan.workTime(day: day, hoursIntoWorkday: 5...7),
                                   from: SignInFromNewCountry.address(2 * occurrence, &plan.rng)), .d17)

        guard let world = plan.alibaba else { return }
        let remoteRAM = world.users.filter { !Addresses.isOffice($0.person.address) }
        let ramUser = plan.rng.pick(remoteRAM.isEmpty ? world.users : remoteRAM)
        plan.add(plan.consoleSignin(world, ramUser, at: plan.workTime(day: day, hoursIntoWorkday: 0...1)))
        plan.add(plan.consoleSignin(world, ramUser, at: plan.workTime(day: day, hoursIntoWorkday: 5...7),
                                    from: SignInFromNewCountry.address(2 * occurrence + 1, &plan.rng)), .d17)
    }
}
