import Foundation
import Testing
import TrailCore
import TrailFlatten
import TrailTestSupport

/// Flattens `lines` in-process and returns the output lines and the diagnostics.
func flatten(_ lines: [String], strict: Bool = false) throws -> (lines: [String], diagnostics: Diagnostics) {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let input = try dir.write("in.ndjson", lines.joined(separator: "\n"))
    let output = OutputWriter(collectingAs: "out")
    let diagnostics = Diagnostics(tool: "trail-flatten", strict: strict)
    _ = try Flattener(output: output, diagnostics: diagnostics).run(inputs: [input])
    return (output.collectedLines, diagnostics)
}

@Suite struct FlattenerTests {
    static let rootLogin = #"{"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":""},"eventTime":"2024-05-01T09:12:03Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.10","userAgent":"Mozilla/5.0","errorMessage":"Failed authentication","requestParameters":null,"responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"MFAUsed":"No"},"eventID":"7d2f9a1e-0000-4000-8000-000000000001","readOnly":false,"eventType":"AwsConsoleSignIn","recipientAccountId":"111122223333"}"#
    static let roleCall = #"{"eventTime":"2024-05-01T09:13:03Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"eu-west-1","sourceIPAddress":"ec2.amazonaws.com","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/Ops/alice","accountId":"111122223333","sessionContext":{"attributes":{"mfaAuthenticated":"true"}}},"eventID":"e2","readOnly":"false"}"#
    static let alibabaCall = #"{"eventId":"239EB588","eventVersion":1,"eventSource":"ecs.cn-hangzhou.aliyuncs.com","eventType":"ApiCall","eventName":"DeleteDisk","eventRW":"Write","eventTime":"2024-05-01T01:12:03Z","acsRegion":"cn-hangzhou","serviceName":"Ecs","sourceIpAddress":"198.51.100.7","userAgent":"AlibabaCloud","userIdentity":{"type":"ram-user","principalId":"245","accountId":"1047585191180000","userName":"alice","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"errorCode":"","errorMessage":"","recipientAccountId":"1047585191180000"}"#

    @Test func splitsACloudTrailFileAndWritesTheHeaderFirst() throws {
        let file = #"{"trailFile":"s3://b/k.json.gz","Records":[\#(Self.rootLogin),\#(Self.roleCall)]}"#
        let (lines, diagnostics) = try flatten([file])
        #expect(diagnostics.skippedRecords == 0)
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasPrefix(#"{"trail":{"cloud":"aws","#) })
        let root = try parseJSON(lines[0])
        #expect(value(root, "trail.time") as? String == "2024-05-01T09:12:03Z")
        #expect(value(root, "trail.account") as? String == "111122223333")
        #expect(value(root, "trail.service") as? String == "signin")
        #expect(value(root, "trail.action") as? String == "ConsoleLogin")
        #expect(value(root, "trail.actor.name") as? String == "root")
        #expect(value(root, "trail.actor.root") as? Bool == true)
        #expect(value(root, "trail.actor.mfa") as? Bool == false)
        #expect(value(root, "trail.source.ip") as? String == "203.0.113.10")
        #expect(value(root, "trail.outcome") as? String == "failure")
        #expect(value(root, "trail.error") as? String == "Failed authentication")
        #expect(value(root, "trail.file") as? String == "s3://b/k.json.gz")
        #expect(value(root, "trail.index") as? Int == 0)
        let role = try parseJSON(lines[1])
        #expect(value(role, "trail.actor.name") as? String == "Ops/alice")
        #expect(value(role, "trail.actor.type") as? String == "role")
        #expect(value(role, "trail.actor.mfa") as? Bool == true)
        #expect(value(role, "trail.source.ip") is NSNull)
        #expect(value(role, "trail.source.service") as? String == "ec2.amazonaws.com")
        #expect(value(role, "trail.readOnly") as? Bool == false)
        #expect(value(role, "trail.index") as? Int == 1)
    }

    @Test func aSecurityCenterFindingFetchedFromAShippedFileIsNamedByItsLineInThatFile() throws {
        let finding = #""__topic__":"sas-cspm-log","check_item_name":"RAM user MFA enabled","region_id":"cn-hangzhou","status":"NOT_PASS","start_time":"1714525923""#
        let (lines, _) = try flatten([
            #"{"trailFile":"sas-cspm-log/2024/05/01/01/15_1714526100000000000_0.gz","trailDoc":0,\#(finding)}"#,
            #"{"trailFile":"sas-cspm-log/2024/05/01/01/15_1714526100000000000_0.gz","trailDoc":1,\#(finding)}"#,
            "{\(finding)}",
        ])
        let headers = try lines.map { try parseJSON($0) }
        #expect(headers.map { value($0, "trail.index") as? Int } == [0, 1, 2])
        #expect(value(headers[1], "trail.file") as? String == "sas-cspm-log/2024/05/01/01/15_1714526100000000000_0.gz")
        #expect(value(headers[1], "trail.error") as? String == "NOT_PASS")
    }

    /// The actor's name from an ARN: the resource after its type, colons and all; no name
    /// when the ARN has no resource type, an empty name, or is not an ARN.
    /// trail-fetch's `trailDoc` names a document that is one event, whatever wraps it (an
    /// EventBridge envelope, an SLS record, a bare event): its place in the object, not the
    /// line of trail-fetch's output (which was used for the wrapped ones before).
    @Test func aDocumentThatIsOneEventIsNamedByItsPlaceInTheObjectTrailFetchRead() throws {
        let file = #""trailFile":"s3://exports/2024/05/01/events.gz""#
        let (lines, _) = try flatten([
            #"{\#(file),"trailDoc":7,"version":"0","detail-type":"AWS API Call via CloudTrail","detail":\#(Self.roleCall)}"#,
            #"{\#(file),"trailDoc":8,"__topic__":"actiontrail_audit_event","event":\#(JSONWriter.quoted(Self.alibabaCall))}"#,
            #"{\#(file),"trailDoc":9,\#(Self.rootLogin.dropFirst())"#,
            #"{\#(file),\#(Self.rootLogin.dropFirst())"#,
        ])
        let headers = try lines.map { try parseJSON($0) }
        #expect(headers.map { value($0, "trail.index") as? Int } == [7, 8, 9, 3])
        #expect(headers.allSatisfy { value($0, "trail.file") as? String == "s3://exports/2024/05/01/events.gz" })
        #expect(!lines.contains { $0.contains("trailDoc") })
    }

    @Test(arguments: [
        ("arn:aws:sts::111122223333:assumed-role/Ops/alice", "Ops/alice"),
        ("arn:aws:iam::111122223333:user/path/bob", "path/bob"),
        ("arn:aws:iam::111122223333:user/a:b/c", "a:b/c"),
        ("arn:aws:sts::111122223333:federated-user/é-user", "é-user"),
        ("arn:aws:iam::111122223333:root", nil),
        ("arn:aws:iam::111122223333:user/", nil),
        ("arn:aws:iam::111122223333:", nil),
        ("arn:aws:iam:111122223333/user/x", nil),
        ("not-an-arn:a:b:c:d:e/f", nil),
    ] as [(String, String?)])
    func namesTheActorFromItsARN(arn: String, name: String?) throws {
        let event = #"{"eventTime":"2024-05-01T09:13:03Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"eu-west-1","userIdentity":{"type":"AssumedRole","arn":"\#(arn)"},"eventID":"e3"}"#
        let (lines, _) = try flatten([event])
        let actor = value(try parseJSON(lines[0]), "trail.actor.name")
        #expect(actor as? String == name, "\(arn)")
        if name == nil { #expect(actor is NSNull, "\(arn)") }
    }

    @Test func aLineTrailFetchWroteIsCheckedAsItIsRead() throws {
        let envelope = #"{"trailFile":"s3://b/k.json.gz","Records":["#
        let good = envelope + Self.rootLogin + "," + Self.roleCall + "]}"
        let (plain, _) = try flatten([#"{"Records":["# + Self.rootLogin + "," + Self.roleCall + "]}"])
        let (fetched, clean) = try flatten([good])
        #expect(clean.skippedRecords == 0)
        func withoutFile(_ line: String) -> String {
            line.replacingOccurrences(of: #""file":"[^"]*""#, with: "", options: .regularExpression)
        }
        #expect(fetched.map(withoutFile) == plain.map(withoutFile), "the same events as from the document read whole")
        // A record held as a JSON string is read the same way on both paths.
        let embedded = JSONWriter.quoted(Self.roleCall)
        let (plainEmbedded, _) = try flatten([#"{"Records":["# + embedded + "]}"])
        let (fetchedEmbedded, embeddedDiagnostics) = try flatten([envelope + embedded + "]}"])
        #expect(embeddedDiagnostics.skippedRecords == 0)
        #expect(fetchedEmbedded.count == 1)
        #expect(fetchedEmbedded.map(withoutFile) == plainEmbedded.map(withoutFile))

        // A malformed second record: the first is written, the line reported where it breaks.
        let broken = envelope + Self.rootLogin + "," + Self.roleCall.replacingOccurrences(of: #""eventID":"e2""#, with: #""eventID":e2"#) + "]}"
        let (partial, reported) = try flatten([broken, good])
        #expect(reported.skippedRecords == 1)
        #expect(partial.count == 3)
        #expect(try partial.map { try #require(value(try parseJSON($0), "trail.index") as? Int) } == [0, 0, 1])

        // Whatever follows the document on its line, or an unclosed array, is reported too.
        for bad in [good + " x", envelope + Self.rootLogin, envelope + Self.rootLogin + "}" ] {
            let (_, diagnostics) = try flatten([bad])
            #expect(diagnostics.skippedRecords == 1, "\(bad.suffix(20))")
        }

        // Other documents trail-fetch hands over are checked whole, then read as before.
        let (single, ok) = try flatten([#"{"trailFile":"s3://b/e.json","# + Self.roleCall.dropFirst()])
        #expect(ok.skippedRecords == 0)
        #expect(single.count == 1)
        #expect(value(try parseJSON(single[0]), "trail.file") as? String == "s3://b/e.json")
        let (none, rejected) = try flatten([#"{"trailFile":"s3://b/e.json","# + Self.roleCall.dropFirst().replacingOccurrences(of: "\"e2\"", with: "e2")])
        #expect(none.isEmpty)
        #expect(rejected.skippedRecords == 1)
    }

    @Test func keepsTheOriginalFieldsByteForByte() throws {
        let (lines, _) = try flatten([#"{"trailFile":"f","Records":[\#(Self.rootLogin)]}"#])
        let prefix = #"{"trail":"#
        #expect(lines[0].hasPrefix(prefix))
        #expect(lines[0].hasSuffix("," + Self.rootLogin.dropFirst()))
        let original = try parseJSON(Self.rootLogin)
        var flattened = try parseJSON(lines[0])
        flattened["trail"] = nil
        #expect(NSDictionary(dictionary: flattened) == NSDictionary(dictionary: original))
    }

    @Test func givesActionTrailTheSameHeaderVocabulary() throws {
        let (lines, _) = try flatten(["[\(Self.alibabaCall)]"])
        let e = try parseJSON(lines[0])
        #expect(value(e, "trail.cloud") as? String == "alibaba")
        #expect(value(e, "trail.region") as? String == "cn-hangzhou")
        #expect(value(e, "trail.service") as? String == "ecs")
        #expect(value(e, "trail.actor.type") as? String == "user")
        #expect(value(e, "trail.actor.name") as? String == "alice")
        #expect(value(e, "trail.actor.mfa") as? Bool == false)
        #expect(value(e, "trail.outcome") as? String == "success")
        #expect(value(e, "trail.error") is NSNull)
        #expect(value(e, "trail.readOnly") as? Bool == false)
        #expect(value(e, "trail.id") as? String == "239EB588")
    }

    @Test func reflattenedEventsGetOneFreshHeader() throws {
        let (once, _) = try flatten([Self.roleCall])
        let (twice, _) = try flatten(once)
        #expect(twice == once)
        #expect(once[0].components(separatedBy: #""trail":"#).count == 2)
    }

    @Test func reportsBadLinesAndKeepsGoing() throws {
        let (lines, diagnostics) = try flatten(["not json", #"{"hello":"world"}"#, #"{"Records":[1]}"#, Self.roleCall])
        #expect(lines.count == 1)
        #expect(diagnostics.skippedRecords == 3)
        #expect(diagnostics.exitStatus == .recordsSkipped)
    }

    @Test func strictStopsAtTheFirstBadLine() throws {
        #expect(throws: StrictModeStop.self) { try flatten(["{", Self.roleCall], strict: true) }
    }
}

/// Flattens raw bytes (which need not be UTF-8) in-process, and again with the built
/// executable for what it says on stderr (a process of its own: other tests write to this
/// process's stderr concurrently). The input is named `in.json`.
func flatten(bytes: [UInt8], options: FlattenOptions = FlattenOptions(), strict: Bool = false, arguments: String = "") throws
    -> (lines: [String], diagnostics: Diagnostics, errors: String) {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = try dir.write("in.json", bytes)
    let output = OutputWriter(collectingAs: "out")
    let diagnostics = Diagnostics(tool: "trail-flatten", strict: strict)
    // Diagnostics go to stderr; what they say is checked through the executable below.
    _ = try Flattener(output: output, diagnostics: diagnostics, options: options).run(inputs: [path])
    let tool = builtExecutablesFolder() + "/trail-flatten"
    let run = try runShell("cd '\(dir.path)' && '\(tool)' \(strict ? "--strict " : "")\(arguments) in.json > /dev/null")
    return (output.collectedLines, diagnostics, run.stderr)
}

@Suite struct MalformedInputTests {
    static let good = FlattenerTests.roleCall

    @Test func aTruncatedLineIsReportedAndTheNextLineStillRead() throws {
        let text = #"{"eventName":"A","eventID":"1""# + "\n" + Self.good + "\n"
        let (lines, diagnostics, errors) = try flatten(bytes: Array(text.utf8))
        #expect(lines.count == 1)
        #expect(diagnostics.skippedRecords == 1)
        #expect(errors.hasPrefix("trail-flatten: in.json:1: invalid JSON: "))
        #expect(errors.split(separator: "\n").count == 1)
    }

    @Test func aTruncatedDocumentAtTheEndIsReported() throws {
        let text = "{\n  \"Records\": [\n    " + Self.good + ",\n    {\"eventName\": \"Cut"
        let (lines, diagnostics, errors) = try flatten(bytes: Array(text.utf8))
        #expect(lines.isEmpty)
        #expect(diagnostics.skippedRecords == 1)
        #expect(errors.contains("in.json:1: invalid JSON: unterminated"))
    }

    @Test func nonUTF8TextIsRejectedNotMangled() throws {
        var bytes = Array(#"{"eventName":"Bad","userAgent":"x"#.utf8) + [0xFF, 0xFE] + Array("\"}\n".utf8)
        bytes += Array((Self.good + "\n").utf8)
        bytes += Array(#"{"eventName":"Overlong","userAgent":""#.utf8) + [0xC0, 0xAF] + Array("\"}\n".utf8)
        let (lines, diagnostics, errors) = try flatten(bytes: bytes)
        #expect(lines.count == 1)
        #expect(diagnostics.skippedRecords == 2)
        #expect(diagnostics.exitStatus == .recordsSkipped)
        let reported = errors.split(separator: "\n")
        #expect(reported.count == 2)
        #expect(reported[0] == "trail-flatten: in.json:1: invalid JSON: invalid UTF-8 byte \\xff at byte 34")
        #expect(reported[1].hasPrefix("trail-flatten: in.json:3: invalid JSON: invalid UTF-8"))
    }

    @Test func badRecordsInsideAGoodDocumentAreSkippedOneByOne() throws {
        let lookup = #"{"Events":[{"CloudTrailEvent":"{\"eventName\":"},{"EventId":"x"},{"CloudTrailEvent":\#(JSONWriter.quoted(Self.good))}]}"#
        let (lines, diagnostics, errors) = try flatten(bytes: Array((#"{"Records":[1,\#(Self.good)]}"# + "\n" + lookup).utf8))
        #expect(lines.count == 2)
        #expect(diagnostics.skippedRecords == 3)
        #expect(errors.contains("in.json:1: record 0: not a JSON object"))
        #expect(errors.contains("in.json:2: record 0: the embedded event is not valid JSON"))
        #expect(errors.contains("in.json:2: record 1: no CloudTrailEvent"))
        #expect(try parseJSON(lines[1])["trail"].map { value($0 as! [String: Any], "index") } as? Int == 2)
    }

    @Test func anErrorInAPrettyDocumentIsReportedOnceAndTheNextDocumentRead() throws {
        let text = "{\n  \"Records\": [\n    {\"eventName\": tru}\n  ],\n  \"x\": nul\n}\n" + Self.good + "\n"
        let (lines, diagnostics, errors) = try flatten(bytes: Array(text.utf8))
        #expect(lines.count == 1)
        #expect(diagnostics.skippedRecords == 1)
        // The damage is not only in a record ("x" too): the document is reported whole.
        #expect(errors == "trail-flatten: in.json:1: invalid JSON: invalid literal at line 3, byte 22\n")
    }

    /// One hostile record (nested past the limit, a broken escape) costs itself, not the
    /// records around it, in a document read whole or streamed, and in a line trail-fetch wrote.
    @Test(arguments: [false, true])
    func aBadRecordCostsOnlyItself(streamed: Bool) throws {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        // Past the 1 MB window, the document is streamed record by record.
        let padding = Array(repeating: "\"" + String(repeating: "p", count: 600) + "\"", count: streamed ? 2_000 : 1).joined(separator: ",")
        let records = [Self.good, #"{"eventName":"Deep","x":"# + deep + "}", Self.good.replacingOccurrences(of: "RunInstances", with: "Other"),
                       #"{"eventName":"a\ob"}"#, Self.good.replacingOccurrences(of: "RunInstances", with: "Last")]
        let text = "{\n\"pad\": [\(padding)],\n\"Records\": [\n" + records.joined(separator: ",\n") + "\n]}\n"
        let (lines, diagnostics, errors) = try flatten(bytes: Array(text.utf8), options: FlattenOptions(windowLimit: 1 << 20),
                                                       arguments: "--window-mb 1")
        #expect(lines.map { try? parseJSON($0)["eventName"] as? String } == ["RunInstances", "Other", "Last"])
        #expect(lines.map { (try? parseJSON($0)["trail"]).flatMap { value($0 as! [String: Any], "index") as? Int } } == [0, 2, 4])
        #expect(diagnostics.skippedRecords == 2)
        let reported = errors.split(separator: "\n")
        #expect(reported.count == 2 && reported[0].contains("record 1: invalid JSON: nesting deeper than 512"), "\(errors)")
        #expect(reported.count == 2 && reported[1].contains("record 3: invalid JSON: invalid escape"), "\(errors)")
    }

    @Test func recordsTrailFetchLeftOutAreNotReportedTwice() throws {
        let line = #"{"trailFile":"f.json","trailSkipped":[1],"Records":["# + Self.good + ",null," + Self.good.replacingOccurrences(of: "RunInstances", with: "Next") + "]}"
        let (lines, diagnostics, errors) = try flatten(bytes: Array((line + "\n" + #"{"Records":[null]}"#).utf8))
        #expect(lines.count == 2)
        #expect(diagnostics.skippedRecords == 1)
        #expect(errors == "trail-flatten: in.json:2: record 0: not a JSON object\n", "a null trail-fetch did not put there is reported")
    }

    @Test func strictStopsAtTheFirstBadRecord() throws {
        #expect(throws: StrictModeStop.self) {
            try flatten(bytes: Array(#"{"eventName":"x"#.utf8) + [0xFF] + Array(("\"}\n" + Self.good).utf8), strict: true)
        }
    }

    @Test func anUnknownDocumentIsNamed() throws {
        let (_, diagnostics, errors) = try flatten(bytes: Array(#"{"hello":"world"}"#.utf8))
        #expect(diagnostics.skippedRecords == 1)
        #expect(errors == "trail-flatten: in.json:1: JSON without any trail shape, not a trail; skipped\n")
    }
}

@Suite struct HeaderSemanticsTests {
    /// One action, a user deleting a storage bucket from the CLI without MFA and being denied,
    /// as each cloud records it.
    static let aws = #"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDA1","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"eventTime":"2024-05-01T09:12:03Z","eventSource":"s3.amazonaws.com","eventName":"DeleteBucket","awsRegion":"ap-northeast-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0","errorCode":"AccessDenied","errorMessage":"Access Denied","eventID":"e-aws","readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"}"#
    static let alibaba = #"{"eventId":"e-ali","eventVersion":"1","eventSource":"oss.cn-hangzhou.aliyuncs.com","eventType":"ApiCall","eventName":"DeleteBucket","eventRW":"Write","eventTime":"2024-05-01T09:12:03Z","acsRegion":"cn-hangzhou","serviceName":"Oss","sourceIpAddress":"198.51.100.7","userAgent":"aliyun-cli/3.0","userIdentity":{"type":"ram-user","principalId":"245","accountId":"1047585191180000","userName":"alice","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"errorCode":"AccessDenied","errorMessage":"You have no right to access this object.","recipientAccountId":"1047585191180000"}"#

    @Test func bothCloudsGiveTheSameHeaderForTheSameAction() throws {
        let (lines, _) = try flatten([Self.aws, Self.alibaba])
        var headers = try lines.map { try #require(try parseJSON($0)["trail"] as? [String: Any]) }
        #expect(headers.map { $0["service"] as? String } == ["s3", "oss"])
        // What legitimately differs: the cloud, its service name, account, region, client and ids.
        for key in ["cloud", "service", "account", "region", "agent", "id", "index"] {
            for i in headers.indices { headers[i][key] = nil }
        }
        #expect(NSDictionary(dictionary: headers[0]) == NSDictionary(dictionary: headers[1]))
        for h in headers {
            #expect(value(h, "actor.name") as? String == "alice")
            #expect(value(h, "actor.type") as? String == "user")
            #expect(value(h, "actor.mfa") as? Bool == false)
            #expect(value(h, "outcome") as? String == "failure")
            #expect(value(h, "error") as? String == "AccessDenied")
            #expect(value(h, "readOnly") as? Bool == false)
            #expect(value(h, "category") as? String == "delete")
        }
    }

    @Test(arguments: [
        ("ConsoleLogin", "signin", nil as Bool?, "auth"), ("AssumeRole", "sts", true, "auth"),
        ("DescribeInstances", "ec2", true, "read"), ("GetObject", "s3", nil, "read"),
        ("RunInstances", "ec2", false, "create"), ("CreateUser", "iam", nil, "create"),
        ("TerminateInstances", "ec2", false, "delete"), ("DeleteDisk", "ecs", false, "delete"),
        ("AuthorizeSecurityGroupIngress", "ec2", false, "modify"), ("PutBucketPolicy", "s3", nil, "modify"),
        ("Describer", "x", false, "modify"),
    ])
    func categoriesFollowTheDocumentedMapping(action: String, service: String, readOnly: Bool?, category: String) throws {
        var event = #"{"eventSource":"\#(service).amazonaws.com","eventName":"\#(action)""#
        if let readOnly { event += #","readOnly":\#(readOnly)"# }
        let (lines, _) = try flatten([event + "}"])
        #expect(value(try parseJSON(lines[0]), "trail.category") as? String == category)
    }

    @Test func dedupeDropsRepeatedIdsWithinTheWindow() throws {
        let a = #"{"eventName":"A","eventID":"1"}"#, b = #"{"eventName":"B","eventID":"2"}"#, c = #"{"eventName":"C","eventID":"3"}"#
        let text = [a, b, a, c, a, #"{"eventName":"NoID"}"#, #"{"eventName":"NoID"}"#].joined(separator: "\n")
        let (lines, _, _) = try flatten(bytes: Array(text.utf8), options: FlattenOptions(dedupeWindow: 2))
        // The window holds two ids: the second A is a duplicate; by the third, A was forgotten.
        #expect(lines.map { value(try! parseJSON($0), "trail.action") as? String } == ["A", "B", "C", "A", "NoID", "NoID"])
    }
}
