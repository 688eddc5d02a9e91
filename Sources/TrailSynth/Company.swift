/// The organisation behind every synthetic trail: a Japanese company whose staff work in
/// Tokyo business hours, from the office or from home, in both clouds. Keeping one calendar
/// and stable per-person addresses is what lets "night sign-in" or "new IP for this user"
/// scenarios stand out against the background the way they would in a real account.
struct Company {
    struct Person {
        let userName: String
        let email: String
        /// The one address this person works from (office NAT or home line).
        let address: String
        let browser: String
        /// `os/…` and `md/arch#…` part of this person's aws-cli user agent.
        let cliPlatform: String
    }

    static let domain = "acme-corp.example"

    /// The corporate egress /24 (a documentation range): "ingress from the office" rules use it.
    static let officeNetwork = "203.0.113.0/24"

    let people: [Person]

    init(rng: inout SynthRandom) {
        let names = ["akira.tanaka", "emma.wilson", "kenji.sato", "maria.garcia", "li.wei", "james.oconnor",
                     "yuki.yamamoto", "sofia.rossi", "hiroshi.kato", "olivia.brown", "takumi.ito", "chen.jing"]
        var people: [Person] = []
        for (index, name) in names.enumerated() {
            let address: String
            switch index % 4 {
            case 0, 2: address = "203.0.113.\(rng.int(in: 10...60))"   // office NAT
            case 1: address = Addresses.japaneseHome(&rng)
            default: address = rng.chance(0.5) ? Addresses.japaneseHomeIPv6(&rng) : Addresses.japaneseHome(&rng)
            }
            people.append(Person(userName: name, email: "\(name)@\(Company.domain)", address: address,
                                 browser: rng.pick(UserAgents.browsers), cliPlatform: rng.pick(UserAgents.cliPlatforms)))
        }
        self.people = people
    }

    // MARK: Working calendar

    /// Staff work in Japan Standard Time (UTC+9), which has no daylight saving.
    static let utcOffset: Int64 = 9 * 3600
    /// Business hours in JST, as offsets from local midnight.
    static let workdayStart: Int64 = 9 * 3600
    static let workdayEnd: Int64 = 18 * 3600

    /// Whether the local (JST) date of `time` is Monday to Friday.
    static func isWorkday(_ time: UTCTime) -> Bool {
        let local = (time + utcOffset).weekday
        return local >= 1 && local <= 5
    }

    /// A time in business hours on the date of the UTC day starting at `dayStart` (JST
    /// 09:00–18:00 is 00:00–09:00 UTC of the same date), at least `margin` seconds before
    /// closing time; nil when that date is a weekend.
    static func businessTime(dayStart: UTCTime, rng: inout SynthRandom, margin: Int64 = 0) -> UTCTime? {
        guard isWorkday(dayStart) else { return nil }
        return dayStart + rng.int64(in: (workdayStart - utcOffset)...(workdayEnd - utcOffset - 1 - margin))
    }
}

/// Source addresses: who calls from where, in realistic (and documentation) ranges.
enum Addresses {
    static func japaneseHome(_ rng: inout SynthRandom) -> String {
        // SoftBank, NTT OCN, KDDI and NURO consumer ranges.
        let prefixes = ["126.\(rng.int(in: 0...255))", "153.\(rng.int(in: 120...255))", "111.\(rng.int(in: 86...111))",
                        "220.\(rng.int(in: 96...111))", "118.\(rng.int(in: 0...23))"]
        return "\(rng.pick(prefixes)).\(rng.int(in: 0...255)).\(rng.int(in: 1...254))"
    }

    static func japaneseHomeIPv6(_ rng: inout SynthRandom) -> String {
        let prefix = rng.pick(["2400:4050", "240b:10", "2409:11", "2001:268"])
        return "\(prefix):\(rng.hex(4)):\(rng.hex(4)):\(rng.hex(4)):\(rng.hex(4)):\(rng.hex(4)):\(rng.hex(4))"
            .replacingLeadingZeros()
    }

    /// Public addresses of EC2 instances and Lambda functions in `region`.
    static func awsPublic(region: String, _ rng: inout SynthRandom) -> String {
        let prefixes: [String]
        switch region {
        case "us-east-1": prefixes = ["3.\(rng.int(in: 80...95))", "54.\(rng.int(in: 144...175))", "52.\(rng.int(in: 0...95))"]
        case "eu-west-1": prefixes = ["34.\(rng.int(in: 240...255))", "52.\(rng.int(in: 16...19))", "54.\(rng.int(in: 72...78))"]
        case "ap-northeast-1": prefixes = ["3.\(rng.int(in: 112...115))", "18.\(rng.int(in: 176...183))", "52.\(rng.int(in: 192...199))"]
        default: prefixes = ["3.\(rng.int(in: 0...127))", "18.\(rng.int(in: 128...255))"]
        }
        return "\(rng.pick(prefixes)).\(rng.int(in: 0...255)).\(rng.int(in: 1...254))"
    }

    /// GitHub-hosted runners (Azure ranges) that run the deploy pipeline.
    static func ciRunner(_ rng: inout SynthRandom) -> String {
        let prefix = rng.pick(["20.\(rng.int(in: 57...172))", "4.\(rng.int(in: 148...175))", "172.\(rng.int(in: 176...183))"])
        return "\(prefix).\(rng.int(in: 0...255)).\(rng.int(in: 1...254))"
    }

    /// Addresses of attackers and unexpected places: documentation ranges, a Tor exit range,
    /// and networks that the MaxMind GeoLite2 test databases resolve (CN, GB, SE, US), so
    /// that geo enrichment has something to say about them.
    static func hostile(_ rng: inout SynthRandom) -> String {
        let choices = ["198.51.100.\(rng.int(in: 2...250))", "185.220.101.\(rng.int(in: 1...254))",
                       "175.16.199.\(rng.int(in: 1...254))", "81.2.69.\(rng.int(in: 142...143))",
                       "89.160.20.\(rng.int(in: 112...127))", "216.160.83.\(rng.int(in: 56...63))",
                       "45.155.205.\(rng.int(in: 1...254))"]
        return rng.pick(choices)
    }

    /// A foreign address for a given country code, for impossible-travel style scenarios.
    static func abroad(_ country: String, _ rng: inout SynthRandom) -> String {
        switch country {
        case "GB": return "81.2.69.\(rng.int(in: 160...191))"
        case "SE": return "89.160.20.\(rng.int(in: 128...254))"
        case "US": return "216.160.83.\(rng.int(in: 56...63))"
        default: return "175.16.199.\(rng.int(in: 1...254))"
        }
    }

    /// Whether `address` is the office egress (`Company.officeNetwork`).
    static func isOffice(_ address: String) -> Bool { address.hasPrefix("203.0.113.") }

    /// A private address inside a VPC (10.0.0.0/16).
    static func vpcPrivate(_ rng: inout SynthRandom) -> String {
        "10.0.\(rng.int(in: 0...31)).\(rng.int(in: 4...250))"
    }
}

private extension String {
    /// IPv6 groups are written without leading zeros (`0a1f` → `a1f`).
    func replacingLeadingZeros() -> String {
        split(separator: ":", omittingEmptySubsequences: false).map { group -> Substring in
            let trimmed = group.drop { $0 == "0" }
            return trimmed.isEmpty ? (group.isEmpty ? group : "0") : trimmed
        }.joined(separator: ":")
    }
}
