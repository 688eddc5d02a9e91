/// What one Alibaba API call sends: its request members and the resources it references.
struct AlibabaCallSpec {
    var parameters: [(String, String)]
    var resources: [(type: String, ids: [String])] = []
}

/// One Alibaba Cloud API action for background traffic. Like the AWS catalog it holds no
/// action that a detection scenario is about (no RAM or trail changes, no security-group
/// rules, no instance creation or deletion).
struct AlibabaAction: Sendable {
    let service: String
    let name: String
    let write: Bool
    let apiVersion: String?
    /// The call's members, from a random source, the world and the caller's region.
    typealias Make = @Sendable (inout SynthRandom, AlibabaWorld, String) -> AlibabaCallSpec
    let make: Make

    init(_ service: String, _ name: String, write: Bool = false, apiVersion: String?,
         make: @escaping Make = { _, _, _ in AlibabaCallSpec(parameters: []) }) {
        self.service = service
        self.name = name
        self.write = write
        self.apiVersion = apiVersion
        self.make = make
    }

    var isGlobal: Bool { service == "Ram" || service == "Sts" }
}

enum AlibabaCatalog {
    static let ecsVersion = "2014-05-26"

    /// The same members on every call.
    private static func fixed(_ parameters: [(String, String)]) -> AlibabaAction.Make {
        { _, _, _ in AlibabaCallSpec(parameters: parameters) }
    }

    // Request shapes that several actions share.
    private static let inVPC: AlibabaAction.Make = { rng, world, region in
        AlibabaCallSpec(parameters: [("VpcId", rng.pick(world.vpcs(region))), ("PageSize", "50")])
    }
    private static let onInstance: AlibabaAction.Make = { rng, world, region in
        let instance = rng.pick(world.instances(region))
        return AlibabaCallSpec(parameters: [("InstanceId", instance)], resources: [("ACS::ECS::Instance", [instance])])
    }
    private static let onUser: AlibabaAction.Make = { rng, world, _ in
        AlibabaCallSpec(parameters: [("UserName", rng.pick(world.users).name)])
    }
    private static let onBucket: AlibabaAction.Make = { rng, world, _ in
        let bucket = rng.pick(world.buckets)
        return AlibabaCallSpec(parameters: [("BucketName", bucket)], resources: [("ACS::OSS::Bucket", [bucket])])
    }

    static let actions: [AlibabaAction] = [
        AlibabaAction("Ecs", "DescribeInstances", apiVersion: ecsVersion, make: fixed([("PageSize", "50"), ("PageNumber", "1")])),
        AlibabaAction("Ecs", "DescribeInstanceStatus", apiVersion: ecsVersion, make: fixed([("PageSize", "50")])),
        AlibabaAction("Ecs", "DescribeSecurityGroups", apiVersion: ecsVersion, make: inVPC),
        AlibabaAction("Ecs", "DescribeSecurityGroupAttribute", apiVersion: ecsVersion) { rng, world, region in
            let group = rng.pick(world.securityGroups(region))
            return AlibabaCallSpec(parameters: [("SecurityGroupId", group), ("Direction", "ingress")],
                                   resources: [("ACS::ECS::SecurityGroup", [group])])
        },
        AlibabaAction("Ecs", "DescribeDisks", apiVersion: ecsVersion, make: onInstance),
        AlibabaAction("Ecs", "DescribeImages", apiVersion: ecsVersion,
                      make: fixed([("ImageOwnerAlias", "system"), ("OSType", "linux"), ("PageSize", "100")])),
        AlibabaAction("Ecs", "StartInstance", write: true, apiVersion: ecsVersion, make: onInstance),
        AlibabaAction("Ecs", "StopInstance", write: true, apiVersion: ecsVersion) { rng, world, region in
            let instance = rng.pick(world.instances(region))
            return AlibabaCallSpec(parameters: [("InstanceId", instance), ("ForceStop", "false")],
                                   resources: [("ACS::ECS::Instance", [instance])])
        },
        AlibabaAction("Vpc", "DescribeVpcs", apiVersion: "2016-04-28", make: fixed([("PageSize", "50")])),
        AlibabaAction("Vpc", "DescribeVSwitches", apiVersion: "2016-04-28", make: inVPC),
        AlibabaAction("Ram", "ListUsers", apiVersion: "2015-05-01", make: fixed([("MaxItems", "100")])),
        AlibabaAction("Ram", "GetUser", apiVersion: "2015-05-01", make: onUser),
        AlibabaAction("Ram", "ListPoliciesForUser", apiVersion: "2015-05-01", make: onUser),
        AlibabaAction("Sts", "GetCallerIdentity", apiVersion: "2015-04-01"),
        AlibabaAction("Oss", "GetService", apiVersion: nil),
        AlibabaAction("Oss", "GetBucketInfo", apiVersion: nil, make: onBucket),
        AlibabaAction("Oss", "GetBucketAcl", apiVersion: nil, make: onBucket),
        AlibabaAction("Actiontrail", "DescribeTrails", apiVersion: "2020-07-06"),
        AlibabaAction("Actiontrail", "GetTrailStatus", apiVersion: "2020-07-06") { _, world, _ in
            AlibabaCallSpec(parameters: [("Name", world.trailName)])
        },
        AlibabaAction("Actiontrail", "LookupEvents", apiVersion: "2020-07-06") { rng, _, _ in
            AlibabaCallSpec(parameters: [("MaxResults", "50"), ("LookupAttribute.1.Key", "EventName"),
                                         ("LookupAttribute.1.Value", rng.pick(["ConsoleSignin", "DeleteInstance", "CreateAccessKey"]))])
        },
        AlibabaAction("Kms", "Decrypt", apiVersion: "2016-01-20", make: fixed([("EncryptionContext", "{\"app\":\"orders\"}")])),
        AlibabaAction("Slb", "DescribeLoadBalancers", apiVersion: "2014-05-15", make: fixed([("PageSize", "50")])),
        AlibabaAction("Rds", "DescribeDBInstances", apiVersion: "2014-08-15",
                      make: fixed([("PageSize", "30"), ("Engine", "MySQL")])),
        AlibabaAction("Cms", "DescribeMetricList", apiVersion: "2019-01-01") { rng, world, region in
            AlibabaCallSpec(parameters: [("Namespace", "acs_ecs_dashboard"), ("MetricName", "CPUUtilization"),
                                         ("Dimensions", "[{\"instanceId\":\"\(rng.pick(world.instances(region)))\"}]"), ("Period", "60")])
        },
    ]

    static func index(_ name: String) -> Int {
        guard let i = actions.firstIndex(where: { $0.name == name }) else { preconditionFailure("no action \(name)") }
        return i
    }

    static func mix(_ weighted: [(String, Double)]) -> WeightedChoice<Int> {
        WeightedChoice(weighted.map { (index($0.0), $0.1) })
    }
}

/// Callers of the Alibaba account's everyday traffic.
enum AlibabaCallerKind: CaseIterable {
    case ramCLI, ramConsole, instanceRole, deployRole, autoScaling

    var isHuman: Bool { self == .ramCLI || self == .ramConsole }

    var profile: CallerProfile {
        switch self {
        case .ramCLI: return CallerProfile(sessionWeight: 5, calls: 1...15, gap: 2...40, mix: AlibabaMixes.human)
        case .ramConsole: return CallerProfile(sessionWeight: 3, calls: 3...25, gap: 1...20, mix: AlibabaMixes.human)
        case .instanceRole: return CallerProfile(sessionWeight: 9, calls: 2...8, gap: 30...300, mix: AlibabaMixes.instance)
        case .deployRole: return CallerProfile(sessionWeight: 1, calls: 20...70, gap: 0...2, mix: AlibabaMixes.deploy)
        case .autoScaling: return CallerProfile(sessionWeight: 3, calls: 1...4, gap: 0...10, mix: AlibabaMixes.autoScaling)
        }
    }
}

/// Which actions each kind of Alibaba caller uses, and how often.
enum AlibabaMixes {
    static let human = AlibabaCatalog.mix([
        ("DescribeInstances", 6), ("DescribeInstanceStatus", 2), ("DescribeSecurityGroups", 2),
        ("DescribeSecurityGroupAttribute", 2), ("DescribeDisks", 2), ("DescribeVpcs", 1),
        ("DescribeVSwitches", 1), ("ListUsers", 1), ("GetUser", 1), ("ListPoliciesForUser", 1),
        ("GetService", 1), ("GetBucketInfo", 1), ("DescribeTrails", 1), ("LookupEvents", 1),
        ("DescribeLoadBalancers", 1), ("DescribeDBInstances", 1), ("DescribeMetricList", 2),
        ("StartInstance", 0.3), ("StopInstance", 0.3),
    ])

    static let instance = AlibabaCatalog.mix([("GetBucketInfo", 2), ("Decrypt", 3), ("GetCallerIdentity", 1), ("DescribeInstances", 1)])

    static let deploy = AlibabaCatalog.mix([
        ("DescribeInstances", 2), ("DescribeSecurityGroups", 2), ("DescribeSecurityGroupAttribute", 3),
        ("DescribeVpcs", 2), ("DescribeVSwitches", 2), ("DescribeImages", 1), ("GetUser", 1),
        ("ListPoliciesForUser", 1), ("GetBucketInfo", 1), ("GetBucketAcl", 1), ("DescribeTrails", 1),
        ("GetTrailStatus", 1), ("DescribeLoadBalancers", 1), ("DescribeDBInstances", 1), ("GetCallerIdentity", 1),
    ])

    static let autoScaling = AlibabaCatalog.mix([("DescribeInstances", 2), ("DescribeInstanceStatus", 3)])
}

struct AlibabaSession {
    let kind: AlibabaCallerKind
    let region: Int
    let caller: AlibabaCaller
    /// RAM console sessions begin with their sign-in.
    var signIn: AlibabaWorld.RAMUser? = nil
}

/// Plans and renders the background ActionTrail traffic of the Alibaba account.
struct AlibabaTraffic {
    let world: AlibabaWorld
    let frame: TimeFrame
    private(set) var sessions: [AlibabaSession] = []

    static let regions = AlibabaWorld.regions
    private static let globalStream = Int32(regions.firstIndex(of: AlibabaWorld.globalRegion)!)

    init(world: AlibabaWorld, frame: TimeFrame) {
        self.world = world
        self.frame = frame
    }

    static func stream(region: String) -> Int32 { Int32(regions.firstIndex(of: region)!) }

    /// Appends exactly `count` background events to `events`.
    mutating func plan(count: Int, rng: inout SynthRandom, into events: inout [PlannedEvent]) {
        guard count > 0 else { return }
        let workdays = frame.workdays
        let kinds = WeightedChoice(AlibabaCallerKind.allCases.map { ($0, $0.isHuman && workdays.isEmpty ? 0 : $0.profile.sessionWeight) })
        var remaining = count
        while remaining > 0 {
            let kind = kinds.pick(&rng)
            var time = frame.sessionStart(human: kind.isHuman, workdays: workdays, rng: &rng)
            let session = makeSession(kind, time: time, rng: &rng)
            sessions.append(session)
            let ref = Int32(sessions.count - 1)
            if session.signIn != nil {
                events.append(PlannedEvent(time: time.seconds, seed: rng.next(), stream: AlibabaTraffic.globalStream, ref: ref,
                                           action: -1, source: .opening, outcome: .success))
                remaining -= 1
                time = time + rng.int64(in: 2...6)
            }
            let profile = kind.profile
            let calls = min(remaining, rng.int(in: profile.calls))
            for _ in 0..<calls where time < frame.end {
                let index = profile.mix.pick(&rng)
                let stream = AlibabaCatalog.actions[index].isGlobal ? AlibabaTraffic.globalStream : Int32(session.region)
                events.append(PlannedEvent(time: time.seconds, seed: rng.next(), stream: stream, ref: ref,
                                           action: Int16(index), source: .action, outcome: .success))
                remaining -= 1
                time = time + rng.int64(in: profile.gap)
            }
        }
    }

    private func makeSession(_ kind: AlibabaCallerKind, time: UTCTime, rng: inout SynthRandom) -> AlibabaSession {
        // Most workloads run in Hangzhou; people look at every region.
        let region = rng.chance(0.6) ? 0 : rng.below(AlibabaTraffic.regions.count)
        let token = "STS.NT" + rng.alphanumeric(20)
        switch kind {
        case .ramCLI:
            let user = rng.pick(world.users)
            return AlibabaSession(kind: kind, region: region, caller: AlibabaCaller(identity: .ramUser(user, world: world),
                                                                               sourceIP: user.person.address, userAgent: UserAgents.aliyunCLI))
        case .ramConsole:
            let user = rng.pick(world.users)
            let identity = AlibabaIdentity.ramUser(user, world: world, accessKeyID: token, session: (time, true))
            return AlibabaSession(kind: kind, region: region,
                                  caller: AlibabaCaller(identity: identity, sourceIP: user.person.address, userAgent: user.person.browser, viaConsole: true),
                                  signIn: user)
        case .instanceRole:
            let instance = rng.pick(world.instances(AlibabaTraffic.regions[region]))
            let identity = AlibabaIdentity.assumedRole(world.instanceRole, session: instance, world: world, token: token,
                                                       created: time - rng.int64(in: 60...3000))
            return AlibabaSession(kind: kind, region: region,
                                  caller: AlibabaCaller(identity: identity, sourceIP: AlibabaWorld.cloudAddress(&rng), userAgent: UserAgents.aliyunPython))
        case .deployRole:
            let identity = AlibabaIdentity.assumedRole(world.deployRole, session: "terraform-\(time.seconds)", world: world, token: token, created: time)
            return AlibabaSession(kind: kind, region: region,
                                  caller: AlibabaCaller(identity: identity, sourceIP: Addresses.ciRunner(&rng), userAgent: UserAgents.aliyunTerraform))
        case .autoScaling:
            let identity = AlibabaIdentity(kind: .system, principalID: world.accountID, accountID: world.accountID, userName: "ess.aliyuncs.com")
            return AlibabaSession(kind: kind, region: region,
                                  caller: AlibabaCaller(identity: identity, sourceIP: "ess.aliyuncs.com", userAgent: "ess.aliyuncs.com"))
        }
    }

    func record(for event: PlannedEvent) -> ActionTrailRecord {
        let session = sessions[Int(event.ref)]
        var rng = SynthRandom(seed: event.seed)
        let time = UTCTime(seconds: event.time)
        if let user = session.signIn, event.source == .opening {
            var signInIdentity = AlibabaIdentity.ramUser(user, world: world)
            signInIdentity.accessKeyID = nil  // a password sign-in uses no access key
            return AlibabaEvents.consoleSignin(world: world, identity: signInIdentity, time: time, sourceIP: session.caller.sourceIP,
                                               browser: session.caller.userAgent, mfa: true, failure: nil, rng: &rng)
        }
        let action = AlibabaCatalog.actions[Int(event.action)]
        let region = AlibabaTraffic.regions[Int(event.stream)]
        let spec = action.make(&rng, world, region)
        return AlibabaEvents.call(world: world, caller: session.caller, time: time, region: region, service: action.service,
                                  name: action.name, write: action.write, apiVersion: action.apiVersion,
                                  parameters: spec.parameters, resources: spec.resources, rng: &rng)
    }
}
