import Foundation
import Testing
import TrailCore
@testable import TrailFetch
import TrailTestSupport

/// A server that fails each request's first attempts (503 SlowDown, then 500) before
/// answering, to see the client retry with backoff.
@Suite struct RetryTests {
    static func flakyServer(failures: Int) throws -> LoopbackServer {
        try LoopbackServer(["python3", "-c", """
            import http.server, sys
            failures, seen = int(sys.argv[1]), {}
            LISTING = (b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                       b'<Name>b</Name><IsTruncated>false</IsTruncated><Contents><Key>AWSLogs/a.json</Key>'
                       b'<ETag>&quot;e1&quot;</ETag><Size>2</Size></Contents></ListBucketResult>')
            class Flaky(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    seen[self.path] = seen.get(self.path, 0) + 1
                    if seen[self.path] <= failures:
                        status, body = (503, b"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>") \\
                            if seen[self.path] == 1 else (500, b"<Error><Code>InternalError</Code><Message>oops</Message></Error>")
                    else:
                        status, body = 200, LISTING if "list-type=2" in self.path else b"{}"
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args): pass
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
            print(httpd.server_address[1], flush=True)
            httpd.serve_forever()
            """, String(failures)])
    }

    static func client(_ server: LoopbackServer) throws -> S3Client {
        try S3Client(location: BucketLocation("s3://b")!, credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s"),
                     region: "us-east-1", endpoint: "http://127.0.0.1:\(server.port)", attempts: 4, backoff: 0.01)
    }

    @Test func retriesThrottlingAndServerErrors() throws {
        let server = try Self.flakyServer(failures: 2)
        defer { server.stop() }
        let client = try Self.client(server)
        let listing = try client.list(prefix: "AWSLogs/")
        #expect(listing.objects == [S3Object(key: "AWSLogs/a.json", etag: "\"e1\"", size: 2)])
        #expect(try client.get("AWSLogs/a.json") == Array("{}".utf8))
        #expect(client.requestCounts == RequestCounts(lists: 3, gets: 3, bytes: 2))
    }

    @Test func givesUpWithOneLineAfterTheLastAttempt() throws {
        let server = try Self.flakyServer(failures: 10)
        defer { server.stop() }
        let error = #expect(throws: S3Failure.self) { try Self.client(server).list(prefix: "AWSLogs/") }
        #expect(error?.description == "s3://b/AWSLogs/: gave up after 4 attempts: HTTP 500 InternalError")
    }
}
