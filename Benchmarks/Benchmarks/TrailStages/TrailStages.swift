import Benchmark
import TrailCore
import TrailNotify

/// Each stage's hot loop over the synthetic corpus (`Corpus`): a thousand events a pass, so
/// the scaled figures (`*` in the output) are per event. Malloc counts do not depend on the
/// machine or its load, so they carry the committed thresholds (Thresholds/); wall clock is
/// shown for reading only. This machine kind has no hardware performance
/// counters (perf_event_open: no such device), so no instruction counts: docs/performance.md.
let benchmarks: @Sendable () -> Void = {
    let corpus: Corpus
    do { corpus = try Corpus() } catch { fatalError("the benchmark corpus cannot be made: \(error)") }
    let raised = (try? FileIO.readFile(corpus.alerts))?.split(separator: UInt8(ascii: "\n")).map(Array.init) ?? []
    // The pack's alerts over and over, to a thousand, so that notify's figures are per alert.
    let alertLines = (0..<Corpus.events).map { raised[$0 % raised.count] }
    let templates = try! MessageTemplates.defaults()

    // Names of letters and hyphens only: the tool writes other characters into threshold file
    // names as underscores but looks the files up by the names as they are.
    Benchmark.defaultConfiguration = .init(
        metrics: [.mallocCountTotal, .wallClock],
        warmupIterations: 1,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 20,
        // A stage that allocates 2% more per event fails the check; the counts repeat
        // exactly from run to run (docs/performance.md).
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 2.0])]
    )

    Benchmark("fetch-gunzip-split-documents") { try Stage.measure($0) { Stage.fetch(corpus.objects, output: $0) } }
    Benchmark("flatten-cloudtrail-files") { try Stage.measure($0) { Stage.flatten(corpus.fetched, output: $0) } }
    Benchmark("enrich-table-calendar-geo") {
        try Stage.measure($0) { try Stage.enrich(corpus.flattened, options: corpus.enrichment, output: $0) }
    }
    Benchmark("match-rule-pack") { try Stage.measure($0) { Stage.match(corpus.enriched, rules: corpus.rules, output: $0) } }
    Benchmark("notify-format-alerts") { try Stage.measure($0) { Stage.formatAlerts(alertLines, templates: templates, output: $0) } }
}
