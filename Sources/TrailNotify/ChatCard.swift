import TrailCore

/// A rendered message laid out for a chat card: the subject as its title, `Label: value`
/// lines (the default chat body's) as facts, other lines as paragraphs, in their order, and
/// the event's console page as a link of the card's own.
struct ChatCard {
    enum Part {
        case facts([(label: String, value: String)])
        case text(String)
    }

    let title: String
    let parts: [Part]
    let consoleURL: String?

    init(_ text: RenderedText, consoleURL: String?) {
        title = text.subject
        self.consoleURL = consoleURL
        var parts: [Part] = []
        for line in text.body.split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
            if let fact = ChatCard.fact(line) {
                if case .facts(let facts) = parts.last {
                    parts[parts.count - 1] = .facts(facts + [fact])
                } else {
                    parts.append(.facts([fact]))
                }
            } else {
                parts.append(.text(line.trimmingCharacters(in: .whitespaces)))
            }
        }
        self.parts = parts
    }

    /// `Who:   root` → ("Who", "root"): a short label of the template's own words (letters,
    /// digits, spaces), a colon, then at least one space. Values are escaped, labels are not.
    static func fact(_ line: Substring) -> (label: String, value: String)? {
        guard let colon = line.firstIndex(of: ":"), line.index(after: colon) < line.endIndex,
              line[line.index(after: colon)] == " " else { return nil }
        let label = line[..<colon]
        guard (1...24).contains(label.count), label.first?.isLetter == true,
              label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == " " }) else { return nil }
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : (String(label), value)
    }
}
