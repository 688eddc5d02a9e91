import Foundation
import TrailCore

/// A received response, whatever its status. Header names are lower-cased.
public struct HTTPResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]
    /// Seconds the server asks the client to wait before trying again (`Retry-After`).
    public let retryAfter: Int?

    public init(status: Int, headers: [String: String], body: [UInt8], retryAfter: Int? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.retryAfter = retryAfter
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

extension URL {
    /// The URL without query, fragment or user info, safe to print: signatures and tokens
    /// live there.
    public var redactedForDisplay: String {
        guard var parts = URLComponents(url: self, resolvingAgainstBaseURL: false) else { return "<url>" }
        parts.query = nil
        parts.fragment = nil
        parts.user = nil
        parts.password = nil
        return parts.string ?? "<url>"
    }
}
