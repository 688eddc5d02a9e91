import Foundation
import TrailTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Real peers for delivery tests, each a small python3 server on 127.0.0.1 that writes what
/// it receives to a folder, one file per message, renamed into place when complete.
enum Peers {
    /// aiosmtpd; `auth` "user:password" makes AUTH required, without TLS unless CERT and KEY
    /// name a certificate: then STARTTLS is required (or TLS from the start with
    /// IMPLICIT_TLS=1). A message containing REJECT is refused for good (554).
    /// argv: folder port [auth].
    static let smtp = #"""
    import sys, os, time
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    folder, port = sys.argv[1], int(sys.argv[2])
    auth = sys.argv[3].encode() if len(sys.argv) > 3 else None
    class Handler:
        count = 0
        async def handle_DATA(self, server, session, envelope):
            if os.environ.get("REJECT") and os.environ["REJECT"].encode() in envelope.content:
                return "554 5.6.0 Message refused"
            Handler.count += 1
            path = os.path.join(folder, "%05d.eml" % Handler.count)
            with open(path + ".tmp", "wb") as f:
                f.write(("X-Envelope: %s -> %s\r\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos))).encode())
                f.write(envelope.original_content or envelope.content)
            os.rename(path + ".tmp", path)
            return "250 OK"
    def check(server, session, envelope, mechanism, data):
        return AuthResult(success=data.login + b":" + data.password == auth)
    options = dict(auth_required=True, auth_require_tls=False, authenticator=check) if auth else {}
    if os.environ.get("CERT"):
        import ssl
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(os.environ["CERT"], os.environ["KEY"])
        if os.environ.get("IMPLICIT_TLS"):
            options.update(ssl_context=context)
        else:
            options.update(tls_context=context, require_starttls=True, auth_require_tls=True)
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print(port, flush=True)
    while True:
        time.sleep(3600)
    """#

    /// http.server answering POSTs; the first FAIL_FIRST requests get 500, and a body
    /// containing REJECT gets 422 (a refusal for good). argv: folder port.
    static let http = #"""
    import sys, os, json, threading, http.server
    folder, port = sys.argv[1], int(sys.argv[2])
    fail_first = int(os.environ.get("FAIL_FIRST", "0"))
    reject = os.environ.get("REJECT", "").encode()
    lock = threading.Lock()
    state = {"requests": 0, "stored": 0}
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                state["requests"] += 1
                fail = state["requests"] <= fail_first
                refuse = bool(reject) and reject in body
                if not fail and not refuse:
                    state["stored"] += 1
                    path = os.path.join(folder, "%05d.json" % state["stored"])
                    with open(path + ".tmp", "w") as f:
                        json.dump({"path": self.path, "headers": dict(self.headers), "body": body.decode()}, f)
                    os.rename(path + ".tmp", path)
            self.send_response(500 if fail else 422 if refuse else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """#

    /// A UDP syslog listener. argv: folder.
    static let syslogUDP = #"""
    import sys, os, socket
    folder = sys.argv[1]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1], flush=True)
    count = 0
    while True:
        data, _ = s.recvfrom(65535)
        count += 1
        path = os.path.join(folder, "%05d.log" % count)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.rename(path + ".tmp", path)
    """#

    /// A TCP syslog listener reading octet-counted frames (RFC 6587). argv: folder.
    static let syslogTCP = #"""
    import sys, os, socket
    folder = sys.argv[1]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    print(s.getsockname()[1], flush=True)
    count = 0
    while True:
        connection, _ = s.accept()
        data = b""
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
        connection.close()
        while data:
            length, _, rest = data.partition(b" ")
            frame, data = rest[:int(length)], rest[int(length):]
            count += 1
            path = os.path.join(folder, "%05d.log" % count)
            with open(path + ".tmp", "wb") as f:
                f.write(frame)
            os.rename(path + ".tmp", path)
    """#

    /// A new folder `name` in `dir`, for a peer to write what it receives into.
    static func inbox(_ name: String, in dir: TemporaryDirectory) throws -> String {
        let folder = dir.path + "/" + name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A peer writing what it receives into a new folder `inbox` of `dir` (its first argument).
    static func start(_ script: String, inbox: String, in dir: TemporaryDirectory, _ arguments: [String] = [],
                      environment: [String: String] = [:]) throws -> (inbox: String, server: LoopbackServer) {
        let folder = try Peers.inbox(inbox, in: dir)
        return (folder, try start(script, [folder] + arguments, environment: environment))
    }

    static func start(_ script: String, _ arguments: [String], environment: [String: String] = [:]) throws -> LoopbackServer {
        try LoopbackServer(["python3", "-c", script] + arguments, environment: environment)
    }

    /// A port nothing listens on (bound, read, released): the "server down" of the spool tests.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The files a peer wrote, in order, once there are at least `count` (waits up to 10 s),
    /// and then a short grace to catch any extra (a message sent twice).
    static func received(in folder: String, atLeast count: Int) -> [String] {
        let deadline = Date().addingTimeInterval(10)
        func files() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasSuffix(".tmp") }.sorted()
        }
        while files().count < count, Date() < deadline { usleep(10_000) }
        usleep(150_000)
        return files().map { (try? String(contentsOfFile: folder + "/" + $0, encoding: .utf8)) ?? "" }
    }
}
