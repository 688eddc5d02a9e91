import TrailCore
import Yams

/// A problem in a rule file, located as `file:line`.
public struct RuleProblem: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int
    public let message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// Reads Sigma rules from YAML files and folders. Anything not understood is a problem
/// reported with its place, never silently ignored.
public struct RuleLoader {
    /// Modifiers this version implements; any other is reported.
    static let stringModifiers: Set<String> = ["contains", "startswith", "endswith"]

    /// Logsource products and the `trail.cloud` value they select.
    static let products = ["aws": "aws", "alibaba": "alibaba", "alibabacloud": "alibaba", "aliyun": "alibaba"]

    public init() {}

    /// Loads every `*.yml`/`*.yaml` file below each path.
    public func load(paths: [String]) throws -> (rules: [Rule], problems: [RuleProblem]) {
        var rules: [Rule] = []
        var problems: [RuleProblem] = []
        for path in paths {
            for file in try FileIO.filesBelow(path) where file.hasSuffix(".yml") || file.hasSuffix(".yaml") {
                let text = String(decoding: try FileIO.readFile(file), as: UTF8.self)
                let (r, p) = load(yaml: text, file: file)
                rules += r
                problems += p
            }
        }
        return (rules, problems)
    }

    /// Loads the rule documents of one YAML text.
    public func load(yaml: String, file: String) -> (rules: [Rule], problems: [RuleProblem]) {
        var rules: [Rule] = []
        var problems: [RuleProblem] = []
        var documents: [Node] = []
        do {
            var sequence = try Yams.compose_all(yaml: yaml)
            while let document = sequence.next() { documents.append(document) }
            if let error = sequence.error { throw error }
        } catch {
            problems.append(RuleProblem(file: file, line: RuleLoader.line(of: error), message: "invalid YAML: \(RuleLoader.summary(of: error))"))
            return (rules, problems)
        }
        for document in documents {
            do {
                rules.append(try rule(document, file: file))
            } catch let problem as RuleProblem {
                problems.append(problem)
            } catch {
                problems.append(RuleProblem(file: file, line: document.mark?.line ?? 1, message: "\(error)"))
            }
        }
        return (rules, problems)
    }

    private func rule(_ node: Node, file: String) throws -> Rule {
        func fail(_ n: Node?, _ message: String) -> RuleProblem {
            RuleProblem(file: file, line: n?.mark?.line ?? node.mark?.line ?? 1, message: message)
        }
        guard let map = node.mapping else { throw fail(node, "a rule must be a YAML mapping") }
        guard let title = map["title"]?.string, !title.isEmpty else { throw fail(node, "rule has no title") }
        guard let detectionNode = map["detection"], let detection = detectionNode.mapping else {
            throw fail(node, "rule '\(title)' has no detection mapping")
        }

        var cloud: String?
        if let logsource = map["logsource"]?.mapping, let product = logsource["product"]?.string?.lowercased() {
            guard let c = RuleLoader.products[product] else {
                throw fail(logsource["product"], "logsource product '\(product)' is not a cloud trail (aws, alibaba)")
            }
            cloud = c
        }

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
        var condition: Condition?
        for text in conditionTexts {
            do {
                let parsed = try Condition.parse(text, searches: Set(searches.keys))
                condition = condition.map { .or($0, parsed) } ?? parsed
            } catch {
                throw fail(conditionNode, error.description)
            }
        }

        let origin = "\(file):\(node.mark?.line ?? 1)"
        let fallbackID = String(file.split(separator: "/").last ?? Substring(file)).replacingSuffix(".yml").replacingSuffix(".yaml")
        return Rule(
            id: map["id"]?.string ?? fallbackID,
            title: title,
            level: map["level"]?.string ?? "medium",
            tags: map["tags"]?.sequence?.compactMap(\.string) ?? [],
            description: map["description"]?.string,
            scenarios: map["scenarios"]?.sequence?.compactMap(\.string) ?? [],
            origin: origin,
            cloud: cloud,
            detection: Detection(searches: searches, condition: condition!))
    }

    private func search(_ node: Node, fail: (Node?, String) -> RuleProblem) throws -> Search {
        if let map = node.mapping {
            return .allFields(try map.map { keyNode, value in try field(keyNode, value, fail: fail) })
        }
        if let list = node.sequence {
            guard list.allSatisfy({ $0.mapping != nil }) else {
                throw fail(node, "keyword searches (lists of plain values) are not supported yet")
            }
            return .anyOf(try list.map { try search($0, fail: fail) })
        }
        throw fail(node, "a search must be a mapping of fields or a list of mappings")
    }

    private func field(_ keyNode: Node, _ value: Node, fail: (Node?, String) -> RuleProblem) throws -> FieldMatcher {
        guard let key = keyNode.string else { throw fail(keyNode, "field names must be strings") }
        var parts = key.split(separator: "|").map(String.init)
        let fieldName = parts.removeFirst()
        var requireAll = false
        var shape: (before: Bool, after: Bool)?
        for modifier in parts {
            if modifier == "all" {
                requireAll = true
            } else if RuleLoader.stringModifiers.contains(modifier), shape == nil {
                shape = (modifier == "contains" || modifier == "endswith", modifier == "contains" || modifier == "startswith")
            } else {
                throw fail(keyNode, "unsupported field modifier '\(modifier)' in '\(key)'")
            }
        }
        let values: [Node] = value.sequence.map(Array.init) ?? [value]
        let expected: [FieldMatcher.Expected] = try values.map { v in
            guard let scalar = v.scalar else { throw fail(v, "values of '\(key)' must be scalars") }
            // YAML's plain null spellings; a quoted '' is an empty string, not null.
            if scalar.style == .plain, ["null", "Null", "NULL", "~", ""].contains(scalar.string) {
                return .null
            }
            var pattern = Pattern(scalar.string)
            if let shape { pattern = pattern.surrounded(before: shape.before, after: shape.after) }
            return .pattern(pattern)
        }
        guard !expected.isEmpty else { throw fail(value, "'\(key)' has no values") }
        return FieldMatcher(path: JSONPath(fieldName), expected: expected, requireAll: requireAll)
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
    /// Where rules are looked for when `--rules` is not given: `$TRAIL_RULES`, the installed
    /// pack beside the executable (`../share/trail/rules`), then `./rules`.
    public static func defaultRulePaths(executable: String, environment: [String: String]) -> [String] {
        if let fromEnvironment = environment["TRAIL_RULES"], !fromEnvironment.isEmpty {
            return fromEnvironment.split(separator: ":").map(String.init)
        }
        let binDir = executable.contains("/") ? String(executable[..<executable.lastIndex(of: "/")!]) : "."
        let installed = binDir + "/../share/trail/rules"
        return [FileIO.isDirectory(installed) ? installed : "rules"]
    }
}
