import Foundation
import Testing
import TrailCore
import TrailFetch
import TrailTestSupport

@Suite struct LocalStateTests {
    /// A dated folder of the CloudTrail layout below `root`.
    func folder(_ day: String) -> String { "trail/AWSLogs/111122223333/CloudTrail/us-east-1/\(day)/" }

    func run(_ dir: TemporaryDirectory, today: Int, deferCommit: Bool = false, resetState: Bool = false) throws -> [String] {
        var options = FetchOptions()
        options.statePath = dir.path + "/state.json"
        options.deferCommit = deferCommit
        options.resetState = resetState
        options.bucket.today = today
        let output = OutputWriter(collectingAs: "out")
        _ = try Fetcher(output: output, diagnostics: Diagnostics(tool: "trail-fetch"), options: options).run(sources: [dir.path + "/trail"])
        return output.collectedLines
    }

    @Test func aLocalFolderIsFetchedIncrementallyAndOldDaysClose() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let today = Timestamp.daysFromCivil(year: 2026, month: 11, day: 23)
        try dir.write(folder("2026/11/20") + "old.json", #"{"Records":[{"eventID":"old"}]}"#)
        try dir.write(folder("2026/11/23") + "a.json", #"{"Records":[{"eventID":"a"}]}"#)

        #expect(try run(dir, today: today).count == 2)
        #expect(try run(dir, today: today).isEmpty, "a second run emits nothing")

        // A late file in today's folder and a rewritten file are new; a closed day is not read.
        try dir.write(folder("2026/11/23") + "0-late.json", #"{"Records":[{"eventID":"late"}]}"#)
        try dir.write(folder("2026/11/23") + "a.json", #"{"Records":[{"eventID":"a"},{"eventID":"a2"}]}"#)
        try dir.write(folder("2026/11/20") + "planted.json", #"{"Records":[{"eventID":"planted"}]}"#)
        let third = try run(dir, today: today)
        #expect(third.count == 2)
        #expect(third.allSatisfy { $0.contains("/2026/11/23/") })
        let state = String(decoding: try FileIO.readFile(dir.path + "/state.json"), as: UTF8.self)
        #expect(state.contains("2026-11-20/2026-11-20"), "the old day is kept as a closed range, not file by file")
    }

    @Test func aDeferredCommitCountsOnlyOnceCommitted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let today = Timestamp.daysFromCivil(year: 2026, month: 11, day: 23)
        try dir.write(folder("2026/11/20") + "old.json", #"{"Records":[{"eventID":"old"}]}"#)
        try dir.write(folder("2026/11/23") + "a.json", #"{"Records":[{"eventID":"a"}]}"#)
        // Not committed (a later stage died): the next run delivers the same files again.
        #expect(try run(dir, today: today, deferCommit: true).count == 2)
        #expect(!FileIO.exists(dir.path + "/state.json") && !FileIO.exists(dir.path + "/state.json.journal"))
        #expect(try run(dir, today: today, deferCommit: true).count == 2)
        // Committed as watch.sh does it: renamed into place.
        #expect(rename(dir.path + "/state.json.next", dir.path + "/state.json") == 0)
        #expect(try run(dir, today: today, deferCommit: true).isEmpty)
    }

    @Test func anUnreadableStateStopsTheRunUntilItIsReset() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let today = Timestamp.daysFromCivil(year: 2026, month: 11, day: 23)
        try dir.write(folder("2026/11/23") + "a.json", #"{"Records":[{"eventID":"a"}]}"#)
        for garbage in [#"{"version":1,"open":{"x":"#, #"{"version":1,"closed":{"s3://b/":["2024-01-15"]}}"#, #"{"version":7}"#, "\u{0}"] {
            try dir.write("state.json", garbage)
            do {
                _ = try run(dir, today: today)
                Issue.record("read \(garbage) as a state")
            } catch let error as StateFileError {
                #expect(error.description.hasPrefix(dir.path + "/state.json: unreadable state ("))
                #expect(error.description.contains("--reset-state"))
            }
        }
        #expect(try run(dir, today: today, resetState: true).count == 1)
        let aside = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("state.json.bad-") }
        #expect(aside.count == 1, "the unreadable state is kept beside, for inspection")
        #expect(try run(dir, today: today).isEmpty)
    }
}
