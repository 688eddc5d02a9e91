import Foundation
import Testing
@testable import TrailSynth

/// Each scenario's injected events must carry the fields a rule keys on, and — where the
/// scenario has a crisp rule — the rule must match exactly the events the truth names:
/// nothing in the background or among the decoys may look like a scenario event.
@Suite("Injected scenarios")
struct ScenarioTests {
    static func corpus() throws -> Corpus {
        try Corpus.generate { options in
            options.events = 1500
            options.actionTrailEvents = 400
            options.days = 7   // includes a weekend, for D2's weekend variant
            options.scenarios = ScenarioID.allCases
        }
    }

    private static func ids(_ events: [Corpus.Event], key: String = "eventID") -> Set<String> {
        Set(events.compactMap { $0.string(key) })
    }

    @Test("every requested scenario is in the truth, and every truth line names a real event")
    func truthIsComplete() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        for scenario in ScenarioID.allCases {
            // Security Center findings (D19) are about the Alibaba account only.
            let cloud = scenario == .d19 ? "alibaba" : "aws"
            #expect(corpus.truth.contains { $0.scenario == scenario.rawValue && $0.cloud == cloud }, "\(scenario.rawValue)")
        }
        for line in corpus.truth {
            let event = try #require(corpus.event(for: line), "\(line.scenario) \(line.eventID ?? "-") not in \(line.file)")
            #expect((event.string("eventName") ?? event.string("check_item_name")) == line.eventName)
        }
        let onlyD1 = try Corpus.generate { $0.scenarios = [.d1] }
        defer { onlyD1.remove() }
        #expect(Set(onlyD1.truth.map(\.scenario)) == ["D1"])
        #expect(onlyD1.truth.allSatisfy { $0.cloud == "aws" }, "no ActionTrail events without --actiontrail")
    }

    @Test("D1: console sign-in failures, a burst of 6+ for one user from one address within five minutes")
    func signInFailures() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        let failures = corpus.cloudTrail.filter { $0.string("eventName") == "ConsoleLogin" && $0.string("responseElements.ConsoleLogin") == "Failure" }
        #expect(Self.ids(failures) == corpus.truthIDs("D1", cloud: "aws"))
        for event in failures {
            #expect(event.string("errorCode") == nil)
            #expect(event.string("errorMessage") != nil)
        }
        #expect(failures.contains { $0.string("userIdentity.userName") == "HIDDEN_DUE_TO_SECURITY_REASONS" })
        let bursts = Dictionary(grouping: failures) { "\($0.string("userIdentity.userName")!)|\($0.string("sourceIPAddress")!)" }
            .values.filter { group in
                let times = group.map(\.time).sorted()
                return group.count >= 6 && times.indices.dropFirst(5).contains { times[$0].timeIntervalSince(times[$0 - 5]) <= 300 }
            }
        #expect(bursts.count >= 3)
        #expect(failures.count > bursts.reduce(0) { $0 + $1.count }, "isolated failures besides the bursts")

        let alibaba = corpus.actionTrail.filter { $0.string("eventName") == "ConsoleSignin" && !($0.string("errorCode") ?? "").isEmpty }
        #expect(Self.ids(alibaba, key: "eventId") == corpus.truthIDs("D1", cloud: "alibaba"))
    }

    @Test("D3: root identity only in the injected root sign-ins and root calls")
    func rootUsage() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        let root = corpus.cloudTrail.filter { $0.string("userIdentity.type") == "Root" }
        #expect(Self.ids(root) == corpus.truthIDs("D3", cloud: "aws"))
        #expect(root.contains { $0.string("eventName") == "ConsoleLogin" && $0.string("additionalEventData.MFAUsed") == "Yes" })
        #expect(root.contains { $0.string("eventName") != "ConsoleLogin" })
        for event in root { #expect(event.string("userIdentity.arn")?.hasSuffix(":root") == true) }
        let alibabaRoot = corpus.actionTrail.filter { $0.string("userIdentity.type") == "root-account" }
        #expect(Self.ids(alibabaRoot, key: "eventId") == corpus.truthIDs("D3", cloud: "alibaba"))
        #expect(alibabaRoot.contains { $0.string("eventName") == "ConsoleSignin" })
    }

    /// A permission of AuthorizeSecurityGroupIngress open to the world on 22, 3389 or every port.
    static func worldOpen(_ event: Corpus.Event) -> Bool {
        guard event.string("eventName") == "AuthorizeSecurityGroupIngress" else { return false }
        let items = event.value("requestParameters.ipPermissions.items") as? [[String: Any]] ?? []
        return items.contains { permission in
            let v4 = ((permission["ipRanges"] as? [String: Any])?["items"] as? [[String: Any]] ?? []).compactMap { $0["cidrIp"] as? String }
            let v6 = ((permission["ipv6Ranges"] as? [String: Any])?["items"] as? [[String: Any]] ?? []).compactMap { $0["cidrIpv6"] as? String }
            guard v4.contains("0.0.0.0/0") || v6.contains("::/0") else { return false }
            let from = permission["fromPort"] as? Int ?? 0, to = permission["toPort"] as? Int ?? 65535
            return (from...to).contains(22) || (from...to).contains(3389)
        }
    }

    @Test("D7: world-open ingress in the real request shape; office and egress rules are only D6")
    func worldOpenIngress() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        let open = corpus.cloudTrail.filter(Self.worldOpen)
        #expect(Self.ids(open) == corpus.truthIDs("D7", cloud: "aws"))
        let ssh = open.first { ($0.value("requestParameters.ipPermissions.items") as? [[String: Any]])?.first?["fromPort"] as? Int == 22 }
        let permission = try #require((ssh?.value("requestParameters.ipPermissions.items") as? [[String: Any]])?.first)
        #expect(permission["ipProtocol"] as? String == "tcp" && permission["toPort"] as? Int == 22)
        #expect(ssh?.string("requestParameters.groupId")?.hasPrefix("sg-") == true)
        #expect(open.contains { event in
            let items = event.value("requestParameters.ipPermissions.items") as? [[String: Any]]
            return ((items?.first?["ipv6Ranges"] as? [String: Any])?["items"] as? [[String: Any]])?.first?["cidrIpv6"] as? String == "::/0"
                && items?.first?["fromPort"] as? Int == 3389
        })
        let changes = corpus.truthIDs("D6", cloud: "aws")
        #expect(Self.ids(open).isSubset(of: changes))
        #expect(changes.count > Self.ids(open).count, "D6 decoys: office HTTPS and egress rules")

        let alibabaOpen = corpus.actionTrail.filter {
            $0.string("eventName") == "AuthorizeSecurityGroup"
                && ($0.string("requestParameters.SourceCidrIp") == "0.0.0.0/0" || $0.string("requestParameters.Ipv6SourceCidrIp") == "::/0")
        }
        #expect(Self.ids(alibabaOpen, key: "eventId") == corpus.truthIDs("D7", cloud: "alibaba"))
        #expect(alibabaOpen.contains { $0.string("requestParameters.PortRange") == "22/22" })
    }

    @Test("D10: IAM user sign-ins without MFA; SAML and failed sign-ins without MFA are decoys")
    func signInWithoutMFA() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        let noMFA = corpus.cloudTrail.filter {
            $0.string("eventName") == "ConsoleLogin" && $0.string("userIdentity.type") == "IAMUser"
                && $0.string("responseElements.ConsoleLogin") == "Success" && $0.string("additionalEventData.MFAUsed") == "No"
        }
        #expect(Self.ids(noMFA) == corpus.truthIDs("D10", cloud: "aws"))
        #expect(corpus.cloudTrail.contains {
            $0.string("userIdentity.type") == "AssumedRole" && $0.string("additionalEventData.MFAUsed") == "No"
                && $0.string("additionalEventData.SamlProviderArn") != nil
        })
        let alibaba = corpus.actionTrail.filter {
            $0.string("eventName") == "ConsoleSignin" && $0.string("userIdentity.type") == "ram-user"
                && ($0.string("errorCode") ?? "").isEmpty && $0.string("additionalEventData.mfaChecked") == "false"
        }
        #expect(Self.ids(alibaba, key: "eventId") == corpus.truthIDs("D10", cloud: "alibaba"))
    }

    @Test("D2: the injected sign-ins are at night or on a weekend in Tokyo; all others in business hours")
    func offHours() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        var tokyo = Calendar(identifier: .gregorian)
        tokyo.timeZone = TimeZone(secondsFromGMT: 9 * 3600)!
        func offHours(_ event: Corpus.Event) -> Bool {
            let parts = tokyo.dateComponents([.weekday, .hour], from: event.time)
            return parts.weekday == 1 || parts.weekday == 7 || !(9..<18).contains(parts.hour!)
        }
        let successes = corpus.cloudTrail.filter { $0.string("eventName") == "ConsoleLogin" && $0.string("responseElements.ConsoleLogin") == "Success" }
        #expect(Self.ids(successes.filter(offHours)) == corpus.truthIDs("D2", cloud: "aws"))
        #expect(successes.filter(offHours).contains { tokyo.component(.weekday, from: $0.time) == 7 || tokyo.component(.weekday, from: $0.time) == 1 })
        let signIns = corpus.actionTrail.filter { $0.string("eventName") == "ConsoleSignin" && ($0.string("errorCode") ?? "").isEmpty }
        #expect(Self.ids(signIns.filter(offHours), key: "eventId") == corpus.truthIDs("D2", cloud: "alibaba"))
    }

    @Test("D4: denial bursts by one principal; background denials stay isolated")
    func deniedBursts() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        let denialCodes: Set = ["AccessDenied", "AccessDeniedException", "Client.UnauthorizedOperation", "UnauthorizedOperation"]
        let denied = corpus.cloudTrail.filter { denialCodes.contains($0.string("errorCode") ?? "") }
        let truth = corpus.truthIDs("D4", cloud: "aws")
        #expect(truth.isSubset(of: Self.ids(denied)))
        // Within any ten minutes, no principal outside the truth is denied more than once.
        let byPrincipal = Dictionary(grouping: denied.filter { !truth.contains($0.string("eventID")!) }) { $0.string("userIdentity.arn") ?? "" }
        for group in byPrincipal.values {
            let times = group.map(\.time).sorted()
            #expect(!zip(times, times.dropFirst()).contains { $1.timeIntervalSince($0) < 600 })
        }
        for scenarioEvent in corpus.truthEvents("D4", cloud: "aws") {
            let peers = corpus.truthEvents("D4", cloud: "aws").filter { $0.string("userIdentity.arn") == scenarioEvent.string("userIdentity.arn") }
            #expect(peers.count >= 6)
        }
        let alibaba = corpus.truthEvents("D4", cloud: "alibaba")
        #expect(alibaba.count >= 6)
        #expect(alibaba.allSatisfy { ["Forbidden.RAM", "NoPermission", "AccessDenied"].contains($0.string("errorCode") ?? "") })
    }

    @Test("D9: AdministratorAccess attachments, and only they")
    func adminPolicy() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        let grants = corpus.cloudTrail.filter {
            $0.string("eventName")?.hasPrefix("Attach") == true && $0.string("requestParameters.policyArn") == "arn:aws:iam::aws:policy/AdministratorAccess"
        }
        #expect(Self.ids(grants) == corpus.truthIDs("D9", cloud: "aws"))
        #expect(Set(grants.compactMap { $0.string("eventName") }) == ["AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy"])
        let alibaba = corpus.actionTrail.filter { $0.string("eventName") == "AttachPolicyToUser" && $0.string("requestParameters.PolicyName") == "AdministratorAccess" }
        #expect(Self.ids(alibaba, key: "eventId") == corpus.truthIDs("D9", cloud: "alibaba"))
    }

    @Test("D12: create/delete pairs by the same actor within ten minutes")
    func shortLived() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        let events = corpus.truthEvents("D12", cloud: "aws")
        let pairs: [(String, String, String)] = [("CreateUser", "DeleteUser", "userName"), ("PutUserPolicy", "DeleteUserPolicy", "policyName")]
        for created in events where pairs.contains(where: { $0.0 == created.string("eventName") }) {
            let (_, deleteName, key) = pairs.first { $0.0 == created.string("eventName") }!
            let deleted = events.first {
                $0.string("eventName") == deleteName && $0.string("requestParameters.\(key)") == created.string("requestParameters.\(key)")
            }
            let match = try #require(deleted, "no \(deleteName) for \(created.string("eventID")!)")
            #expect(match.string("userIdentity.arn") == created.string("userIdentity.arn"))
            let gap = match.time.timeIntervalSince(created.time)
            #expect(gap > 0 && gap <= 600)
        }
        #expect(Set(events.compactMap { $0.string("eventName") }) == ["CreateUser", "DeleteUser", "PutUserPolicy", "DeleteUserPolicy"])
        #expect(Set(corpus.truthEvents("D12", cloud: "alibaba").compactMap { $0.string("eventName") }) == ["CreateUser", "DeleteUser"])
    }

    @Test("change scenarios (D5, D13, D14, D15, D16): every matching event is injected")
    func changeScenarios() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        func names(_ event: Corpus.Event, _ set: Set<String>) -> Bool { set.contains(event.string("eventName") ?? "") }
        // The deploy pipeline is the approved deployer: its launches and terminations are decoys.
        let instanceChanges = corpus.cloudTrail.filter { names($0, ["RunInstances", "TerminateInstances"]) }
        func byPipeline(_ event: Corpus.Event) -> Bool { event.string("userIdentity.arn")?.contains(":assumed-role/github-actions-deploy/") == true }
        #expect(Self.ids(instanceChanges.filter { !byPipeline($0) }) == corpus.truthIDs("D5", cloud: "aws"))
        #expect(instanceChanges.contains(where: byPipeline), "the pipeline decoy")
        #expect(Self.ids(corpus.actionTrail.filter { names($0, ["RunInstances", "DeleteInstance"]) }, key: "eventId") == corpus.truthIDs("D5", cloud: "alibaba"))
        #expect(Self.ids(corpus.cloudTrail.filter { names($0, ["CreateInternetGateway", "AttachInternetGateway", "CreateRoute", "CreateNetworkAclEntry"]) })
                == corpus.truthIDs("D13", cloud: "aws"))
        #expect(Self.ids(corpus.cloudTrail.filter { names($0, ["AllocateAddress", "AssociateAddress", "DisassociateAddress", "ReleaseAddress"]) })
                == corpus.truthIDs("D15", cloud: "aws"))
        #expect(Self.ids(corpus.cloudTrail.filter { names($0, ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"]) })
                == corpus.truthIDs("D16", cloud: "aws"))
        #expect(corpus.cloudTrail.contains { $0.string("eventName") == "StartLogging" }, "the restart decoy")
        #expect(Self.ids(corpus.actionTrail.filter { names($0, ["StopLogging", "DeleteTrail", "UpdateTrail"]) }, key: "eventId") == corpus.truthIDs("D16", cloud: "alibaba"))

        func isPublic(_ event: Corpus.Event) -> Bool {
            switch event.string("eventName") {
            case "DeleteBucketPublicAccessBlock": return true
            case "PutBucketAcl":
                let grants = event.value("requestParameters.AccessControlPolicy.AccessControlList.Grant") as? [[String: Any]] ?? []
                return grants.contains { ($0["Grantee"] as? [String: Any])?["URI"] as? String == "http://acs.amazonaws.com/groups/global/AllUsers" }
            case "PutBucketPolicy":
                let statements = event.value("requestParameters.bucketPolicy.Statement") as? [[String: Any]] ?? []
                return statements.contains { $0["Effect"] as? String == "Allow" && $0["Principal"] as? String == "*" }
            default: return false
            }
        }
        #expect(Self.ids(corpus.cloudTrail.filter(isPublic)) == corpus.truthIDs("D14", cloud: "aws"))
        #expect(corpus.cloudTrail.contains { $0.string("eventName") == "PutBucketPolicy" && !isPublic($0) }, "deny-only and role-only policies are decoys")
    }

    @Test("--scenario-rate scales the number of injections")
    func rate() throws {
        let few = try Corpus.generate { $0.scenarios = [.d10]; $0.scenarioRate = 0.3 }
        defer { few.remove() }
        let many = try Corpus.generate { $0.scenarios = [.d10]; $0.scenarioRate = 3 }
        defer { many.remove() }
        #expect(few.truth.count == 1)
        #expect(many.truth.count == 9)
    }

    @Test("D17: a known user's sign-in from a country never seen for them; D11's sign-ins abroad are D17 too")
    func newCountry() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        let prefixes = SignInFromNewCountry.networks.map(\.prefix)
        let signIns = corpus.cloudTrail.filter { $0.string("eventName") == "ConsoleLogin" && $0.string("responseElements.ConsoleLogin") == "Success" }
        let fromNewCountries = signIns.filter { event in prefixes.contains { event.string("sourceIPAddress")!.hasPrefix($0) } }
        // D11's sign-ins from GB, SE, US or CN (Addresses.abroad) come after one from home.
        let d11 = corpus.truthIDs("D11", cloud: "aws")
        let d11Abroad = signIns.filter { event in
            d11.contains(event.string("eventID")!) && ["81.2.69.", "89.160.20.", "216.160.83.", "175.16.199."].contains { event.string("sourceIPAddress")!.hasPrefix($0) }
        }
        #expect(Self.ids(fromNewCountries).union(Self.ids(d11Abroad)) == corpus.truthIDs("D17", cloud: "aws"))
        for event in fromNewCountries {
            // The same user signed in from elsewhere earlier that day: they are known.
            let user = event.string("userIdentity.userName")
            #expect(signIns.contains { earlier in
                let address = earlier.string("sourceIPAddress")!
                return earlier.string("userIdentity.userName") == user && earlier.time < event.time
                    && event.time.timeIntervalSince(earlier.time) < 86_400 && !prefixes.contains { address.hasPrefix($0) }
            })
        }
        let alibaba = corpus.actionTrail.filter { event in
            event.string("eventName") == "ConsoleSignin" && prefixes.contains { event.string("sourceIpAddress")!.hasPrefix($0) }
        }
        #expect(!alibaba.isEmpty)
        #expect(Self.ids(alibaba, key: "eventId").isSubset(of: corpus.truthIDs("D17", cloud: "alibaba")))
    }

    @Test("D18: every sign-in and change of the break-glass administrator, and nothing else; its reads are decoys")
    func privilegedUser() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        let admin = corpus.cloudTrail.filter { $0.string("userIdentity.userName") == PrivilegedAdministrator.name }
        #expect(admin.contains { $0.value("readOnly") as? Bool == true }, "a read decoy")
        #expect(Self.ids(admin.filter { $0.value("readOnly") as? Bool != true }) == corpus.truthIDs("D18", cloud: "aws"))
        let ram = corpus.actionTrail.filter { $0.string("userIdentity.userName") == PrivilegedAdministrator.name }
        #expect(Self.ids(ram.filter { $0.string("eventRW") != "Read" }, key: "eventId") == corpus.truthIDs("D18", cloud: "alibaba"))
        #expect(ram.contains { $0.string("eventRW") == "Read" }, "a read decoy")
    }

    @Test("D19: Security Center findings shipped as SLS JSON lines; exactly the NOT_PASS ones are the scenario")
    func securityCenterFindings() throws {
        let corpus = try Self.corpus()
        defer { corpus.remove() }
        let findings = corpus.securityCenter
        #expect(findings.allSatisfy { $0.string("__topic__") == "sas-cspm-log" && $0.string("vendor") == "ALIYUN" })
        #expect(Set(findings.compactMap { $0.string("status") }).isSuperset(of: ["NOT_PASS", "PASS"]))
        let failed = findings.filter { $0.string("status") == "NOT_PASS" }
        #expect(Set(failed.map(\.file)) == corpus.truthIDs("D19", cloud: "alibaba"))
        let layout = try Regex(#"^sas-cspm-log/\d{4}/\d{2}/\d{2}/\d{2}/\d{2}_\d{19}_\d+\.gz$"#)
        #expect(corpus.files.filter { $0.path.hasPrefix("sas-cspm-log/") }.allSatisfy { $0.path.wholeMatch(of: layout) != nil })

        // Like every scenario's Alibaba part, the findings need the Alibaba account (--actiontrail).
        let awsOnly = try Corpus.generate { $0.scenarios = [.d19] }
        defer { awsOnly.remove() }
        #expect(awsOnly.securityCenter.isEmpty && awsOnly.truth.isEmpty)
    }
}
