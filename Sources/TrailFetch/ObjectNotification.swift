import Foundation
import TrailCore

/// An object an S3 event notification names.
public struct NotifiedObject: Sendable, Equatable {
    public let bucket: String
    public let key: String
    public let etag: String
}

/// The objects a queue message announces, in the three forms a bucket's notifications reach
/// SQS: S3's own event (`Records[].s3`), the same wrapped by SNS (`Type` Notification with the
/// event as its `Message` text), and EventBridge's "Object Created" (`detail`). S3's test
/// event holds none. Nil: the message is none of these.
public enum ObjectNotification {
    public static func objects(in body: [UInt8], depth: Int = 0) -> [NotifiedObject]? {
        body.withUnsafeBytes { buffer -> [NotifiedObject]? in
            let scanner = JSONScanner(buffer)
            guard (try? scanner.validateDocument()) != nil else { return nil }
            let root = scanner.skipWhitespace(0)
            guard scanner.kind(at: root) == .object else { return nil }
            if let records = scanner.member("Records", ofObjectAt: root) {
                return s3Event(scanner, records)
            }
            if scanner.member("Type", ofObjectAt: root).flatMap(scanner.string) == "Notification", depth == 0,
               let message = scanner.member("Message", ofObjectAt: root).flatMap(scanner.string) {
                return objects(in: Array(message.utf8), depth: 1)
            }
            if scanner.member("detail-type", ofObjectAt: root).flatMap(scanner.string) == "Object Created",
               let detail = scanner.member("detail", ofObjectAt: root) {
                return eventBridge(scanner, detail).map { [$0] }
            }
            if scanner.member("Event", ofObjectAt: root).flatMap(scanner.string) == "s3:TestEvent" { return [] }
            return nil
        }
    }

    /// `Records[].s3.bucket.name` and `.object.key` (URL-encoded, `+` for a space), created ones only.
    private static func s3Event(_ scanner: JSONScanner, _ records: Int) -> [NotifiedObject]? {
        guard scanner.kind(at: records) == .array else { return nil }
        var objects: [NotifiedObject] = []
        var valid = true
        scanner.forEachElement(ofArrayAt: records) { record in
            guard let s3 = scanner.member("s3", ofObjectAt: record),
                  let bucket = scanner.value(at: JSONPath("bucket.name"), from: s3).flatMap(scanner.string),
                  let key = scanner.value(at: JSONPath("object.key"), from: s3).flatMap(scanner.string) else {
                valid = false
                return false
            }
            let event = scanner.member("eventName", ofObjectAt: record).flatMap(scanner.string) ?? "ObjectCreated:Put"
            if event.hasPrefix("ObjectCreated:") {
                let etag = scanner.value(at: JSONPath("object.eTag"), from: s3).flatMap(scanner.string) ?? ""
                let decoded = key.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? key
                objects.append(NotifiedObject(bucket: bucket, key: decoded, etag: etag))
            }
            return true
        }
        return valid ? objects : nil
    }

    /// `detail.bucket.name`, `detail.object.key` (not encoded) and `.etag`.
    private static func eventBridge(_ scanner: JSONScanner, _ detail: Int) -> NotifiedObject? {
        guard let bucket = scanner.value(at: JSONPath("bucket.name"), from: detail).flatMap(scanner.string),
              let key = scanner.value(at: JSONPath("object.key"), from: detail).flatMap(scanner.string) else { return nil }
        let etag = scanner.value(at: JSONPath("object.etag"), from: detail).flatMap(scanner.string) ?? ""
        return NotifiedObject(bucket: bucket, key: key, etag: etag)
    }
}
