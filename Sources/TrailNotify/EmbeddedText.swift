import Foundation
import TrailCore

/// How alert text (an event's fields, a rule's title: whatever an attacker may have written)
/// is escaped for each place a message embeds it. One function per format; templates are the
/// operator's own and are not escaped, only the values put into them.
enum EmbeddedText {
    /// The formats a message is rendered in.
    enum Format: Sendable { case plain, slack, teams }

    static func escaped(_ text: String, for format: Format) -> String {
        switch format {
        case .plain: return PrintableText.escaped(text)
        case .slack: return slack(text)
        case .teams: return teams(text)
        }
    }

    /// Slack mrkdwn: `&`, `<` and `>` as the entities Slack documents, so `<!channel>`,
    /// `<@U123>` and `<http://x|y>` arrive as text; a zero-width space after each of `*_~\``
    /// (Slack has no backslash escape), so they neither open formatting nor end a code block.
    static func slack(_ text: String) -> String {
        printable(text) { character in
            switch character {
            case "*", "_", "~", "`": return "\(character)\u{200B}"
            default: return nil
            }
        }
    }

    /// A Teams MessageCard's title and text take markdown and a little HTML: the HTML
    /// specials and the markdown punctuation as numeric character references, shown literally.
    static func teams(_ text: String) -> String {
        printable(text) { character in
            switch character {
            case "*", "_", "~", "`", "[", "]", "#", "\\", "|": return "&#\(character.unicodeScalars.first!.value);"
            default: return nil
            }
        }
    }

    /// `text` with control characters escaped, the HTML specials as entities (both chats
    /// read them), and each character `markup` names replaced.
    private static func printable(_ text: String, markup: (Character) -> String?) -> String {
        var out = ""
        for character in PrintableText.escaped(text) {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out += markup(character) ?? String(character)
            }
        }
        return out
    }

    /// An RFC 5322 header value: one line (control characters replaced by a space, so no CR or
    /// LF can start a header of its own), as is when printable ASCII, else RFC 2047 base64
    /// encoded words of at most 75 characters, folded onto continuation lines.
    static func mailHeader(_ value: String) -> String {
        let oneLine = String(String.UnicodeScalarView(value.unicodeScalars.map { PrintableText.isControl($0) ? " " : $0 }))
        if oneLine.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return oneLine }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in oneLine {
            let bytes = Array(character.utf8)
            // 45 bytes are 60 base64 characters: with `=?UTF-8?B?` and `?=`, 72 in all.
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A mail body with CRLF line ends only: a bare CR or LF in it could end the DATA early
    /// at a relay that reads them as line ends (SMTP smuggling).
    static func mailBody(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
    }

    /// An RFC 5424 PARAM-VALUE: `"`, `\` and `]` escaped with a backslash, on one line.
    static func syslogParameter(_ value: String) -> String {
        PrintableText.escaped(value).replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "]", with: "\\]")
    }
}
