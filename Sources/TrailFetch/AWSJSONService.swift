import Foundation
import TrailCore
import TrailNetwork

/// One AWS service spoken to in its JSON protocol (SQS, CloudWatch Logs): POSTs of a JSON body
/// naming the action in `X-Amz-Target`, signed with SigV4 with credentials renewed as needed.
/// An error answer becomes an `S3Failure` naming `what` and the service's error code.
final class AWSJSONService: @unchecked Sendable {
    private let endpoint: String
    private let authority: String
    private let path: String
    let region: String
    private let service: String
    private let targetPrefix: String
    private let contentType: String
    private let credentials: AWSCredentialSource
    private let http = CurlTransport(timeout: 30)

    init(endpoint: String, region: String, service: String, targetPrefix: String, contentType: String,
         credentials: AWSCredentialSource) throws(S3Failure) {
        guard let parts = URLComponents(string: endpoint), let host = parts.host, parts.scheme == "https" || parts.scheme == "http" else {
            throw S3Failure(description: "\(endpoint): not an http(s) endpoint URL")
        }
        self.endpoint = endpoint.trimmingSuffix("/")
        authority = parts.port.map { "\(host):\($0)" } ?? host
        path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        self.region = region
        self.service = service
        self.targetPrefix = targetPrefix
        self.contentType = contentType
        self.credentials = credentials
    }

    func call(_ action: String, _ body: [UInt8], what: String) throws -> [UInt8] {
        let current: AWSCredentials
        do {
            current = try credentials.current()
        } catch {
            throw S3Failure(description: "\(what): no credentials: \(error)")
        }
        let signing = SigV4Signer(credentials: current, region: region, service: service)
            .sign(method: "POST", path: path, query: [],
                  headers: [("Host", authority), ("Content-Type", contentType), ("X-Amz-Target", "\(targetPrefix).\(action)")],
                  date: Date(), payloadHash: SigV4Signer.payloadHash(body))
        let response: HTTPResponse
        do {
            response = try http.send("POST", endpoint + (path == "/" ? "/" : ""), headers: signing.headers, body: body, maxBody: 64 << 20)
        } catch let failure as HTTPTransportError {
            throw S3Failure(description: "cannot reach \(failure.url): \(failure.reason)")
        }
        guard response.status == 200 else {
            let (code, message) = Self.error(response)
            throw S3Failure(description: "\(what): \(action) refused (\(code)\(message.isEmpty ? "" : ": \(message)"))", code: code)
        }
        return response.body
    }

    /// `__type` (without its namespace) and `message` of an error answer.
    static func error(_ response: HTTPResponse) -> (String, String) {
        response.body.withUnsafeBytes { buffer -> (String, String) in
            let scanner = JSONScanner(buffer)
            let root = scanner.skipWhitespace(0)
            guard scanner.kind(at: root) == .object else { return ("HTTP \(response.status)", "") }
            let type = scanner.member("__type", ofObjectAt: root).flatMap(scanner.string) ?? "HTTP \(response.status)"
            let message = (scanner.member("message", ofObjectAt: root) ?? scanner.member("Message", ofObjectAt: root)).flatMap(scanner.string) ?? ""
            return (String(type.split(separator: "#").last ?? ""), message)
        }
    }
}
