import Foundation
import TrailCore
import TrailNetwork

/// `logs://LOG_GROUP`: CloudTrail events delivered to CloudWatch Logs, read with
/// FilterLogEvents. Each event's message is one CloudTrail record, written as a document
/// whose `trailFile` is `logs://GROUP/STREAM`. A first run reads what the group retains (from
/// `--since` when given); with a state, later runs read only what is new. Events reach a
/// group late, so every run reads the last `rewind` of event time again and skips the ids it
/// has seen there.
public final class LogsFetcher {
    public static let rewind = 15 * 60 * 1000
    private let service: AWSJSONService
    private let group: String
    private let streamPrefix: String?
    private let since: Timestamp?
    private let writer: DocumentWriter
    private let state: FetchState?
    public private(set) var eventsDelivered = 0

    public init(group: String, streamPrefix: String?, since: Timestamp?, credentials: AWSCredentialSource, region: String,
                endpoint: String?, writer: DocumentWriter, state: FetchState?) throws(S3Failure) {
        let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        service = try AWSJSONService(endpoint: endpoint ?? "https://logs.\(region).\(domain)", region: region, service: "logs",
                                     targetPrefix: "Logs_20140328", contentType: "application/x-amz-json-1.1", credentials: credentials)
        self.group = group
        self.streamPrefix = streamPrefix
        self.since = since
        self.writer = writer
        self.state = state
    }

    /// The state's key: the group, with the stream prefix it was read with.
    var source: String { "logs://\(group)" + (streamPrefix.map { "?prefix=\($0)" } ?? "") }

    public func run() throws {
        var seen = state?.logEvents[source] ?? [:]
        let start = seen.values.max().map { $0 - Self.rewind } ?? since.map { Int($0.seconds) * 1000 }
        var token: String?
        repeat {
            let page = try filter(startTime: start, token: token)
            // The prefix is checked here too: not every Logs API (moto's) applies it.
            for event in page.events where seen[event.id] == nil && event.stream.hasPrefix(streamPrefix ?? "") {
                try writer.deliver(event.message, from: "logs://\(group)/\(event.stream)")
                seen[event.id] = event.time
                eventsDelivered += 1
            }
            token = page.next
        } while token != nil
        try writer.output.finish()
        guard let state else { return }
        let newest = seen.values.max() ?? 0
        state.setLogEvents(seen.filter { $0.value >= newest - Self.rewind }, source: source)
        try state.save()
    }

    struct Page {
        var events: [(id: String, stream: String, time: Int, message: [UInt8])] = []
        var next: String?
    }

    /// One page of FilterLogEvents from `startTime` (epoch ms), oldest first.
    private func filter(startTime: Int?, token: String?) throws -> Page {
        var request = JSONWriter()
        request.beginObject()
        request.member("logGroupName", group)
        if let streamPrefix { request.member("logStreamNamePrefix", streamPrefix) }
        if let startTime { request.key("startTime"); request.number(startTime) }
        if let token { request.member("nextToken", token) }
        request.endObject()
        let answer = try service.call("FilterLogEvents", request.bytes, what: "logs://\(group)")
        return answer.withUnsafeBytes { buffer in
            let scanner = JSONScanner(buffer)
            let root = scanner.skipWhitespace(0)
            var page = Page()
            page.next = scanner.member("nextToken", ofObjectAt: root).flatMap(scanner.string)
            guard let events = scanner.member("events", ofObjectAt: root), scanner.kind(at: events) == .array else { return page }
            scanner.forEachElement(ofArrayAt: events) { event in
                if let id = scanner.member("eventId", ofObjectAt: event).flatMap(scanner.string),
                   let message = scanner.member("message", ofObjectAt: event).flatMap(scanner.string) {
                    let stream = scanner.member("logStreamName", ofObjectAt: event).flatMap(scanner.string) ?? ""
                    let time = scanner.member("timestamp", ofObjectAt: event).flatMap(scanner.text).flatMap { Int($0) } ?? 0
                    page.events.append((id, stream, time, Array(message.utf8)))
                }
                return true
            }
            return page
        }
    }
}
