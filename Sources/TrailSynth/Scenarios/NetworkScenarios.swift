import TrailCore

/// One rule of AuthorizeSecurityGroupIngress/Egress, rendered in CloudTrail's request shape.
struct IngressRule {
    var ipProtocol = "tcp"
    var fromPort: Int?
    var toPort: Int?
    var cidrIPv4: String?
    var cidrIPv6: String?
    var description: String?

    static func tcp(_ port: Int, from cidr: String, description: String? = nil) -> IngressRule {
        IngressRule(fromPort: port, toPort: port, cidrIPv4: cidr, description: description)
    }

    /// `{"groupId":…,"ipPermissions":{"items":[{…,"ipRanges":{"items":[{"cidrIp":…}]},"ipv6Ranges":{},…}]}}`
    func request(groupID: String) -> [UInt8] {
        JSONWriter.build { w in
            w.field("groupId", groupID)
            w.items("ipPermissions") { w in
                w.object { w in
                    w.field("ipProtocol", ipProtocol)
                    if let fromPort { w.field("fromPort", fromPort) }
                    if let toPort { w.field("toPort", toPort) }
                    w.emptyObject("groups")
                    ranges(&w, "ipRanges", "cidrIp", cidrIPv4)
                    ranges(&w, "ipv6Ranges", "cidrIpv6", cidrIPv6)
                    w.emptyObject("prefixListIds")
                }
            }
        }
    }

    /// `ipRanges` or `ipv6Ranges`: the rule's range with its description, or `{}` when it has none of that family.
    private func ranges(_ w: inout JSONWriter, _ name: String, _ member: String, _ cidr: String?) {
        guard let cidr else { return w.emptyObject(name) }
        w.items(name) { w in
            w.object { w in
                w.field(member, cidr)
                if let description { w.field("description", description) }
            }
        }
    }

    func response(account: AWSAccount, groupID: String, egress: Bool, rng: inout SynthRandom) -> [UInt8] {
        let requestID = rng.uuid(), ruleID = rng.resourceID("sgr")
        return JSONWriter.build { w in
            w.field("requestId", requestID)
            w.field("_return", true)
            w.items("securityGroupRuleSet") { w in
                w.object { w in
                    w.field("groupOwnerId", account.id)
                    w.field("groupId", groupID)
                    w.field("securityGroupRuleId", ruleID)
                    w.field("isEgress", egress)
                    w.field("ipProtocol", ipProtocol)
                    w.field("fromPort", fromPort ?? -1)
                    w.field("toPort", toPort ?? -1)
                    if let cidrIPv4 { w.field("cidrIpv4", cidrIPv4) }
                    if let cidrIPv6 { w.field("cidrIpv6", cidrIPv6) }
                    if let description { w.field("description", description) }
                }
            }
        }
    }
}

extension ScenarioPlan {
    /// AuthorizeSecurityGroupIngress (or Egress) with its real request and response.
    mutating func authorize(_ rule: IngressRule, egress: Bool = false, account: AWSAccount, caller: AWSCaller,
                            at time: UTCTime, region: String, groupID: String) -> CloudTrailRecord {
        let response = rule.response(account: account, groupID: groupID, egress: egress, rng: &rng)
        return call(account, caller, at: time, region: region, "ec2.amazonaws.com",
                    egress ? "AuthorizeSecurityGroupEgress" : "AuthorizeSecurityGroupIngress",
                    request: rule.request(groupID: groupID), response: response)
    }

    /// ECS AuthorizeSecurityGroup with a flat request, as ActionTrail records it.
    mutating func alibabaAuthorize(_ world: AlibabaWorld, caller: AlibabaCaller, at time: UTCTime, ports: String,
                                   ipv4: String?, ipv6: String? = nil) -> ActionTrailRecord {
        let region = rng.pick(AlibabaWorld.regions)
        let group = rng.pick(world.securityGroups(region))
        var parameters = [("SecurityGroupId", group), ("IpProtocol", "tcp"), ("PortRange", ports)]
        if let ipv4 { parameters.append(("SourceCidrIp", ipv4)) }
        if let ipv6 { parameters.append(("Ipv6SourceCidrIp", ipv6)) }
        parameters += [("Policy", "accept"), ("Priority", "1"), ("NicType", "intranet")]
        return call(world, caller, at: time, region: region, "Ecs", "AuthorizeSecurityGroup", apiVersion: AlibabaCatalog.ecsVersion,
                    parameters, resources: [("ACS::ECS::SecurityGroup", [group])])
    }
}

/// D7: someone opens SSH to the world and RDP to all of IPv6 (and, on the third occurrence,
/// every TCP port). Decoys in the same change: HTTPS from the office /24 and an egress rule
/// to 0.0.0.0/0, which every security group has; both are D6 changes but not D7.
struct WorldOpenIngress: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        var time = plan.workTime(day: day)
        let region = plan.workloadRegion()
        let caller = plan.operatorCaller(account: account, time: time, command: "ec2.authorize-security-group-ingress")
        let group = plan.rng.pick(account.resources.securityGroups.prefix(3)).id

        plan.add(plan.authorize(.tcp(443, from: Company.officeNetwork, description: "office"), account: account, caller: caller,
                                at: time, region: region, groupID: group), .d6)
        time = time + plan.rng.int64(in: 30...240)
        plan.add(plan.authorize(.tcp(22, from: "0.0.0.0/0"), account: account, caller: caller, at: time, region: region, groupID: group),
                 .d7, .d6)
        time = time + plan.rng.int64(in: 30...240)
        plan.add(plan.authorize(IngressRule(fromPort: 3389, toPort: 3389, cidrIPv6: "::/0"), account: account, caller: caller,
                                at: time, region: region, groupID: group), .d7, .d6)
        if occurrence == 2 {
            time = time + plan.rng.int64(in: 30...240)
            plan.add(plan.authorize(IngressRule(fromPort: 0, toPort: 65535, cidrIPv4: "0.0.0.0/0"), account: account, caller: caller,
                                    at: time, region: region, groupID: group), .d7, .d6)
        }
        time = time + plan.rng.int64(in: 30...240)
        plan.add(plan.authorize(IngressRule(ipProtocol: "-1", cidrIPv4: "0.0.0.0/0"), egress: true, account: account, caller: caller,
                                at: time, region: region, groupID: group), .d6)

        guard let world = plan.alibaba else { return }
        let alibabaCaller = plan.ramCLI(world)
        var when = plan.workTime(day: day)
        plan.add(plan.alibabaAuthorize(world, caller: alibabaCaller, at: when, ports: "22/22", ipv4: "0.0.0.0/0"), .d7, .d6)
        when = when + plan.rng.int64(in: 30...240)
        plan.add(plan.alibabaAuthorize(world, caller: alibabaCaller, at: when, ports: "3389/3389", ipv4: nil, ipv6: "::/0"), .d7, .d6)
        when = when + plan.rng.int64(in: 30...240)
        plan.add(plan.alibabaAuthorize(world, caller: alibabaCaller, at: when, ports: "443/443", ipv4: Company.officeNetwork), .d6)
    }
}

/// D6: routine firewall maintenance: a new group for a service, HTTPS from the office and
/// an old rule revoked. None of it is world-open, so D7 rules must stay quiet.
struct SecurityGroupChange: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        var time = plan.workTime(day: day)
        let region = plan.workloadRegion()
        let caller = plan.operatorCaller(account: account, time: time, command: "ec2.create-security-group")
        let group = plan.rng.resourceID("sg")
        let name = "svc-\(plan.rng.pick(["reporting", "search", "payments"]))"
        plan.add(plan.call(account, caller, at: time, region: region, "ec2.amazonaws.com", "CreateSecurityGroup",
                           request: JSONWriter.build { w in
                               w.field("groupName", name)
                               w.field("groupDescription", "\(name) service")
                               w.field("vpcId", account.resources.vpcs[0])
                           },
                           response: JSONWriter.build { w in
                               w.field("requestId", plan.rng.uuid())
                               w.field("_return", true)
                               w.field("groupId", group)
                               w.field("securityGroupArn", "arn:aws:ec2:\(region):\(account.id):security-group/\(group)")
                           }), .d6)
        time = time + plan.rng.int64(in: 20...120)
        plan.add(plan.authorize(.tcp(443, from: Company.officeNetwork, description: "office HTTPS"), account: account, caller: caller,
                                at: time, region: region, groupID: group), .d6)
        time = time + plan.rng.int64(in: 60...600)
        let old = plan.rng.pick(account.resources.securityGroups).id
        plan.add(plan.call(account, caller, at: time, region: region, "ec2.amazonaws.com", "RevokeSecurityGroupIngress",
                           request: IngressRule.tcp(8080, from: "10.0.0.0/16").request(groupID: old),
                           response: plan.acknowledged()), .d6)

        guard let world = plan.alibaba else { return }
        let alibabaCaller = plan.ramCLI(world)
        plan.add(plan.alibabaAuthorize(world, caller: alibabaCaller, at: plan.workTime(day: day), ports: "443/443", ipv4: Company.officeNetwork), .d6)
    }
}

/// D13: a VPC is connected to the internet: gateway created and attached, default route
/// added, and a network ACL entry for a peered network.
struct NetworkChange: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        var time = plan.workTime(day: day)
        let region = plan.workloadRegion()
        let caller = plan.operatorCaller(account: account, time: time, command: "ec2.create-internet-gateway")
        let gateway = plan.rng.resourceID("igw")
        let vpc = plan.rng.pick(account.resources.vpcs)
        plan.add(plan.call(account, caller, at: time, region: region, "ec2.amazonaws.com", "CreateInternetGateway",
                           request: JSONWriter.build { $0.emptyObject("tagSpecificationSet") },
                           response: JSONWriter.build { w in
                               w.field("requestId", plan.rng.uuid())
                               w.object("internetGateway") { w in
                                   w.field("internetGatewayId", gateway)
                                   w.field("ownerId", account.id)
                                   w.emptyObject("attachmentSet")
                                   w.emptyObject("tagSet")
                               }
                           }), .d13)
        time = time + plan.rng.int64(in: 5...60)
        plan.add(plan.call(account, caller, at: time, region: region, "ec2.amazonaws.com", "AttachInternetGateway",
                           request: JSONWriter.build { w in w.field("internetGatewayId", gateway); w.field("vpcId", vpc) },
                           response: plan.acknowledged()), .d13)
        time = time + plan.rng.int64(in: 5...60)
        plan.add(plan.call(account, caller, at: time, region: region, "ec2.amazonaws.com", "CreateRoute",
                           request: JSONWriter.build { w in
                               w.field("routeTableId", plan.rng.resourceID("rtb"))
                               w.field("destinationCidrBlock", "0.0.0.0/0")
                               w.field("gatewayId", gateway)
                           }, response: plan.acknowledged()), .d13)
        time = time + plan.rng.int64(in: 30...300)
        plan.add(plan.call(account, caller, at: time, region: region, "ec2.amazonaws.com", "CreateNetworkAclEntry",
                           request: JSONWriter.build { w in
                               w.field("networkAclId", plan.rng.resourceID("acl"))
                               w.field("ruleNumber", 100 + 10 * plan.rng.int(in: 0...9))
                               w.field("egress", false)
                               w.field("ruleAction", "allow")
                               w.emptyObject("icmpTypeCode")
                               w.object("portRange") { w in w.field("from", 5432); w.field("to", 5432) }
                               w.field("aclProtocol", "6")
                               w.field("cidrBlock", "10.20.0.0/16")
                           }, response: plan.acknowledged()), .d13, .d6)

        guard let world = plan.alibaba else { return }
        let alibabaRegion = plan.rng.pick(AlibabaWorld.regions)
        plan.add(plan.call(world, plan.ramCLI(world), at: plan.workTime(day: day), region: alibabaRegion, "Vpc", "CreateRouteEntry",
                           apiVersion: "2016-04-28",
                           [("RouteTableId", "vtb-\(plan.rng.alphanumeric(20).lowercased())"), ("DestinationCidrBlock", "0.0.0.0/0"),
                            ("NextHopType", "Instance"), ("NextHopId", plan.rng.pick(world.instances(alibabaRegion)))]), .d13)
    }
}
