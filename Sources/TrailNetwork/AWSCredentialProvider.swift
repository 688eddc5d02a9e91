import Foundation
import TrailCore

/// Credentials with the time they stop being accepted (nil: long-lived keys).
public struct ExpiringCredentials: Sendable {
    public let credentials: AWSCredentials
    public let expiration: Timestamp?

    public init(_ credentials: AWSCredentials, expiration: Timestamp? = nil) {
        self.credentials = credentials
        self.expiration = expiration
    }
}

/// Credentials could not be had: a role that may not be assumed, an endpoint that does not
/// answer, a token file that is missing. One line, never holding a secret.
public struct CredentialFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// One place credentials come from: keys in the environment or a profile, STS, a metadata
/// endpoint, a program. `source` names it for `--verbose` and errors, without any secret.
public protocol AWSCredentialProvider: Sendable {
    var source: String { get }
    func fetch() throws(CredentialFailure) -> ExpiringCredentials
}

/// Keys known up front (the environment's, a profile's).
public struct StaticCredentials: AWSCredentialProvider {
    public let source: String
    let credentials: AWSCredentials

    public init(_ credentials: AWSCredentials, source: String) {
        self.credentials = credentials
        self.source = source
    }

    public func fetch() throws(CredentialFailure) -> ExpiringCredentials { ExpiringCredentials(credentials) }
}

/// The credentials every request is signed with: fetched on first use and fetched again
/// before they expire, so that a long run never sends a request with expired credentials.
/// Thread-safe: parallel downloads share one.
public final class AWSCredentialSource: @unchecked Sendable {
    public let provider: any AWSCredentialProvider
    /// Longest margin before expiry at which credentials are renewed (the SDKs use minutes).
    static let refreshMargin: Double = 300
    private let lock = NSLock()
    private var cached: ExpiringCredentials?
    private var fetchedAt: Double = 0

    public init(_ provider: any AWSCredentialProvider) { self.provider = provider }

    public convenience init(_ credentials: AWSCredentials, source: String = "the given keys") {
        self.init(StaticCredentials(credentials, source: source))
    }

    public var source: String { provider.source }

    /// Credentials valid now, renewed when less than five minutes (or half their lifetime,
    /// for short-lived ones) remain. A renewal that fails while the old ones still hold keeps
    /// the old ones; the next request tries again.
    public func current(now: Double = Date().timeIntervalSince1970) throws(CredentialFailure) -> AWSCredentials {
        lock.lock()
        defer { lock.unlock() }
        if let cached, !needsRenewal(cached, now: now) { return cached.credentials }
        do {
            let fresh = try provider.fetch()
            cached = fresh
            fetchedAt = now
            return fresh.credentials
        } catch {
            if let cached, let expiration = cached.expiration, Double(expiration.seconds) > now + 5 { return cached.credentials }
            throw error
        }
    }

    private func needsRenewal(_ credentials: ExpiringCredentials, now: Double) -> Bool {
        guard let expiration = credentials.expiration.map({ Double($0.seconds) }) else { return false }
        let margin = min(Self.refreshMargin, (expiration - fetchedAt) / 2)
        return expiration - now < margin
    }
}
