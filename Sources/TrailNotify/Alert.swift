import Crypto
import Foundation
import TrailCore

/// Rule levels in the order of how bad they are (Sigma's levels).
public enum AlertLevel: Int, Comparable, Sendable, CaseIterable {
    case informational, low, medium, high, critical

    public init?(name: String) {
        switch name.lowercased() {
        case "informational", "info": self = .informational
        case "low": self = .low
        case "medium": self = .medium
        case "high": self = .high
        case "critical": self = .critical
        default: return nil
        }
    }

    public static func < (a: AlertLevel, b: AlertLevel) -> Bool { a.rawValue < b.rawValue }
}

/// One alert as read from trail-match: the raw record (kept byte for byte for NDJSON
/// targets), the fields routing and noise control look at, and a stable id.
public struct Alert: Sendable {
    /// The whole alert record, compact JSON.
    public let record: [UInt8]
    /// Hex SHA-256 of rule id and event id: the same alert read again has the same id, so a
    /// target that already got it does not get it twice.
    public let id: String
    public let ruleID: String
    public let level: AlertLevel?
    public let time: Timestamp?
    public let line: AlertLine
    public var title: String { line.title }
    public let levelName: String
    public let tags: [String]
    /// What the alert says (the alert contract), read again from `record` when a message is
    /// made: a spool holds thousands of pending alerts, and each needs only the fields above.
    public var view: AlertView {
        guard let view = AlertView(json: record) else { preconditionFailure("an alert's record is the alert it was read from") }
        return view
    }

    /// Reads an alert object; nil when it is not one.
    public init?(_ s: JSONScanner, alert root: Int) {
        guard let view = AlertView(s, alert: root), let line = AlertLine(view), let end = try? s.valueEnd(at: root) else { return nil }
        (self.line, levelName, tags) = (line, view.level ?? "-", view[.tags])
        ruleID = view.ruleID ?? line.title
        level = AlertLevel(name: view.level ?? "-")
        time = view.timestamp
        record = JSONCompactor.compact(UnsafeRawBufferPointer(rebasing: s.bytes[root..<end]))
        // Without an event id, the event's own bytes identify it.
        var identity = Array(ruleID.utf8) + [0]
        if let eventID = view.event?.id {
            identity += Array(eventID.utf8)
        } else if let event = view.eventAt, let eventEnd = try? s.valueEnd(at: event) {
            identity += JSONCompactor.compact(UnsafeRawBufferPointer(rebasing: s.bytes[event..<eventEnd]))
        }
        id = Alert.hex(identity, length: 32)
    }

    /// Parses one alert line (spool files, tests).
    public init?(json: [UInt8]) {
        guard let alert = json.withUnsafeBytes({ raw -> Alert? in
            let s = JSONScanner(raw)
            guard let root = try? s.validateDocument() else { return nil }
            return Alert(s, alert: root)
        }) else { return nil }
        self = alert
    }

    /// The first `length` hex digits of the SHA-256 of `bytes`.
    static func hex(_ bytes: [UInt8], length: Int) -> String {
        String(Hex.encode(SHA256.hash(data: bytes)).prefix(length))
    }

    /// The record as a Foundation object, for templates (`{{event.requestParameters.userName}}`).
    var object: [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(record))) as? [String: Any]) ?? [:]
    }
}
