import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// One search line `key: value` (YAML) checked against one event.
private func fieldMatches(_ key: String, _ value: String, _ event: String, placeholders: [String: [String]] = [:]) throws -> Bool {
    let loaded = RuleLoader(placeholders: placeholders).load(yaml: """
        title: t
        detection:
          selection:
            \(key): \(value)
          condition: selection
        """, file: "t.yml")
    #expect(loaded.problems.isEmpty, "\(loaded.problems)")
    return matches(try #require(loaded.rules.first), event)
}

@Suite struct ModifierTests {
    static let event = #"{"trail":{"cloud":"aws","action":"CreateUser"},"eventName":"CreateUser","count":42,"ratio":0.5,"src":"10.1.2.3","v6":"2001:db8::7","empty":"","nothing":null,"multi":"first\nsecond","cmd":"powershell -enc AAAA","cmd2":"powershell \u2013enc AAAA","blob":"eHggaGVsbG8gd29ybGQ=","who":{"userName":"alice"},"target":{"userName":"alice"},"other":{"userName":"bob"},"esc":"a\"quoted\"\u0041","requestParameters":{"bucketName":"b","AccessControlPolicy":{"Grant":[{"Grantee":{"URI":"http://acs.amazonaws.com/groups/global/AllUsers"}}]}}}"#

    @Test(arguments: [
        // Plain values: whole value, case-insensitive, wildcards.
        ("eventName", "createuser", true),
        ("eventName", "Create", false),
        ("eventName", "Create*", true),
        ("eventName", "C?eateUser", true),
        ("esc", "'a\"quoted\"A'", true),
        // contains / startswith / endswith, and their negatives.
        ("eventName|contains", "eateus", true),
        ("eventName|contains", "delete", false),
        ("eventName|startswith", "create", true),
        ("eventName|startswith", "user", false),
        ("eventName|endswith", "USER", true),
        ("eventName|endswith", "create", false),
        // all: every value must match.
        ("eventName|contains|all", "[create, user]", true),
        ("eventName|contains|all", "[create, group]", false),
        // cased: exact case.
        ("eventName|cased", "CreateUser", true),
        ("eventName|cased", "createuser", false),
        ("eventName|contains|cased", "User", true),
        ("eventName|contains|cased", "user", false),
        // re and its i, m, s flags (re is case-sensitive).
        ("eventName|re", "'^Create(User|Group)$'", true),
        ("eventName|re", "'^create'", false),
        ("eventName|re|i", "'^create'", true),
        ("multi|re", "'^second$'", false),
        ("multi|re|m", "'^second$'", true),
        ("multi|re", "'first.second'", false),
        ("multi|re|s", "'first.second'", true),
        // cidr, v4 and v6.
        ("src|cidr", "10.0.0.0/8", true),
        ("src|cidr", "192.168.0.0/16", false),
        ("v6|cidr", "'2001:db8::/32'", true),
        ("v6|cidr", "'2001:db9::/32'", false),
        ("src|cidr", "'2001:db8::/32'", false),
        // exists.
        ("eventName|exists", "true", true),
        ("missing|exists", "true", false),
        ("missing|exists", "false", true),
        ("nothing|exists", "true", true),
        // gt, gte, lt, lte.
        ("count|gt", "41", true),
        ("count|gt", "42", false),
        ("count|gte", "42", true),
        ("count|lt", "42", false),
        ("count|lte", "42", true),
        ("ratio|lt", "1", true),
        ("eventName|gt", "1", false),
        // base64 and base64offset ("xx hello world" encoded in blob).
        ("blob|base64", "'xx hello world'", true),
        ("blob|base64|contains", "'xx hel'", true),
        ("blob|base64offset|contains", "'hello'", true),
        ("blob|base64offset|contains", "'world'", true),
        ("blob|base64offset|contains", "'goodbye'", false),
        // windash: -enc, /enc and the dash look-alikes are one switch.
        ("cmd|windash|contains", "' /enc '", true),
        ("cmd2|windash|contains", "' -enc '", true),
        ("cmd|windash|contains", "' -command '", false),
        // fieldref: equal to another field's value.
        ("who.userName|fieldref", "target.userName", true),
        ("who.userName|fieldref", "other.userName", false),
        ("who.userName|fieldref|startswith", "target.userName", true),
        // null and empty values.
        ("nothing", "null", true),
        ("missing", "null", true),
        ("empty", "null", false),
        ("empty", "''", true),
        ("missing", "''", false),
        ("eventName", "''", false),
        // Objects match as their compact JSON text (SigmaHQ's requestParameters|contains).
        ("requestParameters|contains", "'AllUsers'", true),
        ("requestParameters|contains", "'\"bucketName\":\"b\"'", true),
        ("requestParameters|contains", "'AuthenticatedUsers'", false),
        // Arrays: any element.
        ("requestParameters.AccessControlPolicy.Grant.Grantee.URI|endswith", "/AllUsers", true),
    ])
    func modifier(key: String, value: String, expected: Bool) throws {
        #expect(try fieldMatches(key, value, Self.event) == expected, "\(key): \(value)")
    }

    @Test func expandUsesPlaceholders() throws {
        let placeholders = ["admins": ["root", "alice"]]
        #expect(try fieldMatches("who.userName|expand", "'%admins%'", Self.event, placeholders: placeholders))
        #expect(try !fieldMatches("other.userName|expand", "'%admins%'", Self.event, placeholders: placeholders))
        let loaded = RuleLoader().load(yaml: """
            title: t
            detection:
              s: {who.userName|expand: '%admins%'}
              condition: s
            """, file: "e.yml")
        #expect(loaded.problems.map(\.description) == ["e.yml:3: placeholder '%admins%' is not defined (give --placeholders FILE) in 'who.userName|expand'"])
    }

    @Test func keywordsSearchEveryValue() throws {
        let r = try rule("""
            title: k
            detection:
              keywords:
                - '*AllUsers'
                - 'nomatch-anywhere'
              condition: keywords
            """)
        #expect(matches(r, Self.event))
        #expect(!matches(r, Self.event.replacingOccurrences(of: "AllUsers", with: "Owner")))
    }

    @Test func base64OffsetsCoverEveryAlignment() {
        for prefix in ["", "a", "ab", "abc"] {
            let encoded = Data((prefix + "secret value").utf8).base64EncodedString()
            let variants = FieldModifiers.base64Offsets("secret")
            #expect(variants.contains { !$0.isEmpty && encoded.contains($0) }, "prefix '\(prefix)'")
        }
    }

    @Test(arguments: [
        ("eventName|hour: 24", "'hour' needs a whole number in 0...23, not '24'"),
        ("eventName|exists|neq: true", "'exists' takes no 'neq': write exists: false"),
        ("eventName|frobnicate: x", "unsupported field modifier 'frobnicate'"),
        ("eventName|re|contains: x", "this value type takes no other modifiers than 'all'"),
        ("eventName|contains|endswith: x", "only one of contains, startswith, endswith may be used"),
        ("eventName|i: x", "i, m and s apply to 're' only"),
        ("eventName|re: '('", "invalid regular expression '('"),
        ("src|cidr: 10.0.0.0/33", "'10.0.0.0/33' is not a network"),
        ("src|exists: maybe", "'exists' takes true or false"),
        ("count|gt: many", "'gt' needs a number"),
    ])
    func badModifiersAreReported(line: String, message: String) {
        let loaded = RuleLoader().load(yaml: "title: t\ndetection:\n  s:\n    \(line)\n  condition: s\n", file: "m.yml")
        #expect(loaded.rules.isEmpty)
        #expect(loaded.problems.count == 1)
        #expect(loaded.problems.first?.description.hasPrefix("m.yml:4: \(message)") == true, "\(loaded.problems)")
    }
}

@Suite struct ConditionFormTests {
    static let yaml = """
        title: c
        detection:
          sel_a: {eventName: CreateUser}
          sel_b: {trail.action: CreateUser}
          filter: {count: 42}
          condition: CONDITION
        """
    static let event = ModifierTests.event

    @Test(arguments: [
        ("sel_a and sel_b", true),
        ("sel_a and not filter", false),
        ("sel_a and not (filter and sel_b)", false),
        ("not sel_a or filter", true),
        ("(sel_a or filter) and not sel_b", false),
        ("1 of sel_*", true),
        ("all of sel_*", true),
        ("1 of them", true),
        ("all of them", true),
        ("not 1 of sel_*", false),
        ("[filter and not sel_a, sel_b]", true),
        ("[filter and not sel_a, not sel_b]", false),
    ])
    func conditionForms(condition: String, expected: Bool) throws {
        #expect(matches(try rule(Self.yaml.replacingOccurrences(of: "CONDITION", with: condition)), Self.event) == expected)
        let other = Self.event.replacingOccurrences(of: "CreateUser", with: "DeleteUser").replacingOccurrences(of: "42", with: "1")
        // With nothing matching, only negations can hold.
        let negated = condition.contains("not")
        if !negated { #expect(!matches(try rule(Self.yaml.replacingOccurrences(of: "CONDITION", with: condition)), other)) }
    }
}

@Suite struct SigmaHQStyleTests {
    static let folder = packageRoot + "/Tests/TrailMatchTests/SigmaHQStyle"

    @Test func loadsWithoutProblems() throws {
        let loaded = try RuleLoader().load(paths: [Self.folder])
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        #expect(loaded.rules.count >= 5)
    }

    func rule(titled title: String) throws -> Rule {
        try #require(try RuleLoader().load(paths: [Self.folder]).rules.first { $0.title == title })
    }

    @Test func containsOnAnObjectAndFiltersBehave() throws {
        let acl = try rule(titled: "AWS S3 Bucket ACL Grants Access To Everyone")
        let put = #"{"trail":{"cloud":"aws"},"eventSource":"s3.amazonaws.com","eventName":"PutBucketAcl","requestParameters":{"bucketName":"b","AccessControlPolicy":{"AccessControlList":{"Grant":[{"Grantee":{"xsi:type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}]}}}}"#
        #expect(matches(acl, put))
        #expect(!matches(acl, put.replacingOccurrences(of: "global/AllUsers", with: "s3/LogDelivery")))
        #expect(!matches(acl, put.replacingOccurrences(of: #""cloud":"aws""#, with: #""cloud":"alibaba""#)))

        let key = try rule(titled: "AWS IAM Access Key Created For Another User")
        let create = #"{"trail":{"cloud":"aws"},"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","userIdentity":{"userName":"admin","arn":"arn:aws:iam::1:user/admin"},"requestParameters":{"userName":"victim"}}"#
        #expect(matches(key, create))
        #expect(!matches(key, create.replacingOccurrences(of: "victim", with: "admin")), "a key for oneself is filtered")
        #expect(!matches(key, create.replacingOccurrences(of: #"{"userName":"victim"}"#, with: "null")), "no target is filtered")
        #expect(!matches(key, create.replacingOccurrences(of: "user/admin", with: "role/terraform-ci")), "automation is filtered")
    }
}

@Suite struct RuleIndexTests {
    @Test func eventsOnlyReachTheRulesFiledUnderTheirValues() throws {
        let set = RuleLoader().load(yaml: """
            title: by name
            detection: {s: {eventName: [CreateUser, DeleteUser]}, condition: s}
            ---
            title: by action
            detection: {s: {trail.action: ConsoleLogin}, f: {x: 1}, condition: s and not f}
            ---
            title: by prefix
            detection: {s: {eventName|startswith: Create}, condition: s}
            ---
            title: either
            detection: {a: {eventName: PutUserPolicy}, b: {eventSource: s3.amazonaws.com}, condition: a or b}
            """, file: "i.yml")
        #expect(set.problems.isEmpty)
        let index = RuleIndex(set.rules)
        func candidates(_ event: String) -> [Int] {
            Array(event.utf8).withUnsafeBytes { raw in
                let s = JSONScanner(raw)
                var out: [Int] = []
                index.candidates(s, try! s.validateDocument(), into: &out)
                return out
            }
        }
        #expect(candidates(#"{"trail":{"action":"CreateUser"},"eventName":"createuser"}"#) == [0, 2, 3])
        #expect(candidates(#"{"trail":{"action":"ConsoleLogin"},"eventName":"ConsoleLogin"}"#) == [1, 3])
        #expect(candidates(#"{"trail":{"action":"GetObject"},"eventName":"GetObject","eventSource":"s3.amazonaws.com"}"#) == [3])
        #expect(candidates(#"{"trail":{"action":"Creat"},"eventName":"Creat"}"#) == [3], "shorter than the prefix")
        #expect(candidates(#"{"eventName":"CREATEBucket"}"#) == [2, 3], "a prefix, case-insensitively, without a header")
    }
}
