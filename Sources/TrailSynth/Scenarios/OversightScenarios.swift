import TrailCore

/// The company's named privileged user: a break-glass administrator kept for emergencies, in
/// both clouds, who never appears in background traffic. pipelines/tables/principals.csv
/// lists it as privileged, so its sign-ins and changes are D18.
enum PrivilegedAdministrator {
    static let name = "breakglass-admin"

    static let person = Company.Person(userName: name, email: "\(name)@\(Company.domain)", address: "203.0.113.5",
                                       browser: UserAgents.browsers[0], cliPlatform: UserAgents.cliPlatforms[0])

    /// The administrator's IAM user in `account`, with IDs drawn from their own stream so that
    /// every occurrence sees the same user.
    static func iamUser(_ account: AWSAccount, seed: UInt64) -> IAMUserProfile {
        var rng = SynthRandom(seed: seed, purpose: 0xB4EA_C6A5 ^ (UInt64(account.id) ?? 0))
        return IAMUserProfile(name: name, principalID: rng.awsID("AIDA", length: 21), accessKeyID: rng.awsID("AKIA", length: 20),
                              arn: "arn:aws:iam::\(account.id):user/\(name)", person: person,
                              mfaDeviceARN: "arn:aws:iam::\(account.id):mfa/\(name)")
    }

    static func ramUser(_ world: AlibabaWorld, seed: UInt64) -> AlibabaWorld.RAMUser {
        var rng = SynthRandom(seed: seed, purpose: 0xB4EA_C6A6)
        return AlibabaWorld.RAMUser(name: name, principalID: "2" + rng.digits(16), accessKeyID: "LTAI5t" + rng.alphanumeric(18), person: person)
    }
}

/// D18: the break-glass administrator signs in to the console (with MFA, in business hours)
/// and changes an instance; the console's reads around it are decoys (the rule leaves reads out).
struct PrivilegedUserActivity: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        let admin = PrivilegedAdministrator.iamUser(account, seed: plan.seed)
        let person = PrivilegedAdministrator.person
        var time = plan.workTime(day: day, margin: 3600)
        plan.add(plan.consoleLogin(admin, account: account, at: time), .d18)
        let session = AWSIdentity.Session(issuer: nil, created: time, mfaAuthenticated: true)
        let console = AWSCaller(identity: .iamUser(admin, account: account, accessKeyID: plan.rng.awsID("ASIA", length: 20), session: session),
                                sourceIP: person.address, userAgent: plan.rng.pick(UserAgents.consoleInternal), viaConsole: true, tlsVersion: .v12)
        let region = plan.workloadRegion()
        let instance = plan.rng.pick(account.resources.instances)
        time = time + plan.rng.int64(in: 30...120)
        plan.add(plan.call(account, console, at: time, region: region, "ec2.amazonaws.com", "DescribeInstances", readOnly: true,
                           request: JSONWriter.build { w in
                               w.items("instancesSet") { w in w.object { $0.field("instanceId", instance) } }
                               w.object("filterSet") { _ in }
                           }))
        time = time + plan.rng.int64(in: 60...300)
        plan.add(plan.call(account, console, at: time, region: region, "ec2.amazonaws.com", "ModifyInstanceAttribute",
                           request: JSONWriter.build { w in
                               w.field("instanceId", instance)
                               w.object("disableApiTermination") { $0.field("value", false) }
                           }, response: plan.acknowledged()), .d18)

        guard let world = plan.alibaba else { return }
        let ramAdmin = PrivilegedAdministrator.ramUser(world, seed: plan.seed)
        var when = plan.workTime(day: day, margin: 3600)
        plan.add(plan.consoleSignin(world, ramAdmin, at: when), .d18)
        let token = "STS.NT" + plan.rng.alphanumeric(20)
        let alibabaConsole = AlibabaCaller(identity: .ramUser(ramAdmin, world: world, accessKeyID: token, session: (when, true)),
                                           sourceIP: person.address, userAgent: person.browser, viaConsole: true)
        let alibabaRegion = plan.rng.pick(AlibabaWorld.regions)
        let target = plan.rng.pick(world.instances(alibabaRegion))
        when = when + plan.rng.int64(in: 30...120)
        plan.add(plan.call(world, alibabaConsole, at: when, region: alibabaRegion, "Ecs", "DescribeInstances", write: false,
                           apiVersion: AlibabaCatalog.ecsVersion, [("RegionId", alibabaRegion), ("InstanceIds", "[\"\(target)\"]")]))
        when = when + plan.rng.int64(in: 60...300)
        plan.add(plan.call(world, alibabaConsole, at: when, region: alibabaRegion, "Ecs", "ModifyInstanceAttribute",
                           apiVersion: AlibabaCatalog.ecsVersion, [("InstanceId", target), ("DeletionProtection", "false")],
                           resources: [("ACS::ECS::Instance", [target])]), .d18)
    }
}

/// D19: a Security Center configuration scan (CSPM) of the Alibaba account, as its log store
/// ships the results: every check item's result for one resource, NOT_PASS (the scenario
/// events), PASS and WHITELIST (decoys).
struct FailedConfigurationChecks: ScenarioGenerator {
    /// Check items of Security Center's cloud platform configuration checks.
    static let checks: [CSPMFinding.Check] = [
        .init(id: "94", name: "OSS bucket public read disabled", type: "OSS", subType: "INSTANCE", risk: "HIGH", section: "3", requirement: "12"),
        .init(id: "37", name: "Security group does not allow SSH from the internet", type: "ECS", subType: "SECURITY_GROUP", risk: "HIGH", section: "4", requirement: "17"),
        .init(id: "12", name: "RAM user MFA enabled", type: "RAM", subType: "USER", risk: "MEDIUM", section: "1", requirement: "2"),
        .init(id: "41", name: "ActionTrail delivers to OSS", type: "ACTIONTRAIL", subType: "INSTANCE", risk: "MEDIUM", section: "2", requirement: "8"),
        .init(id: "58", name: "ECS disk encryption enabled", type: "ECS", subType: "DISK", risk: "LOW", section: "4", requirement: "19"),
        .init(id: "23", name: "RAM password policy requires 14 characters", type: "RAM", subType: "ALIAS", risk: "LOW", section: "1", requirement: "5"),
        .init(id: "66", name: "SLB listener uses HTTPS", type: "SLB", subType: "INSTANCE", risk: "MEDIUM", section: "4", requirement: "23"),
    ]

    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        guard let world = plan.alibaba else { return }
        // The daily scan runs in the small hours, Tokyo time.
        let scan = plan.frame.dayStart(day) + 17 * 3600 + plan.rng.int64(in: 0...1800)
        for check in FailedConfigurationChecks.checks {
            let region = plan.rng.pick(AlibabaWorld.regions)
            let resource: (id: String, name: String)
            switch check.type {
            case "OSS":
                let bucket = plan.rng.pick(world.buckets)
                resource = (bucket, bucket)
            case "ECS":
                let id = check.subType == "SECURITY_GROUP" ? plan.rng.pick(world.securityGroups(region)) : "d-" + plan.rng.alphanumeric(20).lowercased()
                resource = (id, id)
            case "RAM":
                let user = plan.rng.pick(world.users)
                resource = check.subType == "USER" ? (user.principalID, user.name) : (world.accountID, world.loginAccount)
            case "ACTIONTRAIL":
                resource = (world.trailName, world.trailName)
            default:
                let id = "lb-" + plan.rng.alphanumeric(20).lowercased()
                resource = (id, "web-\(plan.rng.hex(4))")
            }
            let roll = plan.rng.unit()
            let status = roll < 0.5 ? "NOT_PASS" : roll < 0.9 ? "PASS" : "WHITELIST"
            let finding = CSPMFinding(check: check, instanceID: resource.id, instanceName: resource.name, region: region, status: status,
                                      time: scan + plan.rng.int64(in: 0...120))
            if status == "NOT_PASS" { plan.add(finding, .d19) } else { plan.add(finding) }
        }
    }
}

/// One Security Center CSPM check result as SLS ships it to OSS in JSON (formats.md 4.5): all
/// values strings, with `__time__`, `__topic__` and `__source__`.
struct CSPMFinding: Sendable {
    struct Check: Sendable {
        let id, name, type, subType, risk: String
        /// Where the check sits in the compliance standard (`standard_id` 1).
        let section, requirement: String
    }

    let check: Check
    let instanceID: String
    let instanceName: String
    let region: String
    let status: String
    let time: UTCTime

    func write(to w: inout JSONWriter) {
        let seconds = String(time.seconds)
        w.object { w in
            w.field("__topic__", "sas-cspm-log")
            w.field("__source__", "sas")
            w.field("__time__", seconds)
            w.field("check_id", check.id)
            w.field("check_item_name", check.name)
            w.field("instance_id", instanceID)
            w.field("instance_name", instanceName)
            w.field("instance_type", check.type)
            w.field("instance_sub_type", check.subType)
            w.field("instance_result", status == "NOT_PASS" ? "{\"Checks\":[{\"CheckName\":\"\(check.name)\",\"Result\":\"failed\"}]}" : "{\"Checks\":[]}")
            w.field("region_id", region)
            w.field("requirement_id", check.requirement)
            w.field("section_id", check.section)
            w.field("standard_id", "1")
            w.field("risk_level", check.risk)
            w.field("status", status)
            w.field("vendor", "ALIYUN")
            w.field("start_time", seconds)
        }
    }
}
