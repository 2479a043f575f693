#!/usr/bin/python3
"""test_api.py: the web app's HTTP server and API (docs/api.md), against real
`seurone run` processes on 127.0.0.1 with ephemeral ports (tests/multi/harness.py).

  - config and `seurone ui`: web.token (0600), run.json's web, the login link,
    no node (exit 3), web = off, a port taken, a non-loopback warning;
  - auth: /login sets the session cookie (HttpOnly, SameSite=Strict, Path=/,
    HMAC-SHA256 of the token) and sends the browser to /; 401 without it,
    Bearer works; 403 without the CSRF header, with a foreign Origin, with a
    foreign Host (DNS rebinding); the CSP and other headers on every response;
  - bad input: 405, 413 (announced and chunked), 415, 400 (bad JSON, bad
    fields, bad ids), 404 (unknown endpoint, ids matching nothing), and none of
    it changes the store (entries and peers counted before and after);
  - changes through the API reach a second node: peer add, follows, a share
    in Chinese, Arabic and emoji; the other node's event stream announces it;
    invite create on a relay and accept on a newcomer; peer remove;
  - static files: types, a link inside the directory, and every way out
    refused (.., %2e%2e, a link out, dot files, directories);
  - POST /api/qr draws SVG;
  - devices (docs/api.md, "Devices"): GET /api/devices, POST /api/devices/add
    (a one-time code) redeemed by a real second node (`seurone device join`),
    the person mapping in ITEM, PERSON, people, log and the cascade (the
    device's share is the person's, with device and device_name), revoke, and
    every bad request (names too long, control characters, a malformed or
    unknown device, a node that is itself a device) refused with a clear
    400/404/409 and the store unchanged;
  - a node with an open event stream stops cleanly (exit 0).
"""
import hashlib
import hmac
import http.client
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "multi"))
import harness as h  # noqa: E402
from harness import check, check_eq  # noqa: E402

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECRET_TEXT = "outside-the-web-directory"


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body.decode())


class Web:
    """One node's web server: its port, token, and the requests of a browser
    that signed in (cookie) or of another client (Bearer)."""

    def __init__(self, node):
        info = node.run_info or node.wait_ready()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)", info.get("web") or "")
        check(m is not None and int(m.group(1)) != 0, f"{node.name}: run.json names the web app on a bound port "
              f"({info.get('web')})")
        self.node, self.port, self.base = node, int(m.group(1)), info["web"]
        with open(os.path.join(node.home, "web.token")) as f:
            self.token = f.read().strip()
        self.cookie = None
        self.csrf = None

    def req(self, method, path, body=None, headers=None, auth="cookie", host=None, raw=False):
        hd = {"Host": host if host is not None else f"127.0.0.1:{self.port}"}
        if auth == "cookie" and self.cookie:
            hd["Cookie"] = f"sr_session={self.cookie}"
        elif auth == "bearer":
            hd["Authorization"] = f"Bearer {self.token}"
        if body is not None and not raw:
            body = json.dumps(body).encode()
            hd["Content-Type"] = "application/json"
        hd.update(headers or {})
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60 * h.SCALE)
        try:
            c.request(method, path, body=body, headers=hd)
            r = c.getresponse()
            return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            c.close()

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def post(self, path, body, **kw):
        hd = dict(kw.pop("headers", {}) or {})
        if self.csrf and "X-Seurone-CSRF" not in hd and not kw.pop("no_csrf", False):
            hd["X-Seurone-CSRF"] = self.csrf
        return self.req("POST", path, body=body, headers=hd, **kw)

    def ok(self, method, path, body=None, what=None, **kw):
        r = self.post(path, body, **kw) if method == "POST" else self.get(path, **kw)
        if r.status != 200:
            raise h.TestFailure(f"{what or path}: status {r.status}: {r.body[:400]!r}")
        return r.json()

    def login(self):
        r = self.get(f"/login?token={self.token}", auth=None)
        check_eq(r.status, 303, f"{self.node.name}: /login with the token redirects")
        check_eq(r.header("Location"), "/", f"{self.node.name}: to /")
        m = re.fullmatch(r"sr_session=([0-9]+\.[0-9a-f]{64}); Max-Age=1209600; HttpOnly; SameSite=Strict; Path=/",
                         r.header("Set-Cookie") or "")
        check(m is not None, f"{self.node.name}: the cookie lasts 14 days, HttpOnly, SameSite=Strict, Path=/ "
              f"({r.header('Set-Cookie')})")
        self.cookie = m.group(1)
        s = self.ok("GET", "/api/session")
        self.csrf = s["csrf"]
        return r, s


def mac(token, what):
    return hmac.new(bytes.fromhex(token), what.encode(), hashlib.sha256).hexdigest()


def session(token, t):
    """The session cookie of docs/api.md for a session opened at t (seconds)."""
    return f"{t}.{mac(token, f'session {t}')}"


def error(r, status, what, code=None):
    check_eq(r.status, status, what)
    try:
        d = r.json()
    except ValueError:
        raise h.TestFailure(f"{what}: the body is not JSON: {r.body[:200]!r}")
    check(d.get("ok") is False and isinstance(d.get("error"), str) and d["error"] and
          str(d.get("code", "")).startswith("SR_E"), f"{what}: {{ok: false, error, code}} ({d.get('code')}: {d.get('error')[:90]})")
    if code:
        check_eq(d["code"], code, f"{what}: code")
    return d


def store_state(node):
    """What bad input must not change: every entry held, and the peer table."""
    return sorted(node.ids()), sorted(p["key"] for p in node.peers())


def web_dir(c):
    """A web directory of the test's own, with a link inside it, a link out of
    it, a dot file, and a secret file beside it."""
    root = c.path("webroot")
    d = os.path.join(root, "web")
    os.makedirs(os.path.join(d, "i18n"))
    os.makedirs(os.path.join(d, "icons"))
    files = {"index.html": "<!doctype html><title>t</title><p>feed</p>\n", "app.js": "console.log('app');\n",
             "style.css": "body{color:#000}\n", "i18n/en.json": '{"hello": "Hello"}\n',
             "i18n/fr.json": '{"hello": "Bonjour"}\n', "icons/i.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
             ".hidden": SECRET_TEXT}
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    with open(os.path.join(root, "secret.txt"), "w") as f:
        f.write(SECRET_TEXT)
    os.symlink("app.js", os.path.join(d, "inside.js"))
    os.symlink(os.path.join(root, "secret.txt"), os.path.join(d, "out.txt"))
    os.symlink("/etc", os.path.join(d, "etc"))
    return d


class Events:
    """GET /api/events read on a thread: the events as (name, data) pairs."""

    def __init__(self, web):
        self.events, self.lines = [], []
        self.sock = socket.create_connection(("127.0.0.1", web.port), timeout=120 * h.SCALE)
        self.sock.sendall((f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{web.port}\r\n"
                           f"Cookie: sr_session={web.cookie}\r\nAccept: text/event-stream\r\n\r\n").encode())
        self.head = b""
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        buf = b""
        try:
            while True:
                data = self.sock.recv(4096)
                if not data:
                    break
                buf += data
                if not self.head and b"\r\n\r\n" in buf:
                    self.head, buf = buf.split(b"\r\n\r\n", 1)
                if self.head:
                    self.lines.append(buf)
                    text = b"".join(self.lines).decode(errors="replace")
                    self.events = re.findall(r"event: (\w+)\r?\ndata: ([^\n]*)\n", text)
        except OSError:
            pass

    def entry_ids(self):
        return {json.loads(d)["id"] for n, d in self.events if n == "entry"}

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def check_headers(r, what, api=True):
    check_eq(r.header("Content-Security-Policy"), CSP, f"{what}: Content-Security-Policy")
    check_eq(r.header("X-Content-Type-Options"), "nosniff", f"{what}: nosniff")
    check_eq(r.header("Referrer-Policy"), "no-referrer", f"{what}: Referrer-Policy")
    if api:
        check_eq(r.header("Cache-Control"), "no-store", f"{what}: Cache-Control")


# ---- the parts ----

def config_and_ui(c):
    """The ways the web app is (not) served, and `seurone ui` for each."""
    d = c.node("d")  # never started
    r = d.cli("ui", "--no-open", check=False)
    check(r.returncode == 3 and "seurone" in r.stderr and "run" in r.stderr,
          f"ui with no node: exit 3 saying to `seurone run` first ({r.returncode}: {r.stderr.strip()[:120]})")
    r = d.cli("ui", "--help")
    check("--no-open" in r.stdout, "ui --help names --no-open")

    d.write_config(web="nonsense")
    p = d.start(wait=False)
    check_eq(p.proc.wait(timeout=30 * h.SCALE), 3, "web = nonsense: run exits 3")
    check(re.search(r"config line \d+: web must be off or HOST:PORT", d.stderr_text()) is not None,
          "web = nonsense: the error names the line and the fix")

    d.write_config(web="off")
    d.start()
    check(d.run_info.get("web") is None, "web = off: run.json has no web address")
    check(not os.path.exists(os.path.join(d.home, "web.token")), "web = off: no token is made")
    r = d.cli("ui", "--no-open", check=False)
    check(r.returncode == 3 and "no web app" in r.stderr, f"ui with web = off: exit 3 saying so ({r.stderr.strip()[:100]})")
    d.stop()

    # A port taken, set explicitly: the node does not start, and says why.
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    d.write_config(web=f"127.0.0.1:{blocker.getsockname()[1]}")
    p = d.start(wait=False)
    check_eq(p.proc.wait(timeout=30 * h.SCALE), 3, "web on a port taken: run exits 3")
    check("cannot serve the web app" in d.stderr_text() and "in use" in d.stderr_text(),
          "web on a port taken: says the port is in use")
    blocker.close()

    # A token file others may read, or a link at its name: refused, saying the fix.
    d.write_config(web="127.0.0.1:0")
    d.start()
    d.stop()
    tok = os.path.join(d.home, "web.token")
    check_eq(oct(stat.S_IMODE(os.stat(tok).st_mode)), oct(0o600), "the token is made 0600")
    os.chmod(tok, 0o644)
    p = d.start(wait=False)
    check_eq(p.proc.wait(timeout=30 * h.SCALE), 3, "a token others may read: run exits 3")
    check(f"chmod 600 {tok}" in d.stderr_text(), "and says `chmod 600` it")
    os.unlink(tok)
    os.symlink(os.path.join(d.home, "config"), tok)
    p = d.start(wait=False)
    check_eq(p.proc.wait(timeout=30 * h.SCALE), 3, "a link at web.token: run exits 3")
    check("symbolic link" in d.stderr_text(), "and says it is a link")
    os.unlink(tok)

    # Every address: a warning in the log; Host must still be an IP literal or localhost.
    d.write_config(web="0.0.0.0:0")
    d.start()
    d.wait_log(r"warning: the web app listens on 0\.0\.0\.0:0, not only on this machine: .* plain HTTP", 10)
    w = Web(d)
    check_eq(w.get("/api/id", auth="bearer").status, 200, "web on 0.0.0.0: Bearer works")
    check_eq(w.get("/api/id", auth="bearer", host=f"10.1.2.3:{w.port}").status, 200,
             "web on 0.0.0.0: another IP literal as Host is served")
    check_eq(w.get("/api/id", auth="bearer", host=f"rebound.example:{w.port}").status, 403,
             "web on 0.0.0.0: a DNS name as Host is refused (403)")
    d.stop()


def auth(a, wa):
    info = a.run_info
    path = os.path.join(a.home, "web.token")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    check_eq(oct(mode), oct(0o600), "web.token is mode 0600")
    check(re.fullmatch(r"[0-9a-f]{64}", wa.token) is not None, "web.token holds 64 hex digits")
    ui = a.cli_json("ui", "--no-open")
    check_eq(ui["url"], f"{info['web']}/login?token={wa.token}", "ui --json gives the login link")
    r = a.cli("ui", "--no-open")
    check_eq(r.stdout.strip(), ui["url"], "ui prints the link")
    # With a desktop, the link goes to xdg-open (here a stand-in that notes its argument).
    bindir = a.cluster.path("bin")
    os.makedirs(bindir, exist_ok=True)
    seen = os.path.join(bindir, "opened")
    with open(os.path.join(bindir, "xdg-open"), "w") as f:
        f.write(f"#!/bin/sh\necho \"$1\" > {seen}\n")
    os.chmod(os.path.join(bindir, "xdg-open"), 0o755)
    env = dict(os.environ, DISPLAY=":99", PATH=bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
    env.pop("WAYLAND_DISPLAY", None)
    r = subprocess.run([h.ARGS.seurone, "--home", a.home, "ui"], capture_output=True, text=True, env=env, timeout=30)
    check_eq(r.stdout.strip(), ui["url"], "ui with a desktop prints the link too")
    h.wait_until(lambda: os.path.exists(seen) and open(seen).read().strip(), 10, "ui with a desktop runs xdg-open")
    opened = open(seen).read().strip()
    m = re.fullmatch(re.escape(info["web"]) + r"/login\?once=([0-9a-f]{32})", opened)
    check(m is not None and wa.token not in opened,
          f"xdg-open gets a one-time link, not the token (a browser's argv is public): {opened[:60]}")
    r = wa.get(opened[len(info["web"]):], auth=None)
    m = re.match(r"sr_session=([0-9]+)\.", r.header("Set-Cookie") or "")
    check(r.status == 303 and m is not None and abs(int(m.group(1)) - time.time()) < 120 and
          f"sr_session={session(wa.token, int(m.group(1)))};" in (r.header("Set-Cookie") or ""),
          "the one-time link signs the browser in (a session cookie of now)")
    check_eq(wa.get(opened[len(info["web"]):], auth=None).status, 401, "a one-time link used once opens nothing more")
    check_eq(wa.get("/login?once=" + "0" * 32, auth=None).status, 401, "a made-up one-time code: 401")
    os.unlink(seen)
    subprocess.run([h.ARGS.seurone, "--home", a.home, "ui", "--no-open"], capture_output=True, env=env, timeout=30)
    time.sleep(0.3)
    check(not os.path.exists(seen), "ui --no-open does not open it")

    r = wa.get("/login?token=" + "0" * 64, auth=None)
    check_eq(r.status, 401, "/login with a wrong token: 401")
    check("set-cookie" not in r.headers, "/login with a wrong token sets no cookie")
    check_eq(wa.get("/login", auth=None).status, 401, "/login without a token: 401")
    check_eq(wa.post("/login", {}, auth=None).status, 405, "POST /login: 405")
    r, s = wa.login()
    check_headers(r, "the login redirect")
    opened = int(wa.cookie.split(".")[0])
    check(abs(opened - time.time()) < 120, f"the cookie names when the session opened ({opened})")
    check_eq(wa.cookie, session(wa.token, opened), "the cookie is T.hex HMAC-SHA256(token, 'session T')")
    check_eq(s["csrf"], mac(wa.token, "csrf"), "the CSRF value is hex HMAC-SHA256(token, 'csrf')")
    check_eq(s["id"], a.id, "session: id")
    check(s["name"] is None and s["relay"] is False, "session: no name yet, not a relay")

    for what, kw in (("no cookie", {"auth": None}),
                     ("a wrong cookie", {"auth": None, "headers": {"Cookie": "sr_session=" + "1" * 64}}),
                     ("a cookie of another length", {"auth": None, "headers": {"Cookie": "sr_session=" + wa.cookie[:-1]}}),
                     ("the cookie of the old format", {"auth": None, "headers": {"Cookie": "sr_session=" +
                                                                                  mac(wa.token, "session")}}),
                     ("a cookie 14 days old", {"auth": None, "headers": {"Cookie": "sr_session=" +
                                                                          session(wa.token, int(time.time()) - 14 * 86400)}}),
                     ("a cookie from the future", {"auth": None, "headers": {"Cookie": "sr_session=" +
                                                                              session(wa.token, int(time.time()) + 3600)}}),
                     ("a cookie whose time was changed", {"auth": None, "headers": {"Cookie": "sr_session=" +
                                                                                     str(opened + 1) + wa.cookie[len(str(opened)):]}}),
                     ("the token as cookie", {"auth": None, "headers": {"Cookie": "sr_session=" + wa.token}}),
                     ("a wrong Bearer token", {"auth": None, "headers": {"Authorization": "Bearer " + "2" * 64}}),
                     ("the cookie as Bearer", {"auth": None, "headers": {"Authorization": "Bearer " + wa.cookie}})):
        r = wa.get("/api/id", **kw)
        error(r, 401, f"GET /api/id with {what}: 401", "SR_EAUTH")
        check_headers(r, f"401 with {what}")
    check_eq(wa.ok("GET", "/api/id")["id"], a.id, "the cookie signs in")
    check("set-cookie" not in wa.get("/api/id").headers, "a fresh session is not given anew")
    aged = session(wa.token, int(time.time()) - 13 * 86400)
    r = wa.get("/api/id", auth=None, headers={"Cookie": "sr_session=" + aged})
    check_eq(r.status, 200, "a session 13 days old still signs in")
    m = re.fullmatch(r"sr_session=([0-9]+)\.[0-9a-f]{64}; Max-Age=1209600; HttpOnly; SameSite=Strict; Path=/",
                     r.header("Set-Cookie") or "")
    check(m is not None and abs(int(m.group(1)) - time.time()) < 120,
          f"a session more than a day old is given anew with the answer ({r.header('Set-Cookie')})")
    check_eq(wa.ok("GET", "/api/id", auth="bearer")["id"], a.id, "so does the Bearer token")
    error(wa.get("/api/nope"), 404, "an unknown endpoint: 404", "SR_ENOTFOUND")
    error(wa.get("/api/nope", auth=None), 401, "an unknown endpoint without a session: 401 first")

    # DNS rebinding: a name that resolves here is not this server's name.
    for host in (f"evil.example:{wa.port}", f"127.0.0.1:{wa.port + 1}", "127.0.0.1", ""):
        r = wa.get("/api/id", host=host)
        error(r, 403, f"Host {host!r}: 403")
        check_eq(wa.get("/", host=host).status, 403, f"GET / with Host {host!r}: 403")
    check_eq(wa.get("/api/id", host=f"localhost:{wa.port}").status, 200, "Host localhost:PORT is served")
    check_eq(wa.get("/api/id", host=f"LOCALHOST:{wa.port}").status, 200, "the Host name is case-insensitive")


def bad_input(a, wa):
    before = store_state(a)
    h.note(f"store before the bad input: {len(before[0])} entries, {len(before[1])} peers")
    share = {"type": "share", "text": "must not be published"}
    # CSRF and Origin
    error(wa.post("/api/publish", share, no_csrf=True), 403, "POST without the CSRF header: 403", "SR_EAUTH")
    error(wa.post("/api/publish", share, headers={"X-Seurone-CSRF": "0" * 64}), 403, "POST with a wrong CSRF: 403")
    error(wa.post("/api/publish", share, headers={"X-Seurone-CSRF": wa.token}), 403, "the token is no CSRF value: 403")
    error(wa.post("/api/publish", share, auth="bearer", no_csrf=True), 403, "Bearer without CSRF: 403")
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{wa.port + 1}", f"https://127.0.0.1:{wa.port}"):
        error(wa.post("/api/publish", share, headers={"Origin": origin}), 403, f"Origin {origin}: 403")
    error(wa.post("/api/publish", share, host=f"evil.example:{wa.port}",
                  headers={"Origin": f"http://evil.example:{wa.port}"}), 403, "a rebound name with its own Origin: 403")
    # Methods
    for method, path, allow in (("GET", "/api/publish", "POST"), ("POST", "/api/id", "GET"), ("PUT", "/api/feed", "GET"),
                                ("DELETE", "/api/peer/add", "POST")):
        r = wa.req(method, path, body={} if method != "GET" else None,
                   headers={"X-Seurone-CSRF": wa.csrf})
        error(r, 405, f"{method} {path}: 405")
        check_eq(r.header("Allow"), allow, f"{method} {path}: Allow")
    check_eq(wa.req("DELETE", "/").status, 405, "DELETE /: 405")
    # Size
    big = b'{"type": "share", "text": "' + b"x" * (64 * 1024) + b'"}'
    error(wa.post("/api/publish", big, raw=True, headers={"Content-Type": "application/json"}), 413,
          "a body over 64 KiB: 413", "SR_ETOOBIG")
    c = http.client.HTTPConnection("127.0.0.1", wa.port, timeout=60 * h.SCALE)
    c.request("POST", "/api/publish", body=iter([big[:40000], big[40000:]]), encode_chunked=True,
              headers={"Host": f"127.0.0.1:{wa.port}", "Cookie": f"sr_session={wa.cookie}",
                       "X-Seurone-CSRF": wa.csrf, "Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    r = c.getresponse()
    check_eq(r.status, 413, "a chunked body over 64 KiB: 413")
    r.read()
    c.close()
    check_eq(wa.post("/api/publish", b'{"type":"share","text":"' + b"y" * 65000 + b'"}', raw=True,
                     headers={"Content-Type": "application/json"}).status, 400,
             "a body under 64 KiB but over an entry's 16 KiB: 400 (not 413)")
    # Types
    for ct in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx", None):
        hd = {"Content-Type": ct} if ct else {}
        error(wa.post("/api/publish", json.dumps(share).encode(), raw=True, headers=hd), 415, f"Content-Type {ct}: 415")
    check_eq(wa.post("/api/qr", json.dumps({"text": "x"}).encode(), raw=True,
                     headers={"Content-Type": "application/json; charset=utf-8"}).status, 200,
             "application/json; charset=utf-8 is JSON")
    # JSON
    for body in (b"{", b"[1, 2]", b'"text"', b"", b'{"a": 1, "a": 2}', b'{"text": "\xff"}'):
        error(wa.post("/api/publish", body, raw=True, headers={"Content-Type": "application/json"}), 400,
              f"body {body[:20]!r}: 400", "SR_EINVAL")
    # Fields and ids
    for body, what in (({"type": "poem", "text": "x"}, "an unknown type"),
                       ({"text": "x"}, "no type"),
                       ({"type": "share"}, "a share with nothing"),
                       ({"type": "share", "text": 5}, "a text that is a number"),
                       ({"type": "share", "text": "a\u0000b"}, "a text with NUL"),
                       ({"type": "share", "text": "x", "colour": "red"}, "an unknown field"),
                       ({"type": "about", "bio": "no name"}, "about without a name"),
                       ({"type": "contact", "who": a.id, "state": "follow"}, "following yourself"),
                       ({"type": "contact", "who": "ab", "state": "follow"}, "a 2-digit key"),
                       ({"type": "contact", "who": "0" * 65, "state": "follow"}, "a 65-digit key"),
                       ({"type": "contact", "who": "f" * 64, "state": "love"}, "an unknown state"),
                       ({"type": "membership", "project": a.id, "role": "member"}, "a person's key as project"),
                       ({"type": "share", "text": "x", "reshare": a.id}, "a person's key as reshare"),
                       ({"type": "project", "name": "p", "tags": "one"}, "tags that are no list"),
                       ({"type": "project", "name": "p", "tags": ["t"] * 65}, "65 tags")):
        error(wa.post("/api/publish", body), 400, f"publish with {what}: 400")
    error(wa.post("/api/publish", {"type": "membership", "project": "deadbeefdeadbeef", "role": "member"}), 404,
          "a project prefix matching nothing: 404", "SR_ENOTFOUND")
    error(wa.post("/api/publish", {"type": "contact", "who": "Nobody Known", "state": "follow"}), 404,
          "a name nobody has: 404", "SR_ENOTFOUND")
    for body in ({}, {"address": "seurone://nowhere"}, {"address": 7}, {"address": a.address}):
        error(wa.post("/api/peer/add", body), 400, f"peer add {body}: 400")
    error(wa.post("/api/peer/remove", {"key": "f" * 64}), 404, "peer remove of a peer not in the table: 404")
    error(wa.post("/api/peer/remove", {"key": "f" * 10}), 400, "peer remove of a short key: 400")
    for body in ({}, {"code": "seurone-invite:1:garbage"}, {"code": "hello"}):
        error(wa.post("/api/invite/accept", body), 400, f"invite accept {body}: 400")
    error(wa.post("/api/invite/create", {}), 400, "invite create on a personal node: 400 (not a relay)")
    error(wa.post("/api/invite/create", {"uses": 0}), 400, "invite create with 0 uses: 400")
    error(wa.post("/api/qr", {}), 400, "qr without text: 400")
    error(wa.post("/api/qr", {"text": "x" * 3000}), 400, "qr with more than fits: 400")
    for path in ("/api/feed?limit=x", "/api/feed?limit=-1", "/api/person", "/api/person?id=",
                 "/api/person?id=abc", "/api/project", "/api/flow/entry", "/api/neighbourhood?depth=3",
                 "/api/flow/entry?id=" + "z" * 64):
        error(wa.get(path), 400, f"GET {path}: 400")
    error(wa.get("/api/flow/entry?id=" + "0" * 63 + "1"), 404, "flow of an entry not held: 404")
    error(wa.get("/api/person?id=0123456789abcdef"), 404, "a person prefix matching nobody: 404")
    error(wa.get("/api/person?id=" + "0" * 64), 404, "a whole key nobody has: 404")
    error(wa.get("/api/project?id=0123456789abcdef"), 404, "a project prefix matching none: 404")
    error(wa.get("/api/feed?before=garbage"), 400, "a malformed cursor: 400")
    check_eq(store_state(a), before, "none of the bad input changed the store (entries and peer table)")


def two_nodes_and_events(c, a, wa, b, wb):
    """Changes through the API reach the other node at once, and its event
    stream says so."""
    r = wa.ok("POST", "/api/publish", {"type": "about", "name": "Ada 🌍", "bio": "رسامة"}, what="about through the API")
    check(r["ok"] is True and re.fullmatch(r"[0-9a-f]{64}", r["id"]) and r["seq"] >= 1 and r["warnings"] == [],
          "publish replies {ok, id, seq, warnings}")
    s = wa.ok("GET", "/api/session")
    check_eq((s["name"], s["bio"]), ("Ada 🌍", "رسامة"), "the session shows the new name and bio")
    bea = wb.ok("POST", "/api/publish", {"type": "about", "name": "Bea"})
    p = wb.ok("POST", "/api/peer/add", {"address": a.address}, what="peer add through the API")
    check_eq((p["ok"], p["address"], p["key"], p["dialing"]), (True, a.address, a.id, True), "peer add's reply")
    # Each follows the other by the whole key (no log of the other held yet:
    # a warning), then, once the logs came, by name.
    for w, other in ((wa, b), (wb, a)):
        f = w.ok("POST", "/api/publish", {"type": "contact", "who": other.id, "state": "follow"})
        check(len(f["warnings"]) == 1 and "holds no entry" in f["warnings"][0],
              f"{w.node.name} follows a key whose log is not held yet: published with a warning")
    h.wait_until(lambda: any(x["key"] == a.id and x.get("connected") for x in wb.ok("GET", "/api/peers")), 30,
                 "b is connected to a (its /api/peers)")
    h.wait_until(lambda: b.has(r["id"], a) and a.has(bea["id"], b), 30,
                 "each holds the other's profile")
    g = wb.ok("POST", "/api/publish", {"type": "contact", "who": "Ada 🌍", "state": "follow"}, what="follow by name")
    check_eq(g["warnings"], [], "b follows Ada by her name: no warning")
    g = wa.ok("POST", "/api/publish", {"type": "contact", "who": b.id[:16], "state": "follow"}, what="follow by prefix")
    check_eq(g["warnings"], [], "a follows Bea by a 16-digit prefix: no warning")
    peers = wb.ok("GET", "/api/peers")
    mine = [x for x in peers if x["key"] == a.id]
    check(len(mine) == 1 and mine[0]["name"] == "Ada 🌍" and "direction" in mine[0] and "entries_in" in mine[0],
          f"b's /api/peers: a by name, with the keys of peers --json ({mine[:1]})")
    st = wb.ok("GET", "/api/status")
    check(st["running"] is True and st["id"] == b.id and len(st["peers"]) == 1, "b's /api/status = status --json")
    ad = wa.ok("GET", "/api/address")
    check_eq((ad["address"], ad["port"], ad["key"]), (a.address, a.port, a.id), "/api/address = address --json")

    ea, eb = Events(wa), Events(wb)
    h.wait_until(lambda: any(n == "status" for n, _ in eb.events), 10, "b's stream sends a status at once")
    # a's too, before a publishes: a stream opened after the entry would never hear of it
    h.wait_until(lambda: any(n == "status" for n, _ in ea.events), 10, "a's stream sends a status at once")
    text = "你好 — مرحبا — 🎉 from the web"
    r = wa.ok("POST", "/api/publish", {"type": "share", "text": text}, what="a share through the API")
    h.wait_until(lambda: r["id"] in eb.entry_ids(), 20, "b's event stream announces a's share as it arrives")
    ev = [json.loads(d) for n, d in eb.events if n == "entry" and json.loads(d)["id"] == r["id"]][0]
    check_eq(ev, {"id": r["id"], "author": a.id, "type": "share"}, "the entry event: {id, author, type}")
    h.wait_until(lambda: r["id"] in ea.entry_ids(), 10, "a's own stream announces its publish")
    e = h.entry_of(b, r["id"])
    check_eq(e["content"]["text"], text, "b holds the share with its text as written (UTF-8)")
    check_eq(e["from"], a.id, "b got it from a directly")
    h.wait_until(lambda: any(n == "status" and json.loads(d)["peers"] == 1 for n, d in eb.events), 15,
                 "a status event within 5 s says 1 peer")
    # A reshare through the API, by prefix; the other side's stream again.
    rs = wb.ok("POST", "/api/publish", {"type": "share", "text": "look", "reshare": r["id"][:12]})
    check_eq(rs["warnings"], [], "reshare by a 12-digit prefix of an entry held: no warning")
    h.wait_until(lambda: rs["id"] in ea.entry_ids(), 20, "a's stream announces b's reshare")
    check_eq(h.entry_of(a, rs["id"])["content"]["reshare"], r["id"], "the reshare names the whole id")
    ea.close()
    return eb, r["id"], rs["id"], text


def views(a, wa, b, wb, share, reshare, text):
    """The reads of node/view.h through the API, on what the story above made."""
    f = wb.ok("GET", "/api/feed")
    ids = [i["id"] for i in f["items"]]
    check(ids[:2] == [reshare, share], f"b's feed: its reshare, then a's share, newest first ({[i[:8] for i in ids]})")
    top = f["items"][0]
    check(top["mine"] is True and top["reshare"]["id"] == share and top["reshare"]["text"] == text
          and top["reshare"]["author_name"] == "Ada 🌍", "the reshare carries a's share inline, text and name as written")
    check(f["items"][1]["reshares"] == 1 and f["items"][1]["mine"] is False, "a's share: one reshare held, not b's")
    p1 = wb.ok("GET", "/api/feed?limit=1")
    check(len(p1["items"]) == 1 and p1["next"], "limit=1: one item and a cursor")
    p2 = wb.ok("GET", "/api/feed?limit=1&before=" + p1["next"])
    check_eq(p2["items"][0]["id"], share, "the next page starts after the cursor")
    lg = wb.ok("GET", "/api/log?author=" + a.id[:8])
    check(share in [i["id"] for i in lg["items"]] and all(i["author"] == a.id for i in lg["items"]),
          "/api/log?author=PREFIX: a's log")
    pe = wb.ok("GET", "/api/people?q=ADA")
    check([x["id"] for x in pe["people"]] == [a.id] and pe["people"][0]["following"] is True,
          "/api/people?q=ADA finds Ada (case ignored), followed")
    check(pe["people"][0]["log_held"] is True, "PERSON log_held: b holds Ada's log")
    per = wb.ok("GET", "/api/person?id=Ada%20%F0%9F%8C%8D")
    check(per["id"] == a.id and per["follows_me"] is True and share in [x["id"] for x in per["shares"]],
          "/api/person by name: Ada, who follows b, with her share")
    pr = wa.ok("POST", "/api/publish", {"type": "project", "name": "Clean River", "tags": ["water", "河"]})
    wa.ok("POST", "/api/publish", {"type": "membership", "project": "Clean River", "role": "member"})
    prs = wa.ok("GET", "/api/projects?q=river")
    check(len(prs["projects"]) == 1 and prs["projects"][0]["id"] == pr["id"] and prs["projects"][0]["tags"] == ["water", "河"]
          and prs["projects"][0]["my_role"] == "member", "/api/projects?q=river: the project, its tags, my role")
    pj = wa.ok("GET", "/api/project?id=Clean%20River")
    check_eq([m["id"] for m in pj["member_list"]], [a.id], "/api/project by name: its member")
    fl = wa.ok("GET", "/api/flow/entry?id=" + share[:10])
    check(fl["id"] == share and fl["cascade"]["id"] == share and [c["id"] for c in fl["cascade"]["children"]] == [reshare],
          "/api/flow/entry: the cascade from the share to b's reshare")
    nb = wb.ok("GET", "/api/neighbourhood?depth=1")
    check({n["id"] for n in nb["nodes"]} >= {a.id, b.id} and {"src": b.id, "dst": a.id, "kind": "follow"} in nb["edges"],
          "/api/neighbourhood: b, a and b's follow")
    gr = wb.ok("GET", "/api/graph")
    check([b.id, a.id] in gr["edges"]["follow"], "/api/graph = graph --json")
    # Two people of one name: 409, with both listed.
    twin_a = wa.ok("POST", "/api/publish", {"type": "about", "name": "Twin"})
    wb.ok("POST", "/api/publish", {"type": "about", "name": "Twin"})
    h.wait_until(lambda: b.has(twin_a["id"], a), 20, "b holds a's new name")
    d = error(wb.get("/api/person?id=Twin"), 409, "a name two people have: 409", "SR_EAMBIGUOUS")
    check(a.id[:16] in d["error"] and b.id[:16] in d["error"], "the 409 lists both")
    # a key b follows whose log it does not hold: PERSON says so (the web app marks it)
    ghost = hashlib.sha256(b"a key nobody runs").hexdigest()
    wb.ok("POST", "/api/publish", {"type": "contact", "who": ghost, "state": "follow"})
    gp = {x["id"]: x for x in wb.ok("GET", "/api/people")["people"]}
    check(ghost in gp and gp[ghost]["log_held"] is False and gp[a.id]["log_held"] is True,
          "/api/people: log_held false for a followed key whose log b does not hold")
    nb = {x["id"]: x for x in wb.ok("GET", "/api/neighbourhood?depth=1")["nodes"]}
    check(nb[ghost]["log_held"] is False and nb[a.id]["log_held"] is True, "/api/neighbourhood: log_held per node")


def invites(c):
    """invite create on a relay (through its web API), accept on a newcomer
    (through hers): the newcomer's node then keeps the relay."""
    r = c.node("r", config={"web": "127.0.0.1:0"})
    n = c.node("n")
    r.start(relay=True)
    n.start()
    wr, wn = Web(r), Web(n)
    wr.login()
    wn.login()
    check_eq(wr.ok("GET", "/api/session")["relay"], True, "the relay's session says relay")
    inv = wr.ok("POST", "/api/invite/create", {"uses": 2}, what="invite create on the relay")
    check(inv["code"].startswith("seurone-invite:1:" + r.address) and inv["uses"] == 2
          and abs(inv["expires_ms"] - time.time() * 1000 - 7 * 86400e3) < 600e3 and len(inv["id"]) == 16
          and inv["address"] == r.address, "invite create's reply = invite create --json (7 days by default)")
    acc = wn.ok("POST", "/api/invite/accept", {"code": "  " + inv["code"] + "\n"}, what="invite accept (pasted)")
    check(acc["ok"] is True and acc["relay"] == r.address and acc["key"] == r.id and acc["dialing"] is True,
          f"invite accept's reply ({acc})")
    h.wait_until(lambda: any(p["key"] == r.id and p["source"] == "relay" for p in wn.ok("GET", "/api/peers")), 20,
                 "the newcomer's running node keeps the relay as a relay")
    # members and invites, with the CLI's names and documents
    ms = wr.ok("GET", "/api/members")["members"]
    check_eq([(x["key"], x["invite"]) for x in ms], [(n.id, inv["id"])], "GET /api/members = members --json")
    def still(rows):
        return [{k: v for k, v in x.items() if k != "last_seen_ms"} for x in rows]  # "now" while connected
    check_eq(still(ms), still(r.cli_json("members")), "the web's members are the CLI's")
    il = {i["id"]: i for i in wr.ok("GET", "/api/invite/list")["invites"]}
    check_eq(([x["key"] for x in il[inv["id"]]["members"]], il[inv["id"]]["uses_left"]), ([n.id], 1),
             "GET /api/invite/list: who used it, uses left")
    short = wr.ok("POST", "/api/invite/create", {"expires": "1h"}, what="invite create, expires 1h")
    check(abs(short["expires_ms"] - time.time() * 1000 - 3600e3) < 600e3, "invite create {expires: 1h}")
    check_eq(wr.post("/api/invite/create", {"expires": "7w"}).status, 400, "invite create {expires: 7w}: 400")
    rv = wr.ok("POST", "/api/invite/revoke", {"invite": short["id"]})
    check_eq((rv["id"], rv["revoked"]), (short["id"], True), "POST /api/invite/revoke = invite revoke --json")
    check_eq({i["id"]: i["state"] for i in r.cli_json("invite", "list")}[short["id"]], "revoked",
             "the CLI's invite list sees the web's revoke")
    check_eq(wr.post("/api/invite/revoke", {"invite": "00000000"}).status, 404, "revoke an unknown id: 404")
    check_eq(wr.post("/api/members/remove", {"member": "ffffffff"}).status, 404, "remove no member: 404")
    check_eq(wr.post("/api/members/remove", {"member": n.id, "x": 1}).status, 400, "remove, unknown field: 400")
    gone = wr.ok("POST", "/api/members/remove", {"member": n.id})
    check_eq(gone["key"], n.id, "POST /api/members/remove = members remove --json")
    check_eq(wr.ok("GET", "/api/members")["members"], [], "no member left")
    check_eq(wr.post("/api/members/remove", {"member": n.id}).status, 409, "remove a removed member: 409")
    # A friend's address where an invite goes: a peer add.
    m = c.node("m")
    m.start()
    wm = Web(m)
    wm.login()
    fr = wm.ok("POST", "/api/invite/accept", {"code": n.address})
    check(fr["ok"] is True and fr["key"] == n.id and fr["dialing"] is True, "an address pasted as invite: peer add")
    rm = wm.ok("POST", "/api/peer/remove", {"key": n.id})
    check_eq((rm["key"], rm["removed"], rm["address"]), (n.id, "peer", None), "peer remove by key = peer remove --json")
    check(n.id not in {p["key"] for p in wm.ok("GET", "/api/peers")}, "the peer is gone from the table")
    secret = inv["code"].rsplit(":", 1)[1]
    for node in (r, n):
        check(secret not in node.stderr_text(), f"{node.name}'s log never holds the invite's secret")


def static_files(a, wa, b, wb):
    for path, ctype in (("/", "text/html; charset=utf-8"), ("/index.html", "text/html; charset=utf-8"),
                        ("/app.js", "text/javascript; charset=utf-8"), ("/style.css", "text/css; charset=utf-8"),
                        ("/i18n/en.json", "application/json; charset=utf-8"),
                        ("/i18n/fr.json", "application/json; charset=utf-8"), ("/icons/i.svg", "image/svg+xml"),
                        ("/inside.js", "text/javascript; charset=utf-8")):
        r = wa.get(path, auth=None)
        check_eq((r.status, r.header("Content-Type")), (200, ctype), f"GET {path} without a session")
        check_headers(r, f"GET {path}", api=False)
    check_eq(wa.get("/", auth=None).body, b"<!doctype html><title>t</title><p>feed</p>\n", "/ is index.html")
    check_eq(wa.get("/inside.js").body, b"console.log('app');\n", "a link inside the directory is followed")
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/i18n/../../secret.txt", "/i18n/%2E%2E/%2e%2e/secret.txt",
                 "/out.txt", "/etc/passwd", "/.hidden", "/%2ehidden", "/i18n/", "/i18n", "//etc/passwd",
                 "/missing.js", "/app.js/", "/./app.js", "/a%2f..%2f..%2fsecret.txt",
                 "/\\..\\secret.txt"):
        r = wa.get(path)
        check_eq(r.status, 404, f"GET {path!r}: 404")
        check(SECRET_TEXT.encode() not in r.body, f"GET {path!r} does not show the secret")
    check_eq(wa.req("HEAD", "/app.js").status, 200, "HEAD /app.js")
    # b has no SEURONE_WEB_DIR: the build tree's web/ (the source's).
    r = wb.get("/", auth=None)
    check_eq((r.status, r.header("Content-Type")), (200, "text/html; charset=utf-8"),
             "a node without SEURONE_WEB_DIR serves the source tree's web/index.html")


def qr(wa):
    text = "seurone://127.0.0.1:8708/" + "ab" * 32
    r = wa.post("/api/qr", {"text": text})
    check_eq((r.status, r.header("Content-Type")), (200, "image/svg+xml"), "POST /api/qr: 200 image/svg+xml")
    check_headers(r, "qr")
    svg = ET.fromstring(r.body)
    check_eq(svg.tag, "{http://www.w3.org/2000/svg}svg", "the qr is an SVG document")
    side = int(svg.get("viewBox").split()[2])
    # 89 bytes in 8-bit mode at level M: version 6 (41 modules; version 5 holds 84 bytes),
    # plus a quiet zone of 4 modules on each side
    check_eq(side, 41 + 8, "the symbol has the size of its version and a quiet zone")
    d = svg.find("{http://www.w3.org/2000/svg}path").get("d")
    dark = sum(int(n) for n in re.findall(r"h(\d+)v1", d))
    check(0.3 * 41 * 41 < dark < 0.7 * 41 * 41, f"about half the modules are dark ({dark} of {41 * 41})")
    check_eq(wa.post("/api/qr", {"text": text}).body, r.body, "the same text draws the same code")
    check(wa.post("/api/qr", {"text": text + "x"}).body != r.body, "another text another code")


def devices(c):
    """A person on two machines through the web API: the first device makes a
    code, a second node joins with it (the CLI, as on a new machine), and
    from then on the second node's entries are the person's everywhere."""
    p = c.node("pia")
    p.start()
    wp = Web(p)
    wp.login()
    wp.ok("POST", "/api/publish", {"type": "about", "name": "Pia 🌿", "bio": "two laptops"})
    dl = wp.ok("GET", "/api/devices")
    check(dl["person"] == p.id and dl["self"] == p.id and dl["self_device"] is False and dl["devices"] == []
          and dl["person_name"] == "Pia 🌿", f"GET /api/devices of a person without devices ({dl})")
    before = store_state(p)
    for body, what in (({"name": 5}, "a name that is a number"),
                       ({"name": "x" * 65}, "a name of 65 bytes"),
                       ({"name": "é" * 33}, "a name of 33 two-byte letters (66 bytes)"),
                       ({"name": "lap\ntop"}, "a name with a line break"),
                       ({"name": "lap\u001b[31mtop"}, "a name with an escape"),
                       ({"name": "lap\u0085top"}, "a name with a C1 control"),
                       ({"name": "lap\u0000top"}, "a name with NUL"),
                       ({"label": "laptop"}, "an unknown field")):
        d = error(wp.post("/api/devices/add", body), 400, f"device add with {what}: 400", "SR_EINVAL")
        # (a NUL is refused with the body: the server takes no JSON string holding one)
        check("NUL" in what or "name" in d["error"] or "label" in d["error"],
              f"device add with {what}: the sentence names the field")
    for body, what, status, code in (({}, "no device", 400, "SR_EINVAL"),
                                     ({"device": ""}, "an empty device", 400, "SR_EINVAL"),
                                     ({"device": 7}, "a device that is a number", 400, "SR_EINVAL"),
                                     ({"device": "f" * 65}, "65 hex digits", 400, "SR_EINVAL"),
                                     ({"device": "lap\ttop"}, "a tab", 400, "SR_EINVAL"),
                                     ({"device": "n" * 65}, "a name longer than any", 400, "SR_EINVAL"),
                                     ({"device": "f" * 64}, "a key that is no device", 404, "SR_ENOTFOUND"),
                                     ({"device": "nobody"}, "a name no device has", 404, "SR_ENOTFOUND")):
        d = error(wp.post("/api/devices/revoke", body), status, f"device revoke with {what}: {status}", code)
        if what == "65 hex digits":
            check("this has 65" in d["error"], "65 hex digits: the sentence says a key has 64, this 65")
    error(wp.get("/api/devices/add"), 405, "GET /api/devices/add: 405")
    check_eq(store_state(p), before, "none of the bad device requests changed the store")

    t0 = time.time() * 1000
    add = wp.ok("POST", "/api/devices/add", {"name": "laptop"}, what="device add")
    check(add["ok"] is True and add["code"].startswith("seurone-device:") and add["name"] == "laptop"
          and add["valid_s"] == 3600 and abs(add["expires_ms"] - (t0 + 3600e3)) < 120e3,
          f"device add's reply: a code, valid one hour ({add['code'][:24]}..., {add['expires_ms']})")
    check(add["code"] != wp.ok("POST", "/api/devices/add", {})["code"], "each add makes another code")
    # The new machine: a fresh home, joined with the code as a person types it.
    d = c.node("pia-laptop")
    r = d.cli("device", "join", add["code"], "--json", check=False, timeout=60)
    check(r.returncode == 0, f"device join CODE on a fresh home ({r.returncode}: {(r.stderr or r.stdout)[-300:]})")
    d.id = h.wait_until(lambda: d.cli_json("id")["id"], 10, "d has its device key")
    check(d.id != p.id, "the new device has a key of its own")
    if not d.alive():
        d.start()
    wd = Web(d)
    wd.login()
    pend = [x for x in wp.ok("GET", "/api/devices")["devices"] if x["key"] == d.id]
    check(len(pend) == 1 and pend[0]["state"] == "active" and pend[0]["name"] == "laptop",
          "at once after join, the first device lists the new device (its certificate)")
    # the device's first entry (device-of) reaches the first device: bound, before it writes anything else
    h.wait_until(lambda: any(x["key"] == d.id and x["bound"] and x["state"] == "active"
                             for x in wp.ok("GET", "/api/devices")["devices"]), 30,
                 "the first device lists the new device as bound and active")
    dev = [x for x in wp.ok("GET", "/api/devices")["devices"] if x["key"] == d.id][0]
    check(dev["name"] == "laptop" and dev["upto"] is None and abs(dev["added_ms"] - t0) < 120e3 and dev["this"] is False,
          f"the device: its name, added now, not revoked ({dev})")
    dd = h.wait_until(lambda: (lambda x: x if x.get("person") == p.id else None)(wd.ok("GET", "/api/devices")), 30,
                      "the device's node knows its person")
    check(dd["self_device"] is True and dd["self"] == d.id and dd["person_name"] == "Pia 🌿",
          "on the device: self_device, and its person's name")
    error(wd.post("/api/devices/add", {"name": "phone"}), 409, "device add on a node that is itself a device: 409",
          "SR_EISDEVICE")
    error(wd.post("/api/devices/revoke", {"device": "laptop"}), 409, "device revoke on a device: 409", "SR_EISDEVICE")

    # What the device writes is the person's, with which device wrote it.
    s1 = wd.ok("POST", "/api/publish", {"type": "share", "text": "from my laptop 💻"})
    h.wait_until(lambda: p.has(s1["id"]), 30, "the first device holds the device's share")
    feed = wp.ok("GET", "/api/feed")["items"]
    it = [x for x in feed if x["id"] == s1["id"]]
    check(len(it) == 1, "the device's share is in its person's feed (the person's own)")
    it = it[0]
    check_eq((it["author"], it["author_name"], it["device"], it["device_name"], it["mine"]),
             (p.id, "Pia 🌿", d.id, "laptop", True), "ITEM of the device's share: the person, on which device, mine")
    own = [x for x in feed if x["device"] is None]
    check(all(x["author"] == p.id and x["device_name"] is None for x in own), "the person's own items: device null")
    lg = wp.ok("GET", "/api/log?author=" + d.id)["items"]
    check(lg and all(x["author"] == p.id and x["device"] == d.id and x["author_name"] == "Pia 🌿" for x in lg),
          "/api/log of the device's key: its items name the person")
    # the CLI says the same in words: the person, on which device
    txt = p.cli("log", d.id).stdout
    check("Pia 🌿 (you) on laptop paired this device" in txt and "Pia 🌿 (you) on laptop shared:" in txt,
          f"`log DEVICE` in text names the person and the device ({txt[:160]!r})")
    per = wp.ok("GET", "/api/person?id=" + p.id)
    check([x["key"] for x in per["devices"]] == [d.id] and per["devices"][0]["name"] == "laptop"
          and s1["id"] in [x["id"] for x in per["shares"]], "PERSON: devices, and the device's share among the shares")
    per_d = wp.ok("GET", "/api/person?id=" + d.id)
    check_eq(per_d["id"], p.id, "/api/person of the device's key shows its person")
    everyone = {x["id"] for x in wp.ok("GET", "/api/people")["people"]}
    check(p.id in everyone and d.id not in everyone, "people: the person once, the device key never")
    found = [x["id"] for x in wp.ok("GET", "/api/people?q=pia")["people"]]
    check_eq(found, [p.id], "people?q=pia finds the person, not the device")
    fl = wp.ok("GET", "/api/flow/entry?id=" + s1["id"])
    check_eq((fl["cascade"]["author"], fl["cascade"]["author_name"], fl["cascade"]["device"]), (p.id, "Pia 🌿", d.id),
             "the cascade names the person")
    # a friend of the person sees one person too
    f = c.node("fay")
    f.start()
    wf = Web(f)
    wf.login()
    wf.ok("POST", "/api/peer/add", {"address": p.address})
    wf.ok("POST", "/api/publish", {"type": "contact", "who": p.id, "state": "follow"})
    h.wait_until(lambda: any(x["id"] == s1["id"] for x in wf.ok("GET", "/api/feed")["items"]), 40,
                 "a friend who follows the person gets the device's share in the feed")
    fi = [x for x in wf.ok("GET", "/api/feed")["items"] if x["id"] == s1["id"]][0]
    check_eq((fi["author"], fi["author_name"], fi["device_name"], fi["mine"]), (p.id, "Pia 🌿", "laptop", False),
             "the friend's ITEM: the person, on their laptop")

    # Revoke: by name, once; the device's entries so far stay the person's.
    rv = wp.ok("POST", "/api/devices/revoke", {"device": "laptop"}, what="device revoke")
    held = max(e["seq"] for e in p.log(d.id))
    check_eq((rv["ok"], rv["device"], rv["name"], rv["upto"]), (True, d.id, "laptop", held),
             "device revoke's reply: the device, upto = its highest seq held")
    dev = [x for x in wp.ok("GET", "/api/devices")["devices"] if x["key"] == d.id][0]
    check_eq((dev["state"], dev["upto"]), ("revoked", held), "the list says revoked, and up to which entry")
    error(wp.post("/api/devices/revoke", {"device": d.id}), 409, "a second revoke: 409", "SR_EEXIST")
    check(f"revoked the device laptop ({d.id[:8]})" in p.cli("log").stdout, "`log` says the laptop was revoked")
    it = [x for x in wp.ok("GET", "/api/feed")["items"] if x["id"] == s1["id"]][0]
    check_eq((it["author"], it["device"]), (p.id, d.id), "after the revocation, the share made before stays the person's")
    for n in (p, d, f):
        n.stop()


def main(c):
    config_and_ui(c)
    wdir = web_dir(c)
    a, b = c.node("a"), c.node("b")
    a.start(env={"SEURONE_WEB_DIR": wdir})
    b.start()
    wa, wb = Web(a), Web(b)
    auth(a, wa)
    wb.login()
    static_files(a, wa, b, wb)
    qr(wa)
    bad_input(a, wa)
    eb, share, reshare, text = two_nodes_and_events(c, a, wa, b, wb)
    views(a, wa, b, wb, share, reshare, text)
    invites(c)
    devices(c)
    # A node with an open event stream and a keep-alive connection stops at once.
    idle = socket.create_connection(("127.0.0.1", wb.port))
    t0 = time.monotonic()
    b.stop(timeout=10)
    h.note(f"b stopped in {time.monotonic() - t0:.2f} s with an event stream open")
    eb.t.join(10)
    check(not eb.t.is_alive(), "the event stream ended with the node")
    idle.close()
    a.stop()
    # Nothing the sign-in rests on ever reaches the log (docs/SECURITY.md).
    for node, web in ((a, wa), (b, wb)):
        text = node.stderr_text()
        check(web.token not in text and web.cookie.split(".")[1] not in text and web.csrf not in text,
              f"{node.name}'s log holds neither the web token, nor a session cookie, nor the CSRF value")


if __name__ == "__main__":
    h.run_test(main)
