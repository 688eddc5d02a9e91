import Foundation
import Testing
import TrailCore
import TrailNetwork
import TrailTestSupport

@Suite struct CurlTransportTests {
    @Test func getsFromARealListenerOnLoopbackWithItsRetryAfter() throws {
        let server = try LoopbackServer(["python3", "-c", """
            import http.server
            class Busy(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(503 if self.path == "/busy" else 200)
                    if self.path == "/busy": self.send_header("Retry-After", "7")
                    self.send_header("Content-Length", "12")
                    self.end_headers()
                    self.wfile.write(b"hello trail\\n")
                def log_message(self, *args): pass
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Busy)
            print(httpd.server_address[1], flush=True)
            httpd.serve_forever()
            """])
        defer { server.stop() }
        let transport = CurlTransport(timeout: 10)
        let ok = try transport.get("http://127.0.0.1:\(server.port)/hello.txt", headers: [], maxBody: 100)
        #expect(ok.status == 200 && ok.retryAfter == nil)
        #expect(String(decoding: ok.body, as: UTF8.self) == "hello trail\n")
        #expect(ok.headers["content-length"] == "12")
        let busy = try transport.get("http://127.0.0.1:\(server.port)/busy", headers: [], maxBody: 100)
        #expect(busy.status == 503 && busy.retryAfter == 7)
        #expect(throws: BodyTooLarge.self) { try transport.get("http://127.0.0.1:\(server.port)/x", headers: [], maxBody: 5) }
    }

    @Test func aRefusedConnectionIsATransportErrorWithoutTheQuery() throws {
        // Port 9 (discard) on loopback: nothing listens there on a test machine.
        let error = #expect(throws: HTTPTransportError.self) {
            try CurlTransport(timeout: 5).get("http://user:pw@127.0.0.1:9/x?X-Amz-Signature=secret", headers: [], maxBody: 100)
        }
        #expect(error?.description.contains("secret") == false)
        #expect(error?.url == "http://127.0.0.1:9/x")
    }
}
