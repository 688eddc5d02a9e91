import FuzzSupport
import TrailCore
@testable import TrailNotify

/// Alert lines in, every rendering a target sends out: plain text, Slack, Teams, OCSF,
/// PagerDuty, Opsgenie, DingTalk, SNS, the JSON record, the syslog line, and a digest of them all. No network: the renderings are the
/// transports' own payload builders.
let templates = try! MessageTemplates.defaults()

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Harness.run(start, count, stage: "notify") { path, output, diagnostics in
        var alerts: [Alert] = []
        try NDJSONInput([path]).forEachObject(diagnostics: diagnostics) { s, root, _ in
            if let alert = Alert(s, alert: root) { alerts.append(alert) }
        }
        var messages = alerts.map { Message(alert: $0, suppressed: 1, templates: templates) }
        if !alerts.isEmpty {
            let digest = Digest(alerts: alerts, start: Timestamp(seconds: 0), end: Timestamp(seconds: 3600), suppressed: 2, itemPaths: Target.defaultItemPaths)
            messages.append(Message(digest: digest, templates: templates))
        }
        for message in messages {
            output.writeLine(message.json)
            for format in [WebhookSettings.Format.json, .slack, .teams, .ocsf] {
                output.writeLine(WebhookTransport.payload(message, format: format))
            }
            output.writeLine(PagerDutyTransport.event(message, routingKey: "fuzz"))
            output.writeLine(OpsgenieTransport.alert(message))
            output.writeLine(DingTalkTransport.markdown(message))
            // SNS's form body is not JSON; its Message parameter is.
            let sns = SNSTransport.publish(message, topic: "arn:aws:sns:us-east-1:111122223333:fuzz")
            output.writeLine(Array((sns.first { $0.0 == "Message" }?.1 ?? "{}").utf8))
            let line = SyslogTransport.rfc5424(message, facility: 1, severity: 3, hostname: "fuzz")
            precondition(!line.utf8.contains(0x0A), "a syslog line holds a line break: \(line)")
        }
    }
}
