import Foundation
import Testing
import TrailCore
@testable import TrailNotify
import TrailTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Alerts whose text an attacker wrote (a rule title taken from the event, a user name, an
/// agent string): every sink embeds it as text, never as markup, mentions or extra lines.
enum Hostile {
    static let title = "<!channel> *bold* _it_ ~gone~ `code` ] [x](http://evil) <http://x|y> <@U123>"
    static let actor = "eve\nFAKE line\r\nMore\u{1B}[31mred\u{7}"

    /// An alert line with the hostile title and actor, JSON-escaped as trail-match writes them.
    static func alert(event: String = "e1") -> String {
        func inner(_ text: String) -> String { String(JSONWriter.quoted(text).dropFirst().dropLast()) }
        return alertLine(title: inner(title), event: event, actor: inner(actor))
    }

    static func message() throws -> Message {
        let alert = try #require(Alert(json: Array(alert().utf8)))
        return Message(alert: alert, suppressed: 0, templates: try MessageTemplates.defaults())
    }

    /// Whether `text` holds a control character other than the line ends a format allows.
    static func hasControl(_ text: String, allowing allowed: Set<Unicode.Scalar> = []) -> Bool {
        text.unicodeScalars.contains { PrintableText.isControl($0) && !allowed.contains($0) }
    }
}

@Suite struct EmbeddedTextTests {
    @Test func plainTextIsOneLineWithoutEscapeSequences() {
        #expect(PrintableText.escaped("a\nb\r\nc\u{1B}[31md\t\u{0}\u{202E}") == #"a\nb\r\nc\u001b[31md\t\u0000\u202e"#)
        #expect(PrintableText.escaped("plain é 漢") == "plain é 漢")
    }

    @Test func slackGetsEntitiesAndBrokenMarkup() {
        let escaped = EmbeddedText.slack(Hostile.title + Hostile.actor)
        for raw in ["<!channel>", "<@U123>", "<http://x|y>", "*bold*", "_it_", "~gone~", "`code`"] { #expect(!escaped.contains(raw), "\(raw)") }
        #expect(escaped.contains("&lt;!channel&gt;") && escaped.contains("&lt;@U123&gt;"))
        #expect(escaped.contains("*\u{200B}bold*\u{200B}"))
        #expect(!Hostile.hasControl(escaped))
        #expect(EmbeddedText.slack("a & b") == "a &amp; b")
    }

    @Test func markdownGetsBackslashEscapes() {
        let escaped = EmbeddedText.markdown(Hostile.title + Hostile.actor)
        for raw in ["<", ">", "*", "_", "~", "`", "[", "]", "(", "&"] {
            #expect(escaped.filter { String($0) == raw }.count == escaped.components(separatedBy: "\\" + raw).count - 1, "\(raw) unescaped")
        }
        #expect(escaped.hasPrefix(#"\<\!channel\> \*bold\* \_it\_"#))
        #expect(!escaped.contains("http://"), "no link")
        #expect(!Hostile.hasControl(escaped))
        #expect(EmbeddedText.markdown("- item") == #"\- item"# && EmbeddedText.markdown("a-b") == "a-b")
        #expect(EmbeddedText.markdown("{{DATE(2017-02-14T06:00:00Z)}}") == #"\{\{DATE\(2017-02-14T06:00:00Z\)\}\}"#)
    }

    @Test func mailHeadersStayOneLineAndFoldLongWords() {
        #expect(EmbeddedText.mailHeader("a\r\nBcc: victim@example.com") == "a  Bcc: victim@example.com")
        let long = EmbeddedText.mailHeader(String(repeating: "é", count: 100) + "\n\u{1B}")
        let lines = long.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 76 && !$0.contains("\n") && !$0.contains("\r") })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" =?UTF-8?B?") })
        #expect(EmbeddedText.mailBody("a\rb\nc\r\nd") == "a\r\nb\r\nc\r\nd")
    }

    @Test func syslogParametersEscapeTheirSpecials() {
        #expect(EmbeddedText.syslogParameter(#"a"b\c]d"# + "\n") == #"a\"b\\c\]d\\n"#)
    }

    @Test func aHostileAlertRendersSafelyForEveryFormat() throws {
        let message = try Hostile.message()
        #expect(!Hostile.hasControl(message.subject) && !Hostile.hasControl(message.line))
        #expect(!Hostile.hasControl(message.body, allowing: ["\n"]))
        #expect(message.body.contains(#"Who:      eve\nFAKE line\r\nMore\u001b[31mred\u0007 (root)"#))
        #expect(!message.slack.subject.contains("<!channel>") && message.slack.subject.contains("&lt;!channel&gt;"))
        #expect(!message.slack.body.contains("```"))
        #expect(!message.markdown.subject.contains("<!") && !message.markdown.subject.contains("*bold*"))

        let mail = String(decoding: SMTPTransport.compose(message, from: "t@x", to: ["s@x"]), as: UTF8.self)
        let headers = mail.components(separatedBy: "\r\n\r\n")[0]
        #expect(!headers.contains("\nFAKE") && !headers.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(headers.components(separatedBy: "\r\n").allSatisfy { !$0.hasPrefix("FAKE") && !$0.hasPrefix("More") })
        #expect(!mail.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "no bare LF anywhere")

        let syslog = SyslogTransport.rfc5424(message, facility: 1, severity: 3, hostname: "h")
        #expect(!Hostile.hasControl(syslog))
        #expect(syslog.contains(#"\nFAKE line\r\nMore\u001b[31mred"#))
    }
}

/// One hostile alert through each kind of sink, to a real peer on the loopback.
@Suite(.serialized) struct HostileDeliveryTests {
    @Test func slackAndTeamsReceiveTextNotMarkup() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (posts, server) = try Peers.start(Peers.http, inbox: "posts", in: dir, ["0"])
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let (status, _, _) = try notify([Hostile.alert()], to: ["\(base)/slack?format=slack", "\(base)/teams?format=teams"], in: dir)
        #expect(status == .success)
        let requests = try Peers.received(in: posts, atLeast: 2).map { try parseJSON($0) }
        try #require(requests.count == 2)
        for request in requests {
            let body = try parseJSON(request["body"] as! String)
            let attachment = (body["attachments"] as? [[String: Any]])?.first
            let card = ((attachment?["content"] as? [String: Any])?["body"] as? [[String: Any]]) ?? []
            let facts = card.flatMap { ($0["facts"] as? [[String: String]]) ?? [] }.compactMap { $0["value"] }
            let texts = ([body["text"], body["title"], attachment?["text"]] + card.map { $0["text"] }).compactMap { $0 as? String } + facts
            #expect(!texts.isEmpty)
            for text in texts {
                #expect(!text.contains("<!channel>") && !text.contains("<@U123>") && !text.contains("*bold*"), "\(text)")
                #expect(!Hostile.hasControl(text, allowing: ["\n"]), "\(text)")
                #expect(!text.contains("\nFAKE"))
            }
        }
    }

    @Test func mailHasNoInjectedHeaderOrLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (mail, server) = try Peers.start(Peers.smtp, inbox: "mail", in: dir, [String(Peers.freePort())])
        defer { server.stop() }
        let (status, _, _) = try notify([Hostile.alert()], to: ["smtp://127.0.0.1:\(server.port)?to=secops@example.com&starttls=no"], in: dir)
        #expect(status == .success)
        let received = try #require(Peers.received(in: mail, atLeast: 1).first)
        let headerLines = received.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        #expect(!headerLines.contains { $0.hasPrefix("FAKE") || $0.hasPrefix("More") })
        #expect(received.contains(#"Who:      eve\nFAKE line\r\nMore\u001b[31mred\u0007 (root)"#))
    }

    @Test func syslogGetsOneLineWithEscapedStructuredData() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (logs, server) = try Peers.start(Peers.syslogUDP, inbox: "logs", in: dir)
        defer { server.stop() }
        let hostileRule = #"r\"]x"#  // JSON for r"]x
        let line = Hostile.alert().replacingOccurrences(of: #""id":"root-used""#, with: #""id":"\#(hostileRule)\n""#)
        let (status, _, _) = try notify([line], to: ["syslog://127.0.0.1:\(server.port)"], in: dir)
        #expect(status == .success)
        let received = try #require(Peers.received(in: logs, atLeast: 1).first)
        #expect(!Hostile.hasControl(received))
        #expect(received.contains(#"rule="r\"\]x\\n""#))
        #expect(received.contains(#"actor=eve\nFAKE line"#))
    }

    @Test func execGetsOneLineEnvironmentValues() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = try dir.write("job.sh", "#!/bin/sh\nprintf '%s' \"$TRAIL_SUBJECT\" > \"$1/subject.txt\"\n")
        chmod(script, 0o755)
        let (status, _, _) = try notify([Hostile.alert()], to: ["exec://\(script)?arg=\(dir.path)"], in: dir)
        #expect(status == .success)
        let subject = try String(contentsOfFile: dir.path + "/subject.txt", encoding: .utf8)
        #expect(!Hostile.hasControl(subject))
        #expect(subject.contains(#"eve\nFAKE line"#))
    }

    @Test func consoleAndStandardErrorStayOneLinePerAlert() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Every post refused for good: the refusal names the alert's title on stderr.
        let (_, server) = try Peers.start(Peers.http, inbox: "posts", in: dir, ["0"], environment: ["REJECT": "channel"])
        defer { server.stop() }
        let tool = builtExecutablesFolder() + "/trail-notify"
        let result = try runShell("'\(tool)' --to - --to 'http://127.0.0.1:\(server.port)/hook'", stdin: Hostile.alert() + "\n")
        #expect(result.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 2, "\(result.stdout)")
        #expect(!Hostile.hasControl(result.stdout, allowing: ["\n"]))
        #expect(result.stdout.contains(#"actor=eve\nFAKE line\r\nMore\u001b[31mred"#))
        #expect(result.stderr.contains("refused for good"), "\(result.stderr)")
        #expect(!Hostile.hasControl(result.stderr, allowing: ["\n"]))
        #expect(result.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("trail-notify: ") }, "\(result.stderr)")
    }
}
