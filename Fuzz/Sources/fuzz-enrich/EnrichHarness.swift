import FuzzSupport
import TrailCore
import TrailEnrich

/// Event lines in, enriched lines out, with every kind of lookup but the MaxMind databases:
/// geo ranges from CSV, a network list, a lookup table and the business calendar.
let options: EnrichmentOptions = {
    let fixtures = String(#filePath.dropLast("Sources/fuzz-enrich/EnrichHarness.swift".count)) + "Fixtures/enrich/"
    let tables = fixtures + "../../../pipelines/tables/"
    var options = EnrichmentOptions()
    options.geoCSV = [fixtures + "geo-Blocks-IPv4.csv", fixtures + "dbip.csv"]
    options.networks = [("vpn", fixtures + "vpn.txt")]
    options.tables = [("trail.actor.name", tables + "principals.csv")]
    options.businessHours = "Asia/Tokyo Mon-Fri 09:00-18:00"
    options.holidaysFile = tables + "holidays-jp.txt"
    return options
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Harness.run(start, count, stage: "enrich") { path, output, diagnostics in
        _ = try Enricher(options: options, output: output, diagnostics: diagnostics).run(inputs: [path])
    }
}
