import Foundation
import TrailCore
#if canImport(Glibc)
import Glibc
#endif

/// `syslog://host:514` (UDP), `syslog+tcp://host:601` (TCP, octet-counted framing,
/// RFC 6587) with RFC 5424 messages; `syslog://` without a host is the local syslog.
/// `facility=auth` (default `user`). The severity follows the alert's level.
public struct SyslogSettings: Sendable {
    public let host: String?
    public let port: Int
    public let tcp: Bool
    public let facility: Int32

    static let facilities: [String: Int32] = [
        "kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7,
        "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11,
        "local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20, "local5": 21, "local6": 22, "local7": 23,
    ]

    init(url: URLComponents, tcp: Bool, options: inout TargetOptions) throws {
        host = url.host.flatMap { $0.isEmpty ? nil : $0 }
        self.tcp = tcp
        port = url.port ?? (tcp ? 601 : 514)
        let name = options.take("facility") ?? "user"
        guard let facility = SyslogSettings.facilities[name] else { throw NotifyError("unknown syslog facility \(name)") }
        self.facility = facility
        if host == nil, tcp { throw NotifyError("syslog+tcp:// needs a host") }
    }
}

struct SyslogTransport: Transport {
    let settings: SyslogSettings
    private let hostname = ProcessInfo.processInfo.hostName

    /// Critical 2 (crit) … low 5 (notice); informational, and an alert without a known level, 6 (info).
    static func severity(_ level: AlertLevel?) -> Int32 { 6 - Int32((level ?? .informational).rawValue) }

    func send(_ message: Message) throws {
        let severity = SyslogTransport.severity(message.level)
        guard let host = settings.host else {
            openlog("trail-notify", LOG_PID, settings.facility << 3)
            PrintableText.escaped(message.line).withCString { text in
                withVaList([text]) { vsyslog(severity, "%s", $0) }
            }
            return
        }
        let frame = Array(SyslogTransport.rfc5424(message, facility: settings.facility, severity: severity, hostname: hostname).utf8)
        try send(settings.tcp ? Array("\(frame.count) ".utf8) + frame : frame, to: host)
    }

    /// `<PRI>1 TIMESTAMP HOST trail-notify PID alert [trail@32473 id=… rule=… level=…] line`
    static func rfc5424(_ message: Message, facility: Int32, severity: Int32, hostname: String) -> String {
        func token(_ value: String, max: Int) -> String {
            let printable = value.unicodeScalars.filter { $0.value > 32 && $0.value < 127 }.map(String.init).joined()
            return printable.isEmpty ? "-" : String(printable.prefix(max))
        }
        var now = Timestamp(epoch: Date().timeIntervalSince1970)
        now.nanoseconds = now.nanoseconds / 1000 * 1000  // RFC 5424 allows six fraction digits
        func param(_ value: String) -> String { EmbeddedText.syslogParameter(value) }
        let data = "[trail@32473 id=\"\(param(message.id))\" rule=\"\(param(message.ruleID))\" level=\"\(param(message.levelName))\"]"
        let text = PrintableText.escaped(message.line)
        return "<\(facility * 8 + severity)>1 \(now.rfc3339) \(token(hostname, max: 255)) trail-notify \(getpid()) \(message.alertIDs.count == 1 ? "alert" : "digest") \(data) \(text)"
    }

    private func send(_ bytes: [UInt8], to host: String) throws {
        var hints = addrinfo()
        hints.ai_socktype = settings.tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(settings.port), &hints, &list)
        guard rc == 0, let first = list else { throw NotifyError(String(cString: gai_strerror(rc))) }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw NotifyError(String(cString: strerror(errno))) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            throw NotifyError(String(cString: strerror(errno)))
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw NotifyError(String(cString: strerror(errno))) }
            offset += n
        }
    }
}
