import TrailCore
import Yams

/// A Sigma filter (meta filter rule): a site's exception to rules of a pack, without editing
/// them. As pySigma applies it, its condition is joined with `and` to the condition of each
/// rule it names (by id or name, or `rules: any`) whose logsource it contains, so an
/// exception reads `condition: not selection`. Filters never apply to correlation rules.
public struct SigmaFilter: Sendable {
    public let title: String
    let origin: String
    /// The logsource members given (category, product, service): each must equal the rule's.
    let logsource: [String: String]
    /// nil: every rule of the logsource (`rules: any`).
    let rules: [String]?
    let searches: [String: Search]
    let condition: Condition

    func applies(id: String, name: String?, logsource ruleSource: Node.Mapping?) -> Bool {
        for (key, value) in logsource where ruleSource?[key]?.string != value { return false }
        guard let rules else { return true }
        return rules.contains(id) || name.map(rules.contains) == true
    }
}

extension RuleLoader {
    /// Reads the filters of every `*.yml`/`*.yaml` file below each path; a document that is
    /// not a filter, or a filter not understood, is a problem.
    public func loadFilters(paths: [String]) throws -> (filters: [SigmaFilter], problems: [RuleProblem]) {
        var filters: [SigmaFilter] = []
        var problems: [RuleProblem] = []
        for path in paths {
            for file in try FileIO.filesBelow(path) where file.hasSuffix(".yml") || file.hasSuffix(".yaml") {
                let text = String(decoding: try FileIO.readFile(file), as: UTF8.self)
                do {
                    let (documents, error) = RuleYAML.documents(text)
                    for document in documents { filters.append(try filter(document, file: file)) }
                    if let error { throw error }
                } catch let problem as RuleProblem {
                    problems.append(problem)
                } catch {
                    problems.append(RuleProblem(file: file, line: RuleLoader.line(of: error), message: "invalid YAML: \(RuleLoader.summary(of: error))"))
                }
            }
        }
        return (filters, problems)
    }

    private func filter(_ node: Node, file: String) throws -> SigmaFilter {
        func fail(_ n: Node?, _ message: String) -> RuleProblem {
            RuleProblem(file: file, line: n?.mark?.line ?? node.mark?.line ?? 1, message: message)
        }
        guard let map = node.mapping, let section = map["filter"]?.mapping else { throw fail(node, "a filter file holds Sigma filters: documents with a 'filter' mapping") }
        guard let title = map["title"]?.string, !title.isEmpty else { throw fail(node, "filter has no title") }
        guard let logsourceNode = map["logsource"], let logsource = logsourceNode.mapping else { throw fail(node, "filter '\(title)' has no logsource (pySigma requires one)") }
        var source: [String: String] = [:]
        for key in ["category", "product", "service"] { source[key] = logsource[key]?.string }
        let rulesNode = section["rules"]
        let rules: [String]?
        if let one = rulesNode?.string {
            rules = one.lowercased() == "any" ? nil : [one]
        } else if let list = rulesNode?.sequence {
            rules = list.isEmpty ? nil : list.compactMap(\.string)
        } else {
            throw fail(map["filter"], "filter '\(title)' needs 'rules': a rule id or name, a list of them, or any")
        }
        guard let conditionText = section["condition"]?.string else { throw fail(map["filter"], "filter '\(title)' needs one condition, a string") }
        var searches: [String: Search] = [:]
        for (k, v) in section {
            guard let name = k.string, name != "rules", name != "condition" else { continue }
            searches[name] = try search(v, fail: fail)
        }
        let condition: Condition
        do {
            condition = try Condition.parse(conditionText, searches: Set(searches.keys))
        } catch {
            throw fail(section["condition"], error.description)
        }
        return SigmaFilter(title: title, origin: "\(file):\(node.mark?.line ?? 1)", logsource: source, rules: rules, searches: searches, condition: condition)
    }

    /// `detection` with the conditions of the filters that apply to the rule joined to it
    /// (their searches renamed apart, as pySigma does).
    func filtered(_ detection: Detection, id: String, name: String?, logsource: Node.Mapping?) -> Detection {
        var searches = detection.searches
        var condition = detection.condition
        for (k, filter) in filters.enumerated() where filter.applies(id: id, name: name, logsource: logsource) {
            let prefix = "_filter\(k)_"
            for (name, search) in filter.searches { searches[prefix + name] = search }
            condition = .and(condition, filter.condition.renamed { prefix + $0 })
        }
        return searches.count == detection.searches.count ? detection : Detection(searches: searches, condition: condition)
    }
}

extension RuleSet {
    /// A filter that names a rule not loaded is a problem: most likely a typo, and an
    /// exception that silently applies to nothing.
    public mutating func checkFilters(_ filters: [SigmaFilter]) {
        let known = Set(rules.flatMap { [$0.id] + ($0.name.map { [$0] } ?? []) })
        for filter in filters {
            for name in filter.rules ?? [] where !known.contains(name) {
                let (file, line) = RuleLoader.split(filter.origin)
                problems.append(RuleProblem(file: file, line: line, message: "filter '\(filter.title)' names rule '\(name)', which is not loaded"))
            }
        }
    }
}

extension Condition {
    /// The same condition over renamed searches.
    func renamed(_ rename: (String) -> String) -> Condition {
        switch self {
        case .search(let name): return .search(rename(name))
        case .not(let inner): return .not(inner.renamed(rename))
        case .and(let a, let b): return .and(a.renamed(rename), b.renamed(rename))
        case .or(let a, let b): return .or(a.renamed(rename), b.renamed(rename))
        case .oneOf(let names): return .oneOf(names.map(rename))
        case .allOf(let names): return .allOf(names.map(rename))
        }
    }
}
