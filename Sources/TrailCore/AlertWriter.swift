/// The alert contract, written (docs/schema.md, "Alert schema"): trail-match's single-event and
/// correlation alerts, `{"alert":{"rule":{…},"time":…,…},"event":{…}}`. The rule object is
/// written once per rule and copied; the event is copied from its bytes; nothing is built per field.
public struct AlertWriter {
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
        json.beginObject()
        json.key("alert")
        json.beginObject()
        json.key("rule")
        json.raw(rule)
    }

    /// `alert.time`: the event's `trail.time` at `at` of a checked event, a string without
    /// escapes copied as it is written (how it is quoted), anything else decoded and quoted,
    /// null when it is not a string.
    public mutating func time(_ s: JSONScanner, at: Int?) {
        guard let at, s.kind(at: at) == .string, let raw = s.raw(at: at), raw.firstIndex(of: UInt8(ascii: "\\")) == nil else {
            return json.member("time", at.flatMap { s.string(at: $0) })
        }
        json.key("time")
        json.raw(raw)
    }

    /// `alert.resources`: `names` writes the elements (JSON strings).
    public mutating func resources(_ names: (inout JSONWriter) -> Void) {
        json.key("resources")
        json.beginArray()
        names(&json)
        json.endArray()
    }

    /// `alert.time` of a correlation alert: the time of the event that completed it.
    public mutating func time(_ text: String) {
        json.member("time", text)
    }

    /// `alert.correlation` (docs/schema.md): `count` what was counted, or for a sum, average or
    /// percentile the events, `measure` then the figure (JSON number text); `field`, `values`
    /// for value_count and first_seen; `events` the contributing `trail.id`s in time order.
    public mutating func correlation(type: String, group: [(field: String, value: String?)], count: Int, measure: String?,
                                     field: String?, values: [String], events: [String], first: String?, last: String) {
        json.key("correlation")
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
        json.endObject()
        json.key("event")
        if let event { json.raw(event) }
        json.endObject()
        return json.bytes
    }
}
