import TrailCore

/// D4: a leaked key enumerates the account from somewhere hostile. The first call
/// (`GetCallerIdentity`) succeeds, as it always does; then every probe is denied within a few
/// minutes. Isolated background denials are the decoys a burst rule must not flag.
struct DeniedBurst: ScenarioGenerator {
    /// Probes of an enumeration tool: (service, action, global?).
    private static let probes: [(String, String, Bool)] = [
        ("iam.amazonaws.com", "ListUsers", true), ("iam.amazonaws.com", "ListRoles", true),
        ("iam.amazonaws.com", "GetAccountAuthorizationDetails", true), ("s3.amazonaws.com", "ListBuckets", true),
        ("ec2.amazonaws.com", "DescribeInstances", false), ("ec2.amazonaws.com", "DescribeSnapshots", false),
        ("secretsmanager.amazonaws.com", "ListSecrets", false), ("lambda.amazonaws.com", "ListFunctions20150331", false),
        ("rds.amazonaws.com", "DescribeDBInstances", false), ("kms.amazonaws.com", "ListKeys", false),
    ]

    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        let intruder = plan.intruder(account: account)
        let region = plan.workloadRegion()
        var time = plan.workTime(day: day)
        plan.add(plan.call(account, intruder, at: time, region: SynthOptions.globalRegion, "sts.amazonaws.com", "GetCallerIdentity",
                           readOnly: true, request: nil))
        var probes = DeniedBurst.probes
        for _ in 0..<plan.rng.int(in: 6...9) {
            time = time + plan.rng.int64(in: 3...25)
            let (source, name, global) = probes.remove(at: plan.rng.below(probes.count))
            let action = AWSAction(source, name)
            let denial = action.denial(callerARN: intruder.identity.arn ?? "", resource: nil)
            var record = plan.call(account, intruder, at: time, region: global ? SynthOptions.globalRegion : region, source, name,
                                   readOnly: true, request: source == "s3.amazonaws.com" ? JSONWriter.build { $0.field("Host", "s3.amazonaws.com") } : nil)
            record.errorCode = denial.code
            record.errorMessage = denial.message
            plan.add(record, .d4)
        }

        guard let world = plan.alibaba else { return }
        let victim = plan.rng.pick(world.users)
        let caller = AlibabaCaller(identity: .ramUser(victim, world: world), sourceIP: Addresses.hostile(&plan.rng), userAgent: UserAgents.aliyunPython)
        let denials: [(service: String, name: String, version: String?, code: String, message: String)] = [
            ("Ecs", "DescribeInstances", AlibabaCatalog.ecsVersion, "Forbidden.RAM",
             "User not authorized to operate on the specified resource, or this API doesn't support RAM."),
            ("Ram", "ListUsers", "2015-05-01", "NoPermission", "You are not authorized to do this action. You should be authorized by RAM."),
            ("Ram", "ListRoles", "2015-05-01", "NoPermission", "You are not authorized to do this action. You should be authorized by RAM."),
            ("Oss", "GetService", nil, "AccessDenied", "You have no right to access this object because of bucket acl."),
            ("Rds", "DescribeDBInstances", "2014-08-15", "Forbidden.RAM", "User not authorized to operate on the specified resource, or this API doesn't support RAM."),
            ("Kms", "ListKeys", "2016-01-20", "Forbidden.RAM", "User not authorized to operate on the specified resource, or this API doesn't support RAM."),
            ("Ecs", "DescribeSnapshots", AlibabaCatalog.ecsVersion, "Forbidden.RAM",
             "User not authorized to operate on the specified resource, or this API doesn't support RAM."),
        ]
        var when = plan.workTime(day: day)
        for denial in denials.prefix(plan.rng.int(in: 6...7)) {
            var record = plan.call(world, caller, at: when, region: plan.rng.pick(AlibabaWorld.regions), denial.service, denial.name,
                                   write: false, apiVersion: denial.version, [])
            record.errorCode = denial.code
            record.errorMessage = denial.message
            plan.add(record, .d4)
            when = when + plan.rng.int64(in: 3...25)
        }
    }
}
