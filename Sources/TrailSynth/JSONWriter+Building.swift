import TrailCore

/// Shorthands over TrailCore's `JSONWriter` for the nested request and response shapes of
/// audit events, so that each payload reads like the JSON it produces.
extension JSONWriter {
    mutating func object(_ body: (inout JSONWriter) -> Void) {
        beginObject()
        body(&self)
        endObject()
    }

    mutating func object(_ name: String, _ body: (inout JSONWriter) -> Void) {
        key(name)
        object(body)
    }

    mutating func array(_ name: String, _ body: (inout JSONWriter) -> Void) {
        key(name)
        beginArray()
        body(&self)
        endArray()
    }

    /// EC2's XML-derived list shape: `"name":{"items":[…]}`.
    mutating func items(_ name: String, _ body: (inout JSONWriter) -> Void) {
        object(name) { $0.array("items", body) }
    }

    mutating func emptyObject(_ name: String) {
        key(name)
        beginObject()
        endObject()
    }

    mutating func field(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    mutating func field(_ name: String, _ value: Int) {
        key(name)
        number(value)
    }

    mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// A number with a fraction (`80.0`), which `number(_:)` cannot express.
    mutating func decimalField(_ name: String, _ text: String) {
        key(name)
        raw(Array(text.utf8))
    }

    /// A string array member.
    mutating func strings(_ name: String, _ values: [String]) {
        key(name)
        array(values)
    }

    /// A member holding finished JSON text, left out when there is none.
    mutating func rawField(_ name: String, _ json: [UInt8]?) {
        guard let json else { return }
        key(name)
        raw(json)
    }

    /// EC2's response to starting, stopping or terminating an instance.
    mutating func stateChange(requestID: String, _ instance: String, from: (Int, String), to: (Int, String)) {
        field("requestId", requestID)
        items("instancesSet") { w in
            w.object { w in
                w.field("instanceId", instance)
                w.object("currentState") { w in w.field("code", to.0); w.field("name", to.1) }
                w.object("previousState") { w in w.field("code", from.0); w.field("name", from.1) }
            }
        }
    }

    /// Finished JSON text of the writer, ready to embed as a value elsewhere.
    static func build(_ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.object(body)
        return writer.bytes
    }
}
