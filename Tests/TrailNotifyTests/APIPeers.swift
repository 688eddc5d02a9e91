import Foundation

extension Peers {
    /// One HTTP API listener standing in for a service, checking what that service checks and
    /// answering as it answers. argv: folder port service (teams, pagerduty, opsgenie,
    /// dingtalk, splunk). KEY is the key the service knows (routing key, GenieKey, access
    /// token, HEC token), SECRET DingTalk's signing secret. The first FAIL_FIRST requests get
    /// 429 then 503 in turn, with `Retry-After: RETRY_AFTER` when that is set; a body
    /// containing REJECT gets 400. CERT and KEYFILE serve HTTPS.
    /// What is accepted is written to the folder as {"path","headers","body"}.
    static let api = #"""
    import sys, os, re, json, threading, http.server, hmac, hashlib, base64, time, ssl
    from urllib.parse import urlparse, parse_qs
    folder, port, service = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    key, secret = os.environ.get("KEY", ""), os.environ.get("SECRET", "")
    fail_first = int(os.environ.get("FAIL_FIRST", "0"))
    retry_after = os.environ.get("RETRY_AFTER")
    reject = os.environ.get("REJECT", "").encode()
    lock = threading.Lock()
    state = {"requests": 0, "stored": 0}

    def card_errors(body):
        # What a Workflows webhook and the Adaptive Card schema require.
        if body.get("type") != "message": return "type must be message"
        items = body.get("attachments") or []
        if len(items) != 1 or items[0].get("contentType") != "application/vnd.microsoft.card.adaptive": return "one adaptive card attachment"
        card = items[0].get("content") or {}
        if card.get("type") != "AdaptiveCard": return "content.type"
        if tuple(int(p) for p in str(card.get("version", "0")).split(".")) < (1, 4): return "version 1.4 or later"
        for element in card.get("body", []):
            kind = element.get("type")
            if kind == "TextBlock" and not isinstance(element.get("text"), str): return "TextBlock.text"
            if kind == "FactSet" and not all(isinstance(f.get("title"), str) and isinstance(f.get("value"), str) for f in element.get("facts", [])): return "Fact title/value"
            if kind not in ("TextBlock", "FactSet"): return "unexpected element " + str(kind)
        for action in card.get("actions", []):
            if action.get("type") != "Action.OpenUrl" or not str(action.get("url", "")).startswith("https://"): return "Action.OpenUrl.url"
        return None

    def pagerduty(headers, query, body):
        if body.get("routing_key") != key: return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["Invalid routing key"]}
        payload = body.get("payload") or {}
        errors = []
        if body.get("event_action") not in ("trigger", "acknowledge", "resolve"): errors.append("event_action")
        if not body.get("dedup_key") or len(body["dedup_key"]) > 255: errors.append("dedup_key")
        if not payload.get("summary") or len(payload["summary"]) > 1024: errors.append("payload.summary")
        if payload.get("severity") not in ("critical", "error", "warning", "info"): errors.append("payload.severity")
        if not payload.get("source"): errors.append("payload.source")
        if errors: return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        return 202, {"status": "success", "message": "Event processed", "dedup_key": body["dedup_key"]}

    def opsgenie(headers, query, body):
        given = headers.get("Authorization", "")
        if not re.fullmatch(r"GenieKey [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", given): return 422, {"message": "Key format is not valid!"}
        if given != "GenieKey " + key: return 401, {"message": "Could not authenticate"}
        if not body.get("message") or len(body["message"]) > 130: return 422, {"message": "message"}
        if body.get("priority") not in ("P1", "P2", "P3", "P4", "P5") or len(body.get("alias", "")) > 512: return 422, {"message": "priority or alias"}
        return 202, {"result": "Request will be processed", "took": 0.1, "requestId": "r"}

    def dingtalk(headers, query, body):
        if query.get("access_token") != [key]: return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        if secret:
            stamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            expected = base64.b64encode(hmac.new(secret.encode(), (stamp + "\n" + secret).encode(), hashlib.sha256).digest()).decode()
            if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > 3600_000 or sign != expected:
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
        if body.get("msgtype") != "markdown" or not body.get("markdown", {}).get("title") or not body["markdown"].get("text"):
            return 200, {"errcode": 40035, "errmsg": "missing parameter"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def splunk(headers, query, body):
        if "Authorization" not in headers: return 401, {"text": "Token is required", "code": 2}
        if headers["Authorization"] != "Splunk " + key: return 403, {"text": "Invalid token", "code": 4}
        if "event" not in body: return 400, {"text": "Event field is required", "code": 12}
        if "time" in body and not isinstance(body["time"], (int, float)): return 400, {"text": "Invalid data format", "code": 6}
        return 200, {"text": "Success", "code": 0}

    def teams(headers, query, body):
        error = card_errors(body)
        return (400, {"error": error}) if error else (202, {})

    check = {"teams": teams, "pagerduty": pagerduty, "opsgenie": opsgenie, "dingtalk": dingtalk, "splunk": splunk}[service]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                state["requests"] += 1
                n = state["requests"]
            if n <= fail_first:
                return self.reply(429 if n % 2 else 503, {"message": "try later"}, {"Retry-After": retry_after} if retry_after else {})
            if reject and reject in raw:
                return self.reply(400, {"message": "rejected"})
            try:
                body = json.loads(raw)
            except ValueError:
                return self.reply(400, {"message": "not JSON"})
            url = urlparse(self.path)
            status, answer = check(dict(self.headers), parse_qs(url.query), body)
            if status < 300 and answer.get("errcode", 0) == 0:
                with lock:
                    state["stored"] += 1
                    path = os.path.join(folder, "%05d.json" % state["stored"])
                with open(path + ".tmp", "w") as f:
                    json.dump({"path": self.path, "headers": dict(self.headers), "body": raw.decode()}, f)
                os.rename(path + ".tmp", path)
            self.reply(status, answer)
        def reply(self, status, answer, extra={}):
            data = json.dumps(answer).encode()
            self.send_response(status)
            for name, value in extra.items(): self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if os.environ.get("CERT"):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(os.environ["CERT"], os.environ["KEYFILE"])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """#
}
