/// The Alibaba Cloud side of the company: one account whose ActionTrail trail delivers to
/// OSS, with RAM users for the same people, roles for workloads, and their resources.
struct AlibabaWorld {
    struct RAMUser {
        let name: String
        let principalID: String
        let accessKeyID: String
        let person: Company.Person
    }

    struct RAMRole {
        let name: String
        let roleID: String
    }

    static let regions = ["cn-hangzhou", "cn-shanghai", "ap-northeast-1"]
    /// Global services (RAM, STS) are recorded under this region.
    static let globalRegion = "cn-hangzhou"

    let accountID: String
    /// The logon name of the account (root) identity.
    let loginAccount: String
    let users: [RAMUser]
    let instanceRole: RAMRole
    let deployRole: RAMRole
    let trailName = "acme-audit-trail"
    let buckets: [String]
    private let instancesByRegion: [[String]]
    private let securityGroupsByRegion: [[String]]
    private let vpcsByRegion: [[String]]

    init(company: Company, rng: inout SynthRandom) {
        accountID = "1" + rng.digits(15)
        loginAccount = "cloud-admin@\(Company.domain)"
        users = company.people.prefix(5).map { person in
            RAMUser(name: person.userName, principalID: "2" + rng.digits(16), accessKeyID: "LTAI5t" + rng.alphanumeric(18), person: person)
        }
        instanceRole = RAMRole(name: "ecs-app-role", roleID: "3" + rng.digits(18))
        deployRole = RAMRole(name: "terraform-deployer", roleID: "3" + rng.digits(18))
        buckets = ["acme-app-assets", "acme-log-archive", "acme-backups"].map { "\($0)-\(rng.digits(4))" }
        func ids(_ prefix: String, _ count: Int) -> [[String]] {
            AlibabaWorld.regions.map { region in
                (0..<count).map { _ in "\(prefix)-\(AlibabaWorld.idStem(region))\(rng.alphanumeric(17).lowercased())" }
            }
        }
        instancesByRegion = ids("i", 5)
        securityGroupsByRegion = ids("sg", 3)
        vpcsByRegion = ids("vpc", 2)
    }

    /// Resource IDs start with a per-region stem (`i-bp1…` in Hangzhou).
    private static func idStem(_ region: String) -> String {
        switch region {
        case "cn-hangzhou": return "bp1"
        case "cn-shanghai": return "uf6"
        default: return "6we"
        }
    }

    private func regionIndex(_ region: String) -> Int { AlibabaWorld.regions.firstIndex(of: region) ?? 0 }
    func instances(_ region: String) -> [String] { instancesByRegion[regionIndex(region)] }
    func securityGroups(_ region: String) -> [String] { securityGroupsByRegion[regionIndex(region)] }
    func vpcs(_ region: String) -> [String] { vpcsByRegion[regionIndex(region)] }

    /// Public addresses of ECS instances (Alibaba Cloud ranges).
    static func cloudAddress(_ rng: inout SynthRandom) -> String {
        let prefix = rng.pick(["47.\(rng.int(in: 96...118))", "120.\(rng.int(in: 24...27))", "39.\(rng.int(in: 96...108))"])
        return "\(prefix).\(rng.int(in: 0...255)).\(rng.int(in: 1...254))"
    }
}
