import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// The UTF-16LE bytes of `text` in base64: how PowerShell's -EncodedCommand carries a script.
private func encodedCommand(_ text: String) -> String {
    Data(text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }).base64EncodedString()
}

@Suite struct Sigma2ModifierTests {
    static let event = #"{"trail":{"cloud":"aws","action":"CreateUser"},"eventName":"CreateUser","eventTime":"2024-05-01T09:07:30Z","newYear":"2021-01-03T00:00:00Z","lateDecember":"2024-12-30T23:59:59Z","nothing":null,"who":{"userName":"alice"},"target":{"userName":"alice"},"other":{"userName":"bob"},"cmd":"powershell -enc \#(encodedCommand("Invoke-Mimikatz -DumpCreds"))","script":"\#(encodedCommand("hello"))","names":["a","b"]}"#

    static func matchesLine(_ key: String, _ value: String) throws -> Bool {
        let loaded = RuleLoader().load(yaml: "title: t\ndetection:\n  selection:\n    \(key): \(value)\n  condition: selection\n", file: "t.yml")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        return matches(try #require(loaded.rules.first), event)
    }

    @Test(arguments: [
        // neq: the field has a value and it is none of these (pySigma negates the line).
        ("eventName|neq", "CreateUser", false),
        ("eventName|neq", "DeleteUser", true),
        ("eventName|neq", "[DeleteUser, CreateUser]", false),
        ("eventName|contains|neq", "Delete", true),
        ("missing|neq", "x", false),
        ("nothing|neq", "x", false),
        ("who.userName|fieldref|neq", "other.userName", true),
        ("who.userName|fieldref|neq", "target.userName", false),
        ("names|neq", "c", true),
        ("names|neq", "b", false),
        // The time modifiers: a part of an RFC 3339 time, in UTC.
        ("eventTime|minute", "7", true),
        ("eventTime|minute", "8", false),
        ("eventTime|hour", "9", true),
        ("eventTime|hour", "[0, 1, 2]", false),
        ("eventTime|day", "1", true),
        ("eventTime|month", "5", true),
        ("eventTime|year", "2024", true),
        ("eventTime|year", "2023", false),
        ("eventTime|week", "18", true),
        ("newYear|week", "53", true),
        ("lateDecember|week", "1", true),
        ("eventName|hour", "9", false),
        // wide (UTF-16LE) under base64 and base64offset: PowerShell's encoded commands.
        ("cmd|wide|base64offset|contains", "Mimikatz", true),
        ("cmd|utf16le|base64offset|contains", "DumpCreds", true),
        ("cmd|wide|base64offset|contains", "Rubeus", false),
        ("cmd|base64offset|contains", "Mimikatz", false),
        ("script|wide|base64", "hello", true),
        ("script|utf16be|base64", "hello", false),
    ])
    func modifier(key: String, value: String, expected: Bool) throws {
        #expect(try Self.matchesLine(key, value) == expected, "\(key): \(value)")
    }

    @Test func utf16FormsEncodeAsPySigmaDoes() {
        #expect(FieldModifiers.utf16(Array("ab".utf8), "wide") == [0x61, 0, 0x62, 0])
        #expect(FieldModifiers.utf16(Array("ab".utf8), "utf16be") == [0, 0x61, 0, 0x62])
        #expect(FieldModifiers.utf16(Array("ab".utf8), "utf16") == [0xFF, 0xFE, 0x61, 0, 0x62, 0])
    }

    @Test func aNegatedLineIsNeverUsedToSkipEvents() {
        // The rule index files rules by the values they need; a `neq` value is one they must not have.
        let set = RuleLoader().load(yaml: "title: t\ndetection: {s: {eventName|neq: CreateUser}, condition: s}\n", file: "t.yml")
        #expect(set.rules[0].detection.requirements()["eventName"] == .present)
    }
}
