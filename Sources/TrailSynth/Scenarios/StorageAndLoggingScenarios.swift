import TrailCore

/// D14: a bucket made public. Even occurrences remove the bucket's public access block and
/// add a policy granting `Principal: "*"`; odd ones grant AllUsers READ through the ACL. The
/// decoy is the standard "deny insecure transport" policy, which also names `"*"` but denies.
struct PublicBucket: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        var time = plan.workTime(day: day)
        let region = plan.workloadRegion()
        let caller = plan.operatorCaller(account: account, time: time, command: "s3api.put-bucket-policy")
        let bucket = plan.rng.pick(account.resources.buckets)

        if occurrence % 2 == 0 {
            plan.add(s3(&plan, account, caller, time, region, bucket, "DeleteBucketPublicAccessBlock") { w in
                w.field("publicAccessBlock", "")
            }, .d14)
            time = time + plan.rng.int64(in: 20...120)
            plan.add(s3(&plan, account, caller, time, region, bucket, "PutBucketPolicy") { w in
                policy(&w, bucket: bucket, sid: "PublicRead", effect: "Allow", actions: ["s3:GetObject"], condition: false)
                w.field("policy", "")
            }, .d14)
        } else {
            let owner = account.resources.canonicalOwnerID
            plan.add(s3(&plan, account, caller, time, region, bucket, "PutBucketAcl") { w in
                w.field("acl", "")
                w.object("AccessControlPolicy") { w in
                    w.object("AccessControlList") { w in
                        w.array("Grant") { w in
                            w.object { w in
                                w.object("Grantee") { w in
                                    w.field("xsi:type", "CanonicalUser")
                                    w.field("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
                                    w.field("ID", owner)
                                }
                                w.field("Permission", "FULL_CONTROL")
                            }
                            w.object { w in
                                w.object("Grantee") { w in
                                    w.field("xsi:type", "Group")
                                    w.field("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
                                    w.field("URI", "http://acs.amazonaws.com/groups/global/AllUsers")
                                }
                                w.field("Permission", "READ")
                            }
                        }
                    }
                    w.field("xmlns", "http://s3.amazonaws.com/doc/2006-03-01/")
                    w.object("Owner") { $0.field("ID", owner) }
                }
            }, .d14)
        }

        let other = plan.rng.pick(account.resources.buckets.filter { $0 != bucket })
        plan.add(s3(&plan, account, caller, time + plan.rng.int64(in: 600...3000), region, other, "PutBucketPolicy") { w in
            policy(&w, bucket: other, sid: "DenyInsecureTransport", effect: "Deny", actions: ["s3:*"], condition: true)
            w.field("policy", "")
        })

        guard let world = plan.alibaba else { return }
        let target = plan.rng.pick(world.buckets)
        plan.add(plan.call(world, plan.ramCLI(world), at: plan.workTime(day: day), region: plan.rng.pick(AlibabaWorld.regions), "Oss",
                           "PutBucketAcl", apiVersion: nil, [("BucketName", target), ("x-oss-acl", "public-read")],
                           resources: [("ACS::OSS::Bucket", [target])]), .d14)
    }

    /// A bucket-level S3 call with CloudTrail's S3 request members and details.
    private func s3(_ plan: inout ScenarioPlan, _ account: AWSAccount, _ caller: AWSCaller, _ time: UTCTime, _ region: String,
                    _ bucket: String, _ name: String, _ members: (inout JSONWriter) -> Void) -> CloudTrailRecord {
        let host = "\(bucket).s3.\(region).amazonaws.com"
        let request = JSONWriter.build { w in
            w.field("bucketName", bucket)
            w.field("Host", host)
            members(&w)
        }
        var record = plan.call(account, caller, at: time, region: region, "s3.amazonaws.com", name, request: request,
                               resources: [AWSResource(arn: "arn:aws:s3:::\(bucket)", accountID: account.id, type: "AWS::S3::Bucket")])
        record.requestID = plan.rng.alphanumeric(16).uppercased()
        record.tlsHost = host
        let cipher = caller.tlsVersion?.cipherSuite ?? "TLS_AES_128_GCM_SHA256"
        let id2 = plan.rng.base64(76)
        record.additionalEventData = JSONWriter.build { w in
            w.field("SignatureVersion", "SigV4")
            w.field("CipherSuite", cipher)
            w.field("bytesTransferredIn", 0)
            w.field("AuthenticationMethod", "AuthHeader")
            w.field("x-amz-id-2", id2)
            w.field("bytesTransferredOut", 0)
        }
        return record
    }

    /// `bucketPolicy` as CloudTrail renders a PutBucketPolicy document: parsed, not a string.
    private func policy(_ w: inout JSONWriter, bucket: String, sid: String, effect: String, actions: [String], condition: Bool) {
        w.object("bucketPolicy") { w in
            w.field("Version", "2012-10-17")
            w.array("Statement") { w in
                w.object { w in
                    w.field("Sid", sid)
                    w.field("Effect", effect)
                    w.field("Principal", "*")
                    w.strings("Action", actions)
                    w.strings("Resource", ["arn:aws:s3:::\(bucket)", "arn:aws:s3:::\(bucket)/*"])
                    if condition {
                        w.object("Condition") { w in w.object("Bool") { $0.field("aws:SecureTransport", "false") } }
                    }
                }
            }
        }
    }
}

/// D16: the trail itself tampered with: logging stopped (and restarted ten minutes later, the
/// restart being the decoy), event selectors narrowed and log validation switched off, or a
/// trail deleted.
struct LoggingTampered: ScenarioGenerator {
    func inject(day: Int, occurrence: Int, into plan: inout ScenarioPlan) {
        let account = plan.account()
        let time = plan.workTime(day: day)
        let caller = occurrence == 0 ? plan.intruder(account: account) : plan.operatorCaller(account: account, time: time, command: "cloudtrail.update-trail")
        let trail = account.trailARN
        let region = SynthOptions.globalRegion
        func trailCall(_ plan: inout ScenarioPlan, _ at: UTCTime, _ name: String, _ request: [UInt8], response: [UInt8]? = nil) -> CloudTrailRecord {
            plan.call(account, caller, at: at, region: region, "cloudtrail.amazonaws.com", name, request: request, response: response,
                      resources: [AWSResource(arn: trail, accountID: account.id, type: "AWS::CloudTrail::Trail")])
        }
        switch occurrence % 3 {
        case 0:
            plan.add(trailCall(&plan, time, "StopLogging", JSONWriter.build { $0.field("name", trail) }), .d16)
            plan.add(trailCall(&plan, time + plan.rng.int64(in: 300...900), "StartLogging", JSONWriter.build { $0.field("name", trail) }))
        case 1:
            plan.add(trailCall(&plan, time, "PutEventSelectors", JSONWriter.build { w in
                w.field("trailName", trail)
                w.array("eventSelectors") { w in
                    w.object { w in
                        w.field("readWriteType", "ReadOnly")
                        w.field("includeManagementEvents", true)
                        w.array("dataResources") { _ in }
                        w.array("excludeManagementEventSources") { $0.string("kms.amazonaws.com") }
                    }
                }
            }), .d16)
            let later = time + plan.rng.int64(in: 60...300)
            plan.add(trailCall(&plan, later, "UpdateTrail", JSONWriter.build { w in
                w.field("name", trail)
                w.field("enableLogFileValidation", false)
            }, response: JSONWriter.build { w in
                w.field("name", account.trailName)
                w.field("s3BucketName", account.resources.buckets[0])
                w.field("includeGlobalServiceEvents", true)
                w.field("isMultiRegionTrail", true)
                w.field("trailARN", trail)
                w.field("logFileValidationEnabled", false)
                w.field("isOrganizationTrail", false)
            }), .d16)
        default:
            let secondary = "arn:aws:cloudtrail:\(region):\(account.id):trail/security-data-events"
            plan.add(plan.call(account, caller, at: time, region: region, "cloudtrail.amazonaws.com", "DeleteTrail",
                               request: JSONWriter.build { $0.field("name", secondary) },
                               resources: [AWSResource(arn: secondary, accountID: account.id, type: "AWS::CloudTrail::Trail")]),
                     .d16)
        }

        guard let world = plan.alibaba else { return }
        let actor = plan.ramCLI(world)
        let name = occurrence % 3 == 1 ? "UpdateTrail" : occurrence % 3 == 0 ? "StopLogging" : "DeleteTrail"
        var parameters = [("Name", world.trailName)]
        if name == "UpdateTrail" { parameters.append(("OssBucketName", "exfil-\(plan.rng.hex(8))")) }
        plan.add(plan.call(world, actor, at: plan.workTime(day: day), region: AlibabaWorld.globalRegion, "Actiontrail", name,
                           apiVersion: "2020-07-06", parameters), .d16)
    }
}
