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
    public let title: String
    public let levelName: String
    public let level: AlertLevel?
    public let tags: [String]
    public let time: Timestamp?
    public let line: AlertLine

    private static let paths = (
        ruleID: JSONPath("alert.rule.id"), level: JSONPath("alert.rule.level"), tags: JSONPath("alert.rule.tags"),
        time: JSONPath("alert.time"), eventID: JSONPath("event.trail.id"), event: JSONPath("event"))

    /// Reads an alert object; nil when it is not one.
    public init?(_ s: JSONScanner, alert root: Int) {
        guard let line = AlertLine(s, alert: root), let end = try? s.valueEnd(at: root) else { return nil }
        let p = Alert.paths
        func text(_ path: JSONPath) -> String? { s.value(at: path, from: root).flatMap { s.text(at: $0) } }
        self.line = line
        title = line.title
        ruleID = text(p.ruleID) ?? line.title
        levelName = text(p.level) ?? "-"
        level = AlertLevel(name: levelName)
        var tags: [String] = []
        if let list = s.value(at: p.tags, from: root), s.kind(at: list) == .array {
            s.forEachElement(ofArrayAt: list) { element in
                if let tag = s.string(at: element) { tags.append(tag) }
                return true
            }
        }
        self.tags = tags
        time = s.value(at: p.time, from: root).flatMap { s.raw(at: $0) }.flatMap { raw in
            raw.count > 2 ? Timestamp.parse(UnsafeRawBufferPointer(rebasing: raw[1..<(raw.count - 1)])) : nil
        }
        record = JSONCompactor.compact(UnsafeRawBufferPointer(rebasing: s.bytes[root..<end]))
        // Without an event id, the event's own bytes identify it.
        var identity = Array(ruleID.utf8) + [0]
        if let eventID = text(p.eventID) {
            identity += Array(eventID.utf8)
        } else if let event = s.value(at: p.event, from: root), let eventEnd = try? s.valueEnd(at: event) {
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
