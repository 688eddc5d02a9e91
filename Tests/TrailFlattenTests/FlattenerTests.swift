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
