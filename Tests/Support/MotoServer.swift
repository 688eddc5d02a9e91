import Foundation

/// A moto server (S3, SNS, SQS, …) on 127.0.0.1 for one test, with authentication on: after the three IAM
/// calls that create its user, every request must carry a valid SigV4 signature of that
/// user's key, so the server checks our signer too.
public final class MotoServer {
    public let server: LoopbackServer
    public let accessKeyID: String
    public let secretAccessKey: String
    public var endpoint: String { "http://127.0.0.1:\(server.port)" }

    public init() throws {
        server = try LoopbackServer(["python3", "-c", """
            import socket, time
            from urllib.parse import urlparse, urlunparse
            from moto.core.responses import BaseResponse
            from moto.server import ThreadedMotoServer
            # moto checks signatures against werkzeug's decoded URL, in which %2F in a query
            # has become /, so that every listing with a prefix fails for any client (boto3
            # too); give it the query string as it was sent.
            original_setup = BaseResponse.setup_class
            def setup_class(self, request, full_url, headers, use_raw_body=False):
                original_setup(self, request, full_url, headers, use_raw_body)
                raw = getattr(request, "environ", {}).get("QUERY_STRING")
                if raw is not None:
                    self.uri = urlunparse(urlparse(full_url)._replace(query=raw))
            BaseResponse.setup_class = setup_class
            # STS answers AssumeRoleWithWebIdentity unsigned (the token is the proof); moto
            # with authentication on fails on the missing Authorization header instead.
            from moto.core.authorization import ActionAuthenticatorMixin
            original_authorize = ActionAuthenticatorMixin._authenticate_and_authorize_action
            def authorize(self, iam_request_cls, resource="*"):
                if "Authorization" not in self.headers and self._get_action() == "AssumeRoleWithWebIdentity":
                    return
                original_authorize(self, iam_request_cls, resource)
            ActionAuthenticatorMixin._authenticate_and_authorize_action = authorize
            s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
            ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False).start()
            print(port, flush=True)
            while True: time.sleep(3600)
            """], environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "3"], startupTimeout: 60)
        let result = try runShell("""
            python3 -c '
            import boto3, json, sys
            iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                               aws_access_key_id="setup", aws_secret_access_key="setup")
            iam.create_user(UserName="trail")
            iam.put_user_policy(UserName="trail", PolicyName="all", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            key = iam.create_access_key(UserName="trail")["AccessKey"]
            print(key["AccessKeyId"]); print(key["SecretAccessKey"])
            ' "http://127.0.0.1:\(server.port)"
            """, timeout: 60)
        let lines = result.stdoutLines
        guard result.status == 0, lines.count == 2 else {
            server.stop()
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "moto setup failed: \(result.stderr.suffix(800))"])
        }
        accessKeyID = lines[0]
        secretAccessKey = lines[1]
    }

    public func stop() { server.stop() }

    /// The environment trail-fetch needs to reach this server as this user.
    public var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey, "AWS_ENDPOINT_URL_S3": endpoint,
         "AWS_REGION": "us-east-1", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"]
    }

    /// Runs `script` in python3 with boto3 imported and `kw` holding this server's endpoint,
    /// region and the test user's keys (for `boto3.client(NAME, **kw)`); `args` are `arguments`.
    public func boto3(_ script: String, _ arguments: [String] = []) throws -> CommandResult {
        let preamble = """
            import boto3, json, sys
            kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
            args = sys.argv[4:]

            """
        let quoted = ([endpoint, accessKeyID, secretAccessKey] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return try runShell("python3 -c \"$SCRIPT\" \(quoted)", environment: ["SCRIPT": preamble + script], timeout: 60)
    }

    /// Temporary credentials (key id, secret, session token) of a role assumed through STS.
    public func temporaryCredentials() throws -> [String] {
        let result = try runShell("""
            python3 -c '
            import boto3, json, sys
            kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
            boto3.client("iam", **kw).create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}))
            boto3.client("iam", **kw).put_role_policy(RoleName="reader", PolicyName="all", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            c = boto3.client("sts", **kw).assume_role(RoleArn="arn:aws:iam::123456789012:role/reader", RoleSessionName="trail")["Credentials"]
            print(c["AccessKeyId"]); print(c["SecretAccessKey"]); print(c["SessionToken"])
            ' "\(endpoint)" "\(accessKeyID)" "\(secretAccessKey)"
            """, timeout: 60)
        guard result.status == 0, result.stdoutLines.count == 3 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "assume-role failed: \(result.stderr.suffix(800))"])
        }
        return result.stdoutLines
    }

    /// Creates `bucket` (once) and uploads each (key, local file) pair with boto3.
    public func put(bucket: String, _ files: [(key: String, path: String)]) throws {
        let list = files.map { "\($0.key)\t\($0.path)" }.joined(separator: "\n") + "\n"
        let result = try runShell("""
            python3 -c '
            import boto3, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                              aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
            bucket = sys.argv[4]
            if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
                s3.create_bucket(Bucket=bucket)
            for line in sys.stdin.read().splitlines():
                key, path = line.split("\\t")
                with open(path, "rb") as f:
                    s3.put_object(Bucket=bucket, Key=key, Body=f.read())
            ' "\(endpoint)" "\(accessKeyID)" "\(secretAccessKey)" "\(bucket)"
            """, stdin: list, timeout: 120)
        guard result.status == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "upload failed: \(result.stderr.suffix(800))"])
        }
    }
}
