"""A small S3 on loopback that checks SigV4 signatures the way S3 does, for the key forms
moto cannot check (it signs its decoded path, so `+`, `%` and non-ASCII keys fail even for
boto3). The canonical URI is the path exactly as sent: no decoding, no dot-segment removal.

Usage: signed_s3_listener.py ACCESS_KEY SECRET OBJECTS.json  (OBJECTS: {"bucket/key": "body"};
a null body stands for an object S3 refuses: 403 AccessDenied, as one under a KMS key the
reader may not use)
Prints the port, then serves ListObjectsV2 (delimiter; encoding-type=url, as S3 encodes: space as +)
and GetObject, path-style. A request whose signature does not match gets 403
SignatureDoesNotMatch; each is logged on stderr as `<status> <raw path>`.
"""
import http.server
import json
import sys
from urllib.parse import parse_qs, quote_plus, unquote, urlsplit
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY, SECRET = sys.argv[1], sys.argv[2]
with open(sys.argv[3], encoding="utf-8") as f:
    OBJECTS = json.load(f)


def expected_signature(method, raw_path, headers):
    authorization = headers.get("Authorization", "")
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    request = AWSRequest(method=method, url="http://" + headers["Host"] + raw_path,
                         headers={name: headers[name] for name in signed if name in headers})
    request.context["timestamp"] = headers["X-Amz-Date"]
    region = authorization.split("Credential=")[1].split("/")[2]
    auth = S3SigV4Auth(Credentials(ACCESS_KEY, SECRET), "s3", region)
    canonical = auth.canonical_request(request)
    return auth.signature(auth.string_to_sign(request, canonical), request)


def listing(bucket, query):
    prefix = query.get("prefix", [""])[0]
    after = query.get("start-after", [""])[0].encode()
    keys = sorted((k.split("/", 1)[1] for k in OBJECTS if k.startswith(bucket + "/")), key=lambda k: k.encode())
    keys = [k for k in keys if k.startswith(prefix) and k.encode() > after]
    delimiter = query.get("delimiter", [""])[0]
    folders = sorted({prefix + k[len(prefix):].split(delimiter)[0] + delimiter
                      for k in keys if delimiter and delimiter in k[len(prefix):]})
    keys = [k for k in keys if not delimiter or delimiter not in k[len(prefix):]]
    contents = "".join(
        f"<Contents><Key>{escape(quote_plus(k, safe='/'))}</Key><ETag>&quot;{abs(hash(k))}&quot;</ETag>"
        f"<Size>{len(OBJECTS[bucket + '/' + k] or '')}</Size></Contents>" for k in keys) + "".join(
        f"<CommonPrefixes><Prefix>{escape(quote_plus(p, safe='/'))}</Prefix></CommonPrefixes>" for p in folders)
    return ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>' + bucket +
            "</Name><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>" + contents +
            "</ListBucketResult>").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        parts = urlsplit(self.path)
        try:
            good = expected_signature("GET", self.path, self.headers) in self.headers.get("Authorization", "")
        except (KeyError, IndexError):
            good = False
        bucket, _, key = parts.path[1:].partition("/")
        if not good:
            status, body = 403, b"<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>"
        elif key == "":
            status, body = 200, listing(bucket, parse_qs(parts.query))
        elif OBJECTS.get(bucket + "/" + unquote(key), "") is None:
            status, body = 403, b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
        elif bucket + "/" + unquote(key) in OBJECTS:
            status, body = 200, OBJECTS[bucket + "/" + unquote(key)].encode()
        else:
            status, body = 404, b"<Error><Code>NoSuchKey</Code><Message>no</Message></Error>"
        sys.stderr.write(f"{status} {self.path}\n")
        sys.stderr.flush()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
