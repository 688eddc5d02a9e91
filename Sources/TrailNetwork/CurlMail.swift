import CCurl
import Foundation

/// Mail submission through libcurl: STARTTLS, TLS and AUTH are libcurl's, not ours.
public enum CurlMail {
    /// The relay refused or could not be reached; `permanent` when it refused this mail for good.
    public struct Refused: Error {
        public let reason: String
        public let permanent: Bool
    }

    /// Sends `mail` (an RFC 5322 message) to `url` (`smtp://host:port` or `smtps://…`); STARTTLS
    /// is `requireTLS` true (required), false (used when offered), nil (not asked for).
    public static func send(_ mail: [UInt8], url: String, from: String, to: [String], user: String?, password: String?,
                            requireTLS: Bool?, caCertificates: String?, timeout: Int) throws {
        CurlTransport.initialiseCurl
        guard let curl = curl_easy_init() else { throw Refused(reason: "libcurl could not start", permanent: false) }
        defer { curl_easy_cleanup(curl) }
        let reader = MailReader(mail)
        var recipients: UnsafeMutablePointer<curl_slist>?
        for address in to { recipients = curl_slist_append(recipients, "<\(address)>") }
        defer { curl_slist_free_all(recipients) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        // libcurl copies string options: the bridged C strings need not outlive the calls.
        trail_curl_set_pointer(curl, CURLOPT_URL, url)
        trail_curl_set_pointer(curl, CURLOPT_MAIL_FROM, "<\(from)>")
        trail_curl_set_pointer(curl, CURLOPT_MAIL_RCPT, recipients)
        if let user { trail_curl_set_pointer(curl, CURLOPT_USERNAME, user) }
        if let password { trail_curl_set_pointer(curl, CURLOPT_PASSWORD, password) }
        if let requireTLS { trail_curl_set_long(curl, CURLOPT_USE_SSL, Int((requireTLS ? CURLUSESSL_ALL : CURLUSESSL_TRY).rawValue)) }
        if let caCertificates { trail_curl_set_pointer(curl, CURLOPT_CAINFO, caCertificates) }
        trail_curl_set_long(curl, CURLOPT_UPLOAD, 1)
        trail_curl_set_long(curl, CURLOPT_TIMEOUT, timeout)
        trail_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT, min(timeout, 10))
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
            throw Refused(reason: reason + shownReply, permanent: refusesForGood(code, reply: reply))
        }
    }

    /// A 5xx reply refuses the mail for good (a rejected recipient, sender or message); a
    /// rejected login does not: it is the target's credentials, and every mail would meet it.
    static func refusesForGood(_ code: CURLcode, reply: Int) -> Bool {
        (500..<600).contains(reply) && code != CURLE_LOGIN_DENIED
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
