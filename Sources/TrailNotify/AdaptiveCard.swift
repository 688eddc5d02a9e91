import TrailCore

/// Teams through a Workflows webhook: a `message` whose one attachment is an Adaptive Card
/// (version 1.4): the subject as a title coloured by level, the facts as a FactSet, other
/// lines as text blocks, and a button to the event in the console. Microsoft retired the
/// Office 365 connectors that took MessageCards; Workflows take this.
enum AdaptiveCard {
    static let contentType = "application/vnd.microsoft.card.adaptive"
    static let version = "1.4"

    static func payload(_ message: Message) -> [UInt8] {
        let card = ChatCard(message.markdown, consoleURL: message.facts?.consoleURL)
        var w = JSONWriter()
        w.beginObject()
        w.member("type", "message")
        w.key("attachments")
        w.beginArray()
        w.beginObject()
        w.member("contentType", contentType)
        w.key("contentUrl"); w.null()
        w.key("content")
        w.beginObject()
        w.member("$schema", "http://adaptivecards.io/schemas/adaptive-card.json")
        w.member("type", "AdaptiveCard")
        w.member("version", version)
        w.key("msteams"); w.beginObject(); w.member("width", "Full"); w.endObject()
        w.key("body")
        w.beginArray()
        textBlock(&w, card.title, style: (size: "Medium", weight: "Bolder", color: colour(message.level)))
        for part in card.parts { write(part, to: &w) }
        w.endArray()
        if let url = card.consoleURL {
            w.key("actions")
            w.beginArray()
            w.beginObject()
            w.member("type", "Action.OpenUrl")
            w.member("title", "Open in the console")
            w.member("url", url)
            w.endObject()
            w.endArray()
        }
        w.endObject()
        w.endObject()
        w.endArray()
        w.endObject()
        return w.bytes
    }

    private static func write(_ part: ChatCard.Part, to w: inout JSONWriter) {
        switch part {
        case .text(let text):
            textBlock(&w, text, style: nil)
        case .facts(let facts):
            w.beginObject()
            w.member("type", "FactSet")
            w.key("facts")
            w.beginArray()
            for fact in facts {
                w.beginObject()
                w.member("title", fact.label)
                w.member("value", fact.value)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
    }

    private static func textBlock(_ w: inout JSONWriter, _ text: String, style: (size: String, weight: String, color: String)?) {
        w.beginObject()
        w.member("type", "TextBlock")
        w.member("text", text)
        w.key("wrap"); w.bool(true)
        if let style {
            w.member("size", style.size)
            w.member("weight", style.weight)
            w.member("color", style.color)
        }
        w.endObject()
    }

    /// The card's named colours (a card cannot take hex colours), by level from informational
    /// up; an alert without a known level has the default colour, as informational.
    static func colour(_ level: AlertLevel?) -> String {
        ["Default", "Accent", "Warning", "Attention", "Attention"][(level ?? .informational).rawValue]
    }
}
