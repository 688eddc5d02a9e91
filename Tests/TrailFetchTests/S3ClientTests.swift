import Foundation
import Testing
import TrailCore
import TrailNetwork
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

/// An endpoint that redirects to another host: the request's credentials must not follow.
@Suite struct RedirectTests {
    /// One process, two listeners: 127.0.0.1 answers every request with 307 to the other,
    /// on 127.0.0.2 (another host on loopback), which logs the headers of whatever reaches it.
    static func redirectingServer() throws -> LoopbackServer {
        try LoopbackServer(["python3", "-c", """
            import http.server, sys, threading
            class Elsewhere(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    sys.stderr.write("elsewhere got " + repr(dict(self.headers)) + "\\n"); sys.stderr.flush()
                    self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"{}")
                def log_message(self, *args): pass
            elsewhere = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Elsewhere)
            threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
            class Redirect(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(307)
                    self.send_header("Location", "http://127.0.0.2:%d%s?X-Amz-Signature=leaked" % (elsewhere.server_address[1], self.path.split("?")[0]))
                    self.send_header("Content-Length", "0"); self.end_headers()
                def log_message(self, *args): pass
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
            print(httpd.server_address[1], flush=True)
            httpd.serve_forever()
            """])
    }

    @Test func aRedirectIsReportedNotFollowed() throws {
        let server = try Self.redirectingServer()
        defer { server.stop() }
        let client = try S3Client(location: BucketLocation("s3://b")!,
                                  credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s", sessionToken: "TOKEN"),
                                  region: "us-east-1", endpoint: "http://127.0.0.1:\(server.port)", attempts: 1)
        let error = #expect(throws: S3Failure.self) { try client.get("AWSLogs/a.json") }
        #expect(error?.description == "s3://b/AWSLogs/a.json: HTTP 307 redirect to 127.0.0.2 not followed (credentials go to the endpoint only)")
        #expect(error?.isObjectProblem == false)
        #expect(#expect(throws: S3Failure.self) { try client.list(prefix: "AWSLogs/") }?.description.contains("redirect to 127.0.0.2 not followed") == true)

        // The executable stops with that line, and the other host never sees a request.
        let run = try runShell("'\(S3FetchTests.tool)' s3://b/AWSLogs/", environment: [
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "TOKEN",
            "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:\(server.port)", "AWS_REGION": "us-east-1",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("HTTP 307 redirect to 127.0.0.2 not followed") && !run.stderr.contains("leaked"), "\(run.stderr)")
        #expect(!server.log.contains("elsewhere got"), "\(server.log)")
    }

    @Test func onlyAnEndpointTheUserGaveIsPlainHTTP() throws {
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s")
        for uri in ["s3://b", "oss://b"] {
            let client = try S3Client(location: BucketLocation(uri)!, credentials: credentials, region: "eu-west-1", endpoint: nil)
            #expect(client.url(key: "k", query: []).0.hasPrefix("https://"))
        }
    }
}

@Suite struct AddressingTests {
    static let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s")

    static func url(_ uri: String, endpoint: String?, _ addressing: S3Client.Addressing = .auto, key: String) throws -> String {
        let client = try S3Client(location: BucketLocation(uri)!, credentials: credentials, region: "eu-west-1",
                                  endpoint: endpoint, addressing: addressing)
        return client.url(key: key, query: [("list-type", "2"), ("prefix", "a/b")]).0
    }

    @Test func choosesVirtualHostedOrPathStyle() throws {
        #expect(try Self.url("s3://my-trail", endpoint: nil, key: "AWSLogs/a b.json") ==
            "https://my-trail.s3.eu-west-1.amazonaws.com/AWSLogs/a%20b.json?list-type=2&prefix=a%2Fb")
        #expect(try Self.url("s3://my.trail", endpoint: nil, key: "") == "https://s3.eu-west-1.amazonaws.com/my.trail/?list-type=2&prefix=a%2Fb")
        #expect(try Self.url("s3://trail", endpoint: "http://127.0.0.1:9000", key: "k") == "http://127.0.0.1:9000/trail/k?list-type=2&prefix=a%2Fb")
        #expect(try Self.url("s3://trail", endpoint: "http://minio.local:9000", .virtual, key: "k") == "http://trail.minio.local:9000/k?list-type=2&prefix=a%2Fb")
        #expect(try Self.url("oss://logs", endpoint: nil, key: "k").hasPrefix("https://logs.s3.oss-eu-west-1.aliyuncs.com/k?"))
        #expect(throws: S3Failure.self) { try Self.url("s3://trail", endpoint: "ftp://x", key: "k") }
    }

    @Test func explainsRefusalsInOneLine() {
        #expect(S3Client.explain(status: 301, error: ("PermanentRedirect", "The bucket you are attempting to access must be addressed…"),
                                 region: "eu-west-1", what: "s3://b/") ==
            "s3://b/: the bucket is in another region: use --bucket-region eu-west-1 (PermanentRedirect)")
        #expect(S3Client.explain(status: 403, error: ("AccessDenied", "Access Denied"), region: nil, what: "s3://b/k") == "s3://b/k: access denied (AccessDenied)")
        #expect(S3Client.explain(status: 400, error: ("", ""), region: nil, what: "s3://b/") == "s3://b/: HTTP 400")
    }

    @Test func readsBucketURIs() {
        #expect(BucketLocation("s3://b/AWSLogs/x") == BucketLocation("s3://b/AWSLogs/x"))
        #expect(BucketLocation("s3://b")?.prefix == "")
        #expect(BucketLocation("oss://b/p/")?.isAlibaba == true)
        #expect(BucketLocation("gs://b/p") == nil && BucketLocation("s3:///p") == nil && BucketLocation("/tmp/x") == nil)
    }
}
