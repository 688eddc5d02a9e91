import Foundation
import TrailCore

/// A profile's `credential_process`: a program that prints the credentials as JSON
/// (`Version` 1, `AccessKeyId`, `SecretAccessKey`, `SessionToken`, `Expiration`). It runs
/// through `/bin/sh -c` from the profile's text; what it prints on stderr is not shown, as it
/// may hold secrets.
public struct ProcessCredentials: AWSCredentialProvider {
    let command: String
    let profile: String

    public var source: String { "credential_process of profile \(profile)" }

    public func fetch() throws(CredentialFailure) -> ExpiringCredentials {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CredentialFailure("\(source): cannot start /bin/sh")
        }
        let printed = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CredentialFailure("\(source): the program exited with status \(process.terminationStatus)")
        }
        guard let fields = CredentialDocument.jsonMembers(printed), fields["Version"] == "1" else {
            throw CredentialFailure("\(source): the program did not print a JSON object with \"Version\": 1")
        }
        return try CredentialDocument.credentials(fields, id: "AccessKeyId", secret: "SecretAccessKey", token: "SessionToken",
                                                  expiration: "Expiration", what: source)
    }
}
