import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request. Header names are sent as given; bodies are bytes.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?

    public init(method: String = "GET", url: URL, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A received response, whatever its status. Header names are lower-cased.
public struct HTTPResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// No response at all: refused connection, DNS failure, timeout, TLS failure.
public struct HTTPTransportError: Error, CustomStringConvertible {
    public let url: String
    public let reason: String
    public let isTimeout: Bool
    public var description: String { "\(url): \(reason)" }

    public init(url: String, reason: String, isTimeout: Bool) {
        self.url = url
        self.reason = reason
        self.isTimeout = isTimeout
    }
}

/// A small synchronous HTTP client over URLSession, for tools that do one request after
/// another (object listings, webhooks). The URL printed in errors never carries a query
/// string, which may hold signatures or tokens.
public final class HTTPClient: Sendable {
    private let session: URLSession

    public init(timeout: TimeInterval = 30) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 4
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func send(_ request: HTTPRequest) throws(HTTPTransportError) -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        for header in request.headers { urlRequest.setValue(header.value, forHTTPHeaderField: header.name) }
        if let body = request.body { urlRequest.httpBody = Data(body) }

        final class Outcome: @unchecked Sendable {
            var response: HTTPResponse?
            var error: Error?
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: urlRequest) { data, response, error in
            if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (name, value) in http.allHeaderFields {
                    headers[String(describing: name).lowercased()] = String(describing: value)
                }
                outcome.response = HTTPResponse(status: http.statusCode, headers: headers, body: data.map { [UInt8]($0) } ?? [])
            } else {
                outcome.error = error
            }
            done.signal()
        }
        task.resume()
        done.wait()
        if let response = outcome.response { return response }
        let shownURL = HTTPClient.redacted(request.url)
        let nsError = outcome.error as NSError?
        let isTimeout = nsError?.domain == NSURLErrorDomain && nsError?.code == NSURLErrorTimedOut
        throw HTTPTransportError(url: shownURL, reason: nsError?.localizedDescription ?? "no response", isTimeout: isTimeout)
    }

    /// The URL without query, fragment or user info, safe to print.
    public static func redacted(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "<url>" }
        parts.query = nil
        parts.fragment = nil
        parts.user = nil
        parts.password = nil
        return parts.string ?? "<url>"
    }
}
