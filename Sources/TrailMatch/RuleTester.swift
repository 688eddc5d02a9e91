import TrailCore

/// Runs the example events rule files carry (the `examples` extension): each `match` case must
/// raise its rule, each `nomatch` case must not. Correlation cases run through a whole matcher
/// with every loaded rule, as a stream that ends after the case.
public struct RuleTester {
    public struct Report {
        public var passed = 0
        public var failures: [String] = []
        /// Rules and correlations that carry no examples.
        public var untested: [String] = []
    }

    let set: RuleSet

    public init(_ set: RuleSet) {
        self.set = set
    }

    public func run() -> Report {
        var report = Report()
        for rule in set.rules {
            check(rule.examples, origin: rule.origin, title: rule.title, into: &report) { events in
                events.contains { event in
                    Array(event.utf8).withUnsafeBytes { raw in
                        let s = JSONScanner(raw)
                        guard let root = try? s.validateDocument() else { return false }
                        return rule.matches(s, event: root)
                    }
                }
            }
        }
        for correlation in set.correlations {
            check(correlation.examples, origin: correlation.origin, title: correlation.title, into: &report) { events in
                let output = OutputWriter(collectingAs: "examples")
                let matcher = Matcher(set, output: output, diagnostics: Diagnostics(tool: "trail-match"))
                for event in events {
                    Array(event.utf8).withUnsafeBytes { raw in
                        let s = JSONScanner(raw)
                        if let root = try? s.validateDocument() { matcher.match(s, event: root) }
                    }
                }
                matcher.finish(keepPending: false)
                return output.collectedLines.contains { AlertView(json: Array($0.utf8))?.ruleID == correlation.id }
            }
        }
        return report
    }

    private func check(_ examples: Examples, origin: String, title: String, into report: inout Report, raises: ([String]) -> Bool) {
        guard !examples.isEmpty else {
            report.untested.append("\(origin): '\(title)' has no examples")
            return
        }
        let (file, _) = RuleLoader.split(origin)
        for (k, events) in examples.match.enumerated() {
            if raises(events) { report.passed += 1 } else {
                report.failures.append("\(file):\(examples.line): match example \(k + 1) of '\(title)' does not raise it")
            }
        }
        for (k, events) in examples.noMatch.enumerated() {
            if !raises(events) { report.passed += 1 } else {
                report.failures.append("\(file):\(examples.line): nomatch example \(k + 1) of '\(title)' raises it")
            }
        }
    }
}
