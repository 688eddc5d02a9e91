import TrailCore

/// A CloudTrail Insights event (`eventType` `AwsCloudTrailInsight`, ActionTrail's
/// `ActionTrailInsight`): the trail's own finding that an API's call or error rate left its
/// baseline, written at the start and at the end of the unusual activity. It is not a call and
/// has no caller; its header names the API it is about (docs/schema.md lists the mapping).
extension Header {
    private static let eventNameKey = Array("eventName".utf8), eventSourceKey = Array("eventSource".utf8),
                       insightTypeKey = Array("insightType".utf8)

    /// Fills the header of an Insights event from its `insightDetails` object at `details`.
    /// Inlined: a call would copy the whole header in and out for every event.
    @inline(__always) mutating func describeInsight(_ s: JSONScanner, _ details: Int) {
        func text(_ key: [UInt8]) -> HeaderText? { s.member(key, ofObjectAt: details).flatMap { HeaderText(s, at: $0) } }
        // ActionTrail's Insights name no API: their type (IpInsight, AkInsight, …) is what happened.
        action = text(Header.eventNameKey) ?? action ?? text(Header.insightTypeKey)
        service = Header.serviceName(eventSource: text(Header.eventSourceKey)) ?? service
        if actorType == nil { actorType = "service" }
        if sourceIP == nil, sourceService == nil {
            sourceService = cloud?.equals("alibaba") == true ? "actiontrail.aliyuncs.com" : "cloudtrail.amazonaws.com"
        }
        // The event changes nothing; counting it as a create or delete would count the calls twice.
        readOnly = true
        category = action == nil ? nil : .read
    }
}
