import Foundation
import Glibc
import TrailCore
import TrailEnrich
import TrailFetch
import TrailFlatten
import TrailMatch
import TrailSynth

/// The synthetic corpus every benchmark reads, made once before any is timed: a thousand
/// CloudTrail events with every scenario in them (so rules fire and alerts exist), taken
/// through the real stages in turn, each stage's output kept as the next stage's input file
/// (unlinked at once: nothing is left in /tmp, the files are read through their descriptors).
final class Corpus: @unchecked Sendable {
    /// Events per pass: with the benchmarks' scaling factor of a thousand, the scaled figures
    /// are per event.
    static let events = 1_000
    static let seed: UInt64 = 7

    /// The synthesized objects' bytes (gzip) and their URIs, as trail-fetch receives them.
    let objects: [(bytes: [UInt8], uri: String)]
    private(set) var fetched: String, flattened: String, enriched: String, alerts: String
    let enrichment: EnrichmentOptions
    let rules: RuleSet

    init() throws {
        var template = Array("/tmp/trail-bench-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw IOFailure(path: "/tmp/trail-bench-XXXXXX", errno: errno) }
        let folder = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        objects = try Corpus.synthesize(into: folder + "/bucket")
        let root = Corpus.repositoryRoot
        enrichment = Corpus.enrichmentOptions(root: root)
        rules = try RuleLoader().load(paths: [root + "rules"])
        guard rules.problems.isEmpty, !rules.rules.isEmpty else { throw SynthError("the bundled rule pack does not load") }
        (fetched, flattened) = (folder + "/fetched.ndjson", folder + "/flattened.ndjson")
        (enriched, alerts) = (folder + "/enriched.ndjson", folder + "/alerts.ndjson")
        try writeStageInputs()
        (fetched, flattened) = try (Corpus.keep(fetched), Corpus.keep(flattened))
        (enriched, alerts) = try (Corpus.keep(enriched), Corpus.keep(alerts))
    }

    /// A path that reaches the file at `path` after it is deleted.
    private static func keep(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw IOFailure(path: path, errno: errno) }
        return "/proc/self/fd/\(fd)"
    }

    /// The repository this package sits in (Benchmarks/ is one level down).
    static let repositoryRoot = String(#filePath.dropLast("Benchmarks/Benchmarks/TrailStages/Corpus.swift".count))

    private static func synthesize(into bucket: String) throws -> [(bytes: [UInt8], uri: String)] {
        var options = SynthOptions(outputDirectory: bucket)
        options.events = events
        options.accounts = 2
        options.seed = seed
        options.scenarios = ScenarioID.allCases
        options.scenarioRate = 0.5
        _ = try TrailSynthesizer.run(options)
        return try FileIO.filesBelow(bucket).filter { $0.hasSuffix(".json.gz") && !$0.contains("Digest") }.sorted().map {
            (try FileIO.readFile($0), "s3://trail-synth-logs/" + $0.dropFirst(bucket.count + 1))
        }
    }

    /// What `make run` enriches with: the principals table and the Tokyo business calendar,
    /// and the GeoLite2 City database when TRAIL_BENCH_GEO names one (`make benchmarks` does).
    private static func enrichmentOptions(root: String) -> EnrichmentOptions {
        var options = EnrichmentOptions()
        options.tables = [("trail.actor.name", root + "pipelines/tables/principals.csv")]
        options.businessHours = "Asia/Tokyo Mon-Fri 09:00-18:00"
        options.holidaysFile = root + "pipelines/tables/holidays-jp.txt"
        if let geo = ProcessInfo.processInfo.environment["TRAIL_BENCH_GEO"], !geo.isEmpty { options.geoDatabase = geo }
        return options
    }

    /// Runs the pipeline once, fetch to match, keeping each stage's output.
    private func writeStageInputs() throws {
        try FileIO.writeOutput(Corpus.output(of: { Stage.fetch(self.objects, output: $0) }), to: fetched)
        try FileIO.writeOutput(Corpus.output(of: { Stage.flatten(self.fetched, output: $0) }), to: flattened)
        try FileIO.writeOutput(Corpus.output(of: { try Stage.enrich(self.flattened, options: self.enrichment, output: $0) }), to: enriched)
        let matched = try Corpus.output(of: { Stage.match(self.enriched, rules: self.rules, output: $0) })
        guard matched.contains(UInt8(ascii: "\n")) else { throw SynthError("the corpus raised no alert") }
        try FileIO.writeOutput(matched, to: alerts)
    }

    private static func output(of make: (OutputWriter) throws -> Stage) throws -> [UInt8] {
        let output = OutputWriter(collectingAs: "corpus")
        try make(output).run()
        output.flush()
        return output.collected
    }
}
