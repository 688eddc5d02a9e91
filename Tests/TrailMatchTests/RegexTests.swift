import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// The `re` engine against Python's `re` (ASCII classes and case folding, as PCRE without
/// Unicode properties) as the oracle, over values generated from pieces of each pattern: the
/// same answer with the literal prefilter, without it, and from the oracle.
@Suite struct RegexTests {
    /// SigmaHQ's regular-expression forms: `.+` prefixes and suffixes, anchors, classes,
    /// counted repeats, alternation, groups, inline and modifier flags, escapes.
    static let forms: [(pattern: String, flags: String, pieces: [String])] = [
        (".+:assumed-role/aws:.+", "", ["arn:aws:sts::123456789012", ":assumed-role/aws:", "ec2-instance", ":assumed-role/AWS:", "\n", ":"]),
        ("^arn:aws:iam::\\d{12}:user/.*$", "", ["arn:aws:iam::", "123456789012", "12345", ":user/", "bob", "\n", "x"]),
        ("(?i)python-requests|curl|wget", "", ["Python-Requests/2.31", "CURL/8", "wGet", "pythonrequests", " ", "cur"]),
        ("^(Mozilla|curl)/[0-9.]+ ", "", ["Mozilla", "curl", "/", "5.0", "1.2", " ", "x", "\n"]),
        ("[A-Z0-9]{20}", "", ["AKIAIOSFODNN7EXAMPL", "E", "a", "Z9", "-", "AKIA"]),
        (".*\\.amazonaws\\.com$", "", ["s3", ".amazonaws", ".com", "xamazonaws", "\n", "com"]),
        ("^\\s*$", "", [" ", "\t", "\n", "x", ""]),
        ("aws-cli/.*", "i", ["AWS-CLI/", "aws-cli", "2.15", "/", "boto3", "\n"]),
        ("^(?:Get|List|Describe)[A-Za-z]+$", "", ["Get", "List", "Describe", "Buckets", "_", "1", "\n", "get"]),
        ("\\bAKIA[0-9A-Z]{16}\\b", "", ["AKIA", "IOSFODNN7EXAMPLE", "x", " ", "_", "1234"]),
        ("^second$", "m", ["first", "second", "\n", "seconds", " "]),
        ("first.second", "s", ["first", "second", "\n", "x", "\r"]),
        ("[^a-z]admin", "", ["admin", "X", "x", " ", "/", "ADMIN"]),
        ("kali|parrot|pentoo", "i", ["Kali", "PARROT", "pentoo", "Linux", " ", "kal"]),
        ("^\\{\"Version\":.*\\*.*\\}$", "", ["{\"Version\":", "\"2012\"", "*", "}", "\n", "{"]),
        ("a{2,3}b", "", ["a", "b", "aa", "c"]),
        ("(ab)+c", "", ["ab", "c", "a", "b"]),
        ("x?y??z", "", ["x", "y", "z", "w"]),
        ("café|naïve.", "", ["café", "cafe", "naïve", "é", "x", "\n"]),
        ("(?i:Delete)Bucket[\\w-]*", "", ["DELETE", "delete", "Bucket", "bucket", "-", "_x", " "]),
        ("(\\d+\\.){3}\\d+", "", ["10", ".", "0", "255", "a", " "]),
        ("^[\\w.+-]+@example\\.(com|org)$", "", ["alice", "+tag", "@", "example", ".com", ".org", ".net", " "]),
        // Several literals each match needs (each is looked for before the engine runs).
        ("^arn:aws:iam::\\d{12}:root$", "", ["arn:aws:iam::", "123456789012", ":root", ":user/bob", "root", "\n", "1"]),
        ("\"Action\"\\s*:\\s*(\\[\\s*)?\"\\*\"", "", ["\"Action\"", ":", " ", "[", "\"*\"", "\"s3:*\"", "{", "\n"]),
        ("(?i)delete.+bucket(policy)?$", "", ["Delete", "DELETE", "Bucket", "bucket", "Policy", "x", "\n"]),
    ]

    static let oracle = #"""
    import json, re, sys
    cases = json.load(open(sys.argv[1]))
    out = []
    for c in cases:
        flags = re.ASCII | (re.I if "i" in c["flags"] else 0) | (re.M if "m" in c["flags"] else 0) | (re.S if "s" in c["flags"] else 0)
        r = re.compile(c["pattern"], flags)
        out.append([r.search(v) is not None for v in c["values"]])
    print(json.dumps(out))
    """#

    static func flags(_ text: String) -> RegexFlags {
        RegexFlags(caseless: text.contains("i"), multiline: text.contains("m"), dotAll: text.contains("s"))
    }

    static func values(_ pieces: [String], _ random: inout SplitMix) -> [String] {
        (0..<300).map { _ in (0..<random.int(0...8)).map { _ in random.pick(pieces) }.joined() }
    }

    static func matches(_ regex: SigmaRegex, _ value: String) -> Bool {
        var value = value
        return value.withUTF8 { regex.matches(UnsafeRawBufferPointer($0)) }
    }

    @Test func everyFormMatchesAsPythonsReWithAndWithoutThePrefilter() throws {
        var random = SplitMix(state: 26)
        let cases = Self.forms.map { form in
            ["pattern": form.pattern, "flags": form.flags, "values": Self.values(form.pieces, &random)] as [String: Any]
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("cases.json", String(decoding: try JSONSerialization.data(withJSONObject: cases), as: UTF8.self))
        let script = try dir.write("oracle.py", Self.oracle)
        let result = try runShell("python3 '\(script)' '\(input)'", timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[Bool]])
        var hits = 0
        for (form, (c, answers)) in zip(Self.forms, zip(cases, expected)) {
            let filtered = try SigmaRegex(form.pattern, flags: Self.flags(form.flags))
            let unfiltered = try SigmaRegex(form.pattern, flags: Self.flags(form.flags), prefilter: false)
            #expect(filtered.usesLinearEngine, "\(form.pattern)")
            for (value, answer) in zip(c["values"] as! [String], answers) {
                #expect(Self.matches(filtered, value) == answer, "\(form.pattern) on \(value.debugDescription) with the prefilter")
                #expect(Self.matches(unfiltered, value) == answer, "\(form.pattern) on \(value.debugDescription) without it")
                if answer { hits += 1 }
            }
        }
        // The generated values both match and miss.
        #expect(hits > 1000 && hits < 5000, "\(hits) matches")
    }

    @Test(arguments: [
        (".+:assumed-role/aws:.+", ":assumed-role/aws:", false),
        ("(?i)AWS-CLI/.*", "aws-cli/", true),
        ("^arn:aws:iam::\\d{12}:user/.*$", "arn:aws:iam::", false),
        ("ab+cd", "cd", false),
        ("x(abc)+y", "abc", false),
        ("(?i)(kali|parrot|pentoo)", "kali|parrot|pentoo", true),
        ("^(GetObject|PutObject)$", "GetObject|PutObject", false),
    ])
    func theRequiredLiteralIsPulledOut(pattern: String, literal: String, caseless: Bool) throws {
        let regex = try SigmaRegex(pattern, flags: RegexFlags())
        let required = try #require(regex.required)
        #expect(required.map { String(decoding: $0.bytes, as: UTF8.self) } == literal.split(separator: "|").map(String.init))
        #expect(required.allSatisfy { $0.caseless == caseless })
    }

    @Test(arguments: ["a?", "[ab]c?", "(ab)*", "x|y?"])
    func aPatternWithoutARequiredLiteralHasNone(pattern: String) throws {
        #expect(try SigmaRegex(pattern, flags: RegexFlags()).required == nil)
    }

    /// Patterns that make backtracking engines take exponential time, on values of 100,000
    /// characters: linear time here (a backtracking engine does not finish these).
    @Test(arguments: ["(a+)+$", "(a|aa)*c", "(.*a){20}$", "^(\\w+\\s?)*$", "(x+x+)+y"])
    func catastrophicPatternsFinishInLinearTime(pattern: String) throws {
        let regex = try SigmaRegex(pattern, flags: RegexFlags())
        let value = String(repeating: pattern.contains("x") ? "x" : "a", count: 100_000) + "!"
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(!Self.matches(regex, value)) }
        #expect(elapsed < .seconds(20), "\(pattern): \(elapsed)")
    }

    @Test(arguments: [
        ("a\\z", "a\n", false), ("a\\Z", "a\n", true), ("a$", "a\n", true), ("\\Aa", "ba", false),
        ("(?<word>ab)c", "abc", true), ("(?P<word>ab)c", "xabc", true), ("\\x41\\x{42}", "AB", true),
        ("a{,2}", "a{,2}", true), ("(?i)straße", "STRAßE", true),
    ])
    func anchorsNamedGroupsAndEscapes(pattern: String, value: String, expected: Bool) throws {
        let regex = try SigmaRegex(pattern, flags: RegexFlags())
        #expect(regex.usesLinearEngine)
        #expect(Self.matches(regex, value) == expected)
    }

    /// Repeats that expand past the automaton's bound (nested ones multiply) go to Foundation's
    /// engine instead of making millions of states at load.
    @Test func hugeRepeatsStayBounded() throws {
        let regex = try SigmaRegex("((a{1000}){1000}){1000}b", flags: RegexFlags())
        #expect(!regex.usesLinearEngine)
        #expect(try SigmaRegex("a{2000}", flags: RegexFlags()).usesLinearEngine)
    }

    /// What the linear engine lacks is run by Foundation's engine, with the same meaning.
    @Test(arguments: [("(a)\\1", "xaa", true), ("foo(?=bar)", "foobaz", false), ("\\p{Lu}x", "Éx", true)])
    func backreferencesAndLookaroundFallBackToFoundation(pattern: String, value: String, expected: Bool) throws {
        let regex = try SigmaRegex(pattern, flags: RegexFlags())
        #expect(!regex.usesLinearEngine)
        #expect(Self.matches(regex, value) == expected)
    }

    /// A pattern needing several literals is filed under one of them, and an event reaches it
    /// only when its value holds the others too: the ARN of a user, which holds
    /// `arn:aws:iam::` but not `:root`, reaches no rule about the root user's ARN.
    @Test func theRuleIndexChecksEveryLiteralAPatternNeeds() throws {
        let set = RuleLoader().load(yaml: """
            title: root
            detection: {s: {userIdentity.arn|re: '^arn:aws:iam::\\d{12}:root$'}, condition: s}
            ---
            title: either
            detection: {s: {userIdentity.arn|re: ['(?i)^ARN:aws:iam::\\d+:user/(admin|ops)', '.+:assumed-role/']}, condition: s}
            """, file: "r.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        let index = RuleIndex(set.rules)
        func candidates(_ arn: String) -> [Int] {
            Array(#"{"userIdentity":{"arn":\#(JSONWriter.quoted(arn))}}"#.utf8).withUnsafeBytes { raw in
                let s = JSONScanner(raw)
                var out: [Int] = []
                index.candidates(s, 0, into: &out)
                return out
            }
        }
        #expect(candidates("arn:aws:iam::123456789012:user/alice").isEmpty)
        #expect(candidates("arn:aws:iam::123456789012:root") == [0])
        #expect(candidates("arn:aws:iam::1:root:x") == [0], "the index checks that the literals occur, the engine where")
        #expect(candidates("arn:aws:iam::1:user/Ops") == [1])
        #expect(candidates("arn:aws:sts::1:assumed-role/r") == [1])
        #expect(candidates("arn:aws:iam::1:user/dev").isEmpty)
    }

    /// Rules whose field needs a literal are filed under it: an event reaches them only when
    /// its value holds one of their literals (any case where the rule ignores case).
    @Test func theRuleIndexFilesRulesUnderTheirLiterals() throws {
        let set = RuleLoader().load(yaml: """
            title: distribution
            detection: {s: {userAgent|re: '(?i)(kali|parrot)'}, condition: s}
            ---
            title: role session
            detection: {s: {userIdentity.arn|re: '.+:assumed-role/aws:.+'}, condition: s}
            ---
            title: headless
            detection: {s: {userAgent|contains: [HeadlessChrome, 'curl/']}, condition: s}
            ---
            title: no literal
            detection: {s: {userAgent|re: '^.{300,}$'}, condition: s}
            """, file: "r.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        let index = RuleIndex(set.rules)
        func candidates(_ event: String) -> [Int] {
            Array(event.utf8).withUnsafeBytes { raw in
                let s = JSONScanner(raw)
                var out: [Int] = []
                index.candidates(s, try! s.validateDocument(), into: &out)
                return out
            }
        }
        #expect(candidates(#"{"userAgent":"Mozilla/5.0","userIdentity":{"arn":"arn:aws:iam::1:user/a"}}"#) == [3])
        #expect(candidates(#"{"userAgent":"Boto3 os/linux#6.5.0-KALI3","userIdentity":{"arn":"x:assumed-role/aws:y"}}"#) == [0, 1, 3])
        #expect(candidates(#"{"userAgent":"CURL/8 HeadlessChrome"}"#) == [2, 3])
        #expect(candidates(#"{"userAgent":["a", "parrot"]}"#) == [0, 3], "an array's elements")
        #expect(candidates(#"{"userIdentity":{"arn":"x:assumed-role/AWS:y"}}"#).isEmpty, "the regular expression is case-sensitive")
    }

    /// The index samples a value every few bytes (one less than the field's shortest literal)
    /// and looks up the byte pair there: it must find every occurrence, wherever it starts,
    /// as a search at every byte does. Literals of 1 to 9 bytes, cased and caseless, over
    /// generated values that hold them at every offset, in either case, cut short or not.
    @Test(arguments: [1, 2, 3, 5, 9])
    func sampledLiteralsAreFoundWhereverTheyStart(shortest: Int) throws {
        let literals = ["kaliLinux", "ab/c", "aa", "Zq9", "x", "parrot"].filter { $0.count >= shortest }
        let rules = literals.enumerated().map { k, literal in
            "title: r\(k)\ndetection: {s: {userAgent|contains\(k % 2 == 0 ? "" : "|cased"): '\(literal)'}, condition: s}"
        }.joined(separator: "\n---\n")
        let set = RuleLoader().load(yaml: rules, file: "r.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        let index = RuleIndex(set.rules)
        var random = SplitMix(state: UInt64(shortest))
        let pieces = literals + literals.map { $0.uppercased() } + literals.map { String($0.dropLast()) } + ["-", "a", "Z", "/"]
        for _ in 0..<2000 {
            var value = ""
            for _ in 0..<Int(random.next() % 6) { value += pieces[Int(random.next() % UInt64(pieces.count))] }
            let expected = literals.indices.filter { k in
                k % 2 == 0 ? value.lowercased().contains(literals[k].lowercased()) : value.contains(literals[k])
            }
            let event = #"{"userAgent":"# + JSONWriter.quoted(value) + "}"
            let found = Array(event.utf8).withUnsafeBytes { raw -> [Int] in
                let s = JSONScanner(raw)
                var out: [Int] = []
                index.candidates(s, 0, into: &out)
                return out
            }
            #expect(found == expected, "\(value.debugDescription)")
        }
    }
}

/// Keyword lists are ruled out on the event's text before its values are walked: never when
/// a value could match.
@Suite struct KeywordPrefilterTests {
    @Test func keywordsAreLookedForInTheEventsTextFirst() throws {
        let r = try rule("""
            title: k
            detection:
              keywords:
                - '*AllUsers*'
                - 'Kali*'
              condition: keywords
            """)
        #expect(matches(r, #"{"a":{"b":["x","http://acs/AllUsers/y"]}}"#))
        #expect(matches(r, #"{"ua":"kali linux"}"#), "case-insensitively")
        #expect(!matches(r, #"{"a":"AllUser"}"#))
        #expect(matches(r, #"{"a":"\u0041llUsers!"}"#), "an escaped value is decoded, never ruled out by the raw text")
        #expect(!matches(r, #"{"AllUsers":"x"}"#), "names are not values")
    }

    @Test func aKeywordWithoutALiteralTurnsThePrefilterOff() {
        #expect(Keywords([Pattern("*AllUsers*"), Pattern("*")]).needles == nil)
        #expect(Keywords([Pattern("*AllUsers*"), Pattern("a?c")]).needles?.count == 2)
    }
}
