import Foundation
import TrailCore

/// How alert text (an event's fields, a rule's title: whatever an attacker may have written)
/// is escaped for each place a message embeds it. One function per format; templates are the
/// operator's own and are not escaped, only the values put into them.
enum EmbeddedText {
    /// The formats a message is rendered in.
    enum Format: Sendable { case plain, slack, markdown }

    static func escaped(_ text: String, for format: Format) -> String {
        switch format {
        case .plain: return PrintableText.escaped(text)
        case .slack: return slack(text)
        case .markdown: return markdown(text)
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

    /// CommonMark as Adaptive Cards (Teams) and DingTalk read it: each markdown punctuation
    /// mark backslash-escaped (CommonMark's own way to make one literal, so `**`, `[x](y)`,
    /// `<at>`, `&#…;` and a card's `{{DATE(…)}}` arrive as text), a list marker at the start
    /// too, and `://` broken by a
    /// zero-width space so that no address in an event becomes a link.
    static func markdown(_ text: String) -> String {
        var out = ""
        let escaped = PrintableText.escaped(text)
        for (offset, character) in escaped.enumerated() {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "(", ")", "<", ">", "#", "|", "~", "&", "!", "{", "}":
                out += "\\" + String(character)
            case "-", "+", "=":
                out += (offset == 0 ? "\\" : "") + String(character)
            default:
                out.append(character)
            }
        }
        return out.replacingOccurrences(of: "://", with: ":\u{200B}//")
    }

    /// `text` with control characters escaped, the HTML specials as entities (Slack
    /// reads them), and each character `markup` names replaced.
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
                words.append("=?UTF-8?B?\(Base64.encode(chunk))?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Base64.encode(chunk))?=") }
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
