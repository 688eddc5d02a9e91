import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

@Suite struct ArrayElementTests {
    /// An AuthorizeSecurityGroupIngress event with these (fromPort, toPort, cidrIp) permissions.
    static func ingress(_ permissions: [(Int, Int, String)]) -> String {
        let items = permissions.map { from, to, cidr in
            #"{"ipProtocol":"tcp","fromPort":\#(from),"toPort":\#(to),"ipRanges":{"items":[{"cidrIp":"\#(cidr)"}]}}"#
        }
        return #"{"trail":{"cloud":"aws","action":"AuthorizeSecurityGroupIngress"},"eventName":"AuthorizeSecurityGroupIngress","requestParameters":{"groupId":"sg-1","ipPermissions":{"items":[\#(items.joined(separator: ","))]}}}"#
    }

    static let sshOpenToTheWorld = """
        title: SSH open to the world
        detection:
          selection:
            eventName: AuthorizeSecurityGroupIngress
            requestParameters.ipPermissions.items|element:
              fromPort|lte: 22
              toPort|gte: 22
              ipRanges.items.cidrIp: 0.0.0.0/0
          condition: selection
        """

    @Test func everyLineMustHoldOnTheSameElement() throws {
        let rule = try #require(RuleLoader().load(yaml: Self.sshOpenToTheWorld, file: "r.yml").rules.first)
        #expect(matches(rule, Self.ingress([(22, 22, "0.0.0.0/0")])))
        #expect(matches(rule, Self.ingress([(443, 443, "203.0.113.9/32"), (0, 65535, "0.0.0.0/0")])))
        // 443 open to the world beside 22 open to the office: no element has both.
        #expect(!matches(rule, Self.ingress([(443, 443, "0.0.0.0/0"), (22, 22, "203.0.113.0/24")])))
        #expect(!matches(rule, Self.ingress([])))
        // Plain Sigma lines check each against any element, and match that event.
        let plain = Self.sshOpenToTheWorld.replacingOccurrences(of: "items|element:\n      ", with: "items.")
            .replacingOccurrences(of: "\n      toPort", with: "\n    requestParameters.ipPermissions.items.toPort")
            .replacingOccurrences(of: "\n      ipRanges", with: "\n    requestParameters.ipPermissions.items.ipRanges")
        let loose = try #require(RuleLoader().load(yaml: plain, file: "p.yml").rules.first)
        #expect(matches(loose, Self.ingress([(443, 443, "0.0.0.0/0"), (22, 22, "203.0.113.0/24")])))
    }

    @Test func aListOfMappingsIsAnyOfThem() throws {
        let text = """
            title: SSH or RDP open to the world
            detection:
              selection:
                requestParameters.ipPermissions.items|element:
                  - {fromPort: 22, ipRanges.items.cidrIp: 0.0.0.0/0}
                  - {fromPort: 3389, ipRanges.items.cidrIp: 0.0.0.0/0}
              condition: selection
            """
        let rule = try #require(RuleLoader().load(yaml: text, file: "r.yml").rules.first)
        #expect(matches(rule, Self.ingress([(3389, 3389, "0.0.0.0/0")])))
        #expect(!matches(rule, Self.ingress([(3389, 3389, "10.0.0.0/8"), (22, 22, "10.0.0.0/8")])))
    }

    @Test(arguments: [
        ("items|element|contains: {a: 1}", "r.yml:4: 'element' takes no other modifiers in 'items|element|contains'; put them on the lines inside"),
        ("items|element: x", "r.yml:4: 'items|element' takes a mapping of lines (or a list of them) that one element must match"),
    ])
    func misuseIsReported(line: String, message: String) {
        let set = RuleLoader().load(yaml: "title: t\ndetection:\n  s:\n    \(line)\n  condition: s\n", file: "r.yml")
        #expect(set.problems.map(\.description) == [message])
    }
}
