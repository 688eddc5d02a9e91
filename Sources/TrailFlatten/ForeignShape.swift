import TrailCore

/// JSON that a cloud writes but that is not a trail: refused by name, so a wrong input is
/// noticed instead of passing on as events with an empty header.
enum ForeignShape: CustomStringConvertible {
    /// `{"Records":[{"eventSource":"aws:s3","s3":{…}}]}`: what S3 sends to SNS, SQS, Lambda.
    case s3Notification
    /// Another Lambda event source's record (`aws:sqs`, `aws:dynamodb`, `aws:kinesis`, …).
    case eventSourceRecord(String)
    /// A GuardDuty finding, alone or in an EventBridge envelope.
    case guardDutyFinding
    /// None of the shapes trail-flatten reads.
    case noTrailShape

    var description: String {
        switch self {
        case .s3Notification: return "an S3 event notification"
        case .eventSourceRecord(let source): return "an \(source) event-source record"
        case .guardDutyFinding: return "a GuardDuty finding"
        case .noTrailShape: return "JSON without any trail shape"
        }
    }

    /// The one-line problem a refused record is reported with.
    var problem: String { "\(self), not a trail; skipped" }

    private static let eventSource = Array("eventSource".utf8), type = Array("type".utf8), arn = Array("arn".utf8),
                       service = Array("service".utf8), serviceName = Array("serviceName".utf8)

    /// What the record at `root` is when it is not a trail event (nil when it is one): an
    /// event has at least one of eventName, eventTime, eventID, eventId; an event source
    /// `aws:…` is a Lambda event-source record, which also has eventName and eventTime.
    static func of(record s: JSONScanner, at root: Int, members: RecordMembers) -> ForeignShape? {
        if let at = members[.eventSource], let source = s.string(at: at), source.hasPrefix("aws:") {
            return source == "aws:s3" ? .s3Notification : .eventSourceRecord(source)
        }
        let isEvent = members[.eventName] != nil || members[.eventTime] != nil || members[.eventID] != nil || members[.eventId] != nil
        return isEvent ? nil : of(document: s, at: root)
    }

    /// What the object at `root`, which holds no trail, is.
    static func of(document s: JSONScanner, at root: Int) -> ForeignShape {
        func text(_ key: [UInt8], in object: Int?) -> String? {
            object.flatMap { s.member(key, ofObjectAt: $0) }.flatMap { s.string(at: $0) }
        }
        let findingService = s.member(service, ofObjectAt: root).flatMap { s.kind(at: $0) == .object ? $0 : nil }
        if text(type, in: root) != nil,
           text(serviceName, in: findingService) == "guardduty" || text(arn, in: root)?.contains(":guardduty:") == true {
            return .guardDutyFinding
        }
        return .noTrailShape
    }

}
