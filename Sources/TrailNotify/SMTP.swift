import CCurl
import Foundation
import TrailCore

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
        timeout = Int(options.take("timeout").flatMap(Interval.seconds) ?? 30)
        caCertificates = options.take("cacert")
    }
}

/// Sends mail through libcurl: STARTTLS, TLS and AUTH are libcurl's, not ours.
final class SMTPTransport: Transport {
    private let settings: SMTPSettings

    init(_ settings: SMTPSettings) {
        self.settings = settings
        SMTPTransport.initialiseCurl
    }

    private static let initialiseCurl: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    func send(_ message: Message) throws {
        guard let curl = curl_easy_init() else { throw NotifyError("libcurl could not start") }
        defer { curl_easy_cleanup(curl) }
        let mail = SMTPTransport.compose(message, from: settings.from, to: settings.to)
        let reader = MailReader(mail)
        var recipients: UnsafeMutablePointer<curl_slist>?
        for address in settings.to { recipients = curl_slist_append(recipients, "<\(address)>") }
        defer { curl_slist_free_all(recipients) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func string(_ option: CURLoption, _ value: String) {
            let copy = strdup(value)!
            strings.append(copy)
            trail_curl_set_pointer(curl, option, copy)
        }
        string(CURLOPT_URL, settings.url)
        string(CURLOPT_MAIL_FROM, "<\(settings.from)>")
        trail_curl_set_pointer(curl, CURLOPT_MAIL_RCPT, recipients)
        if let user = settings.user { string(CURLOPT_USERNAME, user) }
        if let password = settings.password { string(CURLOPT_PASSWORD, password) }
        switch settings.tls {
        case .required: trail_curl_set_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        case .opportunistic: trail_curl_set_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        case .none, .implicit: break
        }
        if let caCertificates = settings.caCertificates { string(CURLOPT_CAINFO, caCertificates) }
        trail_curl_set_long(curl, CURLOPT_UPLOAD, 1)
        trail_curl_set_long(curl, CURLOPT_TIMEOUT, settings.timeout)
        trail_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT, min(settings.timeout, 10))
        trail_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
        let code = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            trail_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            return withExtendedLifetime(reader) {
                trail_curl_set_reader(curl, { buffer, size, count, context in
                    Unmanaged<MailReader>.fromOpaque(context!).takeUnretainedValue().read(into: buffer!, capacity: size * count)
                }, Unmanaged.passUnretained(reader).toOpaque())
                return curl_easy_perform(curl)
            }
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var reply = 0
            trail_curl_get_long(curl, CURLINFO_RESPONSE_CODE, &reply)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            // libcurl names the reply code for some steps only ("RCPT failed: 550"), not after DATA.
            let shownReply = reply >= 400 && !reason.contains(String(reply)) ? " (SMTP \(reply))" : ""
            throw NotifyError(reason + shownReply, permanent: SMTPTransport.refusesForGood(code, reply: reply))
        }
    }

    /// A 5xx reply refuses the mail for good (a rejected recipient, sender or message); a
    /// rejected login does not: it is the target's credentials, and every mail would meet it.
    static func refusesForGood(_ code: CURLcode, reply: Int) -> Bool {
        (500..<600).contains(reply) && code != CURLE_LOGIN_DENIED
    }

    /// An RFC 5322 message, UTF-8 plain text, CRLF line ends. Message-ID comes from the
    /// alert id, so a resent copy is recognisably the same mail.
    static func compose(_ message: Message, from: String, to: [String]) -> [UInt8] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let headers = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(EmbeddedText.mailHeader(message.subject))",
            "Date: \(formatter.string(from: Date()))",
            "Message-ID: <\(message.id)@trail>",
            "X-Trail-Level: \(EmbeddedText.mailHeader(message.levelName))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + EmbeddedText.mailBody(message.body) + "\r\n").utf8)
    }
}

/// Hands the composed mail to libcurl piece by piece.
private final class MailReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let n = min(capacity, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}
