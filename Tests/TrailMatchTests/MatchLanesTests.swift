import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// Blocks of lines matched on several threads (`Matcher.lanes`, `--threads`) give what one
/// thread gives: the same alerts in the same order, the same bad lines reported, the same
/// correlations and state, over input of many blocks mixing every kind of line.
@Suite struct MatchLanesTests {
    /// Three failures of one actor in 10 minutes.
    private static let rules = CorrelationTests.count3

    /// About 13 MiB (blocks are 1 MiB): events that alert, events correlations count, routine events, and between
    /// them broken lines, lines too long, lines without the header, events with a bad time.
    private static let lines: [String] = {
        var random = SplitMix(state: 7)
        let padding = String(repeating: "p", count: 600)
        return (0..<9_000).map { k in
            let minute = k / 200, actor = "user\(random.next() % 5)"
            switch random.next() % 20 {
            case 0: return #"{"trail":{"id":"\#(k)","action":"Fail"},"x":[1,}"#
            case 1: return #"{"trail":{"id":"\#(k)","action":"Create"},"pad":"\#(String(repeating: "b", count: 20_000))"}"#
            case 2: return #"{"eventName":"Create","n":\#(k)}"#
            case 3: return #"{"trail":{"cloud":"aws","time":"2024-05-01T25:00:00Z","id":"\#(k)","action":"Fail","actor":{"name":"a"}}}"#
            case 4, 5, 6: return event("\(k)", minute % 60, k % 60, actor: actor)
            case 7, 8, 9: return String(event("\(k)", minute % 60, k % 60, actor: actor, action: "Create").dropLast()) + #","pad":"\#(padding)"}"#
            default: return String(event("\(k)", minute % 60, k % 60, actor: actor, action: "List").dropLast()) + #","pad":"\#(padding)"}"#
            }
        }
    }()

    private struct Run: Equatable {
        var alerts: [UInt8], skipped: Int, linesRead: Int, alertsWritten: Int, newest: Int64?, state: [UInt8]
    }

    private func run(lanes: Int, withState: Bool, strict: Bool = false) throws -> Run {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("events.ndjson", Self.lines.joined(separator: "\n") + "\n")
        let output = OutputWriter(collectingAs: "out")
        let diagnostics = Diagnostics(tool: "trail-match", strict: strict)
        let matcher = Matcher(Self.rules, lateness: withState ? 15 * 60 * 1_000_000_000 : nil, output: output, diagnostics: diagnostics)
        matcher.lanes = lanes
        let statePath = dir.path + "/state.json"
        do {
            _ = try matcher.run(inputs: [input], state: withState ? try StateFile.opening(statePath, deferCommit: false, reset: false, diagnostics: diagnostics) : nil,
                                maxRecordSize: 16_384)
        } catch is StrictModeStop {
            output.flush()
        }
        let state = withState ? try FileIO.readFile(statePath) : []
        return Run(alerts: output.collected, skipped: diagnostics.skippedRecords, linesRead: matcher.linesRead,
                   alertsWritten: matcher.alertsWritten, newest: matcher.newestEvent, state: state)
    }

    @Test(arguments: [false, true])
    func severalLanesGiveWhatOneGives(withState: Bool) throws {
        let one = try run(lanes: 1, withState: withState)
        #expect(one.skipped > 1_000 && one.alertsWritten > 1_000, "the input mixes every kind of line")
        #expect(one.alerts.count > 1 << 20, "the alerts of a block are more than a write")
        for lanes in [2, 3, 8] {
            #expect(try run(lanes: lanes, withState: withState) == one, "\(lanes) lanes")
        }
    }

    /// With `--strict` the run stops at the first bad line, whichever lane matched it: the
    /// alerts of the lines before it are out, none of the lines after it.
    @Test func strictStopsAtTheSameLine() throws {
        let one = try run(lanes: 1, withState: false, strict: true)
        #expect(one.skipped == 1)
        #expect(try run(lanes: 4, withState: false, strict: true) == one)
    }
}
