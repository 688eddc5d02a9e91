import Foundation
import Testing
import TrailCore
import TrailTestSupport

@Suite struct HTTPClientTests {
    @Test func getsFromARealListenerOnLoopback() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("hello.txt", "hello trail\n")
        // Python's http.server on a free port chosen by the kernel.
        let server = try LoopbackServer(["python3", "-c", """
            import http.server, functools, sys
            class Quiet(http.server.SimpleHTTPRequestHandler):
                def log_message(self, *args): pass
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
            print(httpd.server_address[1], flush=True)
            httpd.serve_forever()
            """, dir.path])
        defer { server.stop() }

        let client = HTTPClient(timeout: 10)
        let ok = try client.send(HTTPRequest(url: URL(string: "http://127.0.0.1:\(server.port)/hello.txt")!))
        #expect(ok.status == 200)
        #expect(String(decoding: ok.body, as: UTF8.self) == "hello trail\n")
        #expect(ok.headers["content-length"] == "12")
        let missing = try client.send(HTTPRequest(url: URL(string: "http://127.0.0.1:\(server.port)/nope")!))
        #expect(missing.status == 404)
    }

    @Test func aRefusedConnectionIsATransportErrorWithoutTheQuery() throws {
        // Port 9 (discard) on loopback: nothing listens there on a test machine.
        let error = #expect(throws: HTTPTransportError.self) {
            try HTTPClient(timeout: 5).send(HTTPRequest(url: URL(string: "http://127.0.0.1:9/x?X-Amz-Signature=secret")!))
        }
        #expect(error?.description.contains("secret") == false)
        #expect(error?.url == "http://127.0.0.1:9/x")
    }
}
