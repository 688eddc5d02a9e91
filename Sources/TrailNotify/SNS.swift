import Foundation
import TrailCore
import TrailNetwork

/// `sns://REGION/TOPIC_ARN`, or the topic's ARN itself (`arn:aws:sns:REGION:ACCOUNT:TOPIC`):
/// Amazon SNS Publish, signed with SigV4 with the credentials trail-fetch finds (the
/// AWS credential chain, docs/credentials-and-intake.md). The endpoint: `url=`, else AWS_ENDPOINT_URL_SNS or
/// AWS_ENDPOINT_URL (or the profile's), else the region's.
public struct SNSSettings: Sendable {
    public let topicARN: String
    public let region: String
    public let credentials: AWSCredentialSource
    public let endpoint: APIEndpoint
    /// The endpoint's `Host` header and path, as signed.
    let authority: String
    let path: String

    init(url: URLComponents, scheme: String, options: inout TargetOptions, environment: [String: String]) throws {
        let arn = scheme == "arn" ? "arn:" + url.path : String(url.path.drop { $0 == "/" })
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sns", !parts[3].isEmpty, !parts[5].isEmpty else {
            throw NotifyError("expected sns://REGION/arn:aws:sns:REGION:ACCOUNT:TOPIC or the topic's ARN, not \(arn)")
        }
        topicARN = arn
        region = scheme == "arn" ? String(parts[3]) : (url.host ?? String(parts[3]))
        let configuration: AWSConfiguration
        do {
            configuration = try AWSConfiguration.resolve(environment: environment, region: region, service: "sns")
        } catch {
            throw NotifyError("\(error)")
        }
        guard let credentials = configuration.credentials else {
            throw NotifyError("no AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or the instance metadata service)")
        }
        self.credentials = credentials
        let domain = parts[1] == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"
        endpoint = try APIEndpoint(default: configuration.endpoint ?? "https://sns.\(region).\(domain)/", options: &options)
        guard let parts = URLComponents(string: endpoint.url), let host = parts.host, !host.isEmpty else {
            throw NotifyError("not an endpoint URL: \(Target.redact(endpoint.url))")
        }
        authority = parts.port.map { "\(host):\($0)" } ?? host
        path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
    }
}

/// Publishes each message to the topic: the JSON record for the machines (SQS, Lambda, HTTP,
/// Firehose), the subject and body for mail, the subject for SMS, and message attributes
/// `level` and `rule` that subscription filter policies route on.
struct SNSTransport: Transport {
    let settings: SNSSettings
    let client: APIClient

    func send(_ message: Message) throws {
        let body = Array(SNSTransport.form(SNSTransport.publish(message, topic: settings.topicARN)).utf8)
        let contentType = "application/x-www-form-urlencoded; charset=utf-8"
        // Renewed before they expire (a role, the instance's or the task's credentials).
        let credentials: AWSCredentials
        do {
            credentials = try settings.credentials.current()
        } catch {
            throw NotifyError("\(error)")
        }
        let signer = SigV4Signer(credentials: credentials, region: settings.region, service: "sns")
        // curl sends the URL's own Host header, which is the one signed.
        let signing = signer.sign(method: "POST", path: settings.path, query: [],
                                  headers: [("Host", settings.authority), ("Content-Type", contentType)], date: Date(),
                                  payloadHash: SigV4Signer.payloadHash(body))
        let response = try client.post(body, headers: signing.headers.filter { $0.name != "Host" })
        try SNSTransport.check(response, hiding: [credentials.secretAccessKey] + (credentials.sessionToken.map { [$0] } ?? []))
    }

    /// The Publish request's parameters.
    static func publish(_ message: Message, topic: String) -> [(String, String)] {
        var machine = JSONWriter()
        machine.beginObject()
        // The record once, as the default (SQS, Lambda, HTTP, Firehose): SNS takes 256 KiB in all.
        machine.member("default", String(decoding: message.json, as: UTF8.self))
        machine.member("email", message.subject + "\n\n" + message.body)
        machine.member("sms", message.subject)
        machine.endObject()
        var parameters = [("Action", "Publish"), ("Version", "2010-03-31"), ("TopicArn", topic),
                          ("MessageStructure", "json"), ("Message", String(decoding: machine.bytes, as: UTF8.self)),
                          ("Subject", subject(message.subject))]
        for (n, attribute) in [("level", message.levelName), ("rule", message.ruleID)].enumerated() {
            parameters += [("MessageAttributes.entry.\(n + 1).Name", attribute.0),
                           ("MessageAttributes.entry.\(n + 1).Value.DataType", "String"),
                           ("MessageAttributes.entry.\(n + 1).Value.StringValue", attribute.1)]
        }
        return parameters
    }

    /// SNS takes a subject of printable ASCII, under 100 characters, on one line.
    static func subject(_ text: String) -> String {
        let ascii = String(text.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
        return String(ascii.prefix(99))
    }

    static func form(_ parameters: [(String, String)]) -> String {
        parameters.map { SigV4Signer.uriEncode($0.0) + "=" + SigV4Signer.uriEncode($0.1) }.joined(separator: "&")
    }

    /// A throttled, unauthorised or unknown-topic request waits in the spool (every message
    /// would meet it); another refusal of the request (InvalidParameter) is for good.
    static func check(_ response: HTTPResponse, hiding secrets: [String]) throws {
        guard !(200..<300).contains(response.status) else { return }
        let reply = String(decoding: response.body.prefix(APIClient.maxReply), as: UTF8.self)
        let code = reply.range(of: "<Code>").flatMap { open in reply.range(of: "</Code>", range: open.upperBound..<reply.endIndex).map { reply[open.upperBound..<$0.lowerBound] } }
        let temporary = ["Throttling", "ThrottlingException", "RequestThrottled", "KMSThrottling", "ServiceUnavailable", "InternalError"]
        let permanent = WebhookTransport.refusesForGood(response.status) && ![401, 403, 404].contains(response.status)
            && !temporary.contains(String(code ?? ""))
        let shown = code.map { PrintableText.escaped(String($0.prefix(64))) } ?? Target.masking(secrets, in: APIClient.shortReply(response.body))
        throw NotifyError("HTTP \(response.status): \(shown)", permanent: permanent, retryAfter: response.retryAfter)
    }
}
