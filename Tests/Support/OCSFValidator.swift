import Foundation

/// Checks NDJSON lines against OCSF schema 1.9.0 for the two classes trail writes — Detection
/// Finding (2004) and API Activity (6003) — as the schema's JSON files define them
/// (github.com/ocsf/ocsf-schema: events/base_event.json, events/findings/finding.json and
/// detection_finding.json, events/application/api_activity.json, profiles/cloud.json, and the
/// objects they use): each class's required attributes, the objects' required attributes
/// and `at_least_one` constraints, the enums, `type_uid` = class_uid × 100 + activity_id,
/// and no top-level attribute the class does not define.
public enum OCSFValidator {
    public static let version = "1.9.0"

    static let script = #"""
    import json, sys, ipaddress
    VERSION = "1.9.0"
    BASE = {"activity_id", "activity_name", "category_name", "category_uid", "class_name", "class_uid", "count", "duration",
            "end_time", "enrichments", "message", "metadata", "observables", "raw_data", "raw_data_hash", "raw_data_size",
            "severity", "severity_id", "start_time", "status", "status_code", "status_detail", "status_id", "time",
            "timezone_offset", "type_name", "type_uid", "unmapped", "cloud", "api"}
    CLASSES = {
        2004: dict(category=2, activities={0, 1, 2, 3, 99}, statuses={0, 1, 2, 3, 4, 5, 6, 99}, required=["finding_info"],
                   attributes=BASE | {"finding_info", "confidence", "confidence_id", "confidence_score", "device", "evidences",
                                      "impact", "impact_id", "impact_score", "is_alert", "malware", "remediation", "resources",
                                      "risk_level", "risk_level_id", "risk_score", "vulnerabilities", "notes", "anomaly_analyses"}),
        6003: dict(category=6, activities={0, 1, 2, 3, 4, 99}, statuses={0, 1, 2, 99}, required=["actor", "api", "src_endpoint"],
                   attributes=BASE | {"actor", "api", "dst_endpoint", "http_request", "http_response", "resources", "src_endpoint"}),
    }
    ACTOR_ONE = ["process", "user", "invoked_by", "session", "app_name", "app_uid", "authorizations", "idp"]
    ENDPOINT_ONE = ["ip", "uid", "name", "hostname", "svc_name", "instance_uid", "interface_uid", "interface_name"]
    EVIDENCE_ONE = ["actor", "api", "connection_info", "data", "database", "databucket", "device", "dst_endpoint", "email",
                    "file", "process", "query", "resources", "src_endpoint", "url", "user", "job", "script"]

    def check(e):
        p = []
        def need(obj, key, kind, where):
            if not isinstance(obj.get(key), kind) or isinstance(obj.get(key), bool) != (kind is bool):
                p.append("%s.%s: required %s" % (where, key, kind.__name__))
                return False
            return True
        def one_of(obj, keys, where):
            if not isinstance(obj, dict) or not any(obj.get(k) not in (None, "", [], {}) for k in keys):
                p.append("%s: needs at least one of %s" % (where, ",".join(keys)))
        def actor(a, where):
            one_of(a, ACTOR_ONE, where)
            if isinstance(a.get("user"), dict): one_of(a["user"], ["account", "name", "uid"], where + ".user")
        def api(a, where):
            if isinstance(a, dict) and need(a, "operation", str, where):
                if "request" in a: need(a["request"], "uid", str, where + ".request")
            else: p.append(where + ": object")
        def endpoint(n, where):
            one_of(n, ENDPOINT_ONE, where)
            if isinstance(n, dict) and "ip" in n: ipaddress.ip_address(n["ip"])
        def resources(rs, where):
            for i, r in enumerate(rs): one_of(r, ["uid", "name"], "%s[%d]" % (where, i))
        cls = e.get("class_uid")
        if cls not in CLASSES: return ["class_uid %r is not 2004 or 6003" % cls]
        c = CLASSES[cls]
        for key, kind in (("activity_id", int), ("category_uid", int), ("severity_id", int), ("time", int), ("type_uid", int), ("metadata", dict)):
            need(e, key, kind, "event")
        if p: return p
        if e["category_uid"] != c["category"]: p.append("category_uid %d for class %d" % (e["category_uid"], cls))
        if e["activity_id"] not in c["activities"]: p.append("activity_id %d" % e["activity_id"])
        if e["activity_id"] == 99 and not e.get("activity_name"): p.append("activity_name required for Other")
        if e["type_uid"] != cls * 100 + e["activity_id"]: p.append("type_uid %d" % e["type_uid"])
        if e["severity_id"] not in {0, 1, 2, 3, 4, 5, 6, 99}: p.append("severity_id %d" % e["severity_id"])
        if "status_id" in e and e["status_id"] not in c["statuses"]: p.append("status_id %d" % e["status_id"])
        if e["time"] < 10**12: p.append("time is not milliseconds")
        m = e["metadata"]
        if m.get("version") != VERSION: p.append("metadata.version %r" % m.get("version"))
        if need(m, "product", dict, "metadata"): one_of(m["product"], ["name", "uid"], "metadata.product")
        if "cloud" in m.get("profiles", []) and need(e, "cloud", dict, "event"): need(e["cloud"], "provider", str, "cloud")
        for key in sorted(set(e) - c["attributes"]): p.append("unknown attribute " + key)
        for key in c["required"]:
            if key not in e: p.append("missing " + key)
        for key in ("raw_data", "message"):
            if key in e and not isinstance(e[key], str): p.append(key + " is not a string")
        if "unmapped" in e and not isinstance(e["unmapped"], dict): p.append("unmapped is not an object")
        if cls == 2004:
            f = e.get("finding_info", {})
            need(f, "uid", str, "finding_info")
            if "analytic" in f and f["analytic"].get("type_id") not in {0, 1, 2, 3, 4, 99}: p.append("analytic.type_id")
            if not all(isinstance(t, str) for t in f.get("types", [])): p.append("finding_info.types")
            if "remediation" in e: need(e["remediation"], "desc", str, "remediation")
            resources(e.get("resources", []), "resources")
            for i, ev in enumerate(e.get("evidences", [])):
                where = "evidences[%d]" % i
                one_of(ev, EVIDENCE_ONE, where)
                if "actor" in ev: actor(ev["actor"], where + ".actor")
                if "api" in ev: api(ev["api"], where + ".api")
                if "src_endpoint" in ev: endpoint(ev["src_endpoint"], where + ".src_endpoint")
                resources(ev.get("resources", []), where + ".resources")
        else:
            actor(e.get("actor", {}), "actor")
            api(e.get("api"), "api")
            endpoint(e.get("src_endpoint"), "src_endpoint")
        return p

    problems = 0
    for n, line in enumerate(open(sys.argv[1]), 1):
        if not line.strip(): continue
        try:
            found = check(json.loads(line))
        except (ValueError, AttributeError, TypeError) as error:
            found = [repr(error)]
        for problem in found:
            problems += 1
            print("line %d: %s" % (n, problem))
    sys.exit(1 if problems else 0)
    """#

    /// The problems found in the NDJSON file at `path`, one per line; empty when it conforms.
    public static func problems(inFile path: String) throws -> [String] {
        let result = try runShell("python3 -c \"$SCRIPT\" '\(path)'", environment: ["SCRIPT": script])
        return result.stdoutLines + (result.status > 1 || (result.status != 0 && result.stdoutLines.isEmpty) ? [result.stderr] : [])
    }
}
