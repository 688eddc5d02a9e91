import Foundation
import Testing
import TrailCore
@testable import TrailMatch
import TrailTestSupport

/// trail-match against an independent reading of the same correlation rules: pySigma's parser
/// and its SQLite backend (PyPI: pysigma, pysigma-backend-sqlite), on random events. For every
/// correlation whose condition is a lower bound (decided as the count grows, where both read
/// the window as the `timespan` before an event), the groups that raise an alert must agree.
@Suite struct PySigmaReferenceTests {
    static let python = #"""
    import datetime, json, random, sqlite3, sys
    from sigma.collection import SigmaCollection
    from sigma.backends.sqlite.sqlite import sqliteBackend
    from sigma.backends.sqlite.runtime import execute_plan

    BASE = """title: failure
    name: failure
    id: 00000000-0000-4000-8000-000000000001
    logsource: {product: aws}
    detection: {s: {trail.action: Fail}, condition: s}
    ---
    title: create
    name: create
    id: 00000000-0000-4000-8000-000000000002
    logsource: {product: aws}
    detection: {s: {trail.action: Create}, condition: s}
    ---
    title: delete
    name: delete
    id: 00000000-0000-4000-8000-000000000003
    logsource: {product: aws}
    detection: {s: {trail.action: Delete}, condition: s}
    ---
    title: corr
    id: 11111111-1111-4111-8111-111111111111
    """
    CASES = [
        "correlation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {gte: 3}}",
        "correlation: {type: event_count, rules: [failure, create], group-by: [trail.actor.name], timespan: 5m, condition: {gt: 3}}",
        "correlation: {type: value_count, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {field: trail.source.ip, gte: 2}}",
        "correlation: {type: value_sum, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {field: n, gt: 25}}",
        "correlation: {type: value_avg, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {field: n, gte: 15}}",
        "correlation: {type: value_percentile, rules: [failure], group-by: [trail.actor.name], timespan: 10m, condition: {field: n, percentile: 90, gte: 18}}",
        "correlation: {type: temporal, rules: [create, delete], group-by: [trail.actor.name], timespan: 5m}",
        "correlation: {type: temporal_ordered, rules: [create, delete], group-by: [trail.actor.name], timespan: 5m}",
        "correlation: {type: temporal, rules: [failure, create, delete], group-by: [trail.actor.name], timespan: 5m, condition: {gte: 2}}",
        "correlation: {type: temporal_ordered, rules: [failure, create, delete], group-by: [trail.actor.name], timespan: 5m, condition: {gte: 2}}",
        "correlation: {type: temporal, rules: [failure, create, delete], group-by: [trail.actor.name], timespan: 5m, condition: (create and delete) or failure}",
        "correlation: {type: temporal_ordered, rules: [failure, create, delete], group-by: [trail.actor.name], timespan: 5m, condition: failure and (create or delete)}",
        "correlation: {type: temporal, rules: [create, delete], group-by: [who], timespan: 5m, aliases: {who: {create: trail.actor.name, delete: trail.source.ip}}}",
        "correlation: {type: temporal_ordered, rules: [many, delete], group-by: [trail.actor.name], timespan: 5m}\n---\ntitle: many\nname: many\nid: 22222222-2222-4222-8222-222222222222\ncorrelation: {type: event_count, rules: [failure], group-by: [trail.actor.name], timespan: 5m, condition: {gte: 2}}",
    ]

    def flat(d, prefix=""):
        out = {}
        for k, v in d.items():
            out.update(flat(v, prefix + k + ".") if isinstance(v, dict) else {prefix + k: v})
        return out

    def reference(rules, events):
        rows = [flat(e) for e in events]
        columns = sorted({k for r in rows for k in r})
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE logs (" + ", ".join(f"`{c}` COLLATE NOCASE" for c in columns) + ")")
        for r in rows:
            db.execute("INSERT INTO logs VALUES (" + ",".join("?" for _ in columns) + ")", [r.get(c) for c in columns])
        groups = set()
        for query in json.loads(sqliteBackend(timestamp_field="trail.time").convert(SigmaCollection.from_yaml(rules), "zircolite")):
            if query.get("result_type") == "correlation":
                alerts, _ = execute_plan(db, query["correlation_plan"], include_events=False)
                groups |= {json.dumps(sorted(str(v) for v in a["group_keys"].values())) for a in alerts}
        return sorted(groups)

    random.seed(int(sys.argv[2]))
    for n, correlation in enumerate(CASES):
        for trial in range(int(sys.argv[3])):
            events, times = [], set()
            for k in range(random.randint(3, 12)):
                t = random.randint(0, 1500)
                if t in times:  # one event per second: at one time trail-match keeps input order, SQL has none
                    continue
                times.add(t)
                events.append({"trail": {"cloud": "aws", "time": "2024-05-01T09:%02d:%02dZ" % divmod(t, 60), "id": "e%d" % k,
                                         "action": random.choice(["Fail", "Create", "Delete"]), "actor": {"name": random.choice(["alice", "bob", "10.0.0.1"])},
                                         "source": {"ip": random.choice(["10.0.0.1", "10.0.0.2", "alice"])}}, "n": random.randint(1, 20)})
            name = f"{sys.argv[1]}/case{n}-{trial}"
            rules = BASE.replace("\n    ", "\n") + correlation + "\n"
            open(name + ".yml", "w").write(rules)
            open(name + ".ndjson", "w").write("".join(json.dumps(e) + "\n" for e in events))
            print(json.dumps({"case": name, "groups": reference(rules, events)}))
    """#

    @Test func lowerBoundCorrelationsRaiseTheGroupsPySigmaRaises() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = try dir.write("reference.py", Self.python)
        let result = try runShell("python3 '\(script)' '\(dir.path)' 19 6", timeout: 300)
        #expect(result.status == 0, "pySigma reference failed (make deps installs pysigma and pysigma-backend-sqlite): \(result.stderr)")
        var compared = 0
        for line in result.stdoutLines {
            let reference = try parseJSON(line)
            let name = try #require(reference["case"] as? String)
            let expected = try #require(reference["groups"] as? [String])
            let set = try RuleLoader().load(paths: [name + ".yml"])
            #expect(set.problems.isEmpty, "\(set.problems)")
            let events = try String(contentsOfFile: name + ".ndjson", encoding: .utf8).split(separator: "\n").map(String.init)
            let groups = try Set(correlate(set, events).map { alert in
                let group = try #require(value(alert, "alert.correlation.group") as? [String: String])
                return String(decoding: try JSONSerialization.data(withJSONObject: group.values.sorted()), as: UTF8.self)
            })
            #expect(groups == Set(expected.map { $0.replacingOccurrences(of: ", ", with: ",") }), "\(name): \(events)")
            compared += 1
        }
        #expect(compared == 84)
    }
}
