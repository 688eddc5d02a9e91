import FuzzSupport
import TrailCore
import TrailMatch

/// Event lines in, alerts out, through the bundled rule pack (loaded once; a new Matcher per
/// input so that correlation state never carries from one input to the next).
let rules: RuleSet = {
    let pack = String(#filePath.dropLast("Fuzz/Sources/fuzz-match/MatchHarness.swift".count)) + "rules"
    let set = try! RuleLoader().load(paths: [pack])
    precondition(set.problems.isEmpty && !set.rules.isEmpty, "the bundled rule pack does not load: \(set.problems)")
    return set
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Harness.run(start, count, stage: "match") { path, output, diagnostics in
        _ = try Matcher(rules, output: output, diagnostics: diagnostics).run(inputs: [path])
    }
}
