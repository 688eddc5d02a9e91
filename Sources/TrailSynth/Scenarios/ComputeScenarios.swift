import TrailCore

/// D5: instances launched and terminated by someone not on the allow-list of approved
/// principals. Even occurrences are a person launching a test server from the CLI, next to the
/// deploy pipeline replacing one (launch, then terminate the old one): the pipeline is the
/// approved deployer (its row in pipelines/tables/principals.csv says so),
/// so its events are decoys. Odd ones are a leaked key launching a batch of GPU instances in
/// a region the company does not use much, which nobody terminates.
struct InstanceLifecycle: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        let time = plan.workTime(day: day, margin: 7200)
        let miner = occurrence % 2 == 1
        let region = miner ? plan.regions[plan.regions.count - 1] : plan.workloadRegion()
        let count = miner ? plan.rng.int(in: 4...8) : 1
        if miner {
            let instances = (0..<count).map { _ in plan.rng.resourceID("i") }
            plan.add(runInstances(account: account, caller: plan.intruder(account: account), time: time, region: region, type: "g5.12xlarge",
                                  instances: instances, plan: &plan), .d5)
        } else {
            let person = plan.cli(plan.rng.pick(account.humans), account: account, command: "ec2.run-instances")
            plan.add(runInstances(account: account, caller: person, time: time, region: region, type: "t3.medium",
                                  instances: [plan.rng.resourceID("i")], plan: &plan), .d5)
            let deploy = time + plan.rng.int64(in: 600...1800)
            let pipeline = plan.pipeline(account: account, time: deploy)
            plan.add(runInstances(account: account, caller: pipeline, time: deploy, region: region,
                                  type: plan.rng.pick(["m6i.large", "c7g.xlarge"]), instances: [plan.rng.resourceID("i")], plan: &plan))
            let old = plan.rng.pick(account.resources.instances)
            let later = deploy + plan.rng.int64(in: 900...5400)
            let request = JSONWriter.build { w in w.items("instancesSet") { w in w.object { $0.field("instanceId", old) } } }
            let response = JSONWriter.build {
                $0.stateChange(requestID: plan.rng.uuid(), old, from: (16, "running"), to: (32, "shutting-down"))
            }
            plan.add(plan.call(account, pipeline, at: later, region: region, "ec2.amazonaws.com", "TerminateInstances",
                               request: request, response: response))
        }

        guard let world = plan.alibaba else { return }
        let alibabaRegion = plan.rng.pick(AlibabaWorld.regions)
        let deployer = plan.ramCLI(world)
        let start = plan.workTime(day: day, margin: 7200)
        plan.add(plan.call(world, deployer, at: start, region: alibabaRegion, "Ecs", "RunInstances", apiVersion: AlibabaCatalog.ecsVersion,
                           [("ImageId", "aliyun_3_x64_20G_alibase_20241103.vhd"), ("InstanceType", miner ? "ecs.gn7i-c32g1.8xlarge" : "ecs.g7.large"),
                            ("SecurityGroupId", plan.rng.pick(world.securityGroups(alibabaRegion))), ("VSwitchId", "vsw-\(plan.rng.alphanumeric(20).lowercased())"),
                            ("Amount", String(count)), ("InstanceChargeType", "PostPaid"), ("InternetMaxBandwidthOut", "10")]), .d5)
        let doomed = plan.rng.pick(world.instances(alibabaRegion))
        plan.add(plan.call(world, deployer, at: start + plan.rng.int64(in: 600...3600), region: alibabaRegion, "Ecs", "DeleteInstance",
                           apiVersion: AlibabaCatalog.ecsVersion, [("InstanceId", doomed), ("Force", "true")],
                           resources: [("ACS::ECS::Instance", [doomed])]), .d5)
    }

    /// What one RunInstances call launches, as its request and response repeat it.
    private struct Launch {
        let image: String, subnet: String, vpc: String
        let group: (id: String, name: String)
        let region: String, type: String
        /// Milliseconds since the epoch, as the response gives it.
        let launchTime: Int
    }

    /// RunInstances in its real request and (large) response shape.
    private func runInstances(account: AWSAccount, caller: AWSCaller, time: UTCTime, region: String, type: String,
                              instances: [String], plan: inout ScenarioPlan) -> CloudTrailRecord {
        let image = plan.rng.pick(account.resources.images)
        let subnet = plan.rng.pick(account.resources.subnets)
        let group = account.resources.securityGroups[1]
        let spec = Launch(image: image, subnet: subnet, vpc: account.resources.vpcs[0], group: (group.id, group.name), region: region,
                          type: type, launchTime: Int(time.seconds) * 1000)
        let request = runInstancesRequest(spec, count: instances.count, rng: &plan.rng)
        let response = JSONWriter.build { w in
            w.field("requestId", plan.rng.uuid())
            w.field("reservationId", plan.rng.resourceID("r"))
            w.field("ownerId", account.id)
            w.emptyObject("groupSet")
            w.items("instancesSet") { w in
                for (launchIndex, instance) in instances.enumerated() {
                    let address = Addresses.vpcPrivate(&plan.rng)
                    w.object { w in describe(instance, launchIndex: launchIndex, address: address, spec, &w) }
                }
            }
        }
        let resources = instances.map { AWSResource(arn: "arn:aws:ec2:\(region):\(account.id):instance/\($0)", accountID: account.id, type: "AWS::EC2::Instance") }
        return plan.call(account, caller, at: time, region: region, "ec2.amazonaws.com", "RunInstances",
                         request: request, response: response, resources: resources)
    }

    private func runInstancesRequest(_ spec: Launch, count: Int, rng: inout SynthRandom) -> [UInt8] {
        JSONWriter.build { w in
            w.items("instancesSet") { w in
                w.object { w in
                    w.field("imageId", spec.image)
                    w.field("minCount", count)
                    w.field("maxCount", count)
                }
            }
            w.field("instanceType", spec.type)
            w.emptyObject("blockDeviceMapping")
            w.object("monitoring") { $0.field("enabled", false) }
            w.field("disableApiTermination", false)
            w.field("disableApiStop", false)
            w.field("clientToken", rng.uuid())
            w.items("networkInterfaceSet") { w in
                w.object { w in
                    w.field("deviceIndex", 0)
                    w.field("subnetId", spec.subnet)
                    w.field("associatePublicIpAddress", true)
                    w.items("groupSet") { w in w.object { $0.field("groupId", spec.group.id) } }
                }
            }
            w.object("metadataOptions") { w in w.field("httpTokens", "required"); w.field("httpPutResponseHopLimit", 2) }
            w.items("tagSpecificationSet") { w in
                w.object { w in
                    w.field("resourceType", "instance")
                    w.array("tags") { w in w.object { w in w.field("key", "Name"); w.field("value", "app-\(rng.hex(6))") } }
                }
            }
        }
    }

    /// One launched instance in the response's instancesSet.
    private func describe(_ instance: String, launchIndex: Int, address: String, _ spec: Launch, _ w: inout JSONWriter) {
        w.field("instanceId", instance)
        w.field("imageId", spec.image)
        w.field("currentInstanceBootMode", "uefi")
        w.object("instanceState") { w in w.field("code", 0); w.field("name", "pending") }
        w.field("privateDnsName", "ip-\(address.replacingDots()).\(spec.region == "us-east-1" ? "ec2.internal" : "\(spec.region).compute.internal")")
        w.field("amiLaunchIndex", launchIndex)
        w.emptyObject("productCodes")
        w.field("instanceType", spec.type)
        w.field("launchTime", spec.launchTime)
        w.object("placement") { w in w.field("availabilityZone", spec.region + "a"); w.field("tenancy", "default") }
        w.object("monitoring") { $0.field("state", "disabled") }
        w.field("subnetId", spec.subnet)
        w.field("vpcId", spec.vpc)
        w.field("privateIpAddress", address)
        w.object("stateReason") { w in w.field("code", "pending"); w.field("message", "pending") }
        w.field("architecture", spec.type.hasPrefix("c7g") ? "arm64" : "x86_64")
        w.field("rootDeviceType", "ebs")
        w.field("rootDeviceName", "/dev/xvda")
        w.emptyObject("blockDeviceMapping")
        w.field("virtualizationType", "hvm")
        w.field("hypervisor", "xen")
        w.items("groupSet") { w in w.object { w in w.field("groupId", spec.group.id); w.field("groupName", spec.group.name) } }
        w.field("sourceDestCheck", true)
        w.field("ebsOptimized", false)
        w.field("enaSupport", true)
        w.object("cpuOptions") { w in w.field("coreCount", 2); w.field("threadsPerCore", 2) }
        w.object("capacityReservationSpecification") { $0.field("capacityReservationPreference", "open") }
        w.object("enclaveOptions") { $0.field("enabled", false) }
        w.object("metadataOptions") { w in
            w.field("state", "pending")
            w.field("httpTokens", "required")
            w.field("httpPutResponseHopLimit", 2)
            w.field("httpEndpoint", "enabled")
            w.field("httpProtocolIpv4", "enabled")
            w.field("httpProtocolIpv6", "disabled")
            w.field("instanceMetadataTags", "disabled")
        }
        w.object("maintenanceOptions") { $0.field("autoRecovery", "default") }
    }
}

/// D15: an Elastic IP allocated and attached to an instance; on odd occurrences it is
/// detached and released again later the same day.
struct ElasticIPActivity: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        var time = plan.workTime(day: day, margin: 7200)
        let region = plan.workloadRegion()
        let caller = plan.operatorCaller(account: account, time: time, command: "ec2.allocate-address")
        let allocation = plan.rng.resourceID("eipalloc")
        let association = plan.rng.resourceID("eipassoc")
        let address = Addresses.awsPublic(region: region, &plan.rng)
        let instance = plan.rng.pick(account.resources.instances)
        plan.add(plan.call(account, caller, at: time, region: region, "ec2.amazonaws.com", "AllocateAddress",
                           request: JSONWriter.build { $0.field("domain", "vpc") },
                           response: JSONWriter.build { w in
                               w.field("requestId", plan.rng.uuid())
                               w.field("publicIp", address)
                               w.field("domain", "vpc")
                               w.field("allocationId", allocation)
                               w.field("publicIpv4Pool", "amazon")
                               w.field("networkBorderGroup", region)
                           }), .d15)
        time = time + plan.rng.int64(in: 20...180)
        plan.add(plan.call(account, caller, at: time, region: region, "ec2.amazonaws.com", "AssociateAddress",
                           request: JSONWriter.build { w in
                               w.field("instanceId", instance)
                               w.field("allocationId", allocation)
                               w.field("allowReassociation", false)
                           },
                           response: JSONWriter.build { w in
                               w.field("requestId", plan.rng.uuid())
                               w.field("_return", true)
                               w.field("associationId", association)
                           }), .d15)
        if occurrence % 2 == 1 {
            time = time + plan.rng.int64(in: 1800...5400)
            plan.add(plan.call(account, caller, at: time, region: region, "ec2.amazonaws.com", "DisassociateAddress",
                               request: JSONWriter.build { $0.field("associationId", association) },
                               response: plan.acknowledged()), .d15)
            plan.add(plan.call(account, caller, at: time + plan.rng.int64(in: 5...60), region: region, "ec2.amazonaws.com", "ReleaseAddress",
                               request: JSONWriter.build { $0.field("allocationId", allocation) },
                               response: plan.acknowledged()), .d15)
        }

        guard let world = plan.alibaba else { return }
        let alibabaRegion = plan.rng.pick(AlibabaWorld.regions)
        let operatorCaller = plan.ramCLI(world)
        let eip = "eip-\(plan.rng.alphanumeric(20).lowercased())"
        let start = plan.workTime(day: day)
        plan.add(plan.call(world, operatorCaller, at: start, region: alibabaRegion, "Vpc", "AllocateEipAddress", apiVersion: "2016-04-28",
                           [("Bandwidth", "5"), ("InternetChargeType", "PayByTraffic")]), .d15)
        plan.add(plan.call(world, operatorCaller, at: start + plan.rng.int64(in: 20...120), region: alibabaRegion, "Vpc", "AssociateEipAddress",
                           apiVersion: "2016-04-28", [("AllocationId", eip), ("InstanceId", plan.rng.pick(world.instances(alibabaRegion)))],
                           resources: [("ACS::VPC::EIP", [eip])]), .d15)
    }
}
