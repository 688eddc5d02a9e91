import Foundation
import TrailCore

/// `splunk://${HEC_TOKEN}@HOST:8088`: Splunk's HTTP Event Collector, over HTTPS (`cacert=PATH`
/// trusts a private CA, `tls=no` for plain HTTP), with `index=`, `sourcetype=` (default
/// `trail:alert`, with `format=ocsf` `trail:ocsf`) and `source=` (default `trail-notify`).
public struct SplunkSettings: Sendable {
    public let token: String
    public let index: String?
    public let sourcetype: String
    public let source: String
    /// Events as OCSF Detection Findings instead of alert records.
    public let ocsf: Bool
    public let endpoint: APIEndpoint

    init(url: URLComponents, options: inout TargetOptions) throws {
        guard let token = url.percentEncodedUser?.removingPercentEncoding, !token.isEmpty else {
            throw NotifyError("the HEC token is missing: splunk://TOKEN@HOST:8088")
        }
        guard let host = url.host, !host.isEmpty else { throw NotifyError("the host is missing: splunk://TOKEN@HOST:8088") }
        self.token = token
        let tls = options.take("tls") ?? "yes"
        guard tls == "yes" || tls == "no" else { throw NotifyError("tls is yes or no, not \(tls)") }
        let format = options.take("format") ?? "json"
        guard format == "json" || format == "ocsf" else { throw NotifyError("format is json or ocsf, not \(format)") }
        ocsf = format == "ocsf"
        index = options.take("index")
        sourcetype = options.take("sourcetype") ?? (ocsf ? "trail:ocsf" : "trail:alert")
        source = options.take("source") ?? "trail-notify"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        endpoint = try APIEndpoint(default: "\(tls == "no" ? "http" : "https")://\(shownHost):\(url.port ?? 8088)/services/collector/event",
                                   options: &options)
    }
}

/// Sends each message as one HEC event: the alert record (with its `notify` id) or its OCSF
/// finding as `event`,
/// the alert's time as `time`, so Splunk files it when it happened, not when it arrived.
struct SplunkTransport: Transport {
    let settings: SplunkSettings
    let client: APIClient

    func send(_ message: Message) throws {
        let response = try client.post(SplunkTransport.event(message, settings), headers: [
            ("Content-Type", "application/json"), ("Authorization", "Splunk \(settings.token)"),
        ])
        try APIClient.check(response, hiding: [settings.token]) { SplunkTransport.refusesTarget(code: SplunkTransport.replyCode($0.body)) }
    }

    /// HEC's status codes that refuse the token or the index (disabled, missing or invalid
    /// token, incorrect index) rather than the event.
    static func refusesTarget(code: Int?) -> Bool {
        [1, 2, 3, 4, 7].contains(code ?? -1)
    }

    /// The `code` of a HEC reply.
    static func replyCode(_ body: [UInt8]) -> Int? {
        body.withUnsafeBytes { raw in
            let s = JSONScanner(raw)
            guard let root = try? s.validateDocument(), s.kind(at: root) == .object else { return nil }
            return s.member("code", ofObjectAt: root).flatMap { s.text(at: $0) }.flatMap { Int($0) }
        }
    }

    static func event(_ message: Message, _ settings: SplunkSettings) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        if let time = message.alert?.time {
            w.key("time")
            w.number(Int(time.seconds))
        }
        w.member("source", settings.source)
        w.member("sourcetype", settings.sourcetype)
        if let index = settings.index { w.member("index", index) }
        w.key("event")
        w.raw(settings.ocsf ? DetectionFinding.json(message) : message.json)
        w.endObject()
        return w.bytes
    }
}
