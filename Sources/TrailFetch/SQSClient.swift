import Foundation
import TrailCore
import TrailNetwork

/// One message received from a queue.
public struct QueueMessage: Sendable {
    public let id: String
    public let receiptHandle: String
    public let body: [UInt8]
}

/// ReceiveMessage, DeleteMessageBatch and ChangeMessageVisibilityBatch over the SQS JSON
/// protocol, signed with SigV4. Requests go to the queue URL's host, or to the SQS endpoint
/// configured (AWS_ENDPOINT_URL_SQS), as the SDKs send them.
public final class SQSClient: @unchecked Sendable {
    public let queueURL: String
    private let service: AWSJSONService

    public init(queueURL: String, credentials: AWSCredentialSource, region: String?, endpoint: String?) throws(S3Failure) {
        guard let queue = URLComponents(string: queueURL), let host = queue.host, queue.scheme == "https" || queue.scheme == "http" else {
            throw S3Failure(description: "\(queueURL): not a queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)")
        }
        self.queueURL = queueURL
        // sqs.REGION.amazonaws.com names the region; else the configured one.
        let labels = host.split(separator: ".")
        let queueRegion = labels.count >= 3 && labels[0] == "sqs" ? String(labels[1]) : region ?? "us-east-1"
        service = try AWSJSONService(endpoint: endpoint ?? "\(queue.scheme!)://\(host)" + (queue.port.map { ":\($0)" } ?? ""),
                                     region: queueRegion, service: "sqs", targetPrefix: "AmazonSQS",
                                     contentType: "application/x-amz-json-1.0", credentials: credentials)
    }

    /// Up to ten messages, waiting up to `wait` seconds for one; each stays invisible to
    /// other readers for `visibility` seconds.
    public func receive(wait: Int, visibility: Int) throws -> [QueueMessage] {
        var request = JSONWriter()
        request.beginObject()
        request.member("QueueUrl", queueURL)
        request.key("MaxNumberOfMessages"); request.number(10)
        request.key("WaitTimeSeconds"); request.number(wait)
        request.key("VisibilityTimeout"); request.number(visibility)
        request.endObject()
        let answer = try call("ReceiveMessage", request.bytes)
        return answer.withUnsafeBytes { buffer in
            let scanner = JSONScanner(buffer)
            let root = scanner.skipWhitespace(0)
            var messages: [QueueMessage] = []
            guard let list = scanner.member("Messages", ofObjectAt: root) else { return messages }
            scanner.forEachElement(ofArrayAt: list) { item in
                if let id = scanner.member("MessageId", ofObjectAt: item).flatMap(scanner.string),
                   let handle = scanner.member("ReceiptHandle", ofObjectAt: item).flatMap(scanner.string) {
                    let body = scanner.member("Body", ofObjectAt: item).flatMap(scanner.string) ?? ""
                    messages.append(QueueMessage(id: id, receiptHandle: handle, body: Array(body.utf8)))
                }
                return true
            }
            return messages
        }
    }

    /// Deletes the messages of `handles`, ten at a time; the number the queue refused
    /// (a handle that has expired: the message will come again and be skipped as delivered).
    @discardableResult
    public func delete(_ handles: [String]) throws -> Int {
        try batches("DeleteMessageBatch", handles) { _ in }
    }

    /// Keeps the messages of `handles` invisible for `seconds` more. One the queue refuses
    /// comes again and is skipped as delivered, as for `delete`.
    public func extend(_ handles: [String], seconds: Int) throws {
        _ = try batches("ChangeMessageVisibilityBatch", handles) { entry in
            entry.key("VisibilityTimeout"); entry.number(seconds)
        }
    }

    private func batches(_ action: String, _ handles: [String], _ extra: (inout JSONWriter) -> Void) throws -> Int {
        var refused = 0
        for start in stride(from: 0, to: handles.count, by: 10) {
            var request = JSONWriter()
            request.beginObject()
            request.member("QueueUrl", queueURL)
            request.key("Entries"); request.beginArray()
            for (n, handle) in handles[start..<min(start + 10, handles.count)].enumerated() {
                request.beginObject()
                request.member("Id", String(n))
                request.member("ReceiptHandle", handle)
                extra(&request)
                request.endObject()
            }
            request.endArray()
            request.endObject()
            let answer = try call(action, request.bytes)
            refused += answer.withUnsafeBytes { buffer in
                let scanner = JSONScanner(buffer)
                var count = 0
                if let failed = scanner.member("Failed", ofObjectAt: scanner.skipWhitespace(0)) {
                    scanner.forEachElement(ofArrayAt: failed) { _ in count += 1; return true }
                }
                return count
            }
        }
        return refused
    }

    private func call(_ action: String, _ body: [UInt8]) throws -> [UInt8] {
        try service.call(action, body, what: queueURL)
    }
}
