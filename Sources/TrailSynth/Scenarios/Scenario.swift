import TrailCore

/// The detection scenarios of docs/scenarios.md that the generator can inject.
public enum ScenarioID: String, CaseIterable, Sendable, Comparable {
    case d1 = "D1", d2 = "D2", d3 = "D3", d4 = "D4", d5 = "D5", d6 = "D6", d7 = "D7", d8 = "D8"
    case d9 = "D9", d10 = "D10", d11 = "D11", d12 = "D12", d13 = "D13", d14 = "D14", d15 = "D15", d16 = "D16"
    case d17 = "D17", d18 = "D18", d19 = "D19"

    public var summary: String {
        switch self {
        case .d1: return "sign-in failures: a burst of 6+ for one user from one IP, and a lone one"
        case .d2: return "sign-in at night (01:00-04:30 Tokyo time) or on a weekend"
        case .d3: return "root account sign-in and root API call"
        case .d4: return "burst of AccessDenied / UnauthorizedOperation by one principal"
        case .d5: return "instances launched and terminated"
        case .d6: return "security group rules changed"
        case .d7: return "security group opened to 0.0.0.0/0 or ::/0 on 22, 3389 or all ports"
        case .d8: return "IAM / RAM changes (access keys, users, groups, policies)"
        case .d9: return "AdministratorAccess attached to a user, role or group"
        case .d10: return "IAM user console sign-in without MFA"
        case .d11: return "one user signing in from three addresses in several countries within half an hour"
        case .d12: return "IAM user or inline policy created and deleted within 10 min by one actor"
        case .d13: return "internet gateway, route and network ACL changes"
        case .d14: return "bucket made public by ACL or policy"
        case .d15: return "Elastic IP allocated, associated, released"
        case .d16: return "trail stopped, deleted or reconfigured"
        case .d17: return "a known user signing in from a country never seen for them"
        case .d18: return "sign-in and changes by the named privileged user breakglass-admin"
        case .d19: return "Security Center CSPM check results with status NOT_PASS (Alibaba: only with --actiontrail)"
        }
    }

    public static func < (a: ScenarioID, b: ScenarioID) -> Bool { a.number < b.number }

    var number: Int { Int(rawValue.dropFirst())! }

    /// Parses `D1,D3,D7` (any case, spaces allowed) or `all`.
    public static func parseList(_ text: String) throws(SynthError) -> [ScenarioID] {
        let trimmed = text.trimmingSpaces
        if trimmed.lowercased() == "all" { return allCases }
        var result: [ScenarioID] = []
        for part in trimmed.split(separator: ",") {
            let name = String(part).trimmingSpaces.uppercased()
            guard let id = ScenarioID(rawValue: name) else {
                throw SynthError("unknown scenario '\(name)'; available: \(allCases.map(\.rawValue).joined(separator: ",")) or all")
            }
            if !result.contains(id) { result.append(id) }
        }
        return result.sorted()
    }

    var generator: any ScenarioGenerator {
        switch self {
        case .d1: return SignInFailures()
        case .d2: return OffHoursSignIn()
        case .d3: return RootUsage()
        case .d4: return DeniedBurst()
        case .d5: return InstanceLifecycle()
        case .d6: return SecurityGroupChange()
        case .d7: return WorldOpenIngress()
        case .d8: return IdentityChange()
        case .d9: return AdminPolicyAttached()
        case .d10: return SignInWithoutMFA()
        case .d11: return SignInFromSeveralCountries()
        case .d12: return ShortLivedIdentity()
        case .d13: return NetworkChange()
        case .d14: return PublicBucket()
        case .d15: return ElasticIPActivity()
        case .d16: return LoggingTampered()
        case .d17: return SignInFromNewCountry()
        case .d18: return PrivilegedUserActivity()
        case .d19: return FailedConfigurationChecks()
        }
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

/// One generator per scenario: it adds one occurrence of its scenario to a plan, for AWS and,
/// when the plan has an Alibaba account, for ActionTrail. Events that exemplify a scenario are
/// tagged with it; decoys that a correct rule must not flag are added untagged.
protocol ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan)
}

/// A prepared scenario event and the scenarios it is an example of.
struct InjectedEvent {
    enum Record {
        case cloudTrail(CloudTrailRecord, account: Int)
        case actionTrail(ActionTrailRecord)
        case securityCenter(CSPMFinding)
    }

    let record: Record
    /// Empty for decoys.
    let scenarios: [ScenarioID]
}

/// What scenario generators work with: the worlds, the time frame, a random source, and the
/// list of events injected so far.
struct ScenarioPlan {
    let aws: AWSWorld
    /// Nil when no ActionTrail output was asked for.
    let alibaba: AlibabaWorld?
    let regions: [String]
    let frame: TimeFrame
    let seed: UInt64
    var rng: SynthRandom
    private(set) var events: [InjectedEvent] = []

    init(aws: AWSWorld, alibaba: AlibabaWorld?, regions: [String], frame: TimeFrame, seed: UInt64) {
        self.aws = aws
        self.alibaba = alibaba
        self.regions = regions
        self.frame = frame
        self.seed = seed
        rng = SynthRandom(seed: seed)
    }

    /// How many times each requested scenario is injected: a few by default, scaled by rate.
    static func occurrences(rate: Double) -> Int { max(1, Int((3 * rate).rounded())) }

    /// Injects every requested scenario, each occurrence with its own random stream so that
    /// asking for more scenarios does not change the ones already asked for.
    mutating func inject(_ scenarios: [ScenarioID], rate: Double) {
        let count = ScenarioPlan.occurrences(rate: rate)
        for id in scenarios {
            let generator = id.generator
            for occurrence in 0..<count {
                rng = SynthRandom(seed: seed, purpose: UInt64(1_000_000 * id.number + occurrence))
                let day = (frame.spreadDay(occurrence, of: count) + id.number) % frame.days
                generator.inject(day: day, occurrence: occurrence, into: &self)
            }
        }
    }

    /// Adds a CloudTrail event to the trail of the account that recorded it.
    mutating func add(_ record: CloudTrailRecord, _ scenarios: ScenarioID...) {
        let account = aws.accounts.firstIndex { $0.id == record.recipientAccountID }!
        events.append(InjectedEvent(record: .cloudTrail(record, account: account), scenarios: scenarios))
    }

    mutating func add(_ record: ActionTrailRecord, _ scenarios: ScenarioID...) {
        events.append(InjectedEvent(record: .actionTrail(record), scenarios: scenarios))
    }

    mutating func add(_ finding: CSPMFinding, _ scenarios: ScenarioID...) {
        events.append(InjectedEvent(record: .securityCenter(finding), scenarios: scenarios))
    }

    // MARK: Time

    /// A time in Tokyo business hours on `day`, or on the nearest workday when `day` is not one.
    mutating func workTime(day: Int, margin: Int64 = 3600) -> UTCTime {
        let workdays = frame.workdays
        guard let nearest = workdays.min(by: { abs($0 - day) < abs($1 - day) }) else {
            // A weekend-only corpus: late morning, Tokyo time.
            return frame.dayStart(day) + 2 * 3600 + rng.int64(in: 0...3600)
        }
        return Company.businessTime(dayStart: frame.dayStart(nearest), rng: &rng, margin: margin)!
    }

    /// `from`…`to` hours after 09:00 Tokyo time (00:00 UTC) on the workday nearest `day`.
    mutating func workTime(day: Int, hoursIntoWorkday hours: ClosedRange<Int64>) -> UTCTime {
        let workday = frame.workdays.min(by: { abs($0 - day) < abs($1 - day) }) ?? day
        return frame.dayStart(workday) + rng.int64(in: (hours.lowerBound * 3600)...(hours.upperBound * 3600))
    }

    /// 01:00–04:30 Tokyo time of the night that begins on `day` (16:00–19:30 UTC).
    mutating func nightTime(day: Int) -> UTCTime {
        frame.dayStart(day) + 16 * 3600 + rng.int64(in: 0...(3 * 3600 + 1800))
    }

    /// A day whose Tokyo date is Saturday or Sunday, if the corpus has one.
    var weekendDay: Int? { (0..<frame.days).first { !Company.isWorkday(frame.dayStart($0)) } }

    // MARK: AWS callers

    mutating func account() -> AWSAccount { rng.pick(aws.accounts) }

    /// A region other than the global one when there is one: where workloads live.
    mutating func workloadRegion() -> String {
        let others = regions.filter { $0 != SynthOptions.globalRegion }
        return others.isEmpty ? SynthOptions.globalRegion : rng.pick(others)
    }

    /// An IAM user at their desk with the aws-cli.
    func cli(_ user: IAMUserProfile, account: AWSAccount, command: String) -> AWSCaller {
        let person = user.person!
        return AWSCaller(identity: .iamUser(user, account: account), sourceIP: person.address,
                         userAgent: UserAgents.awsCLI(platform: person.cliPlatform, command: command), tlsVersion: .v13)
    }

    /// A successful console sign-in by an IAM user, from their own desk unless told otherwise.
    mutating func consoleLogin(_ user: IAMUserProfile, account: AWSAccount, at time: UTCTime, from address: String? = nil,
                               browser: String? = nil, mfa: Bool = true) -> CloudTrailRecord {
        let person = user.person!
        return AWSEvents.consoleLogin(account: account, identity: .iamUser(user, account: account, accessKeyID: ""), time: time,
                                      sourceIP: address ?? person.address, browser: browser ?? person.browser,
                                      signIn: .init(mfaUsed: mfa, mfaDevice: user.mfaDeviceARN), rng: &rng)
    }

    /// A person working through IAM Identity Center's administrator role in the console.
    mutating func ssoAdmin(account: AWSAccount, time: UTCTime) -> AWSCaller {
        let person = rng.pick(account.humans).person!
        let identity = AWSIdentity.assumedRole(account.ssoAdmin, session: person.email, accessKeyID: rng.awsID("ASIA", length: 20),
                                               created: time - rng.int64(in: 300...3000))
        return AWSCaller(identity: identity, sourceIP: person.address, userAgent: rng.pick(UserAgents.consoleInternal),
                         viaConsole: true, tlsVersion: .v12)
    }

    /// Someone allowed to change things: an administrator in the console or at the CLI, or the pipeline.
    mutating func operatorCaller(account: AWSAccount, time: UTCTime, command: String) -> AWSCaller {
        switch rng.below(3) {
        case 0:
            return ssoAdmin(account: account, time: time)
        case 1:
            return cli(rng.pick(account.humans), account: account, command: command)
        default:
            return pipeline(account: account, time: time)
        }
    }

    /// The deploy pipeline (GitHub Actions running Terraform through the `ci` role).
    mutating func pipeline(account: AWSAccount, time: UTCTime) -> AWSCaller {
        let identity = AWSIdentity.assumedRole(account.ci, session: "GitHubActions", accessKeyID: rng.awsID("ASIA", length: 20),
                                               created: time - rng.int64(in: 30...600))
        return AWSCaller(identity: identity, sourceIP: Addresses.ciRunner(&rng), userAgent: UserAgents.terraform, tlsVersion: .v13)
    }

    /// A leaked long-term access key used from somewhere hostile.
    mutating func intruder(account: AWSAccount) -> AWSCaller {
        let user = rng.chance(0.5) ? account.machineUser : rng.pick(account.humans)
        return AWSCaller(identity: .iamUser(user, account: account), sourceIP: Addresses.hostile(&rng),
                         userAgent: UserAgents.boto3Attacker, tlsVersion: .v12)
    }

    /// EC2's response to a change that reports nothing but success.
    mutating func acknowledged() -> [UInt8] {
        let requestID = rng.uuid()
        return JSONWriter.build { w in
            w.field("requestId", requestID)
            w.field("_return", true)
        }
    }

    /// An API call by `caller` with a prepared request and response.
    mutating func call(_ account: AWSAccount, _ caller: AWSCaller, at time: UTCTime, region: String, _ source: String, _ name: String,
                       readOnly: Bool = false, request: [UInt8]?, response: [UInt8]? = nil, resources: [AWSResource] = []) -> CloudTrailRecord {
        CloudTrailRecord(caller: caller, accountID: account.id, time: time, region: region, source: source, name: name,
                         readOnly: readOnly, request: request, response: response, resources: resources, rng: &rng)
    }

    // MARK: Alibaba callers

    /// A RAM user at their desk with the Alibaba Cloud CLI.
    mutating func ramCLI(_ world: AlibabaWorld) -> AlibabaCaller {
        let user = rng.pick(world.users)
        return AlibabaCaller(identity: .ramUser(user, world: world), sourceIP: user.person.address, userAgent: UserAgents.aliyunCLI)
    }

    /// A console sign-in by a RAM user, from their own desk unless told otherwise.
    mutating func consoleSignin(_ world: AlibabaWorld, _ user: AlibabaWorld.RAMUser, at time: UTCTime,
                                from address: String? = nil, browser: String? = nil, mfa: Bool = true,
                                failure: (code: String, message: String)? = nil) -> ActionTrailRecord {
        var identity = AlibabaIdentity.ramUser(user, world: world)
        identity.accessKeyID = nil
        return AlibabaEvents.consoleSignin(world: world, identity: identity, time: time, sourceIP: address ?? user.person.address,
                                           browser: browser ?? user.person.browser, mfa: mfa, failure: failure, rng: &rng)
    }

    /// An Alibaba API call by `caller`.
    mutating func call(_ world: AlibabaWorld, _ caller: AlibabaCaller, at time: UTCTime, region: String, _ service: String,
                       _ name: String, write: Bool = true, apiVersion: String?, _ parameters: [(String, String)],
                       resources: [(type: String, ids: [String])] = []) -> ActionTrailRecord {
        AlibabaEvents.call(world: world, caller: caller, time: time, region: region, service: service, name: name, write: write,
                           apiVersion: apiVersion, parameters: parameters, resources: resources, rng: &rng)
    }
}
