import TrailCore

/// A failed call: CloudTrail's errorCode and errorMessage.
struct AWSFailure {
    let code: String
    let message: String
}

/// A non-permission failure an action sometimes ends in (a missing resource, a missing policy).
struct FailureMode: Sendable {
    let make: @Sendable (PayloadContext) -> AWSFailure

    static func sometimes(_ make: @escaping @Sendable (PayloadContext) -> AWSFailure) -> FailureMode {
        FailureMode(make: make)
    }
}

/// One API action as background traffic uses it: where CloudTrail records it and how its
/// request and response look. Background traffic deliberately contains no action that a
/// detection scenario is about (no Create/Delete/Run/Terminate, no IAM or trail changes, no
/// security-group, network or Elastic IP changes, no bucket ACL or policy writes), so every
/// hit of such a rule on a synthetic corpus is one of the injected events in the truth file.
struct AWSAction: Sendable {
    let source: String
    let name: String
    let readOnly: Bool
    /// Recorded in us-east-1 whatever region the caller works in.
    let global: Bool
    let apiVersion: String?
    let payload: @Sendable (PayloadContext) -> Void
    let failure: FailureMode?

    /// The IAM action (`lambda:GetFunction` for `GetFunction20150331v2`).
    let iamAction: String
    /// aws-cli's command metadata (`ec2.describe-instances`).
    let cliCommand: String

    init(_ source: String, _ name: String, readOnly: Bool = true, global: Bool = false, apiVersion: String? = nil,
         failure: FailureMode? = nil, payload: @escaping @Sendable (PayloadContext) -> Void = { _ in }) {
        self.source = source
        self.name = name
        self.readOnly = readOnly
        self.global = global
        self.apiVersion = apiVersion
        self.payload = payload
        self.failure = failure
        let service = String(source.prefix { $0 != "." })
        let operation = String(name.prefix { !$0.isNumber })
        iamAction = "\(AWSAction.iamPrefix(service)):\(operation)"
        cliCommand = "\(AWSAction.cliService(service)).\(AWSAction.kebab(operation))"
    }

    private static func iamPrefix(_ service: String) -> String {
        service == "monitoring" ? "cloudwatch" : service
    }

    private static func cliService(_ service: String) -> String {
        switch service {
        case "monitoring": return "cloudwatch"
        case "s3": return "s3api"
        case "elasticloadbalancing": return "elbv2"
        default: return service
        }
    }

    private static func kebab(_ name: String) -> String {
        var out = ""
        for (i, c) in name.enumerated() {
            if c.isUppercase, i > 0 { out.append("-") }
            out.append(Character(c.lowercased()))
        }
        return out
    }

    /// What a call that exceeded the API rate limit records.
    var throttling: AWSFailure {
        switch source {
        case "ec2.amazonaws.com": return AWSFailure(code: "Client.RequestLimitExceeded", message: "Request limit exceeded.")
        case "s3.amazonaws.com": return AWSFailure(code: "SlowDown", message: "Please reduce your request rate.")
        case "iam.amazonaws.com", "sts.amazonaws.com": return AWSFailure(code: "Throttling", message: "Rate exceeded")
        default: return AWSFailure(code: "ThrottlingException", message: "Rate exceeded")
        }
    }

    /// The denial CloudTrail records when the caller lacks the permission (formats.md 1.7).
    func denial(callerARN: String, resource: String?) -> AWSFailure {
        let because = "because no identity-based policy allows the \(iamAction) action"
        let on = resource.map { " on resource: \($0)" } ?? ""
        switch source {
        case "ec2.amazonaws.com":
            return AWSFailure(code: "Client.UnauthorizedOperation",
                              message: "You are not authorized to perform this operation. User: \(callerARN) is not authorized to perform: \(iamAction) \(because)")
        case "s3.amazonaws.com":
            return AWSFailure(code: "AccessDenied", message: "Access Denied")
        case "kms.amazonaws.com", "lambda.amazonaws.com", "ssm.amazonaws.com", "secretsmanager.amazonaws.com", "logs.amazonaws.com":
            return AWSFailure(code: "AccessDeniedException", message: "User: \(callerARN) is not authorized to perform: \(iamAction)\(on) \(because)")
        default:
            return AWSFailure(code: "AccessDenied", message: "User: \(callerARN) is not authorized to perform: \(iamAction)\(on) \(because)")
        }
    }
}

/// The actions background traffic draws from, by name.
enum AWSCatalog {
    static let actions: [AWSAction] = ec2 + iam + sts + s3 + kms + lambda + cloudTrail + monitoring + logs + ssm + misc

    private static let indexByName: [String: Int] = {
        var index: [String: Int] = [:]
        for (i, action) in actions.enumerated() {
            precondition(index[action.name] == nil, "duplicate action \(action.name)")
            index[action.name] = i
        }
        return index
    }()

    static func index(_ name: String) -> Int {
        guard let i = indexByName[name] else { preconditionFailure("no action \(name) in the catalog") }
        return i
    }

    /// A request of one member, `{"name":value}`.
    private static func requesting(_ name: String, _ value: @escaping @Sendable (PayloadContext) -> String) -> @Sendable (PayloadContext) -> Void {
        { c in c.request { $0.field(name, value(c)) } }
    }

    private static func requesting(_ name: String, _ value: Int) -> @Sendable (PayloadContext) -> Void {
        { c in c.request { $0.field(name, value) } }
    }

    // MARK: EC2

    private static func filter(_ w: inout JSONWriter, _ name: String, _ value: String) {
        w.items("filterSet") { w in
            w.object { w in
                w.field("name", name)
                w.items("valueSet") { w in w.object { $0.field("value", value) } }
            }
        }
    }

    private static func stateChange(_ c: PayloadContext, _ instance: String, from: (Int, String), to: (Int, String)) {
        c.response { $0.stateChange(requestID: c.rng.uuid(), instance, from: from, to: to) }
    }

    static let ec2: [AWSAction] = [
        AWSAction("ec2.amazonaws.com", "DescribeInstances", failure: .sometimes { c in
            AWSFailure(code: "InvalidInstanceID.NotFound", message: "The instance ID 'i-0\(c.rng.hex(16))' does not exist")
        }) { c in
            c.request { w in
                if c.rng.chance(0.5) {
                    w.items("instancesSet") { w in w.object { $0.field("instanceId", c.instance()) } }
                    w.emptyObject("filterSet")
                } else {
                    w.field("maxResults", 1000)
                    w.emptyObject("instancesSet")
                    filter(&w, "instance-state-name", "running")
                }
            }
        },
        AWSAction("ec2.amazonaws.com", "DescribeInstanceStatus") { c in
            c.request { w in
                w.emptyObject("instancesSet")
                w.emptyObject("filterSet")
                w.field("includeAllInstances", true)
            }
        },
        AWSAction("ec2.amazonaws.com", "DescribeSecurityGroups") { c in
            c.request { w in
                w.emptyObject("securityGroupSet")
                w.items("securityGroupIdSet") { w in w.object { $0.field("groupId", c.securityGroup()) } }
                w.emptyObject("filterSet")
            }
        },
        AWSAction("ec2.amazonaws.com", "DescribeSecurityGroupRules") { c in
            c.request { w in
                w.emptyObject("securityGroupRuleIdSet")
                filter(&w, "group-id", c.securityGroup())
                w.field("maxResults", 1000)
            }
        },
        AWSAction("ec2.amazonaws.com", "DescribeVolumes") { c in
            c.request { w in
                w.emptyObject("volumeSet")
                filter(&w, "attachment.instance-id", c.instance())
            }
        },
        AWSAction("ec2.amazonaws.com", "DescribeVpcs") { c in
            c.request { w in
                w.emptyObject("vpcSet")
                w.emptyObject("filterSet")
            }
        },
        AWSAction("ec2.amazonaws.com", "DescribeSubnets") { c in
            c.request { w in
                w.emptyObject("subnetSet")
                filter(&w, "vpc-id", c.rng.pick(c.account.resources.vpcs))
            }
        },
        AWSAction("ec2.amazonaws.com", "DescribeImages") { c in
            c.request { w in
                w.emptyObject("executableBySet")
                w.items("imagesSet") { w in w.object { $0.field("imageId", c.rng.pick(c.account.resources.images)) } }
                w.emptyObject("ownersSet")
                w.field("includeDeprecated", false)
                w.field("includeDisabled", false)
            }
        },
        AWSAction("ec2.amazonaws.com", "DescribeNetworkInterfaces") { c in
            c.request { w in
                w.emptyObject("networkInterfaceIdSet")
                filter(&w, "group-id", c.securityGroup())
            }
        },
        AWSAction("ec2.amazonaws.com", "DescribeTags") { c in
            c.request { w in filter(&w, "resource-id", c.instance()) }
        },
        AWSAction("ec2.amazonaws.com", "DescribeRegions") { c in
            c.request { w in
                w.emptyObject("regionSet")
                w.field("allRegions", false)
            }
        },
        AWSAction("ec2.amazonaws.com", "DescribeAvailabilityZones") { c in
            c.request { w in
                w.emptyObject("availabilityZoneSet")
                w.emptyObject("availabilityZoneIdSet")
                w.field("allAvailabilityZones", false)
            }
        },
        AWSAction("ec2.amazonaws.com", "DescribeLaunchTemplates") { c in
            c.request { w in w.object("DescribeLaunchTemplatesRequest") { $0.field("MaxResults", 200) } }
        },
        AWSAction("ec2.amazonaws.com", "DescribeSnapshots") { c in
            c.request { w in
                w.emptyObject("snapshotSet")
                w.items("ownersSet") { w in w.object { $0.field("owner", "self") } }
                w.emptyObject("sharedUsersSet")
                filter(&w, "volume-id", c.rng.pick(c.account.resources.volumes))
            }
        },
        AWSAction("ec2.amazonaws.com", "StartInstances", readOnly: false) { c in
            let instance = c.instance()
            c.request { w in w.items("instancesSet") { w in w.object { $0.field("instanceId", instance) } } }
            stateChange(c, instance, from: (80, "stopped"), to: (0, "pending"))
        },
        AWSAction("ec2.amazonaws.com", "StopInstances", readOnly: false) { c in
            let instance = c.instance()
            c.request { w in
                w.items("instancesSet") { w in w.object { $0.field("instanceId", instance) } }
                w.field("force", false)
            }
            stateChange(c, instance, from: (16, "running"), to: (64, "stopping"))
        },
    ]

    // MARK: IAM (global)

    static let iam: [AWSAction] = [
        AWSAction("iam.amazonaws.com", "GetUser", global: true, payload: requesting("userName") { $0.human().name }),
        AWSAction("iam.amazonaws.com", "ListUsers", global: true),
        AWSAction("iam.amazonaws.com", "ListRoles", global: true, payload: requesting("maxItems", 1000)),
        AWSAction("iam.amazonaws.com", "GetRole", global: true, failure: .sometimes { c in
            let missing = c.rng.pick(["ecsTaskExecutionRole", "old-jenkins-role", "rds-monitoring-role"])
            return AWSFailure(code: "NoSuchEntityException", message: "The role with name \(missing) cannot be found.")
        }, payload: requesting("roleName") { $0.roleName() }),
        AWSAction("iam.amazonaws.com", "ListAttachedRolePolicies", global: true,
                  payload: requesting("roleName") { $0.roleName() }),
        AWSAction("iam.amazonaws.com", "ListRolePolicies", global: true, payload: requesting("roleName") { $0.roleName() }),
        AWSAction("iam.amazonaws.com", "GetPolicy", global: true) { c in
            c.request { $0.field("policyArn", c.rng.pick(["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
                                                         "arn:aws:iam::\(c.account.id):policy/app-server-s3-access"])) }
        },
        AWSAction("iam.amazonaws.com", "GetPolicyVersion", global: true) { c in
            c.request { w in
                w.field("policyArn", "arn:aws:iam::\(c.account.id):policy/app-server-s3-access")
                w.field("versionId", "v\(c.rng.int(in: 1...6))")
            }
        },
        AWSAction("iam.amazonaws.com", "ListAccessKeys", global: true, payload: requesting("userName") { $0.human().name }),
        AWSAction("iam.amazonaws.com", "ListMFADevices", global: true, payload: requesting("userName") { $0.human().name }),
        AWSAction("iam.amazonaws.com", "ListGroupsForUser", global: true, payload: requesting("userName") { $0.human().name }),
        AWSAction("iam.amazonaws.com", "GetAccountSummary", global: true),
        AWSAction("iam.amazonaws.com", "GetAccountPasswordPolicy", global: true, failure: .sometimes { c in
            AWSFailure(code: "NoSuchEntityException", message: "The Password Policy with domain name \(c.account.id) cannot be found.")
        }),
        AWSAction("iam.amazonaws.com", "ListPolicies", global: true) { c in
            c.request { w in
                w.field("scope", "Local")
                w.field("onlyAttached", false)
                w.field("maxItems", 100)
            }
        },
    ]

    // MARK: STS (global endpoint)

    static let sts: [AWSAction] = [
        AWSAction("sts.amazonaws.com", "GetCallerIdentity", global: true),
    ]

    // MARK: S3 (bucket-level management events)

    private static func bucketCall(_ c: PayloadContext, _ bucket: String, subresource: String?) {
        let host = "\(bucket).s3.\(c.region).amazonaws.com"
        c.request { w in
            w.field("bucketName", bucket)
            w.field("Host", host)
            if let subresource { w.field(subresource, "") }
        }
        s3Details(c, host: host)
        c.resource("arn:aws:s3:::\(bucket)", "AWS::S3::Bucket")
    }

    private static func s3Details(_ c: PayloadContext, host: String) {
        c.additional { w in
            w.field("SignatureVersion", "SigV4")
            w.field("CipherSuite", c.tlsVersion?.cipherSuite ?? "TLS_AES_128_GCM_SHA256")
            w.field("bytesTransferredIn", 0)
            w.field("AuthenticationMethod", "AuthHeader")
            w.field("x-amz-id-2", c.rng.base64(76))
            w.field("bytesTransferredOut", c.rng.int(in: 0...2400))
        }
        c.requestID = c.rng.alphanumeric(16).uppercased()
        c.tlsHost = host
    }

    static let s3: [AWSAction] = [
        AWSAction("s3.amazonaws.com", "ListBuckets", global: true) { c in
            c.request { $0.field("Host", "s3.amazonaws.com") }
            s3Details(c, host: "s3.amazonaws.com")
        },
        AWSAction("s3.amazonaws.com", "GetBucketLocation") { c in bucketCall(c, c.bucket(), subresource: "location") },
        AWSAction("s3.amazonaws.com", "GetBucketPolicy", failure: .sometimes { _ in
            AWSFailure(code: "NoSuchBucketPolicy", message: "The bucket policy does not exist")
        }) { c in bucketCall(c, c.bucket(), subresource: "policy") },
        AWSAction("s3.amazonaws.com", "GetBucketAcl") { c in bucketCall(c, c.bucket(), subresource: "acl") },
        AWSAction("s3.amazonaws.com", "GetBucketEncryption") { c in bucketCall(c, c.bucket(), subresource: "encryption") },
        AWSAction("s3.amazonaws.com", "GetBucketVersioning") { c in bucketCall(c, c.bucket(), subresource: "versioning") },
        AWSAction("s3.amazonaws.com", "GetBucketPublicAccessBlock") { c in bucketCall(c, c.bucket(), subresource: "publicAccessBlock") },
        AWSAction("s3.amazonaws.com", "GetBucketTagging", failure: .sometimes { _ in
            AWSFailure(code: "NoSuchTagSet", message: "The TagSet does not exist")
        }) { c in bucketCall(c, c.bucket(), subresource: "tagging") },
    ]

    // MARK: KMS

    static let kms: [AWSAction] = [
        AWSAction("kms.amazonaws.com", "Decrypt") { c in
            let key = c.kmsKeyARN()
            c.request { w in
                w.field("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
                w.object("encryptionContext") { w in
                    if c.rng.chance(0.5) {
                        w.field("SecretARN", c.secretARN())
                        w.field("SecretVersionId", c.rng.uuid())
                    } else {
                        w.field("aws:lambda:FunctionArn", c.functionARN(c.function()))
                    }
                }
            }
            c.resource(key, "AWS::KMS::Key")
        },
        AWSAction("kms.amazonaws.com", "GenerateDataKey") { c in
            let key = c.kmsKeyARN()
            c.request { w in
                w.field("keyId", key)
                w.object("encryptionContext") { $0.field("aws:s3:arn", "arn:aws:s3:::\(c.bucket())/exports/\(c.rng.hex(12)).parquet") }
                w.field("keySpec", "AES_256")
            }
            c.resource(key, "AWS::KMS::Key")
        },
        AWSAction("kms.amazonaws.com", "DescribeKey") { c in
            let key = c.kmsKeyARN()
            c.request { $0.field("keyId", key) }
            c.resource(key, "AWS::KMS::Key")
        },
        AWSAction("kms.amazonaws.com", "ListAliases"),
    ]

    // MARK: Lambda

    static let lambda: [AWSAction] = [
        AWSAction("lambda.amazonaws.com", "ListFunctions20150331", apiVersion: "2015-03-31"),
        AWSAction("lambda.amazonaws.com", "GetFunction20150331v2", apiVersion: "2015-03-31", failure: .sometimes { c in
            AWSFailure(code: "ResourceNotFoundException", message: "Function not found: \(c.functionARN("orders-processor-v1"))")
        }, payload: requesting("functionName") { $0.function() }),
        AWSAction("lambda.amazonaws.com", "GetFunctionConfiguration20150331v2", apiVersion: "2015-03-31",
                  payload: requesting("functionName") { $0.function() }),
        AWSAction("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", readOnly: false, apiVersion: "2015-03-31") { c in
            let name = c.function()
            let sha = c.rng.hex(40)
            c.request { w in
                w.field("functionName", name)
                w.field("s3Bucket", c.account.resources.buckets[0])
                w.field("s3Key", "lambda/\(name)/\(sha).zip")
                w.field("publish", true)
                w.field("dryRun", false)
            }
            c.response { w in
                w.field("functionName", name)
                w.field("functionArn", c.functionARN(name))
                w.field("runtime", "python3.12")
                w.field("role", "arn:aws:iam::\(c.account.id):role/\(name)-role")
                w.field("handler", "app.handler")
                w.field("codeSize", c.rng.int(in: 40_000...9_000_000))
                w.field("description", "")
                w.field("timeout", 30)
                w.field("memorySize", 512)
                w.field("lastModified", c.time.lambdaTimestamp)
                w.field("codeSha256", c.rng.base64(43) + "=")
                w.field("version", String(c.rng.int(in: 2...90)))
                w.object("tracingConfig") { $0.field("mode", "PassThrough") }
                w.field("revisionId", c.rng.uuid())
                w.field("state", "Active")
                w.field("lastUpdateStatus", "InProgress")
                w.field("lastUpdateStatusReason", "The function is being created.")
                w.field("lastUpdateStatusReasonCode", "Creating")
                w.field("packageType", "Zip")
                w.strings("architectures", ["arm64"])
                w.object("ephemeralStorage") { $0.field("size", 512) }
                w.object("snapStart") { w in w.field("applyOn", "None"); w.field("optimizationStatus", "Off") }
                w.object("runtimeVersionConfig") { $0.field("runtimeVersionArn", "arn:aws:lambda:\(c.region)::runtime:\(c.rng.hex(64))") }
                w.object("loggingConfig") { w in w.field("logFormat", "Text"); w.field("logGroup", "/aws/lambda/\(name)") }
            }
        },
    ]

    // MARK: CloudTrail (reads only; trail changes are scenario D16)

    static let cloudTrail: [AWSAction] = [
        AWSAction("cloudtrail.amazonaws.com", "DescribeTrails") { c in
            c.request { w in
                w.array("trailNameList") { _ in }
                w.field("includeShadowTrails", true)
            }
        },
        AWSAction("cloudtrail.amazonaws.com", "GetTrailStatus", payload: requesting("name") { $0.account.trailARN }),
        AWSAction("cloudtrail.amazonaws.com", "GetEventSelectors", payload: requesting("trailName") { $0.account.trailARN }),
        AWSAction("cloudtrail.amazonaws.com", "ListTrails"),
        AWSAction("cloudtrail.amazonaws.com", "LookupEvents") { c in
            c.request { w in
                w.array("lookupAttributes") { w in
                    w.object { w in
                        w.field("attributeKey", "EventName")
                        w.field("attributeValue", c.rng.pick(["ConsoleLogin", "RunInstances", "AssumeRole"]))
                    }
                }
                w.field("maxResults", 50)
            }
        },
    ]

    // MARK: CloudWatch

    static let monitoring: [AWSAction] = [
        AWSAction("monitoring.amazonaws.com", "DescribeAlarms") { c in
            c.request { w in
                if c.rng.chance(0.5) { w.strings("alarmNames", [c.rng.pick(c.account.resources.alarms)]) } else { w.field("maxRecords", 100) }
            }
        },
        AWSAction("monitoring.amazonaws.com", "GetMetricData") { c in
            c.request { w in
                w.array("metricDataQueries") { w in
                    w.object { w in
                        w.field("id", "m1")
                        w.object("metricStat") { w in
                            w.object("metric") { w in
                                w.field("namespace", "AWS/EC2")
                                w.field("metricName", c.rng.pick(["CPUUtilization", "NetworkIn", "StatusCheckFailed"]))
                                w.array("dimensions") { w in
                                    w.object { w in w.field("name", "InstanceId"); w.field("value", c.instance()) }
                                }
                            }
                            w.field("period", 300)
                            w.field("stat", "Average")
                        }
                        w.field("returnData", true)
                    }
                }
                w.field("startTime", (c.time - 3 * 3600).iso8601)
                w.field("endTime", c.time.iso8601)
            }
        },
        AWSAction("monitoring.amazonaws.com", "PutMetricAlarm", readOnly: false) { c in
            c.request { w in
                w.field("alarmName", c.rng.pick(c.account.resources.alarms))
                w.field("actionsEnabled", true)
                w.strings("alarmActions", ["arn:aws:sns:\(c.region):\(c.account.id):ops-alerts"])
                w.field("metricName", "CPUUtilization")
                w.field("namespace", "AWS/EC2")
                w.field("statistic", "Average")
                w.array("dimensions") { w in
                    w.object { w in w.field("name", "InstanceId"); w.field("value", c.instance()) }
                }
                w.field("period", 300)
                w.field("evaluationPeriods", 3)
                w.decimalField("threshold", "80.0")
                w.field("comparisonOperator", "GreaterThanThreshold")
                w.field("treatMissingData", "missing")
            }
        },
    ]

    // MARK: CloudWatch Logs

    static let logs: [AWSAction] = [
        AWSAction("logs.amazonaws.com", "DescribeLogGroups") { c in
            c.request { w in
                w.field("logGroupNamePrefix", c.rng.pick(["/aws/lambda/", "/app/", "/aws/vpc/"]))
                w.field("limit", 50)
            }
        },
        AWSAction("logs.amazonaws.com", "DescribeLogStreams") { c in
            c.request { w in
                w.field("logGroupName", c.rng.pick(c.account.resources.logGroups))
                w.field("orderBy", "LastEventTime")
                w.field("descending", true)
                w.field("limit", 5)
            }
        },
        AWSAction("logs.amazonaws.com", "PutRetentionPolicy", readOnly: false) { c in
            c.request { w in
                w.field("logGroupName", c.rng.pick(c.account.resources.logGroups))
                w.field("retentionInDays", c.rng.pick([14, 30, 90, 365]))
            }
        },
    ]

    // MARK: Systems Manager and Secrets Manager

    static let ssm: [AWSAction] = [
        AWSAction("ssm.amazonaws.com", "UpdateInstanceInformation", readOnly: false) { c in
            let address = Addresses.vpcPrivate(&c.rng)
            let zone = c.region + c.rng.pick(["a", "c", "d"])
            c.request { w in
                w.field("instanceId", c.instance())
                w.field("agentVersion", "3.3.1142.0")
                w.field("agentStatus", "Active")
                w.field("platformType", "Linux")
                w.field("platformName", "Amazon Linux")
                w.field("platformVersion", "2023")
                w.field("iPAddress", address)
                w.field("computerName", "ip-\(address.replacingDots()).\(c.region == "us-east-1" ? "ec2.internal" : "\(c.region).compute.internal")")
                w.field("agentName", "amazon-ssm-agent")
                w.field("availabilityZone", zone)
                w.field("availabilityZoneId", "\(c.region.regionCode)-az\(c.rng.int(in: 1...4))")
            }
        },
        AWSAction("ssm.amazonaws.com", "ListInstanceAssociations") { c in
            c.request { w in
                w.field("instanceId", c.instance())
                w.field("maxResults", 50)
            }
        },
        AWSAction("ssm.amazonaws.com", "GetParameter", failure: .sometimes { _ in
            AWSFailure(code: "ParameterNotFound", message: "Parameter /app/prod/legacy-endpoint not found.")
        }) { c in
            c.request { w in
                w.field("name", c.rng.pick(c.account.resources.parameters))
                w.field("withDecryption", true)
            }
        },
        AWSAction("ssm.amazonaws.com", "GetParameters") { c in
            c.request { w in
                w.strings("names", Array(c.account.resources.parameters.prefix(c.rng.int(in: 2...3))))
                w.field("withDecryption", true)
            }
        },
        AWSAction("ssm.amazonaws.com", "DescribeInstanceInformation", payload: requesting("maxResults", 50)),
        AWSAction("secretsmanager.amazonaws.com", "GetSecretValue", payload: requesting("secretId") { $0.secretARN() }),
        AWSAction("secretsmanager.amazonaws.com", "DescribeSecret", payload: requesting("secretId") { $0.secretARN() }),
    ]

    // MARK: Other services

    static let misc: [AWSAction] = [
        AWSAction("ecr.amazonaws.com", "GetAuthorizationToken") { c in
            c.request { $0.strings("registryIds", [c.account.id]) }
        },
        AWSAction("rds.amazonaws.com", "DescribeDBInstances", apiVersion: "2014-10-31",
                  payload: requesting("dBInstanceIdentifier") { $0.rng.pick(["orders-db", "reporting-db"]) }),
        AWSAction("dynamodb.amazonaws.com", "DescribeTable", apiVersion: "2012-08-10", failure: .sometimes { _ in
            AWSFailure(code: "ResourceNotFoundException", message: "Requested resource not found: Table: orders-archive not found")
        }, payload: requesting("tableName") { $0.rng.pick(["orders", "sessions", "inventory"]) }),
        AWSAction("elasticloadbalancing.amazonaws.com", "DescribeLoadBalancers", apiVersion: "2015-12-01",
                  payload: requesting("pageSize", 400)),
        AWSAction("elasticloadbalancing.amazonaws.com", "DescribeTargetHealth", apiVersion: "2015-12-01") { c in
            c.request { $0.field("targetGroupArn", "arn:aws:elasticloadbalancing:\(c.region):\(c.account.id):targetgroup/web-tg/\(c.rng.hex(16))") }
        },
        AWSAction("autoscaling.amazonaws.com", "DescribeAutoScalingGroups", apiVersion: "2011-01-01") { c in
            c.request { $0.strings("autoScalingGroupNames", ["app-asg"]) }
        },
    ]
}

extension String {
    /// `10.0.1.23` → `10-0-1-23`, as in EC2 private DNS names.
    func replacingDots() -> String {
        String(map { $0 == "." ? "-" : $0 })
    }

    /// The short code of a region in zone IDs (`us-east-1` → `use1`, `ap-northeast-1` → `apne1`).
    var regionCode: String {
        let parts = split(separator: "-")
        guard parts.count == 3 else { return self }
        let directions = ["northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
                          "north": "n", "south": "s", "east": "e", "west": "w", "central": "c"]
        return "\(parts[0])\(directions[String(parts[1])] ?? String(parts[1].prefix(1)))\(parts[2])"
    }
}
