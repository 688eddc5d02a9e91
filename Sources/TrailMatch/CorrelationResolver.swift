extension RuleLoader {
    /// Points each correlation at the rules and correlations it names (by `name` or `id`,
    /// rules first), resolves its aliases, and leaves out (with a problem) any that names
    /// something not loaded, is part of a cycle, or stands on a correlation left out.
    func resolveCorrelations(_ set: inout RuleSet, byName: [String: Int], seen: inout [String: String]) {
        let all = set.correlations
        var correlationByName: [String: Int] = [:]
        for (k, c) in all.enumerated().reversed() {
            correlationByName[c.id] = k
            if let name = c.name { correlationByName[name] = k }
        }
        // Per correlation: what each name refers to (rule k, or -1 - correlation k); nil: refused.
        var targets: [[Int]?] = all.map { _ in nil }
        for (k, c) in all.enumerated() {
            let (file, line) = RuleLoader.split(c.origin)
            if let first = seen[c.id] {
                set.problems.append(RuleProblem(file: file, line: line, message: "rule id '\(c.id)' is also used at \(first)"))
                continue
            }
            seen[c.id] = c.origin
            var refs: [Int] = []
            for name in c.ruleNames {
                if let r = byName[name] {
                    refs.append(r)
                } else if let other = correlationByName[name], other != k {
                    refs.append(-1 - other)
                } else {
                    set.problems.append(RuleProblem(file: file, line: line, message: "correlation '\(c.title)' refers to rule '\(name)', which is not loaded"))
                }
            }
            if refs.count == c.ruleNames.count { targets[k] = refs }
        }
        // How each slot may be named in aliases: as written, or by the rule's name or id (pySigma).
        let identities: [[[String]]] = all.indices.map { k in
            zip(all[k].ruleNames, targets[k] ?? []).map { written, target in
                target >= 0 ? [written, set.rules[target].name, set.rules[target].id].compactMap { $0 }
                    : [written, all[-1 - target].name, all[-1 - target].id].compactMap { $0 }
            }
        }
        let accepted = acceptChains(all, identities, &targets, &set.problems)
        var position: [Int: Int] = [:]
        for (n, k) in accepted.enumerated() { position[k] = n }
        set.correlations = accepted.map { k in
            var c = all[k]
            c.ruleIndices = targets[k]!.map { $0 >= 0 ? $0 : set.rules.count + position[-1 - $0]! }
            c.resolvePaths(identities[k])
            return c
        }
    }

    /// The correlations kept, in their order: a chain that loops, or that stands on a
    /// correlation decided when its window closes (it raises no match to chain on) or on one
    /// left out, is left out with a problem.
    private func acceptChains(_ all: [CorrelationRule], _ identities: [[[String]]], _ targets: inout [[Int]?], _ problems: inout [RuleProblem]) -> [Int] {
        var changed = true
        var depth = Array(repeating: 0, count: all.count)
        while changed {
            changed = false
            for (k, c) in all.enumerated() {
                guard let refs = targets[k] else { continue }
                let (file, line) = RuleLoader.split(c.origin)
                for inner in refs where inner < 0 {
                    let i = -1 - inner
                    var problem: String?
                    if targets[i] == nil {
                        problem = "refers to correlation '\(all[i].name ?? all[i].id)', which was left out"
                    } else if all[i].threshold.decidedAtClose {
                        problem = "refers to correlation '\(all[i].name ?? all[i].id)', whose condition \(all[i].threshold.description) is decided when its window closes: it cannot be chained"
                    } else if depth[i] + 1 > all.count {
                        problem = "is part of a loop of correlations referring to each other"
                    }
                    if let problem {
                        problems.append(RuleProblem(file: file, line: line, message: "correlation '\(c.title)' \(problem)"))
                        targets[k] = nil
                        changed = true
                        break
                    }
                    if depth[k] < depth[i] + 1 { depth[k] = depth[i] + 1; changed = true }
                }
                if let unknown = unknownAliasTarget(c, identities[k]), targets[k] != nil {
                    problems.append(RuleProblem(file: file, line: line, message: "correlation '\(c.title)': alias \(unknown)"))
                    targets[k] = nil
                    changed = true
                }
            }
        }
        return all.indices.filter { targets[$0] != nil }
    }

    /// An alias mapping a rule the correlation does not refer to, for the message.
    private func unknownAliasTarget(_ c: CorrelationRule, _ identities: [[String]]) -> String? {
        let known = Set(identities.joined())
        for (alias, mapping) in c.aliases.sorted(by: { $0.key < $1.key }) {
            for rule in mapping.keys.sorted() where !known.contains(rule) {
                return "'\(alias)' maps '\(rule)', which is not among the correlation's rules"
            }
        }
        return nil
    }
}
