import Foundation
import TrailCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reading the answers of the places credentials come from: JSON documents (container and
/// instance metadata, `credential_process`, the SSO portal) and STS's XML.
enum CredentialDocument {
    /// The members of the JSON object at `path` (dotted; empty: the document itself) as text.
    static func jsonMembers(_ bytes: [UInt8], at path: String = "") -> [String: String]? {
        bytes.withUnsafeBytes { buffer -> [String: String]? in
            let scanner = JSONScanner(buffer)
            guard (try? scanner.validateDocument()) != nil else { return nil }
            let root = scanner.skipWhitespace(0)
            guard let object = path.isEmpty ? root : scanner.value(at: JSONPath(path), from: root),
                  scanner.kind(at: object) == .object else { return nil }
            var members: [String: String] = [:]
            scanner.forEachNamedMember(ofObjectAt: object) { name, value in
                members[String(decoding: name, as: UTF8.self)] = scanner.text(at: value)
                return true
            }
            return members
        }
    }

    /// Credentials from `fields` under the names the document uses; `what` names the source in errors.
    static func credentials(_ fields: [String: String], id: String, secret: String, token: String, expiration: String,
                            what: String) throws(CredentialFailure) -> ExpiringCredentials {
        guard let key = fields[id], !key.isEmpty, let secretKey = fields[secret], !secretKey.isEmpty else {
            throw CredentialFailure("\(what): the answer holds no \(id) and \(secret)")
        }
        var expires: Timestamp?
        if let text = fields[expiration] {
            // ISO 8601 from most sources; epoch milliseconds from the SSO portal.
            expires = Timestamp(iso8601: text) ?? Double(text).map { Timestamp(epoch: $0) }
            guard expires != nil else { throw CredentialFailure("\(what): \(expiration) is not a time") }
        }
        return ExpiringCredentials(AWSCredentials(accessKeyID: key, secretAccessKey: secretKey,
                                                  sessionToken: fields[token].flatMap { $0.isEmpty ? nil : $0 }),
                                   expiration: expires)
    }

    /// The text of an XML document's leaf elements by name, the first of each: enough for the
    /// query APIs' answers and their `<Error>`. Nil when the body is not XML.
    static func xmlLeaves(_ body: [UInt8]) -> [String: String]? {
        final class Collector: NSObject, XMLParserDelegate {
            var leaves: [String: String] = [:]
            var text = ""
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) { text = "" }
            func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if leaves[name] == nil { leaves[name] = text.trimmingCharacters(in: .whitespacesAndNewlines) }
                text = ""
            }
        }
        let collector = Collector()
        let parser = XMLParser(data: Data(body))
        parser.delegate = collector
        return parser.parse() ? collector.leaves : nil
    }

    /// Sends a request for credentials: never redirected, the body capped; transport
    /// failures become `CredentialFailure` naming `what`.
    static func send(_ transport: CurlTransport, _ method: String, _ url: String, headers: [(name: String, value: String)] = [],
                     body: [UInt8]? = nil, what: String) throws(CredentialFailure) -> HTTPResponse {
        do {
            return try transport.send(method, url, headers: headers, body: body, maxBody: 1 << 20)
        } catch let failure as HTTPTransportError {
            throw CredentialFailure("\(what): cannot reach \(failure.url): \(failure.reason)")
        } catch {
            throw CredentialFailure("\(what): the answer is over 1 MiB")
        }
    }
}
