#!/usr/bin/python3
"""make_http_corpus.py: writes the seed corpus of fuzz_http (tests/fuzz/fuzz_http.c).

Each seed is the bytes of one connection to the web app, with the harness's
placeholders (@S@ session cookie, @OLD@ a day-old one, @X@ an expired one,
@T@ the token, @C@ the CSRF value, @H@ the Host): every route of docs/api.md
signed in and not, the sign-in itself, static files, and requests that break
one rule each (Host, Origin, CSRF, content type, size, method, version,
framing). The outputs are committed; rerun only to change the seeds:

    /usr/bin/python3 tests/fuzz/make_http_corpus.py [OUTDIR]
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = "ab" * 32


def get(path, cookie="@S@", extra="", method="GET", version="HTTP/1.1"):
    h = "%s %s %s\r\nHost: @H@\r\n" % (method, path, version)
    if cookie:
        h += "Cookie: sr_session=%s\r\n" % cookie
    return (h + extra + "\r\n").encode()


def post(path, body, cookie="@S@", csrf="@C@", ctype="application/json", extra="", length=None):
    b = body if isinstance(body, bytes) else json.dumps(body).encode()
    h = "POST %s HTTP/1.1\r\nHost: @H@\r\nOrigin: http://@H@\r\n" % path
    if cookie:
        h += "Cookie: sr_session=%s\r\n" % cookie
    if csrf:
        h += "X-Seurone-CSRF: %s\r\n" % csrf
    if ctype:
        h += "Content-Type: %s\r\n" % ctype
    h += "Content-Length: %d\r\n" % (len(b) if length is None else length)
    return (h + extra + "\r\n").encode() + b


def seeds():
    s = {}
    gets = ["/api/session", "/api/id", "/api/status", "/api/address", "/api/peers", "/api/feed?limit=5",
            "/api/log?author=all&limit=3", "/api/people?q=", "/api/person?id=" + KEY, "/api/projects?q=a",
            "/api/project?id=" + KEY, "/api/graph", "/api/flow/entry?id=" + KEY, "/api/neighbourhood?depth=2",
            "/api/devices", "/api/events"]
    for p in gets:
        name = p.strip("/").split("?")[0].replace("/", "_")
        s["get_" + name] = get(p)
        s["noauth_" + name] = get(p, cookie=None)
    s["get_feed_before"] = get("/api/feed?limit=200&before=zzzz")
    s["get_log_bad_author"] = get("/api/log?author=%FF%00&limit=-1")
    s["get_status_bearer"] = get("/api/status", cookie=None, extra="Authorization: Bearer @T@\r\n")
    s["get_status_old_cookie"] = get("/api/status", cookie="@OLD@")
    s["get_status_expired_cookie"] = get("/api/status", cookie="@X@")
    s["get_status_bad_cookie"] = get("/api/status", cookie="1.deadbeef")
    s["get_status_future_cookie"] = get("/api/status", cookie="99999999999.00")
    s["get_wrong_host"] = b"GET /api/status HTTP/1.1\r\nHost: evil.example:80\r\nCookie: sr_session=@S@\r\n\r\n"
    s["get_no_host"] = b"GET /api/status HTTP/1.1\r\nCookie: sr_session=@S@\r\n\r\n"
    s["get_http10"] = get("/api/id", version="HTTP/1.0")
    s["head_status"] = get("/api/status", method="HEAD")
    s["head_index"] = get("/", cookie=None, method="HEAD")
    s["login_token"] = get("/login?token=@T@", cookie=None)
    s["login_bad_token"] = get("/login?token=" + "0" * 64, cookie=None)
    s["login_once_bad"] = get("/login?once=" + "1" * 32, cookie=None)
    s["login_post"] = post("/login", {}, cookie=None)
    s["static_index"] = get("/", cookie=None)
    s["static_js"] = get("/app.js", cookie=None)
    s["static_dotdot"] = get("/../../etc/passwd", cookie=None)
    s["static_encoded_dotdot"] = get("/%2e%2e/%2e%2e/etc/passwd", cookie=None)
    s["static_missing"] = get("/nope.html", cookie=None)
    s["static_post"] = post("/", {}, cookie=None)
    s["api_unknown"] = get("/api/nope")
    s["api_bare"] = get("/api")
    s["api_wrong_method"] = post("/api/status", {})
    s["api_delete"] = get("/api/status", method="DELETE")
    bodies = {
        "publish_about": ("/api/publish", {"type": "about", "name": "Ada ✿", "bio": "chants"}),
        "publish_share": ("/api/publish", {"type": "share", "text": "hello 世界"}),
        "publish_contact": ("/api/publish", {"type": "contact", "who": KEY, "state": "follow"}),
        "publish_project": ("/api/publish", {"type": "project", "name": "Tissage", "tags": ["a", "b"]}),
        "publish_membership": ("/api/publish", {"type": "membership", "project": KEY, "role": "member"}),
        "publish_bad_type": ("/api/publish", {"type": "nope"}),
        "publish_ctl_name": ("/api/publish", {"type": "about", "name": "a\u001b[31mb"}),
        "peer_add": ("/api/peer/add", {"address": "seurone://127.0.0.1:1/" + KEY}),
        "peer_add_bad": ("/api/peer/add", {"address": "seurone://:0/xyz"}),
        "peer_remove": ("/api/peer/remove", {"key": KEY}),
        "peer_remove_addr": ("/api/peer/remove", {"address": "seurone://127.0.0.1:1/" + KEY}),
        "invite_create": ("/api/invite/create", {"uses": 3}),
        "invite_accept_bad": ("/api/invite/accept", {"code": "not a code"}),
        "devices_add": ("/api/devices/add", {"name": "phone"}),
        "devices_revoke": ("/api/devices/revoke", {"device": "ababababab"}),
        "qr": ("/api/qr", {"text": "seurone://127.0.0.1:1/" + KEY}),
    }
    for name, (path, body) in bodies.items():
        s["post_" + name] = post(path, body)
    s["post_no_csrf"] = post("/api/publish", {"type": "share", "text": "x"}, csrf=None)
    s["post_bad_csrf"] = post("/api/publish", {"type": "share", "text": "x"}, csrf="00")
    s["post_bearer"] = post("/api/publish", {"type": "share", "text": "x"}, cookie=None,
                            extra="Authorization: Bearer @T@\r\n")
    s["post_old_cookie"] = post("/api/publish", {"type": "share", "text": "x"}, cookie="@OLD@")
    s["post_noauth"] = post("/api/publish", {"type": "share", "text": "x"}, cookie=None)
    s["post_bad_origin"] = post("/api/publish", {}, extra="").replace(b"Origin: http://@H@", b"Origin: http://evil")
    s["post_text_plain"] = post("/api/publish", {"type": "share", "text": "x"}, ctype="text/plain")
    s["post_bad_json"] = post("/api/publish", b"{\"type\": ")
    s["post_json_array"] = post("/api/publish", b"[1,2,3]")
    s["post_deep_json"] = post("/api/publish", b"[" * 300 + b"]" * 300)
    s["post_nul_json"] = post("/api/publish", b"{\"type\":\"share\",\"text\":\"a\\u0000b\"}")
    s["post_too_big_announced"] = post("/api/publish", b"{}", length=10**9)
    s["post_short_body"] = post("/api/publish", b"{}", length=100)
    s["post_chunked"] = (b"POST /api/publish HTTP/1.1\r\nHost: @H@\r\nCookie: sr_session=@S@\r\nX-Seurone-CSRF: @C@\r\n"
                         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"5\r\n{\"typ\r\n15\r\ne\":\"share\",\"text\":\"c\"}\r\n0\r\n\r\n")
    s["pipelined"] = get("/api/id") + get("/api/status") + get("/", cookie=None)
    s["pipelined_post"] = get("/api/id") + post("/api/publish", {"type": "share", "text": "p"}, csrf=None)
    s["garbage"] = b"\x00\xff\x16\x03\x01 not http\r\n\r\n"
    s["bad_version"] = b"GET / HTTP/9.9\r\nHost: @H@\r\n\r\n"
    s["long_header"] = b"GET / HTTP/1.1\r\nHost: @H@\r\nX-Long: " + b"a" * 20000 + b"\r\n\r\n"
    s["many_headers"] = b"GET / HTTP/1.1\r\nHost: @H@\r\n" + b"X-A: b\r\n" * 500 + b"\r\n"
    s["header_no_colon"] = b"GET / HTTP/1.1\r\nHost: @H@\r\nbroken header\r\n\r\n"
    s["bare_lf"] = b"GET /api/id HTTP/1.1\nHost: @H@\nCookie: sr_session=@S@\n\n"
    s["two_cookies"] = get("/api/id", cookie="x; sr_session=@S@; sr_session=@X@")
    s["two_hosts"] = b"GET /api/id HTTP/1.1\r\nHost: @H@\r\nHost: evil\r\nCookie: sr_session=@S@\r\n\r\n"
    s["absolute_uri"] = b"GET http://@H@/api/id HTTP/1.1\r\nHost: @H@\r\nCookie: sr_session=@S@\r\n\r\n"
    s["percent_path"] = get("/api/%73tatus")
    s["query_only"] = get("/?token=@T@", cookie=None)
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "fuzz_http")
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(seeds().items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seeds()), out))


if __name__ == "__main__":
    main()
