import Foundation
import Testing
import TrailCore
import TrailNetwork
import TrailFetch
import TrailTestSupport

/// moto (S3, STS) with a bucket holding one log file, a role, and the credential endpoints of
/// `credential_endpoints.py` handing out moto's temporary credentials for that role.
final class CredentialWorld {
    static let containerToken = "container-agent-token-4f1c"
    static let ssoToken = "sso-access-token-9b2e"
    static let oidcToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhY2sifQ.c2ln"
    static let role = "arn:aws:iam::123456789012:role/reader"
    let moto: MotoServer
    let endpoints: LoopbackServer
    let dir: TemporaryDirectory
    /// The temporary credentials the endpoints hand out, in turn (key id, secret, token).
    let issued: [[String]]
    var url: String { "http://127.0.0.1:\(endpoints.port)" }

    init(lifetime: Int = 3600) throws {
        moto = try MotoServer()
        dir = try TemporaryDirectory()
        let file = try S3FetchTests.sampleFiles(below: "AWSLogs")[0]
        let setup = try moto.boto3("""
            iam = boto3.client("iam", **kw)
            iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}))
            iam.put_role_policy(RoleName="reader", PolicyName="all", PolicyDocument=json.dumps({"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            s3 = boto3.client("s3", **kw)
            s3.create_bucket(Bucket="trail-logs")
            s3.put_object(Bucket="trail-logs", Key=args[0], Body=open(args[1], "rb").read())
            sts = boto3.client("sts", **kw)
            issued = []
            for n in range(3):
                c = sts.assume_role(RoleArn=args[2], RoleSessionName=f"endpoint-{n}")["Credentials"]
                issued.append([c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]])
            print(json.dumps(issued))
            """, [file.key, file.path, Self.role])
        guard setup.status == 0, let issued = try JSONSerialization.jsonObject(with: Data(setup.stdout.utf8)) as? [[String]] else {
            moto.stop()
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "moto setup failed: \(setup.stderr.suffix(800))"])
        }
        self.issued = issued
        let list = try dir.write("issued.json", setup.stdout)
        endpoints = try LoopbackServer(["python3", packageRoot + "/Tests/TrailFetchTests/credential_endpoints.py", list,
                                        Self.containerToken, Self.ssoToken, String(lifetime),
                                        moto.accessKeyID, moto.secretAccessKey, "arn:aws:iam::123456789012:role/trail-reader",
                                        Self.oidcToken])
    }

    func stop() {
        endpoints.stop()
        moto.stop()
        dir.remove()
    }

    /// No keys anywhere: a home of its own, no shared files, no instance metadata; S3 is moto.
    var bare: [String: String] {
        ["HOME": dir.path, "AWS_CONFIG_FILE": dir.path + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir.path + "/credentials",
         "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
         "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
         "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_ENDPOINT_URL": "",
         "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": moto.endpoint]
    }

    /// trail-fetch (--verbose unless `quietly`) over the bucket (`scheme`://trail-logs) with `environment` added to `bare`.
    func fetch(_ environment: [String: String], arguments: String = "", quietly: Bool = false, scheme: String = "s3") throws -> CommandResult {
        try runShell("\(S3FetchTests.tool) \(quietly ? "--quiet" : "--verbose") \(arguments) \(scheme)://trail-logs", environment: bare.merging(environment) { $1 }, timeout: 60)
    }

    /// The run fetched the log file, and printed none of the secrets it was given or handed.
    func expectFetched(_ result: CommandResult, from source: String, secrets: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdoutLines.count >= 1, sourceLocation: sourceLocation)
        #expect(result.stderr.contains("trail-fetch: credentials from \(source)"), "\(result.stderr)", sourceLocation: sourceLocation)
        for secret in secrets + issued.flatMap({ $0.dropFirst() }) + [moto.secretAccessKey, Self.containerToken, Self.ssoToken] {
            #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret), sourceLocation: sourceLocation)
        }
    }
}

@Suite(.serialized) struct CredentialChainTests {
    @Test func instanceRoleThroughIMDSv2Only() throws {
        let world = try CredentialWorld()
        defer { world.stop() }
        let result = try world.fetch(["AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": world.url + "/"])
        world.expectFetched(result, from: "the EC2 instance metadata service (IMDSv2)")
        // The token was asked for first; no read went without it (the server refuses those).
        #expect(world.endpoints.log.hasPrefix("issued imds-token session\nissued imds-role trail-reader"))
        #expect(!world.endpoints.log.contains("refused"))
        #expect(!world.endpoints.log.contains("ecs"))

        let disabled = try world.fetch(["AWS_EC2_METADATA_SERVICE_ENDPOINT": world.url])
        #expect(disabled.status == 2)
        #expect(disabled.stderr.contains("no credentials"))
    }

    @Test func taskRoleFromTheContainerEndpoint() throws {
        let world = try CredentialWorld()
        defer { world.stop() }
        let tokenFile = try world.dir.write("eks-pod-identity-token", CredentialWorld.containerToken + "\n")
        let full = ["AWS_CONTAINER_CREDENTIALS_FULL_URI": world.url + "/v2/credentials/task", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile]
        world.expectFetched(try world.fetch(full), from: "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)")
        let withToken = ["AWS_CONTAINER_CREDENTIALS_FULL_URI": world.url + "/v2/credentials/task",
                         "AWS_CONTAINER_AUTHORIZATION_TOKEN": CredentialWorld.containerToken]
        world.expectFetched(try world.fetch(withToken), from: "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)")

        let wrongToken = try world.fetch(["AWS_CONTAINER_CREDENTIALS_FULL_URI": world.url + "/v2/credentials/task",
                                          "AWS_CONTAINER_AUTHORIZATION_TOKEN": "stolen"])
        #expect(wrongToken.status == 2)
        #expect(wrongToken.stderr.hasSuffix("refused (HTTP 403)\n"), "\(wrongToken.stderr)")
        #expect(!wrongToken.stderr.contains("stolen"))
        // The token never goes in clear to a host that is not the agent's.
        let elsewhere = try world.fetch(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://198.51.100.7/creds",
                                         "AWS_CONTAINER_AUTHORIZATION_TOKEN": CredentialWorld.containerToken])
        #expect(elsewhere.status == 2)
        #expect(elsewhere.stderr.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https"))
    }

    @Test func webIdentityTokenAsEKSSetsIt() throws {
        let world = try CredentialWorld()
        defer { world.stop() }
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6dHJhaWw6cmVhZGVyIn0.c2lnbmF0dXJl"
        let tokenFile = try world.dir.write("token", token)
        let result = try world.fetch(["AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": CredentialWorld.role,
                                      "AWS_ENDPOINT_URL_STS": world.moto.endpoint])
        world.expectFetched(result, from: "web identity token \(tokenFile) for role \(CredentialWorld.role)", secrets: [token])

        let missing = try world.fetch(["AWS_WEB_IDENTITY_TOKEN_FILE": world.dir.path + "/gone", "AWS_ROLE_ARN": CredentialWorld.role,
                                       "AWS_ENDPOINT_URL_STS": world.moto.endpoint], quietly: true)
        #expect(missing.status == 2)
        #expect(missing.stderr.split(separator: "\n").count == 1)
        #expect(missing.stderr.contains("web identity token: "))
    }

    @Test func profileRoleFromASourceProfile() throws {
        let world = try CredentialWorld()
        defer { world.stop() }
        _ = try world.dir.write("credentials", """
            [base]
            aws_access_key_id = \(world.moto.accessKeyID)
            aws_secret_access_key = \(world.moto.secretAccessKey)
            """)
        _ = try world.dir.write("config", """
            [profile log-archive]
            role_arn = \(CredentialWorld.role)
            source_profile = base
            external_id = trail-7f3a
            role_session_name = trail-monitor
            duration_seconds = 3600
            [profile wrong-role]
            role_arn = arn:aws:iam::123456789012:role/not-allowed
            source_profile = base
            [profile signed-check]
            role_arn = arn:aws:iam::123456789012:role/trail-reader
            source_profile = base
            """)
        // moto's STS: the role's credentials then read the bucket.
        let viaMoto = try world.fetch(["AWS_ENDPOINT_URL_STS": world.moto.endpoint], arguments: "--profile log-archive")
        world.expectFetched(viaMoto, from: "role \(CredentialWorld.role) assumed with profile base")

        // The test STS checks the signature made with the source profile's keys.
        let signed = try world.fetch(["AWS_ENDPOINT_URL_STS": world.url, "AWS_PROFILE": "signed-check"])
        world.expectFetched(signed, from: "role arn:aws:iam::123456789012:role/trail-reader assumed with profile base")
        #expect(world.endpoints.log.contains("issued sts "))

        let refused = try world.fetch(["AWS_ENDPOINT_URL_STS": world.url], arguments: "--profile wrong-role", quietly: true)
        #expect(refused.status == 2)
        #expect(refused.stderr == "trail-fetch: s3://trail-logs/: no credentials: AssumeRole arn:aws:iam::123456789012:role/not-allowed: refused (AccessDenied: User: arn:aws:iam::123456789012:user/trail is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/not-allowed)\n")
    }

    @Test func credentialProcessAndRoleFromEnvironmentKeys() throws {
        let world = try CredentialWorld()
        defer { world.stop() }
        let key = world.issued[0]
        let script = try world.dir.write("print-credentials.sh", """
            #!/bin/sh
            printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "SessionToken": "%s", "Expiration": "2099-01-01T00:00:00Z"}' \
              "\(key[0])" "\(key[1])" "\(key[2])"
            """)
        _ = try world.dir.write("config", """
            [default]
            credential_process = sh \(script) --profile default
            [profile failing]
            credential_process = sh -c 'echo secret-on-stderr >&2; exit 3'
            [profile from-env]
            role_arn = \(CredentialWorld.role)
            credential_source = Environment
            """)
        world.expectFetched(try world.fetch([:]), from: "credential_process of profile default")

        let failing = try world.fetch(["AWS_PROFILE": "failing"])
        #expect(failing.status == 2)
        #expect(failing.stderr.hasSuffix("credential_process of profile failing: the program exited with status 3\n"))
        #expect(!failing.stderr.contains("secret-on-stderr"))

        // credential_source Environment: the environment's keys sign AssumeRole, even with the profile named.
        let fromEnv = try world.fetch(["AWS_ACCESS_KEY_ID": world.moto.accessKeyID, "AWS_SECRET_ACCESS_KEY": world.moto.secretAccessKey,
                                       "AWS_ENDPOINT_URL_STS": world.moto.endpoint], arguments: "--profile from-env")
        world.expectFetched(fromEnv, from: "role \(CredentialWorld.role) assumed with the environment (AWS_ACCESS_KEY_ID)")
    }

    @Test func identityCenterLoginCachedByAwsSsoLogin() throws {
        let world = try CredentialWorld()
        defer { world.stop() }
        _ = try world.dir.write("config", """
            [profile desk]
            sso_session = corp
            sso_account_id = 123456789012
            sso_role_name = TrailReader
            region = us-east-1
            [profile other-role]
            sso_session = corp
            sso_account_id = 123456789012
            sso_role_name = Admin
            [sso-session corp]
            sso_start_url = https://corp.awsapps.com/start
            sso_region = us-east-1
            sso_registration_scopes = sso:account:access
            """)
        let sso = ["AWS_ENDPOINT_URL_SSO": world.url, "AWS_PROFILE": "desk"]
        let notLoggedIn = try world.fetch(sso)
        #expect(notLoggedIn.status == 2)
        #expect(notLoggedIn.stderr.hasSuffix("run aws sso login --sso-session corp\n"), "\(notLoggedIn.stderr)")

        // The cache file `aws sso login --sso-session corp` writes: the SHA-1 of the session's name.
        let sha1 = try runShell("printf corp | sha1sum").stdout.prefix(40)
        let cache = "sso/cache/\(sha1).json"
        _ = try world.dir.write(".aws/" + cache, """
            {"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "\(CredentialWorld.ssoToken)",
             "expiresAt": "2099-01-01T00:00:00Z", "clientId": "c", "clientSecret": "s", "refreshToken": "r"}
            """)
        world.expectFetched(try world.fetch(sso), from: "IAM Identity Center (profile desk, role TrailReader in 123456789012)")

        let noRole = try world.fetch(["AWS_ENDPOINT_URL_SSO": world.url, "AWS_PROFILE": "other-role"])
        #expect(noRole.status == 2)
        #expect(noRole.stderr.contains("refused (HTTP 403)"))

        _ = try world.dir.write(".aws/" + cache, #"{"accessToken": "\#(CredentialWorld.ssoToken)", "expiresAt": "2020-01-01T00:00:00UTC"}"#)
        let expired = try world.fetch(sso)
        #expect(expired.status == 2)
        #expect(expired.stderr.contains("the login expired at 2020-01-01T00:00:00UTC; run aws sso login --sso-session corp"))
    }

    /// Credentials that live four seconds: a client that lists, waits past half their life and
    /// lists again has fetched new ones in between, and both lists are accepted.
    @Test func temporaryCredentialsAreRenewedMidRun() throws {
        let world = try CredentialWorld(lifetime: 4)
        defer { world.stop() }
        var environment = world.bare
        environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = world.url + "/v2/credentials/task"
        environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = CredentialWorld.containerToken
        let configuration = try AWSConfiguration.resolve(environment: environment)
        let credentials = try #require(configuration.credentials)
        let client = try S3Client(location: BucketLocation("s3://trail-logs")!, credentials: credentials, region: "us-east-1",
                                  endpoint: world.moto.endpoint)
        #expect(try client.list(prefix: "AWSLogs/").objects.count == 1)
        let first = try credentials.current().accessKeyID
        Thread.sleep(forTimeInterval: 2.5)
        #expect(try client.list(prefix: "AWSLogs/").objects.count == 1)
        let second = try credentials.current().accessKeyID
        #expect(first == world.issued[0][0])
        #expect(second == world.issued[1][0])
        #expect(world.endpoints.log.components(separatedBy: "issued container").count - 1 == 2)
    }

    /// oss:// with Alibaba Cloud's chain: an aliyun CLI profile assuming a RAM role (RPC
    /// signature checked by the test STS), RRSA's OIDC token, and the ECS instance's RAM role.
    @Test func alibabaCloudCredentials() throws {
        let world = try CredentialWorld()
        defer { world.stop() }
        let sts = ["ALIBABA_CLOUD_STS_ENDPOINT": world.url + "/alibaba-sts", "ALIBABA_CLOUD_ACCESS_KEY_ID": "",
                   "ALIBABA_CLOUD_ROLE_ARN": "", "ALIBABA_CLOUD_ECS_METADATA": ""]
        _ = try world.dir.write(".aliyun/config.json", """
            {"current": "audit", "profiles": [
              {"name": "default", "mode": "AK", "access_key_id": "\(world.issued[2][0])", "access_key_secret": "\(world.issued[2][1])", "sts_token": ""},
              {"name": "audit", "mode": "RamRoleArn", "access_key_id": "\(world.moto.accessKeyID)", "access_key_secret": "\(world.moto.secretAccessKey)",
               "sts_token": "", "ram_role_arn": "acs:ram::1234567890123456:role/trail-reader", "ram_session_name": "trail", "expired_seconds": 900},
              {"name": "wrong", "mode": "RamRoleArn", "access_key_id": "\(world.moto.accessKeyID)", "access_key_secret": "\(world.moto.secretAccessKey)",
               "ram_role_arn": "acs:ram::1234567890123456:role/admin"},
              {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "TrailReader"}
            ]}
            """)
        let ecs = ["ALIBABA_CLOUD_ECS_METADATA_ENDPOINT": world.url]
        world.expectFetched(try world.fetch(sts, scheme: "oss"), from: "Alibaba Cloud RAM role acs:ram::1234567890123456:role/trail-reader")
        #expect(world.endpoints.log.contains("issued aliyun-sts"))
        world.expectFetched(try world.fetch(sts.merging(["ALIBABA_CLOUD_PROFILE": "ecs"].merging(ecs) { $1 }) { $1 }, scheme: "oss"),
                            from: "the Alibaba Cloud ECS metadata service (RAM role TrailReader)")

        let refused = try world.fetch(sts.merging(["ALIBABA_CLOUD_PROFILE": "wrong"]) { $1 }, quietly: true, scheme: "oss")
        #expect(refused.status == 2)
        #expect(refused.stderr == "trail-fetch: oss://trail-logs/: no credentials: Alibaba Cloud AssumeRole acs:ram::1234567890123456:role/admin: refused (NoPermission: You are not authorized to do this action.)\n")

        let tokenFile = try world.dir.write("rrsa-token", CredentialWorld.oidcToken)
        let rrsa = ["ALIBABA_CLOUD_ROLE_ARN": "acs:ram::1234567890123456:role/trail-reader",
                    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::1234567890123456:oidc-provider/ack-rrsa-c1", "ALIBABA_CLOUD_OIDC_TOKEN_FILE": tokenFile]
        world.expectFetched(try world.fetch(sts.merging(rrsa) { $1 }, scheme: "oss"),
                            from: "Alibaba Cloud RRSA token \(tokenFile) for role acs:ram::1234567890123456:role/trail-reader",
                            secrets: [CredentialWorld.oidcToken])

        world.expectFetched(try world.fetch(sts.merging(["ALIBABA_CLOUD_ECS_METADATA": "TrailReader", "HOME": world.dir.path + "/nowhere"].merging(ecs) { $1 }) { $1 },
                                            scheme: "oss"),
                            from: "the Alibaba Cloud ECS metadata service (RAM role TrailReader)")
        #expect(!world.endpoints.log.contains("refused ecs"))
    }
}
