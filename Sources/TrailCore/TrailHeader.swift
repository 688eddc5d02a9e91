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
        /// Added by trail-enrich: objects and lists, as their compact JSON text.
        case scope = "source.scope", asn = "source.asn", networks = "source.networks", context, enrichedBy

        /// The objects the fields are nested in.
        static let objects: Set<String> = ["actor", "source", "source.geo"]
    }

    private var values: [Field: String] = [:]

    public subscript(_ field: Field) -> String? { values[field] }

    public var cloud: String? { values[.cloud] }
    public var agent: String? { values[.agent] }
    public var account: String? { values[.account] }
    public var region: String? { values[.region] }
    public var service: String? { values[.service] }
    public var action: String? { values[.action] }
    public var actorName: String? { values[.actorName] }
    public var actorType: String? { values[.actorType] }
    public var sourceIP: String? { values[.sourceIP] }
    public var sourceService: String? { values[.sourceService] }
    public var country: String? { values[.country] }
    public var countryName: String? { values[.countryName] }
    public var outcome: String? { values[.outcome] }
    public var error: String? { values[.error] }
    public var category: String? { values[.category] }
    public var id: String? { values[.id] }
    /// `trail.time` as written (RFC 3339), and as a time when it is one.
    public var time: String? { values[.time] }
    public var timestamp: Timestamp? { values[.time].flatMap { Timestamp(iso8601: $0) } }
    public var mfa: Bool? { flag(.mfa) }
    public var readOnly: Bool? { flag(.readOnly) }

    /// `true` or `false` as written; nil for anything else.
    public func flag(_ field: Field) -> Bool? {
        values[field] == "true" ? true : values[field] == "false" ? false : nil
    }

    public init() {}

    /// Reads the header object at `header`.
    public init(_ s: JSONScanner, at header: Int) {
        read(s, object: header, path: "")
    }

    /// Reads the header of the event object at `root`; nil when it has none.
    public init?(_ s: JSONScanner, event root: Int) {
        guard let header = TrailHeader.position(s, event: root) else { return nil }
        self.init(s, at: header)
    }

    private mutating func read(_ s: JSONScanner, object: Int, path: String) {
        s.forEachMember(ofObjectAt: object) { key, value in
            guard let name = s.string(at: key) else { return true }
            let member = path.isEmpty ? name : path + "." + name
            if let field = Field(rawValue: member) {
                if values[field] == nil { values[field] = s.text(at: value) }
            } else if Field.objects.contains(member), s.kind(at: value) == .object {
                read(s, object: value, path: member)
            }
            return true
        }
    }

    private static let trailKey = Array("trail".utf8)

    /// Where the `trail` header object of the event at `root` is, if it has one.
    public static func position(_ s: JSONScanner, event root: Int) -> Int? {
        s.member(trailKey, ofObjectAt: root).flatMap { s.kind(at: $0) == .object ? $0 : nil }
    }

    // The framing of the lines trail-flatten writes: the header first, `{"trail":{…},…}`.
    // Later stages read the header or add to it and pass the rest on. A stage reads such a line's
    // header itself, member by member, and checks the rest with one pass of
    // `JSONScanner.validateObjectRest` (trail-enrich, on a second thread: `CheckedLineReader`), or only when
    // a rule looks further into it (trail-match, which writes on no line it passes over).

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
