import Foundation
import Testing
import TrailCore
@testable import TrailMatch

/// The shortcuts trail-match takes to read each event once give the answers of the plain
/// walks they replace: top-level members from one lazy walk (`TopMembers`), alert resources
/// written from the event's text, rule files read without Yams' tag resolution.
struct EventReadingTests {
    /// Lines whose top level is tricky: names met twice, written with escapes, named only
    /// inside a value, long names alike in their first 16 bytes, malformed after a member,
    /// arrays where objects are expected, the `trail` header first.
    static let lines = [
        #"{"a":1,"b":{"c":2},"a":3}"#,
        #"{"eventName":"x","requestParameters":{"errorCode":"nested"},"userAgent":"ua"}"#,
        #"{"err\u006frCode":"escaped","errorCode":"plain"}"#,
        #"{"x":"a\"errorCode\" inside","errorCode":"after"}"#,
        #"{"additionalEventDataA":1,"additionalEventDataB":2,"additionalEventData":{"k":"v"}}"#,
        #"{"a":1,"b":[1,2,"#,
        #"{"a":1,"b"2,"c":3}"#,
        #"{"userIdentity":[{"arn":"one"},{"arn":"two"}],"resources":[{"ARN":"r1"},{"arn":"r2"}]}"#,
        #"{"trail":{"action":"GetObject","error":null},"eventName":"GetObject","errorCode":"AccessDenied"}"#,
        #"{"":"empty name","C":"capital"}"#,
        #"[1,2]"#,
        #"{}"#,
    ]

    static let names = ["a", "b", "c", "eventName", "errorCode", "userAgent", "requestParameters", "x", "additionalEventData",
                        "additionalEventDataA", "additionalEventDataB", "userIdentity", "resources", "trail", "", "C", "missing"]

    static let paths = ["a", "b.c", "errorCode", "requestParameters.errorCode", "userIdentity.arn", "resources.ARN",
                        "additionalEventData.k", "trail.action", "trail.error", "missing.x"].map(JSONPath.init)

    @Test("TopMembers answers as JSONScanner's member, value and forEachValue", arguments: lines)
    func sameAnswers(line: String) {
        Array(line.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            let top = TopMembers()
            top.read(s, root: 0)
            for name in Self.names {
                #expect(top.member(Array(name.utf8), s) == s.member(Array(name.utf8), ofObjectAt: 0), "\(name) in \(line)")
            }
            top.read(s, root: 0)
            for path in Self.paths.reversed() {
                var walked: [Int] = [], looked: [Int] = []
                s.forEachValue(at: path, from: 0) { walked.append($0) }
                top.forEachValue(s, at: path) { looked.append($0) }
                #expect(walked == looked, "\(path) in \(line)")
                #expect(top.value(s, at: path) == s.value(at: path, from: 0), "\(path) in \(line)")
            }
        }
    }

    @Test("A line read with its header gives the answers of a line read whole")
    func headerStart() throws {
        let line = #"{"trail":{"action":"PutObject","actor":{"name":"a"}} , "eventName":"PutObject","trail":"again"}"#
        try Array(line.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            let index = RuleIndex([])
            var header: [Int] = [], shape = RuleIndex.HeaderShape()
            let end = try #require(index.readHeader(s, into: &header, shape: &shape))
            let top = TopMembers()
            top.read(s, root: 0, headerEnd: end)
            for name in ["trail", "eventName", "missing"] {
                #expect(top.member(Array(name.utf8), s) == s.member(Array(name.utf8), ofObjectAt: 0), "\(name)")
            }
        }
    }

    /// The header members the index reads are found by their names' hash: each must be where
    /// the first member of that name is, whatever the names around it, escaped or long.
    static let headers = [
        #"{"trail":{"action":"A","error":"E","actor":{"type":"user"}},"eventName":"A"}"#,
        #"{"trail":{"act\u0069on":"A","action":"B","errorCodeOfTheCall":"X","error":"E"},"e":1}"#,
        #"{"trail":{"error":null,"error":"second","actor":{"type":"role"},"actor":1},"e":1}"#,
        #"{"trail":{"sessionIssuerNameIsLong":"a","sessionIssuerNameIsLonger":"b","actorx":2},"e":1}"#,
        #"{"trail":{"actioN":"A","errors":"E","actor":{"type":"user"}},"eventName":"A"}"#,
        #"{"trail":{"\u0061ction":"A","error":"E","actor":2},"eventName":"A"}"#,
        #"{"trail":{"action":"A","action":"E","actor":{"type":"user"}},"eventName":"A"}"#,
        #"{"trail":{},"e":1}"#,
    ]

    static func headerIndex() -> RuleIndex {
        let fields = ["trail.action", "trail.error", "trail.actor.type", "trail.sessionIssuerNameIsLonger", "trail.sessionIssuerNameIsLong"]
        let set = RuleLoader().load(yaml: fields.enumerated().map { k, field in
            "title: r\(k)\ndetection: {s: {\(field): x}, condition: s}"
        }.joined(separator: "\n---\n"), file: "r.yml")
        precondition(set.problems.isEmpty, "\(set.problems)")
        return RuleIndex(set.rules)
    }

    @Test("The header's members are found as a member lookup finds them", arguments: headers)
    func headerMembers(line: String) throws {
        try Array(line.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            let index = Self.headerIndex()
            var header: [Int] = [], shape = RuleIndex.HeaderShape()
            _ = try #require(index.readHeader(s, into: &header, shape: &shape))
            let trail = try #require(s.member(Array("trail".utf8), ofObjectAt: 0))
            // The members named, and the field read below one of them.
            var expected = Set(["action", "error", "actor", "sessionIssuerNameIsLong", "sessionIssuerNameIsLonger"]
                .compactMap { s.member(Array($0.utf8), ofObjectAt: trail) })
            if let type = s.value(at: JSONPath("trail.actor.type"), from: 0) { expected.insert(type) }
            #expect(Set(header.filter { $0 >= 0 }) == expected, "\(line)")
        }
    }

    /// A lane settles a header name by the name at its position in the line before: headers
    /// read one after another, alike or not, must each give what it gives read alone.
    @Test("Headers read after others find the members each finds read alone", arguments: headers)
    func headerAfterOthers(line: String) throws {
        let index = Self.headerIndex()
        func read(_ line: String, _ shape: inout RuleIndex.HeaderShape) -> [Int]? {
            Array(line.utf8).withUnsafeBytes { raw in
                var header: [Int] = []
                return index.readHeader(JSONScanner(raw), into: &header, shape: &shape).map { _ in header }
            }
        }
        var fresh = RuleIndex.HeaderShape()
        let alone = read(line, &fresh)
        for before in Self.headers + [line] {
            var shape = RuleIndex.HeaderShape()
            _ = read(before, &shape)
            #expect(read(line, &shape) == alone, "\(line) after \(before)")
            #expect(read(line, &shape) == alone, "\(line) twice after \(before)")
        }
    }

    /// A field one name below a header member (`trail.actor.type`) is found as the header is
    /// checked: the rules it selects must be those a walk of the line selects, whatever shape
    /// the member has (repeated, written with escapes, an array, not an object).
    @Test("Fields below header members select the rules a walk selects", arguments: [
        #"{"trail":{"actor":{"type":"role","name":"x"}},"e":1}"#,
        #"{"trail":{"actor":{"name":"x"},"actor":{"type":"role"}},"e":1}"#,
        #"{"trail":{"actor":{"type":"user","type":"role"}},"e":1}"#,
        #"{"trail":{"act\u006fr":{"typ\u0065":"role"},"actor":{"type":"user"}},"e":1}"#,
        #"{"trail":{"actor":[{"type":"role"},{"type":"user"}]},"e":1}"#,
        #"{"trail":{"actor":"role","source":{"ip":"10.0.0.1"}},"e":1}"#,
        #"{"trail":{"actor":{"type":{"x":"role"}},"source":{"ip":null}},"e":1}"#,
        #"{"trail":{"actor":{},"source":{"ip":"10.0.0.1","ip":"x"}},"e":1}"#,
    ])
    func fieldsBelowHeaderMembers(line: String) throws {
        let set = RuleLoader().load(yaml: """
            title: role
            detection: {s: {trail.actor.type: role}, condition: s}
            ---
            title: contains
            detection: {s: {trail.actor.type|contains: ol}, condition: s}
            ---
            title: present
            detection: {s: {trail.actor.name|startswith: x, trail.source.ip|cidr: 10.0.0.0/8}, condition: s}
            ---
            title: ip
            detection: {s: {trail.source.ip: 10.0.0.1}, condition: s}
            """, file: "r.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        let (read, walked) = try Self.candidates(RuleIndex(set.rules), line)
        #expect(read == walked, "\(line)")
    }

    /// The rules the index selects for a line that opens with a header: read from the header,
    /// and by walking the line as a line without one is walked.
    static func candidates(_ index: RuleIndex, _ line: String) throws -> (read: [Int], walked: [Int]) {
        try Array(line.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            var header: [Int] = [], shape = RuleIndex.HeaderShape()
            let end = try #require(index.readHeader(s, into: &header, shape: &shape))
            let top = TopMembers()
            top.read(s, root: 0, headerEnd: end)
            var read: [Int] = [], walked: [Int] = []
            index.candidates(s, 0, header: header, top: top, into: &read)
            index.candidates(s, 0, into: &walked)
            return (read, walked)
        }
    }

    /// The rule index files rules naming userAgent, errorCode or eventName under the header's
    /// copy of the field, which differs from the field where the field is empty, absent, an
    /// array or an object, and where the error is errorMessage's: no rule the event matches
    /// may be passed over there. (`errorCode: ''` once reached no event: a silent miss.)
    @Test("A header copy never hides a rule the event's own field matches", arguments: [
        #"{"trail":{"action":"A","agent":null,"error":null},"eventName":"A","userAgent":"","errorCode":""}"#,
        #"{"trail":{"action":"A","agent":"[\"x\",\"kali\"]","error":null},"eventName":"A","userAgent":["x","kali"]}"#,
        #"{"trail":{"action":"A","agent":"{\"k\":\"kali\"}","error":"boom"},"userAgent":{"k":"kali"},"errorCode":"","errorMessage":"boom"}"#,
        #"{"trail":{"action":"A","agent":"Kali-Linux curl","error":"AccessDenied"},"userAgent":"Kali-Linux curl","errorCode":"AccessDenied"}"#,
        #"{"trail":{"action":null,"agent":null,"error":null},"eventName":"","userAgent":null}"#,
    ])
    func headerCopiesHideNoRule(line: String) throws {
        let set = RuleLoader().load(yaml: """
            title: empty error
            detection: {s: {errorCode: ''}, condition: s}
            ---
            title: empty agent
            detection: {s: {userAgent: ''}, condition: s}
            ---
            title: agent value
            detection: {s: {userAgent: kali}, condition: s}
            ---
            title: agent literal
            detection: {s: {userAgent|re: '(?i)kali'}, condition: s}
            ---
            title: any error
            detection: {s: {errorCode|re: '.*'}, condition: s}
            ---
            title: not denied
            detection: {s: {errorCode: AccessDenied}, f: {eventName: B}, condition: s and not f}
            ---
            title: empty action
            detection: {s: {eventName: ''}, condition: s}
            """, file: "r.yml")
        #expect(set.problems.isEmpty, "\(set.problems)")
        let matching = Array(line.utf8).withUnsafeBytes { raw in
            set.rules.indices.filter { set.rules[$0].matches(JSONScanner(raw), event: 0) }
        }
        let (read, walked) = try Self.candidates(RuleIndex(set.rules), line)
        #expect(Set(matching).isSubset(of: read), "read with its header: \(read), matching: \(matching)")
        #expect(Set(matching).isSubset(of: walked), "walked: \(walked), matching: \(matching)")
    }

    /// Framed lines good and bad in each place a walk can stop: within the members it reads
    /// (checked as it goes), after them, and in a name written with escapes.
    static let framedLines = [
        #"{"trail":{"action":"A"},"userIdentity":{"arn":"x"},"userAgent":"ua","z":[1,{"k":null}]}"#,
        #"{"trail":{"action":"A"},"userIdentity":{"arn":"x","b":tru},"userAgent":"ua"}"#,
        #"{"trail":{"action":"A"},"userIdentity":{"arn":"x"},"userAgent":"ua","z":[1,}"#,
        #"{"trail":{"action":"A"},"userIdentity":{"arn":"x"},"userAgent":"u\qa"}"#,
        #"{"trail":{"action":"A"},"user\u0049dentity":{"arn":"x"},"userAgent":"ua","z":01}"#,
        #"{"trail":{"action":"A"},"userIdentity":{"arn":"x"},"userAgent":"ua"} {}"#,
        #"{"trail":{"action":"A"}}"#,
        #"{"trail":{"action":"A"},"userIdentity":{"arn":"x"} , "userAgent" : "ua" }"#,
    ]

    @Test("A line checked from where the walk of its members stopped checks as a line checked whole, and reports as one checked from its header",
          arguments: framedLines, [["userIdentity"], ["userAgent"], ["z"], ["missing"], []])
    func checkedWalk(line: String, names: [String]) throws {
        try Array(line.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            var header: [Int] = [], shape = RuleIndex.HeaderShape()
            let end = try #require(RuleIndex([]).readHeader(s, into: &header, shape: &shape))
            let top = TopMembers()
            top.read(s, root: 0, headerEnd: end)
            for name in names { _ = top.member(Array(name.utf8), s) }
            let whole = Result { () throws(JSONError) -> Int in try s.validateDocument() }
            let rest = top.checkRest(s, headerEnd: end)
            let wholeChecks = (try? whole.get()) != nil, restChecks = (try? rest.get()) != nil
            #expect(wholeChecks == restChecks, "\(names) in \(line)")
            // The report of the rest checked from the header's end, and once checked, the table
            // that the check filled answers as a walk of the line.
            if case .failure(let problem) = rest, case .failure(let reference) = NDJSONInput.checkFramedObject(s, checkedUpTo: end) {
                #expect(problem.description == reference.description, "\(names) in \(line)")
            }
            guard restChecks else { return }
            for name in ["trail", "userIdentity", "userAgent", "z", "missing"] {
                #expect(top.member(Array(name.utf8), s) == s.member(Array(name.utf8), ofObjectAt: 0), "\(name) after \(names) in \(line)")
            }
        }
    }

    @Test("An alert's resources: ARNs, then resource fields, each once, copied or quoted as before")
    func resources() throws {
        let rules = RuleLoader().load(yaml: """
            title: with resources
            resource: [requestParameters.bucketName, requestParameters.keys, requestParameters.count]
            detection: {s: {eventName: PutObject}, condition: s}
            """, file: "r.yml")
        #expect(rules.problems.isEmpty)
        let guidance = try #require(rules.rules.first).guidance
        let event = #"{"eventName":"PutObject","resources":[{"ARN":"arn:a"},{"arn":"arn:b"},{"ARN":""},{"ARN":"arn:a"}],"#
            + #""requestParameters":{"bucketName":"arn:b","keys":["k\u00e9y","plain",7,{"x":1},"plain"],"count":7}}"#
        Array(event.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            var names = ResourceNames()
            var alert = AlertWriter()
            alert.begin(rule: Array("{}".utf8))
            guidance.writeResources(s, event: 0, nil, names: &names, into: &alert)
            let line = Array("{}".utf8).withUnsafeBytes { alert.finish(event: $0) }
            #expect(String(decoding: line, as: UTF8.self) == #"{"alert":{"rule":{},"resources":["arn:a","arn:b","kéy","plain","7"]},"event":{}}"#)
        }
    }

    @Test("An alert's time: copied as written, decoded and quoted when written with escapes, else null",
          arguments: [(#""2026-11-16T00:07:24Z""#, #""2026-11-16T00:07:24Z""#), (#""2026\u002d11""#, #""2026-11""#),
                      ("17", "null"), ("null", "null"), ("", "null")])
    func alertTime(written: String, expected: String) {
        let event = written.isEmpty ? "{}" : #"{"trail":{"time":"# + written + "}}"
        Array(event.utf8).withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            var alert = AlertWriter()
            alert.begin(rule: Array("{}".utf8))
            alert.time(s, at: s.value(at: JSONPath("trail.time"), from: 0))
            let line = alert.finish(event: raw)
            #expect(String(decoding: line, as: UTF8.self) == #"{"alert":{"rule":{},"time":"# + expected + #"},"event":"# + event + "}")
        }
    }

    @Test("Rule files read as Yams' default reader reads them: duplicate keys by their resolved tags")
    func duplicateKeys() {
        // 1 (an int) and '1' (a string) are two keys by default: the file loads.
        let distinct = RuleLoader().load(yaml: """
            title: two keys
            detection: {s: {eventName: A}, condition: s}
            tags: [a]
            custom: {1: one, '1': other}
            """, file: "d.yml")
        #expect(distinct.problems.map(\.message).allSatisfy { !$0.contains("invalid YAML") }, "\(distinct.problems)")
        // !!int 1 and 1 are one key by default: refused as a duplicate.
        let same = RuleLoader().load(yaml: """
            title: one key
            detection: {s: {eventName: A}, condition: s}
            custom: {!!int 1: one, 1: other}
            """, file: "d.yml")
        #expect(same.problems.contains { $0.message.contains("invalid YAML") }, "\(same.problems)")
    }
}
