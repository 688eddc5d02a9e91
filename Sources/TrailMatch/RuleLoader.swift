import TrailCore
import Yams

/// A problem in a rule file, located as `file:line`.
public struct RuleProblem: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int
    public let message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// What rule files hold once loaded: detection rules, correlation rules over them, and every
/// problem found (a rule with a problem is left out).
public struct RuleSet: Sendable {
    public var rules: [Rule] = []
    public var correlations: [CorrelationRule] = []
    public var problems: [RuleProblem] = []

    public init() {}
}

/// Reads Sigma rules from YAML files and folders. Anything not understood is a problem
/// reported with its place, never silently ignored.
public struct RuleLoader: Sendable {
    /// Logsource products and the `trail.cloud` value they select.
    static let products = ["aws": "aws", "alibaba": "alibaba", "alibabacloud": "alibaba", "aliyun": "alibaba"]
    /// Logsource services: the trail each cloud writes.
    static let services = ["cloudtrail": "aws", "actiontrail": "alibaba"]

    /// `%name%` placeholders the `expand` modifier replaces, each by any of its values.
    let placeholders: [String: [String]]
    /// Sigma filters (`--filters`), joined to the conditions of the rules they name.
    public var filters: [SigmaFilter] = []

    public init(placeholders: [String: [String]] = [:]) {
        self.placeholders = placeholders
    }

    /// Reads placeholders for `expand` from a YAML map of names to values or lists of values.
    public static func placeholders(file: String) throws -> [String: [String]] {
        let text = String(decoding: try FileIO.readFile(file), as: UTF8.self)
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw RuleProblem(file: file, line: line(of: error), message: "invalid YAML: \(summary(of: error))")
        }
        guard let map = node?.mapping else { throw RuleProblem(file: file, line: 1, message: "placeholders must be a mapping of names to values") }
        var result: [String: [String]] = [:]
        for (k, v) in map {
            guard let name = k.string else { continue }
            result[name] = v.sequence.map { $0.compactMap(\.string) } ?? v.string.map { [$0] } ?? []
        }
        return result
    }

    /// Loads every `*.yml`/`*.yaml` file below each path; correlations may name rules of any file.
    public func load(paths: [String]) throws -> RuleSet {
        let files = try paths.flatMap { try FileIO.filesBelow($0).filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") } }
        // Files are read on every core (reading YAML is most of a run's start), then put
        // together in the order they were listed.
        let parts = try Parallel.mapChunks(count: files.count) { [self] range in
            var part = RuleSet()
            for file in files[range] { parse(yaml: String(decoding: try FileIO.readFile(file), as: UTF8.self), file: file, into: &part) }
            return part
        }
        var set = RuleSet()
        for part in parts {
            set.rules += part.rules
            set.correlations += part.correlations
            set.problems += part.problems
        }
        resolve(&set)
        return set
    }

    /// Loads the rule documents of one YAML text.
    public func load(yaml: String, file: String) -> RuleSet {
        var set = RuleSet()
        parse(yaml: yaml, file: file, into: &set)
        resolve(&set)
        return set
    }

    private func parse(yaml: String, file: String, into set: inout RuleSet) {
        let (documents, error) = RuleYAML.documents(yaml)
        if let error {
            set.problems.append(RuleProblem(file: file, line: RuleLoader.line(of: error), message: "invalid YAML: \(RuleLoader.summary(of: error))"))
            return
        }
        let stem = String(file.split(separator: "/").last ?? Substring(file)).replacingSuffix(".yml").replacingSuffix(".yaml")
        for (k, document) in documents.enumerated() {
            // Without an id a rule is known by its file name (and place in the file).
            let fallbackID = documents.count == 1 ? stem : "\(stem)-\(k + 1)"
            do {
                if document.mapping?["filter"] != nil {
                    throw RuleProblem(file: file, line: document.mark?.line ?? 1, message: "a Sigma filter among the rules: give it with --filters")
                } else if document.mapping?["correlation"] != nil {
                    set.correlations.append(try correlation(document, file: file, fallbackID: fallbackID))
                } else {
                    set.rules.append(try rule(document, file: file, fallbackID: fallbackID))
                }
            } catch let problem as RuleProblem {
                set.problems.append(problem)
            } catch {
                set.problems.append(RuleProblem(file: file, line: document.mark?.line ?? 1, message: "\(error)"))
            }
        }
    }

    /// Points each correlation at the rules it names (by `name` or `id`); ids must be unique.
    private func resolve(_ set: inout RuleSet) {
        var byName: [String: Int] = [:]
        var seen: [String: String] = [:]
        for (k, rule) in set.rules.enumerated() {
            if let first = seen[rule.id] {
                let (file, line) = RuleLoader.split(rule.origin)
                set.problems.append(RuleProblem(file: file, line: line, message: "rule id '\(rule.id)' is also used at \(first)"))
            }
            seen[rule.id] = rule.origin
            byName[rule.id] = k
            if let name = rule.name { byName[name] = k }
        }
        resolveCorrelations(&set, byName: byName, seen: &seen)
        set.checkFilters(filters)
    }

    static func split(_ origin: String) -> (String, Int) {
        guard let colon = origin.lastIndex(of: ":") else { return (origin, 1) }
        return (String(origin[..<colon]), Int(origin[origin.index(after: colon)...]) ?? 1)
    }

    private struct Common {
        var id: String
        var name: String?
        var title: String
        var level: String
        var tags: [String]
        var references: [String]
        var scenarios: [String]
        var origin: String
        var examples: Examples
        var guidance: RuleGuidance
    }

    /// The attributes detection and correlation rules share.
    private func common(_ node: Node, _ map: Node.Mapping, file: String, fallbackID: String, fail: (Node?, String) -> RuleProblem) throws -> Common {
        guard let title = map["title"]?.string, !title.isEmpty else { throw fail(node, "rule has no title") }
        let level = map["level"]?.string ?? "medium"
        guard ["informational", "low", "medium", "high", "critical"].contains(level) else {
            throw fail(map["level"], "level '\(level)' is not one of informational, low, medium, high, critical")
        }
        return Common(
            id: map["id"]?.string ?? fallbackID,
            name: map["name"]?.string,
            title: title,
            level: level,
            tags: map["tags"]?.sequence?.compactMap(\.string) ?? [],
            references: map["references"]?.sequence?.compactMap(\.string) ?? [],
            scenarios: map["scenarios"]?.sequence?.compactMap(\.string) ?? [],
            origin: "\(file):\(node.mark?.line ?? 1)",
            examples: try examples(map["examples"], fail: fail),
            guidance: try RuleGuidance.read(map, fail: fail))
    }

    /// The `examples` extension: `match` and `nomatch` lists; each item an event (a mapping)
    /// or, for correlations, a list of events fed in order.
    private func examples(_ node: Node?, fail: (Node?, String) -> RuleProblem) throws -> Examples {
        guard let node else { return Examples() }
        guard let map = node.mapping else { throw fail(node, "examples must be a mapping with 'match' and/or 'nomatch'") }
        var result = Examples(line: node.mark?.line ?? 1)
        for (k, v) in map {
            guard let key = k.string, key == "match" || key == "nomatch" else {
                throw fail(k, "examples takes 'match' and 'nomatch', not '\(k.string ?? "?")'")
            }
            guard let items = v.sequence else { throw fail(v, "examples.\(key) must be a list") }
            let cases: [[String]] = try items.map { item in
                let events = item.sequence.map(Array.init) ?? [item]
                return try events.map { event in
                    guard event.mapping != nil else { throw fail(event, "an example event must be a mapping") }
                    return YAMLToJSON.text(event)
                }
            }
            if key == "match" { result.match = cases } else { result.noMatch = cases }
        }
        return result
    }

    private func rule(_ node: Node, file: String, fallbackID: String) throws -> Rule {
        func fail(_ n: Node?, _ message: String) -> RuleProblem {
            RuleProblem(file: file, line: n?.mark?.line ?? node.mark?.line ?? 1, message: message)
        }
        guard let map = node.mapping else { throw fail(node, "a rule must be a YAML mapping") }
        let common = try common(node, map, file: file, fallbackID: fallbackID, fail: fail)
        guard let detectionNode = map["detection"], let detection = detectionNode.mapping else {
            throw fail(node, "rule '\(common.title)' has no detection mapping")
        }

        let cloud = try cloud(named: map["logsource"]?.mapping, fail: fail)
        let (searches, condition) = try searches(of: detection, at: detectionNode, fail: fail)

        return Rule(
            id: common.id,
            name: common.name,
            title: common.title,
            level: common.level,
            tags: common.tags,
            references: common.references,
            description: map["description"]?.string,
            scenarios: common.scenarios,
            origin: common.origin,
            cloud: cloud.map { Array($0.utf8) },
            detection: filtered(Detection(searches: searches, condition: condition), id: common.id, name: common.name, logsource: map["logsource"]?.mapping),
            examples: common.examples,
            guidance: common.guidance)
    }

    /// The cloud the logsource names by product or service, nil when it names neither.
    private func cloud(named logsource: Node.Mapping?, fail: (Node?, String) -> RuleProblem) throws -> String? {
        guard let logsource else { return nil }
        var cloud: String?
        if let product = logsource["product"]?.string?.lowercased() {
            guard let c = RuleLoader.products[product] else {
                throw fail(logsource["product"], "logsource product '\(product)' is not a cloud trail (aws, alibaba)")
            }
            cloud = c
        }
        if let service = logsource["service"]?.string?.lowercased() {
            guard let c = RuleLoader.services[service], cloud == nil || cloud == c else {
                throw fail(logsource["service"], "logsource service '\(service)' is not a trail of \(cloud ?? "a supported cloud") (cloudtrail, actiontrail)")
            }
            cloud = c
        }
        return cloud
    }

    /// The named searches of a detection mapping and its condition (a list of them: any).
    private func searches(of detection: Node.Mapping, at detectionNode: Node,
                          fail: (Node?, String) -> RuleProblem) throws -> (searches: [String: Search], condition: Condition) {
        var searches: [String: Search] = [:]
        var conditionNode: Node?
        for (keyNode, value) in detection {
            guard let name = keyNode.string else { throw fail(keyNode, "detection keys must be strings") }
            switch name {
            case "condition": conditionNode = value
            case "timeframe": throw fail(keyNode, "'timeframe' is not supported; use a correlation rule")
            default: searches[name] = try search(value, fail: fail)
            }
        }
        guard let conditionNode else { throw fail(detectionNode, "detection has no condition") }
        let conditionTexts = conditionNode.sequence.map { $0.compactMap(\.string) } ?? conditionNode.string.map { [$0] } ?? []
        guard !conditionTexts.isEmpty else { throw fail(conditionNode, "condition must be a string or a list of strings") }
        guard conditionTexts.count <= Condition.maximumNesting else {
            throw fail(conditionNode, "condition lists \(conditionTexts.count) conditions, more than \(Condition.maximumNesting)")
        }
        var condition: Condition?
        for text in conditionTexts {
            do {
                let parsed = try Condition.parse(text, searches: Set(searches.keys))
                condition = condition.map { .or($0, parsed) } ?? parsed
            } catch {
                throw fail(conditionNode, error.description)
            }
        }
        return (searches, condition!)
    }

    private func correlation(_ node: Node, file: String, fallbackID: String) throws -> CorrelationRule {
        func fail(_ n: Node?, _ message: String) -> RuleProblem {
            RuleProblem(file: file, line: n?.mark?.line ?? node.mark?.line ?? 1, message: message)
        }
        guard let map = node.mapping else { throw fail(node, "a rule must be a YAML mapping") }
        let common = try common(node, map, file: file, fallbackID: fallbackID, fail: fail)
        guard let sectionNode = map["correlation"], let section = sectionNode.mapping else {
            throw fail(map["correlation"], "correlation must be a mapping")
        }
        for (k, _) in section {
            let key = k.string ?? ""
            guard ["type", "rules", "group-by", "timespan", "condition", "generate", "aliases"].contains(key) else {
                throw fail(k, "unknown correlation attribute '\(key)'")
            }
        }
        guard let typeName = section["type"]?.string else { throw fail(sectionNode, "correlation has no type") }
        guard let kind = CorrelationRule.Kind(rawValue: typeName) else {
            throw fail(section["type"], "correlation type '\(typeName)' is not one of \(CorrelationRule.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let rulesNode = section["rules"]
        let written = rulesNode?.sequence.map { $0.compactMap(\.string) } ?? rulesNode?.string.map { [$0] } ?? []
        let condition = try CorrelationCondition(section["condition"], kind: kind, rules: written, fail: { fail($0 ?? sectionNode, $1) })
        let ruleNames = condition.ruleNames ?? written
        guard !ruleNames.isEmpty else { throw fail(rulesNode ?? sectionNode, "correlation names no rules") }
        if Set(ruleNames).count != ruleNames.count { throw fail(rulesNode, "a rule is named twice") }
        let groupNode = section["group-by"]
        let groupBy = groupNode?.sequence.map { $0.compactMap(\.string) } ?? groupNode?.string.map { [$0] } ?? []
        guard let spanText = section["timespan"]?.string else { throw fail(sectionNode, "correlation has no timespan") }
        guard let timespan = TimeSpan.nanoseconds(spanText) else {
            throw fail(section["timespan"], "timespan '\(spanText)' is not \(TimeSpan.form)")
        }
        guard timespan > 0 else { throw fail(section["timespan"], "timespan must be longer than 0 (as pySigma requires)") }
        let aliases = try CorrelationCondition.aliases(section["aliases"], ruleNames: ruleNames, fail: fail)
        let generateNode = map["generate"] ?? section["generate"]
        let generate: Bool
        switch generateNode?.string?.lowercased() {
        case nil, "false": generate = false
        case "true": generate = true
        default: throw fail(generateNode, "generate must be true or false")
        }
        return CorrelationRule(
            id: common.id, name: common.name, title: common.title, level: common.level, tags: common.tags,
            references: common.references, scenarios: common.scenarios, origin: common.origin,
            kind: kind, ruleNames: ruleNames, groupBy: groupBy, aliases: aliases, timespan: timespan,
            threshold: condition.threshold, clauses: condition.clauses, fields: condition.fields, percentile: condition.percentile,
            generate: generate, examples: common.examples, guidance: common.guidance)
    }

    func search(_ node: Node, fail: (Node?, String) -> RuleProblem) throws -> Search {
        if let map = node.mapping {
            return .allFields(try map.map { keyNode, value in try field(keyNode, value, fail: fail) })
        }
        if let list = node.sequence {
            if list.allSatisfy({ $0.mapping != nil }) {
                return .anyOf(try list.map { try search($0, fail: fail) })
            }
            guard list.allSatisfy({ $0.scalar != nil }) else {
                throw fail(node, "a search list must hold only field maps or only keywords")
            }
            return .keywords(Keywords(list.compactMap(\.scalar).map { Pattern($0.string) }))
        }
        if let scalar = node.scalar { return .keywords(Keywords([Pattern(scalar.string)])) }
        throw fail(node, "a search must be a mapping of fields, a list of mappings, or keywords")
    }

    /// Parses `field|mod|mod: values` into a field matcher, checking the modifiers combine.
    func field(_ keyNode: Node, _ value: Node, fail: (Node?, String) -> RuleProblem) throws -> FieldMatcher {
        guard let key = keyNode.string else { throw fail(keyNode, "field names must be strings") }
        var parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let fieldName = parts.removeFirst()
        guard !fieldName.isEmpty else { throw fail(keyNode, "'\(key)' names no field") }
        if parts.contains("element") { return try elementField(fieldName, parts, keyNode, value, fail: fail) }
        let modifiers = FieldModifiers()
        for modifier in parts {
            if let problem = modifiers.add(modifier) { throw fail(keyNode, "\(problem) in '\(key)'") }
        }
        if let problem = modifiers.conflict { throw fail(keyNode, "\(problem) in '\(key)'") }
        let values: [Node] = value.sequence.map(Array.init) ?? [value]
        var expected: [FieldMatcher.Expected] = []
        for v in values {
            guard let scalar = v.scalar else { throw fail(v, "values of '\(key)' must be scalars") }
            do {
                expected.append(try modifiers.expected(scalar, placeholders: placeholders))
            } catch let problem as ModifierProblem {
                throw fail(v, "\(problem.description) in '\(key)'")
            }
        }
        guard !expected.isEmpty else { throw fail(value, "'\(key)' has no values") }
        return FieldMatcher(path: JSONPath(fieldName), expected: expected, requireAll: modifiers.requireAll, negated: modifiers.negated)
    }

    static func line(of error: Error) -> Int {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _): return mark.line
            default: break
            }
        }
        return 1
    }

    static func summary(of error: Error) -> String {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, _, _), .parser(_, let problem, _, _): return problem
            default: break
            }
        }
        return "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
}

private extension String {
    func replacingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

extension RuleLoader {
    /// Where rules are looked for when `--rules` is not given: `$TRAIL_RULES` (an explicit
    /// choice wins), the pack installed beside the executable's resolved location
    /// (`../share/trail/rules`), then `./rules`.
    public static func defaultRulePaths(executable: String, environment: [String: String]) -> [String] {
        if let fromEnvironment = environment["TRAIL_RULES"], !fromEnvironment.isEmpty {
            return fromEnvironment.split(separator: ":").map(String.init)
        }
        let installed = InstalledData.folder(argv0: executable) + "/rules"
        return [FileIO.isDirectory(installed) ? installed : "rules"]
    }
}
