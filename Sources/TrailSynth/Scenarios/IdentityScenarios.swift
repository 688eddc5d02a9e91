import TrailCore

extension ScenarioPlan {
    /// An IAM write (recorded in us-east-1) with an optional response.
    mutating func iam(_ account: AWSAccount, _ caller: AWSCaller, at time: UTCTime, _ name: String,
                      _ request: [UInt8], response: [UInt8]? = nil) -> CloudTrailRecord {
        call(account, caller, at: time, region: SynthOptions.globalRegion, "iam.amazonaws.com", name, request: request, response: response)
    }

    /// CreateUser's response for `name` below `path`.
    mutating func newUser(_ name: String, path: String = "/", account: AWSAccount, at time: UTCTime) -> [UInt8] {
        let userID = rng.awsID("AIDA", length: 21)
        return JSONWriter.build { w in
            w.object("user") { w in
                w.field("path", path)
                w.field("userName", name)
                w.field("userId", userID)
                w.field("arn", "arn:aws:iam::\(account.id):user\(path)\(name)")
                w.field("createDate", time.awsResponseDate)
            }
        }
    }

    /// CreateAccessKey's response for `user`.
    mutating func newAccessKey(for user: String, at time: UTCTime) -> [UInt8] {
        let key = rng.awsID("AKIA", length: 20)
        return JSONWriter.build { w in
            w.object("accessKey") { w in
                w.field("userName", user)
                w.field("accessKeyId", key)
                w.field("status", "Active")
                w.field("createDate", time.awsResponseDate)
            }
        }
    }
}

/// D8: everyday identity administration: a new access key, a user added to a group, an old
/// key deactivated.
struct IdentityChange: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        var time = plan.workTime(day: day)
        let caller = plan.ssoAdmin(account: account, time: time)
        let user = plan.rng.pick(account.humans).name
        plan.add(plan.iam(account, caller, at: time, "CreateAccessKey", JSONWriter.build { $0.field("userName", user) },
                          response: plan.newAccessKey(for: user, at: time)), .d8)
        time = time + plan.rng.int64(in: 30...600)
        plan.add(plan.iam(account, caller, at: time, "AddUserToGroup", JSONWriter.build { w in
            w.field("groupName", plan.rng.pick(["developers", "operators", "read-only"]))
            w.field("userName", user)
        }), .d8)
        time = time + plan.rng.int64(in: 30...600)
        plan.add(plan.iam(account, caller, at: time, "UpdateAccessKey", JSONWriter.build { w in
            w.field("userName", user)
            w.field("accessKeyId", plan.rng.awsID("AKIA", length: 20))
            w.field("status", "Inactive")
        }), .d8)

        guard let world = plan.alibaba else { return }
        let admin = plan.ramCLI(world)
        let target = plan.rng.pick(world.users).name
        let start = plan.workTime(day: day)
        plan.add(plan.call(world, admin, at: start, region: AlibabaWorld.globalRegion, "Ram", "CreateAccessKey", apiVersion: "2015-05-01",
                           [("UserName", target)]), .d8)
        plan.add(plan.call(world, admin, at: start + plan.rng.int64(in: 30...600), region: AlibabaWorld.globalRegion, "Ram", "AddUserToGroup",
                           apiVersion: "2015-05-01", [("UserName", target), ("GroupName", "operators")]), .d8)
    }
}

/// D9: AdministratorAccess attached to a user (then a role, then a group on later
/// occurrences). The decoy attaches ReadOnlyAccess: an IAM change, but not an admin grant.
struct AdminPolicyAttached: ScenarioGenerator {
    static let admin = "arn:aws:iam::aws:policy/AdministratorAccess"

    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        var time = plan.workTime(day: day)
        let caller = occurrence == 1 ? plan.intruder(account: account) : plan.operatorCaller(account: account, time: time, command: "iam.attach-user-policy")
        let user = plan.rng.pick(account.humans).name
        plan.add(plan.iam(account, caller, at: time, "AttachUserPolicy", JSONWriter.build { w in
            w.field("userName", user)
            w.field("policyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
        }), .d8)
        time = time + plan.rng.int64(in: 30...300)
        let grant: CloudTrailRecord
        switch occurrence % 3 {
        case 0:
            grant = plan.iam(account, caller, at: time, "AttachUserPolicy", JSONWriter.build { w in
                w.field("userName", plan.rng.pick([account.machineUser.name, user]))
                w.field("policyArn", AdminPolicyAttached.admin)
            })
        case 1:
            grant = plan.iam(account, caller, at: time, "AttachRolePolicy", JSONWriter.build { w in
                w.field("roleName", plan.rng.pick([account.ci.name, account.instanceRole.name]))
                w.field("policyArn", AdminPolicyAttached.admin)
            })
        default:
            grant = plan.iam(account, caller, at: time, "AttachGroupPolicy", JSONWriter.build { w in
                w.field("groupName", "developers")
                w.field("policyArn", AdminPolicyAttached.admin)
            })
        }
        plan.add(grant, .d9, .d8)

        guard let world = plan.alibaba else { return }
        let adminCaller = plan.ramCLI(world)
        let target = plan.rng.pick(world.users).name
        let start = plan.workTime(day: day)
        plan.add(plan.call(world, adminCaller, at: start, region: AlibabaWorld.globalRegion, "Ram", "AttachPolicyToUser", apiVersion: "2015-05-01",
                           [("PolicyType", "System"), ("PolicyName", "AliyunECSReadOnlyAccess"), ("UserName", target)]), .d8)
        plan.add(plan.call(world, adminCaller, at: start + plan.rng.int64(in: 30...300), region: AlibabaWorld.globalRegion, "Ram",
                           "AttachPolicyToUser", apiVersion: "2015-05-01",
                           [("PolicyType", "System"), ("PolicyName", "AdministratorAccess"), ("UserName", target)]), .d9, .d8)
    }
}

/// D12: a user (or an inline user policy) created and removed again by the same actor within
/// ten minutes: the pattern of someone covering their tracks. The decoy on even occurrences is
/// a service user created and kept.
struct ShortLivedIdentity: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        let time = plan.workTime(day: day)
        let caller = plan.operatorCaller(account: account, time: time, command: "iam.create-user")
        if occurrence % 2 == 0 {
            shortLivedUser(account: account, caller: caller, time: time, plan: &plan)
        } else {
            shortLivedPolicy(account: account, caller: caller, time: time, plan: &plan)
        }
        guard let world = plan.alibaba else { return }
        let actor = plan.ramCLI(world)
        let name = "tmp-\(plan.rng.hex(6))"
        let start = plan.workTime(day: day)
        plan.add(plan.call(world, actor, at: start, region: AlibabaWorld.globalRegion, "Ram", "CreateUser", apiVersion: "2015-05-01",
                           [("UserName", name), ("DisplayName", name)]), .d12, .d8)
        plan.add(plan.call(world, actor, at: start + plan.rng.int64(in: 120...480), region: AlibabaWorld.globalRegion, "Ram", "DeleteUser",
                           apiVersion: "2015-05-01", [("UserName", name)]), .d12, .d8)
    }

    /// A user with an access key, both deleted minutes later; then a service user that is kept.
    private func shortLivedUser(account: AWSAccount, caller: AWSCaller, time start: UTCTime, plan: inout ScenarioPlan) {
        var time = start
        let name = "tmp-\(plan.rng.hex(6))"
        plan.add(plan.iam(account, caller, at: time, "CreateUser", JSONWriter.build { $0.field("userName", name) },
                          response: plan.newUser(name, account: account, at: time)), .d12, .d8)
        time = time + plan.rng.int64(in: 20...90)
        plan.add(plan.iam(account, caller, at: time, "CreateAccessKey", JSONWriter.build { $0.field("userName", name) },
                          response: plan.newAccessKey(for: name, at: time)), .d8)
        time = time + plan.rng.int64(in: 120...300)
        plan.add(plan.iam(account, caller, at: time, "DeleteAccessKey", JSONWriter.build { w in
            w.field("userName", name)
            w.field("accessKeyId", plan.rng.awsID("AKIA", length: 20))
        }), .d8)
        time = time + plan.rng.int64(in: 10...60)
        plan.add(plan.iam(account, caller, at: time, "DeleteUser", JSONWriter.build { $0.field("userName", name) }), .d12, .d8)

        let kept = "svc-\(plan.rng.pick(["reporting", "backup", "etl"]))"
        plan.add(plan.iam(account, caller, at: time + plan.rng.int64(in: 1800...3600), "CreateUser",
                          JSONWriter.build { $0.field("userName", kept) },
                          response: plan.newUser(kept, path: "/service/", account: account, at: time)), .d8)
    }

    /// An inline policy giving all of S3 to a person, removed again minutes later.
    private func shortLivedPolicy(account: AWSAccount, caller: AWSCaller, time start: UTCTime, plan: inout ScenarioPlan) {
        var time = start
        let user = plan.rng.pick(account.humans).name
        let policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"
        plan.add(plan.iam(account, caller, at: time, "PutUserPolicy", JSONWriter.build { w in
            w.field("userName", user)
            w.field("policyName", "s3-full")
            w.field("policyDocument", policy)
        }), .d12, .d8)
        time = time + plan.rng.int64(in: 120...480)
        plan.add(plan.iam(account, caller, at: time, "DeleteUserPolicy", JSONWriter.build { w in
            w.field("userName", user)
            w.field("policyName", "s3-full")
        }), .d12, .d8)
    }
}
