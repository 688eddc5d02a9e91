import TrailCore

/// How a kind of caller behaves, in either cloud.
struct CallerProfile {
    /// How often a session of this kind starts, relative to the others.
    let sessionWeight: Double
    /// Calls after the opening event.
    let calls: ClosedRange<Int>
    /// Seconds between consecutive calls.
    let gap: ClosedRange<Int64>
    /// Which actions the caller uses, and how often.
    let mix: WeightedChoice<Int>
}

/// The kinds of callers that make up an account's everyday CloudTrail traffic. Reads dominate,
/// as they do in real trails: console pages and Terraform refreshes fan out into Describe*,
/// agents poll, AWS Config inventories everything.
enum AWSCallerKind: CaseIterable {
    case humanCLI, humanConsole, ssoCLI, ssoConsole, terraform, instanceAgent, lambdaFunction
    case configRecorder, vendorPoller, serviceCrypto, federatedExport, samlCLI, keyRotation

    var isHuman: Bool { [.humanCLI, .humanConsole, .ssoCLI, .ssoConsole, .samlCLI].contains(self) }

    /// Probability that a call fails with a permission error; at most one per session, so
    /// background denials stay isolated and never form a D4 burst.
    var denialRate: Double { isHuman || self == .terraform || self == .lambdaFunction ? 0.004 : 0 }

    var profile: CallerProfile {
        switch self {
        case .humanCLI: return CallerProfile(sessionWeight: 6, calls: 1...25, gap: 2...50, mix: AWSMixes.cli)
        case .humanConsole: return CallerProfile(sessionWeight: 5, calls: 4...45, gap: 1...25, mix: AWSMixes.console)
        case .ssoCLI: return CallerProfile(sessionWeight: 4, calls: 2...20, gap: 2...50, mix: AWSMixes.cli)
        case .ssoConsole: return CallerProfile(sessionWeight: 3, calls: 4...45, gap: 1...25, mix: AWSMixes.console)
        case .terraform: return CallerProfile(sessionWeight: 1.5, calls: 30...140, gap: 0...2, mix: AWSMixes.terraform)
        case .instanceAgent: return CallerProfile(sessionWeight: 14, calls: 3...14, gap: 30...300, mix: AWSMixes.instance)
        case .lambdaFunction: return CallerProfile(sessionWeight: 16, calls: 1...5, gap: 0...2, mix: AWSMixes.lambda)
        case .configRecorder: return CallerProfile(sessionWeight: 4, calls: 10...70, gap: 0...4, mix: AWSMixes.config)
        case .vendorPoller: return CallerProfile(sessionWeight: 3, calls: 8...50, gap: 0...2, mix: AWSMixes.vendor)
        case .serviceCrypto: return CallerProfile(sessionWeight: 10, calls: 1...3, gap: 0...20, mix: AWSMixes.crypto)
        case .federatedExport: return CallerProfile(sessionWeight: 0.6, calls: 2...8, gap: 0...20, mix: AWSMixes.export)
        case .samlCLI: return CallerProfile(sessionWeight: 1, calls: 2...20, gap: 2...50, mix: AWSMixes.cli)
        case .keyRotation: return CallerProfile(sessionWeight: 0.15, calls: 0...0, gap: 0...0, mix: AWSMixes.crypto)
        }
    }
}

/// Which actions each kind of caller uses, and how often.
enum AWSMixes {
    static let cli = WeightedChoice<Int>.actions([
        ("GetCallerIdentity", 3), ("DescribeInstances", 8), ("DescribeSecurityGroups", 3), ("DescribeVpcs", 1),
        ("DescribeSubnets", 1), ("DescribeVolumes", 2), ("DescribeImages", 1), ("DescribeRegions", 1),
        ("ListUsers", 1), ("GetUser", 1), ("ListRoles", 1), ("GetRole", 2), ("ListAttachedRolePolicies", 1),
        ("ListBuckets", 3), ("GetBucketPolicy", 1), ("GetBucketEncryption", 1), ("ListFunctions20150331", 2),
        ("GetFunction20150331v2", 1), ("DescribeLogGroups", 2), ("DescribeLogStreams", 2), ("DescribeTrails", 1),
        ("LookupEvents", 1), ("GetParameter", 1), ("DescribeAlarms", 1), ("DescribeSecret", 0.5),
        ("StartInstances", 0.3), ("StopInstances", 0.3), ("PutRetentionPolicy", 0.2),
    ])

    static let console = WeightedChoice<Int>.actions([
        ("DescribeInstances", 6), ("DescribeInstanceStatus", 3), ("DescribeSecurityGroups", 3),
        ("DescribeSecurityGroupRules", 1), ("DescribeNetworkInterfaces", 1), ("DescribeTags", 2),
        ("DescribeVolumes", 2), ("DescribeAvailabilityZones", 1), ("DescribeLaunchTemplates", 1), ("DescribeSnapshots", 1),
        ("ListRoles", 2), ("GetAccountSummary", 1), ("ListMFADevices", 1), ("GetAccountPasswordPolicy", 1),
        ("ListPolicies", 1), ("ListAccessKeys", 1), ("ListGroupsForUser", 1), ("ListRolePolicies", 1),
        ("GetBucketLocation", 2), ("GetBucketAcl", 1), ("GetBucketVersioning", 1), ("GetBucketPublicAccessBlock", 1),
        ("GetBucketTagging", 1), ("ListAliases", 1), ("DescribeKey", 1), ("DescribeAlarms", 2), ("GetMetricData", 4),
        ("DescribeLogGroups", 2), ("GetTrailStatus", 1), ("GetEventSelectors", 1), ("DescribeTrails", 1),
        ("ListFunctions20150331", 2), ("GetFunctionConfiguration20150331v2", 1), ("DescribeDBInstances", 1),
        ("DescribeTable", 1), ("DescribeLoadBalancers", 1), ("DescribeTargetHealth", 1), ("DescribeAutoScalingGroups", 1),
        ("StopInstances", 0.2), ("StartInstances", 0.2), ("PutMetricAlarm", 0.2),
    ])

    static let terraform = WeightedChoice<Int>.actions([
        ("DescribeInstances", 3), ("DescribeSecurityGroups", 4), ("DescribeSecurityGroupRules", 2), ("DescribeVpcs", 2),
        ("DescribeSubnets", 3), ("DescribeImages", 1), ("DescribeLaunchTemplates", 1), ("DescribeAvailabilityZones", 1),
        ("GetRole", 3), ("ListAttachedRolePolicies", 2), ("ListRolePolicies", 2), ("GetPolicy", 2), ("GetPolicyVersion", 2),
        ("GetBucketPolicy", 1), ("GetBucketAcl", 1), ("GetBucketVersioning", 1), ("GetBucketEncryption", 1),
        ("GetBucketPublicAccessBlock", 1), ("GetBucketTagging", 1), ("DescribeKey", 1), ("GetFunction20150331v2", 2),
        ("DescribeLogGroups", 1), ("DescribeAlarms", 1), ("DescribeDBInstances", 1), ("DescribeTable", 1),
        ("DescribeLoadBalancers", 1), ("DescribeAutoScalingGroups", 1), ("GetCallerIdentity", 1),
        ("UpdateFunctionCode20150331v2", 0.4), ("PutMetricAlarm", 0.2), ("PutRetentionPolicy", 0.2),
    ])

    static let instance = WeightedChoice<Int>.actions([
        ("UpdateInstanceInformation", 6), ("ListInstanceAssociations", 3), ("GetParameter", 2), ("GetParameters", 2),
        ("DescribeTags", 2), ("GetSecretValue", 2), ("Decrypt", 1), ("GetAuthorizationToken", 2),
        ("DescribeInstances", 1), ("GetCallerIdentity", 1),
    ])

    static let lambda = WeightedChoice<Int>.actions([
        ("GetSecretValue", 3), ("GetParameter", 3), ("DescribeTable", 1), ("GenerateDataKey", 1), ("Decrypt", 1),
        ("DescribeInstances", 1), ("DescribeSnapshots", 1),
    ])

    static let config = WeightedChoice<Int>.actions([
        ("DescribeInstances", 3), ("DescribeSecurityGroups", 3), ("DescribeVpcs", 2), ("DescribeSubnets", 2),
        ("DescribeVolumes", 2), ("DescribeNetworkInterfaces", 2), ("DescribeSnapshots", 1),
        ("ListRoles", 1), ("GetRole", 2), ("ListAttachedRolePolicies", 2), ("ListRolePolicies", 1), ("GetPolicy", 1),
        ("ListUsers", 1), ("GetUser", 1), ("ListGroupsForUser", 1), ("GetBucketAcl", 1), ("GetBucketPolicy", 1),
        ("GetBucketVersioning", 1), ("GetBucketEncryption", 1), ("GetBucketPublicAccessBlock", 1), ("GetBucketTagging", 1),
        ("GetFunction20150331v2", 1), ("DescribeKey", 1), ("DescribeTrails", 1), ("GetTrailStatus", 1),
        ("GetEventSelectors", 1), ("DescribeDBInstances", 1), ("DescribeLoadBalancers", 1), ("DescribeLogGroups", 1),
    ])

    static let vendor = WeightedChoice<Int>.actions([
        ("DescribeInstances", 3), ("DescribeVolumes", 1), ("DescribeTags", 2), ("DescribeAlarms", 2),
        ("GetMetricData", 3), ("ListFunctions20150331", 2), ("DescribeDBInstances", 1), ("DescribeLoadBalancers", 1),
        ("DescribeTargetHealth", 1), ("ListBuckets", 1), ("GetBucketTagging", 1), ("DescribeAutoScalingGroups", 1),
        ("DescribeTable", 1),
    ])

    static let crypto = WeightedChoice<Int>.actions([("Decrypt", 3), ("GenerateDataKey", 2)])

    static let export = WeightedChoice<Int>.actions([("ListBuckets", 1), ("GetBucketLocation", 2), ("GetBucketAcl", 1)])
}

/// Plans and renders the background traffic of all AWS accounts.
struct AWSTraffic {
    let world: AWSWorld
    let regions: [String]
    let frame: TimeFrame
    private(set) var sessions: [AWSSession] = []
    private let globalRegion: Int

    init(world: AWSWorld, regions: [String], frame: TimeFrame) {
        self.world = world
        self.regions = regions
        self.frame = frame
        globalRegion = regions.firstIndex(of: SynthOptions.globalRegion)!
    }

    func stream(account: Int, region: Int) -> Int32 { Int32(account * regions.count + region) }
    func location(of stream: Int32) -> (account: Int, region: Int) { (Int(stream) / regions.count, Int(stream) % regions.count) }

    /// Appends exactly `count` background events to `events`.
    mutating func plan(count: Int, rng: inout SynthRandom, into events: inout [PlannedEvent]) {
        guard count > 0 else { return }
        let workdays = frame.workdays
        let kinds = WeightedChoice(AWSCallerKind.allCases.map { ($0, $0.isHuman && workdays.isEmpty ? 0 : $0.profile.sessionWeight) })
        // Earlier accounts (production) are busier than later ones (sandboxes).
        let accounts = WeightedChoice((0..<world.accounts.count).map { ($0, 1.0 / Double($0 + 1).squareRoot()) })
        var remaining = count
        while remaining > 0 {
            let kind = kinds.pick(&rng)
            let account = accounts.pick(&rng)
            var time = frame.sessionStart(human: kind.isHuman, workdays: workdays, rng: &rng)
            let session = makeSession(kind, account: account, time: time, rng: &rng)
            sessions.append(session)
            let ref = Int32(sessions.count - 1)
            if session.opening != nil {
                let region = kind == .keyRotation ? session.region : globalRegion
                events.append(PlannedEvent(time: time.seconds, seed: rng.next(), stream: stream(account: account, region: region),
                                           ref: ref, action: -1, source: .opening, outcome: .success))
                remaining -= 1
                time = time + rng.int64(in: 1...4)
            }
            var deniedOnce = false
            let profile = kind.profile
            let calls = min(remaining, rng.int(in: profile.calls))
            for _ in 0..<calls where time < frame.end {
                let index = profile.mix.pick(&rng)
                let action = AWSCatalog.actions[index]
                var outcome = PlannedEvent.Outcome.success
                if !deniedOnce, rng.chance(kind.denialRate) {
                    outcome = .denied
                    deniedOnce = true
                } else if action.failure != nil, rng.chance(0.1) {
                    outcome = .failure
                } else if rng.chance(0.01) {
                    outcome = .throttled
                }
                let region = action.global ? globalRegion : session.region
                events.append(PlannedEvent(time: time.seconds, seed: rng.next(), stream: stream(account: account, region: region),
                                           ref: ref, action: Int16(index), source: .action, outcome: outcome))
                remaining -= 1
                time = time + rng.int64(in: profile.gap)
            }
        }
    }

    // MARK: Rendering

    /// The record for a background slot; `context` is reused scratch space.
    func record(for event: PlannedEvent, context c: PayloadContext) -> CloudTrailRecord {
        let session = sessions[Int(event.ref)]
        let account = world.accounts[session.account]
        let region = regions[location(of: event.stream).region]
        let time = UTCTime(seconds: event.time)
        if event.source == .opening {
            var rng = SynthRandom(seed: event.seed)
            return opening(session, account: account, region: region, time: time, rng: &rng)
        }
        let action = AWSCatalog.actions[Int(event.action)]
        var caller = session.caller
        caller.userAgent = userAgent(session, action)
        c.reset(seed: event.seed, region: region, time: time, tlsVersion: caller.tlsVersion)
        action.payload(c)
        var record = CloudTrailRecord(caller: caller, accountID: account.id, time: time, region: region,
                                      source: action.source, name: action.name, readOnly: action.readOnly, rng: &c.rng)
        record.apiVersion = action.apiVersion
        record.requestParameters = c.requestBytes
        if let requestID = c.requestID { record.requestID = requestID }
        if record.tlsVersion != nil, let host = c.tlsHost { record.tlsHost = host }
        record.additionalEventData = c.additionalBytes
        record.resources = c.resources
        let failure: AWSFailure
        switch event.outcome {
        case .success:
            record.responseElements = c.responseBytes
            return record
        case .failure: failure = action.failure!.make(c)
        case .throttled: failure = action.throttling
        case .denied: failure = action.denial(callerARN: caller.identity.arn ?? "", resource: c.resources.first?.arn)
        }
        record.errorCode = failure.code
        record.errorMessage = failure.message
        return record
    }

    private func userAgent(_ session: AWSSession, _ action: AWSAction) -> String {
        if let platform = session.cliPlatform { return UserAgents.awsCLI(platform: platform, command: action.cliCommand) }
        if session.kind == .instanceAgent {
            // The SSM agent and the CloudWatch agent (which reads its instance's tags) run on
            // every instance next to the application's own SDK.
            switch action.name {
            case "UpdateInstanceInformation", "ListInstanceAssociations": return UserAgents.ssmAgent
            case "DescribeTags": return UserAgents.cloudWatchAgent
            default: return session.caller.userAgent
            }
        }
        return session.caller.userAgent
    }

    private func opening(_ session: AWSSession, account: AWSAccount, region: String, time: UTCTime, rng: inout SynthRandom) -> CloudTrailRecord {
        switch session.opening! {
        case .consoleLogin(let identity, let browser, let device):
            return AWSEvents.consoleLogin(account: account, identity: identity, time: time, sourceIP: session.caller.sourceIP,
                                          browser: browser, signIn: .init(mfaUsed: true, mfaDevice: device), rng: &rng)

        case .credentials(let name, let by, let request, let details, let resources, let crossAccount):
            var record = CloudTrailRecord(caller: by, accountID: account.id, time: time, region: region,
                                          source: "sts.amazonaws.com", name: name, readOnly: true, request: request,
                                          resources: resources, rng: &rng)
            let identity = session.caller.identity
            let lifetime: Int64 = name == "AssumeRole" && by.identity.kind == .awsService ? 21600 : 3600
            record.responseElements = JSONWriter.build { w in
                AWSEvents.writeCredentials(&w, accessKeyID: session.accessKeyID, issued: time, lifetime: lifetime, rng: &rng)
                if identity.kind == .assumedRole {
                    w.object("assumedRoleUser") { w in
                        w.field("assumedRoleId", identity.principalID ?? "")
                        w.field("arn", identity.arn ?? "")
                    }
                }
                details?(&w)
            }
            if crossAccount { record.sharedEventID = rng.uuid() }
            return record

        case .keyRotation(let key):
            let arn = "arn:aws:kms:\(region):\(account.id):key/\(key)"
            var record = CloudTrailRecord(caller: session.caller, accountID: account.id, time: time, region: region,
                                          source: "kms.amazonaws.com", name: "RotateKey", readOnly: false,
                                          resources: [AWSResource(arn: arn, accountID: account.id, type: "AWS::KMS::Key")],
                                          rng: &rng)
            record.eventType = .serviceEvent
            record.requestID = nil
            record.additionalEventData = JSONWriter.build { w in
                w.field("keyId", arn)
                w.field("rotationType", "AUTOMATIC")
            }
            return record
        }
    }
}
