import Foundation
import Testing
import TrailCore
import TrailFlatten
import TrailTestSupport

/// Random events: the header's fields with random values of every JSON kind, and random
/// extra members nested a few levels, with escapes, non-ASCII text and odd numbers.
enum RandomEvents {
    static let pieces = ["a", "Z", " ", "\"", "\\", "/", "\t", "\n", "\u{1}", "é", "漢", "😀", "{", "]", ":", ",", "null", "\u{7F}"]

    static func string(_ rng: inout SplitMix) -> String {
        (0..<rng.int(0...12)).map { _ in rng.pick(pieces) }.joined()
    }

    static func value(_ rng: inout SplitMix, depth: Int) -> Any {
        switch rng.int(0...(depth > 2 ? 4 : 6)) {
        case 0: return NSNull()
        case 1: return rng.int(0...1) == 1
        case 2: return rng.int(-1_000_000...1_000_000)
        case 3: return Double(rng.int(-10000...10000)) / 64
        case 4: return string(&rng)
        case 5: return (0..<rng.int(0...4)).map { _ in value(&rng, depth: depth + 1) }
        default: return object(&rng, depth: depth + 1)
        }
    }

    static func object(_ rng: inout SplitMix, depth: Int) -> [String: Any] {
        var o: [String: Any] = [:]
        for _ in 0..<rng.int(0...5) { o[string(&rng)] = value(&rng, depth: depth) }
        return o
    }

    static let headerFields = ["eventTime", "eventSource", "eventName", "awsRegion", "acsRegion", "recipientAccountId",
                               "userIdentity", "sourceIPAddress", "sourceIpAddress", "userAgent", "errorCode",
                               "errorMessage", "responseElements", "additionalEventData", "readOnly", "eventRW",
                               "eventID", "eventId", "serviceName", "eventType"]

    static func event(_ rng: inout SplitMix) -> [String: Any] {
        var e = object(&rng, depth: 1)
        e["eventName"] = rng.pick(["ConsoleLogin", "DeleteBucket", "RunInstances", string(&rng)])
        for field in headerFields where rng.int(0...2) == 0 { e[field] = value(&rng, depth: 1) }
        return e
    }
}

@Suite struct PropertyTests {
    /// Whatever an event holds, the flattened line minus `trail` is the same JSON value
    /// (compared by Foundation's parser), and the header is well-formed.
    @Test(arguments: [false, true]) func originalFieldsSurviveUnchanged(prettyPrinted: Bool) throws {
        var rng = SplitMix(state: prettyPrinted ? 7 : 3)
        let events = (0..<600).map { _ in RandomEvents.event(&rng) }
        let options: JSONSerialization.WritingOptions = prettyPrinted ? [.prettyPrinted] : []
        let document = try JSONSerialization.data(withJSONObject: ["Records": events], options: options)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("events.json", String(decoding: document, as: UTF8.self))

        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-flatten")
        _ = try Flattener(output: output, diagnostics: diagnostics).run(inputs: [input])
        let lines = output.collectedLines
        #expect(diagnostics.skippedRecords == 0)
        try #require(lines.count == events.count)
        let reparsed = try JSONSerialization.jsonObject(with: document) as! [String: Any]
        let originals = reparsed["Records"] as! [[String: Any]]
        for (index, (line, original)) in zip(lines, originals).enumerated() {
            var flattened = try parseJSON(line)
            let header = try #require(flattened.removeValue(forKey: "trail") as? [String: Any])
            #expect(NSDictionary(dictionary: flattened) == NSDictionary(dictionary: original), "record \(index)")
            #expect(header["index"] as? Int == index)
            #expect(header["outcome"] as? String == "success" || header["outcome"] as? String == "failure")
        }
    }

    /// The same events one per line, flattened twice, give the same lines: a header is
    /// replaced, never stacked, and the provenance survives.
    @Test func flatteningIsIdempotent() throws {
        var rng = SplitMix(state: 11)
        let lines = try (0..<200).map { _ in
            String(decoding: try JSONSerialization.data(withJSONObject: RandomEvents.event(&rng)), as: UTF8.self)
        }
        let (once, d1) = try flatten(lines)
        let (twice, d2) = try flatten(once)
        #expect(d1.skippedRecords == 0 && d2.skippedRecords == 0)
        #expect(once == twice)
    }
}
