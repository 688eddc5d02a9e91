import Foundation
import TrailTestSupport

/// The bundled sample run through the pipeline as `make report` runs it (fetch | flatten |
/// enrich with geo, tables and calendar | tee | match), plus integrity findings in trail-fetch
/// --verify's format, once per test run.
struct SampleInput: Sendable {
    let folder: String
    var events: String { folder + "/events.ndjson" }
    var alerts: String { folder + "/alerts.ndjson" }
    var integrity: String { folder + "/integrity.ndjson" }

    static let bin = builtExecutablesFolder()
    static let environment = ["PATH": "\(bin):/usr/bin:/bin", "NO_COLOR": "1"]

    static let shared: Result<SampleInput, any Error> = Result { try SampleInput() }

    static func load() throws -> SampleInput { try shared.get() }

    private init() throws {
        let dir = try TemporaryDirectory("trail-report-sample")
        folder = dir.path
        let geo = try runShell("python3 -c 'import _maxminddb_geolite2 as g, os; print(os.path.dirname(g.__file__) + \"/GeoLite2-City.mmdb\")'")
        let database = geo.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard geo.status == 0, FileManager.default.fileExists(atPath: database) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "maxminddb-geolite2 is missing: run make deps"])
        }
        let tables = packageRoot + "/pipelines/tables"
        let run = try runShell("""
            trail-fetch '\(packageRoot)/pipelines/sample' | trail-flatten \
              | trail-enrich --geo '\(database)' --table trail.actor.name='\(tables)/principals.csv' \
                  --business-hours 'Asia/Tokyo Mon-Fri 09:00-18:00' --holidays '\(tables)/holidays-jp.txt' \
              | tee '\(folder)/events.ndjson' | trail-match --rules '\(packageRoot)/rules' > '\(folder)/alerts.ndjson'
            """, environment: Self.environment)
        guard run.status == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "sample pipeline failed (\(run.status)): \(run.stderr)"])
        }
        try dir.write("integrity.ndjson", Self.findings.joined(separator: "\n") + "\n")
    }

    /// Findings as trail-fetch --verify writes them: the trail header, then `kind` and the rest.
    static let findings: [String] = [
        ("valid", "digest", "2026-11-16T02:00:00Z", "ok"),
        ("valid", "log", "2026-11-16T02:00:00Z", "ok"),
        ("missing", "log", "2026-11-16T08:00:00Z", "not found"),
        ("gap", "chain", "2026-11-16T11:00:00Z", "no digest between 2026-11-16T11:00:00Z and 2026-11-16T12:00:00Z"),
        ("invalid", "digest", "2026-11-17T13:00:00Z", "signature verification failed"),
    ].map { status, type, time, reason in
        let outcome = status == "valid" ? "success" : "failure"
        let error = status == "valid" ? "null" : "\"\(status)\""
        return """
            {"trail":{"cloud":"aws","time":"\(time)","account":"273300054171","region":"us-east-1","service":"cloudtrail","action":"ValidateLogs","actor":{"name":null,"type":"service"},"source":{"ip":null,"service":"trail-fetch"},"outcome":"\(outcome)","error":\(error),"readOnly":true,"category":"read","id":null,"file":"bucket/AWSLogs/273300054171/CloudTrail/us-east-1/2026/11/16/f.json.gz"},"kind":"integrity","status":"\(status)","type":"\(type)","object":"bucket/AWSLogs/273300054171/CloudTrail/us-east-1/2026/11/16/273300054171_CloudTrail_us-east-1_\(type).json.gz","reason":"\(reason)","digest":null,"account":"273300054171","region":"us-east-1","time":"\(time)"}
            """
    }
}
