import Foundation
import TrailCore
import TrailNetwork

/// Mail settings from `smtp://user:password@host:port?to=a@x,b@y&from=trail@x&starttls=yes`.
/// `smtps://` is TLS from the first byte (port 465); `smtp://` upgrades with STARTTLS:
/// required when a password is sent (`starttls=yes`), else used when offered (`try`);
/// `starttls=no` for a local relay without TLS. `cacert=PATH` trusts a private CA.
public struct SMTPSettings: Sendable {
    public enum TLS: String, Sendable { case implicit, required = "yes", opportunistic = "try", none = "no" }

    public let url: String
    public let user: String?
    public let password: String?
    public let from: String
    public let to: [String]
    public let tls: TLS
    public let timeout: Int
    /// Certificates to trust instead of the system's (a relay with a private CA).
    public let caCertificates: String?

    init(url: URLComponents, implicitTLS: Bool, options: inout TargetOptions) throws {
        guard let host = url.host, !host.isEmpty else { throw NotifyError("smtp target needs a host") }
        let port = url.port ?? (implicitTLS ? 465 : 25)
        self.url = "\(implicitTLS ? "smtps" : "smtp")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        user = url.user?.removingPercentEncoding
        password = url.password?.removingPercentEncoding
        to = options.takeList("to")
        guard !to.isEmpty else { throw NotifyError("smtp target needs to=ADDRESS") }
        from = options.take("from") ?? (user.flatMap { $0.contains("@") ? $0 : nil } ?? "trail@\(ProcessInfo.processInfo.hostName)")
        if implicitTLS {
            tls = .implicit
        } else if let choice = options.take("starttls") {
            guard let parsed = TLS(rawValue: choice), parsed != .implicit else { throw NotifyError("starttls is yes, try or no") }
            tls = parsed
        } else {
            tls = password == nil ? .opportunistic : .required
        }
        timeout = Int(options.take("timeout").flatMap(TimeSpan.seconds) ?? 30)
        caCertificates = options.take("cacert")
    }
}

/// Sends mail through TrailNetwork's libcurl mail submission.
struct SMTPTransport: Transport {
    let settings: SMTPSettings

    func send(_ message: Message) throws {
        do {
            try CurlMail.send(SMTPTransport.compose(message, from: settings.from, to: settings.to), url: settings.url,
                              from: settings.from, to: settings.to, user: settings.user, password: settings.password,
                              requireTLS: [.required: true, .opportunistic: false][settings.tls], caCertificates: settings.caCertificates, timeout: settings.timeout)
        } catch let refused as CurlMail.Refused {
            throw NotifyError(refused.reason, permanent: refused.permanent)
        }
    }

    /// An RFC 5322 message, UTF-8 plain text, CRLF line ends. Message-ID comes from the
    /// alert id, so a resent copy is recognisably the same mail.
    static func compose(_ message: Message, from: String, to: [String]) -> [UInt8] {
        let headers = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(EmbeddedText.mailHeader(message.subject))",
            "Date: \(Timestamp(epoch: Date().timeIntervalSince1970).utc("%a, %d %b %Y %H:%M:%S +0000"))",
            "Message-ID: <\(message.id)@trail>",
            "X-Trail-Level: \(EmbeddedText.mailHeader(message.levelName))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + EmbeddedText.mailBody(message.body) + "\r\n").utf8)
    }
}
