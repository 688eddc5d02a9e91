#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TrailCore

/// Who acted (`trail.actor`), from `userIdentity`. A person who comes through IAM Identity
/// Center is named as the person, not as the role or token they used (docs/schema.md, "Who
/// acted"), so that one name follows them across sign-in, portal and API calls.
extension Header {
    private static let userNameKey = Array("UserName".utf8), userIdKey = Array("userId".utf8)

    /// Sets the actor's name, type and root flag from the identity's members. `additional` is
    /// the record's `additionalEventData`. Inlined: a call would copy the whole header in and out.
    @inline(__always) mutating func describeActor(_ s: JSONScanner, _ who: IdentityMembers, additional: Int?) {
        func text(_ field: IdentityMembers.Field) -> HeaderText? { who[field].flatMap { HeaderText(s, at: $0) } }
        let rawType = text(.type)
        actorType = rawType.map(Header.normalizedActorType)
        actorIsRoot = actorType?.equals("root") == true
        if actorIsRoot {
            actorName = "root"
            return
        }
        if actorType?.equals("federated") == true, rawType?.equalsIgnoringCase("identitycenteruser") == true,
           let person = Header.identityCenterUser(s, who, additional: additional) {
            actorName = person
            return
        }
        actorName = text(.userName) ?? text(.arn).flatMap(Header.arnResourceName) ?? text(.invokedBy) ?? text(.principalId)
        if let name = actorName, let person = Header.identityCenterSession(name), actorType?.equals("role") == true {
            actorName = person
            actorType = "federated"
        }
    }

    /// An `IdentityCenterUser` (sign-in, portal and OIDC calls made with the person's own
    /// Identity Center credentials): the user name where the record gives one (its sign-in
    /// events, in `additionalEventData.UserName`), else the person's user id in the identity
    /// store (`onBehalfOf.userId`).
    static func identityCenterUser(_ s: JSONScanner, _ who: IdentityMembers, additional: Int?) -> HeaderText? {
        if let userName = who[.userName].flatMap({ HeaderText(s, at: $0) }) { return userName }
        if let typed = additional.flatMap({ s.member(userNameKey, ofObjectAt: $0) }).flatMap({ HeaderText(s, at: $0) }) {
            return typed
        }
        return who[.onBehalfOf].flatMap { s.member(userIdKey, ofObjectAt: $0) }.flatMap { HeaderText(s, at: $0) }
    }

    /// `AWSReservedSSO_<PermissionSet>_<hash>/<session>` → the session: Identity Center names
    /// the sessions of its permission-set roles after the person's user name.
    static func identityCenterSession(_ roleSession: HeaderText) -> HeaderText? {
        guard roleSession.hasPrefix("AWSReservedSSO_") else { return nil }
        return roleSession.part { bytes in
            guard let slash = memchr(bytes.baseAddress!, Int32(UInt8(ascii: "/")), bytes.count) else { return nil }
            return (bytes.baseAddress!.distance(to: slash) + 1)..<bytes.count
        }
    }
}
