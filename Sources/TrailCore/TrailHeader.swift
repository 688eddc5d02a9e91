#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The event contract: the `trail` header trail-flatten puts in front of every event
/// (docs/schema.md), read from the line's bytes in one walk over the header, without building
/// the event. Each field is its value's text (`JSONScanner.text`); of a member written twice,
/// the first counts, as in trail-match's rule index.
public struct TrailHeader: Sendable {
    /// The header fields the stages read, named by their path below `trail`.
    public enum Field: String, CaseIterable, Sendable {
        case cloud, time, account, region, service, action, agent, outcome, error, readOnly, category, id, file, index
        case actorName = "actor.name", actorType = "actor.type", actorRoot = "actor.root", mfa = "actor.mfa"
        case sourceIP = "source.ip", sourceService = "source.service"
        case country = "source.geo.country", countryName = "source.geo.countryName"
    }

    /// Fields trail-enrich adds that no stage reads through this type: passed on as written.
    public static let passedOn = ["source.scope", "source.asn", "source.networks", "context", "enrichedBy"]

    private static let table = MemberTable(Field.allCases.map(\.rawValue))
    private static let ordinals = Dictionary(uniqueKeysWithValues: Field.allCases.enumerated().map { ($1, $0) })
    /// By field, in the order of `Field.allCases`.
    private var values = [String?](repeating: nil, count: Field.allCases.count)

    public subscript(_ field: Field) -> String? { values[TrailHeader.ordinals[field]!] }

    public var cloud: String? { self[.cloud] }
    public var agent: String? { self[.agent] }
    public var account: String? { self[.account] }
    public var region: String? { self[.region] }
    public var service: String? { self[.service] }
    public var action: String? { self[.action] }
    public var actorName: String? { self[.actorName] }
    public var actorType: String? { self[.actorType] }
    public var sourceIP: String? { self[.sourceIP] }
    public var sourceService: String? { self[.sourceService] }
    public var country: String? { self[.country] }
    public var countryName: String? { self[.countryName] }
    public var outcome: String? { self[.outcome] }
    public var error: String? { self[.error] }
    public var category: String? { self[.category] }
    public var id: String? { self[.id] }
    /// `trail.time` as written (RFC 3339), and as a time when it is one.
    public var time: String? { self[.time] }
    public var timestamp: Timestamp? { self[.time].flatMap { Timestamp(iso8601: $0) } }
    /// `true` or `false` as written; nil for anything else.
    public var mfa: Bool? { self[.mfa].flatMap { Bool($0) } }
    public var readOnly: Bool? { self[.readOnly].flatMap { Bool($0) } }

    public init() {}

    /// Reads the header object at `header`.
    public init(_ s: JSONScanner, at header: Int) {
        var values = self.values
        TrailHeader.table.read(s, object: header) { field, value in
            if values[field] == nil { values[field] = s.text(at: value) }
        }
        self.values = values
    }

    /// Reads the header of the event object at `root`; nil when it has none.
    public init?(_ s: JSONScanner, event root: Int) {
        guard let header = TrailHeader.position(s, event: root) else { return nil }
        self.init(s, at: header)
    }

    private static let trailKey = Array("trail".utf8)

    /// Where the `trail` header object of the event at `root` is, if it has one.
    public static func position(_ s: JSONScanner, event root: Int) -> Int? {
        s.member(trailKey, ofObjectAt: root).flatMap { s.kind(at: $0) == .object ? $0 : nil }
    }

    // The framing of trail-flatten's lines, the header first: `{"trail":{…},…}`. trail-enrich and
    // trail-match walk a framed line's header themselves and check the rest in one pass
    // (trail-enrich: `CheckedLines`) or when a rule looks further (trail-match).

    private static let opening: StaticString = #"{"trail":"#
    /// Where the header object starts in a framed line.
    public static let offset = opening.utf8CodeUnitCount

    /// Whether the line opens with `{"trail":{` and ends its object with `}`.
    public static func isFramed(_ s: JSONScanner) -> Bool {
        let bytes = s.bytes
        guard bytes.count > offset + 2, bytes[bytes.count - 1] == UInt8(ascii: "}"),
              bytes[offset] == UInt8(ascii: "{") else { return false }
        return memcmp(bytes.baseAddress!, opening.utf8Start, offset) == 0
    }

    /// Whether the header ending at `end` is followed by the rest of the line's object.
    public static func closes(_ s: JSONScanner, at end: Int) -> Bool {
        let next = s.skipWhitespace(end)
        return next < s.count && (s.byte(next) == UInt8(ascii: ",") || s.byte(next) == UInt8(ascii: "}"))
    }
}
