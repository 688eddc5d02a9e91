/// The AWS side of the company: member accounts with their people, roles and resources.
/// Names and IDs are drawn once from the seed and stay stable for the whole corpus, as they
/// would in a real organization.
struct AWSWorld {
    let accounts: [AWSAccount]

    init(count: Int, company: Company, rng: inout SynthRandom) {
        let aliases = ["acme-prod", "acme-staging", "acme-dev", "acme-shared-services", "acme-security",
                       "acme-sandbox", "acme-data", "acme-ml"]
        var accounts: [AWSAccount] = []
        var usedIDs = Set<String>()
        for index in 0..<count {
            var id: String
            repeat { id = String(rng.int(in: 1...9)) + rng.digits(11) } while !usedIDs.insert(id).inserted
            let alias = index < aliases.count ? aliases[index] : "acme-workload-\(index + 1)"
            accounts.append(AWSAccount(id: id, alias: alias, company: company, rng: &rng))
        }
        self.accounts = accounts
    }
}

struct IAMUserProfile {
    let name: String
    let principalID: String
    let accessKeyID: String
    let arn: String
    /// Nil for machine users (a CI key, a backup agent).
    let person: Company.Person?
    var mfaDeviceARN: String
}

struct RoleProfile {
    let name: String
    let path: String
    let roleID: String
    let accountID: String

    var arn: String { "arn:aws:iam::\(accountID):role\(path)\(name)" }
    func sessionARN(_ session: String) -> String { "arn:aws:sts::\(accountID):assumed-role/\(name)/\(session)" }
    var resource: AWSResource { AWSResource(arn: arn, accountID: accountID, type: "AWS::IAM::Role") }
}

struct AWSAccount {
    let id: String
    let alias: String
    let humans: [IAMUserProfile]
    let machineUser: IAMUserProfile
    let ssoAdmin, ssoReadOnly, ci, instanceRole, configRole, vendorRole, samlRole: RoleProfile
    let lambdaRoles: [RoleProfile]
    let resources: AWSResources
    let trailName: String

    var rootARN: String { "arn:aws:iam::\(id):root" }

    /// The monitoring vendor's own account, from which it assumes `vendorRole`.
    static let vendorAccountID = "464622532012"

    init(id: String, alias: String, company: Company, rng: inout SynthRandom) {
        self.id = id
        self.alias = alias
        // Each account has three or four of the company's people as IAM users.
        var people = company.people
        var humans: [IAMUserProfile] = []
        for _ in 0..<rng.int(in: 3...4) {
            let person = people.remove(at: rng.below(people.count))
            humans.append(AWSAccount.user(person.userName, person: person, accountID: id, rng: &rng))
        }
        self.humans = humans
        machineUser = AWSAccount.user(rng.pick(["ci-legacy-deployer", "backup-agent", "jenkins"]), person: nil, accountID: id, rng: &rng)

        func role(_ name: String, path: String = "/") -> RoleProfile {
            RoleProfile(name: name, path: path, roleID: rng.awsID("AROA", length: 21), accountID: id)
        }
        let ssoPath = "/aws-reserved/sso.amazonaws.com/ap-northeast-1/"
        ssoAdmin = role("AWSReservedSSO_AdministratorAccess_\(rng.hex(16))", path: ssoPath)
        ssoReadOnly = role("AWSReservedSSO_ReadOnlyAccess_\(rng.hex(16))", path: ssoPath)
        ci = role("github-actions-deploy")
        instanceRole = role("app-server-role")
        configRole = role("AWSServiceRoleForConfig", path: "/aws-service-role/config.amazonaws.com/")
        vendorRole = role("DatadogIntegrationRole")
        samlRole = role("Okta-PowerUser")
        lambdaRoles = ["orders-processor", "nightly-report", "image-resizer"].map { role("\($0)-role") }
        resources = AWSResources(alias: alias, rng: &rng)
        trailName = rng.pick(["management-events", "org-trail", "audit-trail"])
    }

    private static func user(_ name: String, person: Company.Person?, accountID: String, rng: inout SynthRandom) -> IAMUserProfile {
        IAMUserProfile(name: name, principalID: rng.awsID("AIDA", length: 21), accessKeyID: rng.awsID("AKIA", length: 20),
                       arn: "arn:aws:iam::\(accountID):user/\(name)", person: person,
                       mfaDeviceARN: "arn:aws:iam::\(accountID):mfa/\(name)")
    }

    /// The trail is multi-region with its home in the global region.
    var trailARN: String { "arn:aws:cloudtrail:\(SynthOptions.globalRegion):\(id):trail/\(trailName)" }
}

/// Names and IDs of the things an account's callers touch. Regions share the pools: nothing
/// downstream can tell, and it keeps references consistent between events.
struct AWSResources {
    let buckets: [String]
    let instances: [String]
    let securityGroups: [(id: String, name: String)]
    let vpcs: [String]
    let subnets: [String]
    let images: [String]
    let volumes: [String]
    let kmsKeys: [String]
    let functions: [String]
    let secrets: [String]
    let parameters: [String]
    let logGroups: [String]
    let alarms: [String]
    let canonicalOwnerID: String

    init(alias: String, rng: inout SynthRandom) {
        buckets = ["logs", "assets", "terraform-state", "backups", "data-lake"].map { "\(alias)-\($0)-\(rng.digits(4))" }
        instances = (0..<rng.int(in: 4...8)).map { _ in rng.resourceID("i") }
        securityGroups = ["web-alb", "app-server", "bastion", "db", "default"].map { (id: rng.resourceID("sg"), name: $0) }
        vpcs = (0..<2).map { _ in rng.resourceID("vpc") }
        subnets = (0..<4).map { _ in rng.resourceID("subnet") }
        images = (0..<3).map { _ in rng.resourceID("ami") }
        volumes = (0..<6).map { _ in rng.resourceID("vol") }
        kmsKeys = (0..<2).map { _ in rng.uuid() }
        functions = ["orders-processor", "nightly-report", "image-resizer"]
        secrets = ["prod/orders/db", "prod/stripe/api-key", "shared/datadog"].map { "\($0)-\(rng.alphanumeric(6))" }
        parameters = ["/app/prod/db-host", "/app/prod/feature-flags", "/app/prod/queue-url", "/cloudwatch-agent/config"]
        logGroups = ["/aws/lambda/orders-processor", "/aws/lambda/nightly-report", "/app/prod/web", "/aws/vpc/flow-logs"]
        alarms = ["orders-5xx-rate", "app-cpu-high", "db-free-storage-low"]
        canonicalOwnerID = rng.hex(64)
    }
}
