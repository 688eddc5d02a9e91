/// The alert contract, written (docs/schema.md, "Alert schema"): trail-match's single-event and
/// correlation alerts, `{"alert":{"rule":{…},"time":…,…},"event":{…}}`. The rule object is
/// written once per rule and copied; the event is copied from its bytes; nothing is built per field.
public struct AlertWriter {
    /// The alert's two outer objects are written as fixed text (`{"alert":{"rule":`, `,"time":`,
    /// …), not through `json`'s nesting: its nesting stays empty there, so a value or a
    /// container it writes next gets no comma before it.
    private var json = JSONWriter(capacity: 4096)

    public init() {}

    /// The `alert.rule` object of a rule or correlation, the same in each of its alerts.
    public static func ruleObject(id: String, title: String, level: String, tags: [String], references: [String],
                                  runbook: String?, falsePositives: [String]) -> [UInt8] {
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.member("id", id)
        json.member("title", title)
        json.member("level", level)
        json.key("tags")
        json.array(tags)
        json.key("references")
        json.array(references)
        if let runbook { json.member("runbook", runbook) }
        json.key("falsepositives")
        json.array(falsePositives)
        json.endObject()
        return json.bytes
    }

    /// Starts an alert: opens it and its `alert` object and writes `alert.rule`, a `ruleObject`.
    public mutating func begin(rule: [UInt8]) {
        json.bytes.removeAll(keepingCapacity: true)
        append(#"{"alert":{"rule":"#)
        json.bytes.append(contentsOf: rule)
    }

    /// Fixed JSON text, a key and its colon.
    @inline(__always)
    private mutating func append(_ text: StaticString) {
        json.bytes.append(contentsOf: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `alert.time`: the event's `trail.time` at `at` of a checked event, a string without
    /// escapes copied as it is written (how it is quoted), anything else decoded and quoted,
    /// null when it is not a string.
    public mutating func time(_ s: JSONScanner, at: Int?) {
        append(#","time":"#)
        guard let at, s.kind(at: at) == .string, let raw = s.raw(at: at), raw.firstIndex(of: UInt8(ascii: "\\")) == nil else {
            return json.stringOrNull(at.flatMap { s.string(at: $0) })
        }
        json.bytes.append(contentsOf: raw)
    }

    /// `alert.resources`: `names` writes the elements (JSON strings).
    public mutating func resources(_ names: (inout JSONWriter) -> Void) {
        append(#","resources":"#)
        json.beginArray()
        names(&json)
        json.endArray()
    }

    /// `alert.time` of a correlation alert: the time of the event that completed it.
    public mutating func time(_ text: String) {
        append(#","time":"#)
        json.string(text)
    }

    /// `alert.correlation` (docs/schema.md): `count` what was counted, or for a sum, average or
    /// percentile the events, `measure` then the figure (JSON number text); `field`, `values`
    /// for value_count and first_seen; `events` the contributing `trail.id`s in time order.
    public mutating func correlation(type: String, group: [(field: String, value: String?)], count: Int, measure: String?,
                                     field: String?, values: [String], events: [String], first: String?, last: String) {
        append(#","correlation":"#)
        json.beginObject()
        json.member("type", type)
        json.key("group")
        json.beginObject()
        for (field, value) in group { json.member(field, value) }
        json.endObject()
        json.key("count")
        json.number(count)
        if let measure { json.key("measure"); json.raw(Array(measure.utf8)) }
        if let field {
            json.member("field", field)
            json.key("values")
            json.array(values)
        }
        json.key("events")
        json.array(events)
        json.member("first", first)
        json.member("last", last)
        json.endObject()
    }

    /// Ends the `alert` object, writes `event` (the event's JSON text) and ends the alert:
    /// its bytes, valid until the next `begin`.
    public mutating func finish(event: UnsafeRawBufferPointer?) -> [UInt8] {
        append(#"},"event":"#)
        if let event { json.bytes.append(contentsOf: event) }
        append("}")
        return json.bytes
    }
}
