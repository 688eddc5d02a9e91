import Testing
import TrailCore
import TrailTestSupport

/// A document damaged only inside records of its record array is mended record by record;
/// any other damage is not.
@Suite struct RecordSalvageTests {
    private func salvage(_ text: String) -> (document: String, skipped: [Int], messages: [String])? {
        Array(text.utf8).withUnsafeBytes { bytes in
            RecordSalvage(bytes).map { (String(decoding: $0.document, as: UTF8.self), $0.skipped.map(\.index), $0.skipped.map(\.error.message)) }
        }
    }

    @Test func badRecordsBecomeNullInPlace() throws {
        let deep = HostileInput.Nesting.arrays.text
        let mended = try #require(salvage(#"{"a":1, "Records":[{"n":1},{"x":"# + deep + #"}, {"n":"\o"} ,{"n":3}],"z":[true]}"#))
        #expect(mended.document == #"{"a":1, "Records":[{"n":1},null, null ,{"n":3}],"z":[true]}"#)
        #expect(mended.skipped == [1, 2])
        #expect(mended.messages == ["nesting deeper than 512", "invalid escape '\\o'"])
        let bare = try #require(salvage(#"[{"n":1},{"n":01}]"#))
        #expect(bare.document == #"[{"n":1},null]"#)
    }

    @Test func theOffsetIsTheDocuments() throws {
        let text = #"{"Records":[{"n":1},{"n":"\o"}]}"#
        let skipped = Array(text.utf8).withUnsafeBytes { RecordSalvage($0)?.skipped }
        #expect(skipped?.first?.error.offset == 26)
    }

    @Test(arguments: [
        #"{"Records":[{"n":1}]}"#,                    // nothing to mend
        #"{"Records":[{"n":1}],"x":"\o"}"#,            // damage outside the records
        #"{"Other":[{"n":"\o"}]}"#,                    // not a record array
        #"{"Records":[{"n":1},{"n":"\o"}]"#,           // the document does not close
        #"{"Records":[{"n":1} {"n":"\o"}]}"#,          // no comma between records
        #"{"Records":[{"n":"\o"}]} x"#,                // text after the document
        #"{"Records":[{"n":1},{"n":"\o"}}]}"#,          // a bracket too many after a record
    ])
    func otherDamageIsNotMended(text: String) {
        #expect(salvage(text) == nil)
    }
}
