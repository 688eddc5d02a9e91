import Foundation
import Testing
import TrailCore
import TrailFetch
import TrailTestSupport

/// `trail-fetch --list` and `--sources-from`: a listing a scheduler spreads over workers, whose
/// objects read back give what one run over the whole source gives.
@Suite struct ListingTests {
    static var tool: String { builtExecutablesFolder() + "/trail-fetch" }

    func expectListing(_ lines: [String], prefix: String, count: Int) throws {
        #expect(lines.count == count)
        for line in lines {
            let entry = try parseJSON(line)
            #expect((entry["uri"] as? String)?.hasPrefix(prefix) == true, "\(line)")
            #expect((entry["size"] as? Int ?? 0) > 0, "\(line)")
            #expect((entry["etag"] as? String)?.isEmpty == false, "\(line)")
        }
    }

    @Test func aBucketsListingReadBackIsTheWholeRun() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let files = try S3FetchTests.sampleFiles()
        try moto.put(bucket: "trail-list", files)
        let whole = try S3FetchTests.fetch("--quiet s3://trail-list", moto)
        #expect(whole.status == 0, "\(whole.stderr)")
        let listed = try S3FetchTests.fetch("--quiet --list s3://trail-list/AWSLogs/ s3://trail-list/AliyunLogs/ s3://trail-list/sas-cspm-log/", moto)
        #expect(listed.status == 0, "\(listed.stderr)")
        try expectListing(listed.stdoutLines, prefix: "s3://trail-list/", count: files.count)
        let again = try runShell("\(Self.tool) --quiet --list s3://trail-list | \(Self.tool) --quiet --sources-from -",
                                 environment: moto.environment, timeout: 60)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdoutLines == whole.stdoutLines)
    }

    @Test func aFoldersListingReadBackInPiecesIsTheWholeRun() throws {
        let sample = S3FetchTests.sample
        let whole = try runShell("\(Self.tool) '\(sample)'")
        let listed = try runShell("\(Self.tool) --list '\(sample)'")
        #expect(listed.status == 0, "\(listed.stderr)")
        try expectListing(listed.stdoutLines, prefix: sample + "/", count: try S3FetchTests.sampleFiles().count)
        // Plain paths or listing lines, in two pieces, one after the other.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pieces = try runShell("""
            cd '\(dir.path)'
            \(Self.tool) --list '\(sample)' > list && head -n 50 list > a && tail -n +51 list | sed 's/^{"uri":"\\([^"]*\\)".*/\\1/' > b
            \(Self.tool) --sources-from a && \(Self.tool) --sources-from b
            """)
        #expect(pieces.status == 0, "\(pieces.stderr)")
        #expect(pieces.stdoutLines == whole.stdoutLines)
    }

    @Test func listingRefusesWhatItCannotDo() throws {
        for arguments in ["--list --state s.json x", "--list --verify --public-keys k.json x", "", "--list --archive d x"] {
            let run = try runShell("\(Self.tool) \(arguments)")
            #expect(run.status == 64, "\(arguments): \(run.stderr)")
        }
        let bad = try runShell("printf '%s\\n' '{\"size\":1}' | \(Self.tool) --sources-from -")
        #expect(bad.status == 1 && bad.stderr.contains("<stdin>:1") && bad.stderr.contains("no \"uri\""), "\(bad.stderr)")
    }
}
