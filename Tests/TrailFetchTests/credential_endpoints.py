"""The places credentials come from on a host, for the credential chain's tests, each checking
what the real one checks:
  - the EC2 instance metadata service, IMDSv2 only: PUT /latest/api/token (with a TTL header)
    gives a session token; every read without it is refused with 401;
  - the container credentials endpoint (ECS, EKS Pod Identity): GET /v2/credentials/... needs
    the Authorization header to hold the agent's token;
  - the IAM Identity Center portal: GET /federation/credentials?account_id=&role_name= needs
    the x-amz-sso_bearer_token header to hold the token `aws sso login` cached;
  - STS AssumeRole (POST /): the SigV4 signature must be SOURCE_KEY's (moto's STS checks
    none), and only ROLE_ARN may be assumed: any other gets STS's 403 AccessDenied;
  - Alibaba Cloud STS (POST /alibaba-sts): AssumeRole with an RPC signature (HMAC-SHA1) of
    SOURCE_KEY, AssumeRoleWithOIDC with OIDC_TOKEN; only ALIBABA_ROLE may be assumed;
  - the Alibaba Cloud ECS metadata service in hardened mode: a token PUT for first.

Usage: credential_endpoints.py CREDENTIALS.json CONTAINER_TOKEN SSO_TOKEN LIFETIME_SECONDS
       SOURCE_KEY SOURCE_SECRET ROLE_ARN OIDC_TOKEN
CREDENTIALS: [[key id, secret, session token], ...], handed out in turn, each valid for
LIFETIME seconds. Prints the port, then logs `issued <kind> <key id>` or `refused <kind> <why>`.
"""
import base64
import hashlib
import hmac
import http.server
import json
import secrets
import sys
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, quote, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

with open(sys.argv[1], encoding="utf-8") as f:
    CREDENTIALS = json.load(f)
CONTAINER_TOKEN, SSO_TOKEN, LIFETIME = sys.argv[2], sys.argv[3], int(sys.argv[4])
SOURCE_KEY, SOURCE_SECRET, ROLE_ARN, OIDC_TOKEN = sys.argv[5], sys.argv[6], sys.argv[7], sys.argv[8]
ALIBABA_ROLE = "acs:ram::1234567890123456:role/trail-reader"
aliyun_tokens = set()
ROLE = "trail-reader"
issued = 0
imds_tokens = set()


def next_credentials():
    global issued
    key, secret, token = CREDENTIALS[issued % len(CREDENTIALS)]
    issued += 1
    return key, secret, token, time.time() + LIFETIME


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, kind, note):
        sys.stderr.write(f"{'issued' if status == 200 else 'refused'} {kind} {note}\n")
        sys.stderr.flush()
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if self.path == "/latest/api/token" and self.headers.get("X-aliyun-ecs-metadata-token-ttl-seconds"):
            token = secrets.token_hex(16)
            aliyun_tokens.add(token)
            return self.answer(200, token, "ecs-token", "session")
        if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.answer(400, "", "imds-token", "no TTL header")
        token = secrets.token_hex(16)
        imds_tokens.add(token)
        self.answer(200, token, "imds-token", "session")

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path.startswith("/latest/meta-data/ram/security-credentials/"):
            return self.ecs_role(url.path)
        if url.path.startswith("/latest/meta-data/"):
            return self.imds(url.path)
        if url.path.startswith("/v2/credentials/"):
            if self.headers.get("Authorization") != CONTAINER_TOKEN:
                return self.answer(403, {"message": "bad authorization"}, "container", "wrong Authorization")
            key, secret, token, expires = next_credentials()
            return self.answer(200, {"AccessKeyId": key, "SecretAccessKey": secret, "Token": token,
                                     "Expiration": iso(expires), "RoleArn": "arn:aws:iam::123456789012:role/" + ROLE},
                               "container", key)
        if url.path == "/federation/credentials":
            return self.sso(parse_qs(url.query))
        self.answer(404, "", "unknown", url.path)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        form = parse_qs(body.decode())
        if self.path == "/alibaba-sts":
            return self.alibaba_sts({name: values[0] for name, values in form.items()})
        if form.get("Action") != ["AssumeRole"]:
            return self.answer(400, "", "sts", "not AssumeRole")
        if not self.signed_by_source(body):
            return self.answer(403, sts_error("SignatureDoesNotMatch", "The request signature we calculated does not match"),
                               "sts", "bad signature")
        role = form.get("RoleArn", [""])[0]
        if role != ROLE_ARN:
            return self.answer(403, sts_error("AccessDenied", "User: arn:aws:iam::123456789012:user/trail is not authorized "
                                              "to perform: sts:AssumeRole on resource: " + role), "sts", "AccessDenied " + role)
        key, secret, token, expires = next_credentials()
        self.answer(200, "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
                    f"<AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
                    f"<SessionToken>{token}</SessionToken><Expiration>{iso(expires)}</Expiration>"
                    "</Credentials></AssumeRoleResult></AssumeRoleResponse>", "sts", key)

    def signed_by_source(self, body):
        authorization = self.headers.get("Authorization", "")
        if "Credential=" + SOURCE_KEY + "/" not in authorization:
            return False
        signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
        request = AWSRequest(method="POST", url="http://" + self.headers["Host"] + self.path, data=body,
                             headers={name: self.headers[name] for name in signed if name in self.headers})
        request.context["timestamp"] = self.headers["X-Amz-Date"]
        region = authorization.split("Credential=")[1].split("/")[2]
        auth = SigV4Auth(Credentials(SOURCE_KEY, SOURCE_SECRET), "sts", region)
        expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
        return authorization.endswith("Signature=" + expected)

    def alibaba_sts(self, form):
        action = form.get("Action")
        if action == "AssumeRoleWithOIDC":
            if form.get("OIDCToken") != OIDC_TOKEN or not form.get("OIDCProviderArn", "").startswith("acs:ram::"):
                return self.answer(400, {"Code": "InvalidParameter.OIDCToken", "Message": "bad token"}, "aliyun-sts", "bad OIDC token")
        elif action == "AssumeRole":
            given = form.pop("Signature", "")
            canonical = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(form.items()))
            digest = hmac.new((SOURCE_SECRET + "&").encode(), ("POST&%2F&" + quote(canonical, safe="~")).encode(), hashlib.sha1)
            if form.get("AccessKeyId") != SOURCE_KEY or given != base64.b64encode(digest.digest()).decode():
                return self.answer(400, {"Code": "SignatureDoesNotMatch", "Message": "signature"}, "aliyun-sts", "bad signature")
        else:
            return self.answer(400, {"Code": "InvalidAction"}, "aliyun-sts", str(action))
        if form.get("RoleArn") != ALIBABA_ROLE:
            return self.answer(403, {"Code": "NoPermission", "Message": "You are not authorized to do this action."},
                               "aliyun-sts", "NoPermission")
        key, secret, token, expires = next_credentials()
        self.answer(200, {"RequestId": "1", "Credentials": {"AccessKeyId": key, "AccessKeySecret": secret, "SecurityToken": token,
                                                            "Expiration": iso(expires)}}, "aliyun-sts", key)

    def ecs_role(self, path):
        if self.headers.get("X-aliyun-ecs-metadata-token") not in aliyun_tokens:
            return self.answer(403, "", "ecs-role", "no metadata token")
        if path != "/latest/meta-data/ram/security-credentials/TrailReader":
            return self.answer(404, "", "ecs-role", path)
        key, secret, token, expires = next_credentials()
        self.answer(200, {"Code": "Success", "AccessKeyId": key, "AccessKeySecret": secret, "SecurityToken": token,
                          "Expiration": iso(expires), "LastUpdated": iso(time.time())}, "ecs-role", key)

    def imds(self, path):
        if self.headers.get("X-aws-ec2-metadata-token") not in imds_tokens:
            return self.answer(401, "", "imds", "no session token (IMDSv1)")
        base = "/latest/meta-data/iam/security-credentials/"
        if path == base:
            return self.answer(200, ROLE + "\n", "imds-role", ROLE)
        if path != base + ROLE:
            return self.answer(404, "", "imds", path)
        key, secret, token, expires = next_credentials()
        self.answer(200, {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": key, "SecretAccessKey": secret,
                          "Token": token, "Expiration": iso(expires), "LastUpdated": iso(time.time())}, "imds", key)

    def sso(self, query):
        if self.headers.get("x-amz-sso_bearer_token") != SSO_TOKEN:
            return self.answer(401, {"message": "Session token not found or invalid"}, "sso", "wrong bearer token")
        if query.get("account_id") != ["123456789012"] or query.get("role_name") != ["TrailReader"]:
            return self.answer(403, {"message": "No access"}, "sso", "wrong account or role")
        key, secret, token, expires = next_credentials()
        self.answer(200, {"roleCredentials": {"accessKeyId": key, "secretAccessKey": secret, "sessionToken": token,
                                              "expiration": int(expires * 1000)}}, "sso", key)


def sts_error(code, message):
    return ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>1</RequestId></ErrorResponse>")


def iso(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
