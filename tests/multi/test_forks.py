#!/usr/bin/python3
"""Forks spread as proof, and their author learns at once (docs/protocol.md,
"Fork proofs"; docs/cli.md, "Another copy of your identity").

1. The copied home, five nodes: Ada's home a1 is copied to a2 (the same key in
   another home). Friends f1, f2, f3 follow Ada; the line is
   a1 - f1 - f2 - f3 - a2. Each copy writes a post while offline, then both
   come back: the two branches meet somewhere in the middle, and within
   seconds every one of the five nodes marks Ada forked (status --json,
   graph --json, log --json, the web API's PERSON), the friends by the proof
   passed from node to node, the two copies by the proof of their own key.
   Both copies then refuse to publish, through the CLI (exit 1, the sentence),
   the control socket and the web API (SR_ESELFFORK, HTTP 409), also after a
   restart, until `fork keep-this`; after it, a forked log still refuses
   (SR_EFORKED).
2. A copy that published while the original was off, no fork: b1's copy b2
   writes seq 2 and is stopped; b1 comes back, receives that entry of its own
   key that it did not write, and stops publishing (reason "entry"); after
   `fork keep-this --yes` its next entry continues the chain and friend g
   takes it (g never marks anyone forked).
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket

import harness as h
from harness import check, check_eq




def share_content(text):
    # canonical msgpack of {"text": text} (one key: nothing to sort)
    b = text.encode()
    assert len(b) < 32
    return base64.b64encode(bytes([0x81, 0xa4]) + b"text" + bytes([0xa0 | len(b)]) + b).decode()


def web(node, method, path, body=None):
    """(status, JSON) of one web API request with the Bearer token and CSRF header."""
    with open(os.path.join(node.home, "web.token")) as f:
        token = f.read().strip()
    port = int(node.run_info["web"].rsplit(":", 1)[1])
    hd = {"Authorization": f"Bearer {token}", "Host": f"127.0.0.1:{port}",
          "X-Seurone-CSRF": hmac.new(bytes.fromhex(token), b"csrf", hashlib.sha256).hexdigest()}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hd["Content-Type"] = "application/json"
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30 * h.SCALE)
    try:
        c.request(method, path, body=data, headers=hd)
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


def forked_ids(node):
    return {a["id"] for a in node.status().get("forked_authors", [])}


def copy_home(c, src, name):
    """A Node whose home is a copy of src's (src stopped): the same key."""
    n = c.node(name)
    shutil.rmtree(n.home)
    shutil.copytree(src.home, n.home, symlinks=True)
    n.id = src.id
    n.config = dict(src.config)
    # A copy refuses to publish until it is claimed (node/device.h, SR_ECOPIED).
    # The fork below is the one that protection cannot stop: the person claims
    # the copy and forgets to stop the original.
    n.cli("device", "claim")
    return n


def refuses(node, code, words, what):
    """node refuses to publish: CLI exit 1 naming words, control socket code."""
    r = node.cli("publish", "share", "--text", f"after the fork ({what})", check=False)
    check(r.returncode == 1 and words in r.stderr, f"{node.name}: CLI publish refused ({what}): exit {r.returncode}, "
          f"{r.stderr.strip()[:300]}")
    if node.alive():
        rep = h.control(node, {"cmd": "publish", "type": "share", "content": share_content("x")})
        check_eq((rep.get("ok"), rep.get("code")), (False, code), f"{node.name}: control socket publish refused ({what})")


def copied_home(c):
    a1 = c.node("a1")
    f1, f2, f3 = c.node("f1"), c.node("f2"), c.node("f3")
    a1.about("Ada")
    a1.share("before the copy")
    for f in (f1, f2, f3):
        f.follow(a1)
    f1.follow(f2)
    f2.follow(f1)
    f2.follow(f3)
    f3.follow(f2)
    ada = a1.id
    first = a1.ids(a1)
    for n in (a1, f1, f2, f3):
        n.start()
    f1.peer_add(a1)
    f2.peer_add(f1)
    f2.peer_add(f3)
    for f in (f1, f2, f3):
        h.wait_until(lambda: first <= f.ids(a1), 30, f"{f.name} holds Ada's first entries")
    a1.stop()

    # The copy: the same key in another home, as on a second laptop.
    a2 = copy_home(c, a1, "a2")
    check_eq(a2.cli_json("id")["id"], ada, "a2 is Ada too")
    x = a1.share("from the laptop")["id"]
    y = a2.share("from the copy")["id"]
    check_eq((a1.log(a1)[-1]["seq"], a2.log(a2)[-1]["seq"]), (3, 3), "each copy wrote its own seq 3")
    a1.start()
    a2.start()
    f1.peer_add(a1)
    f3.peer_add(a2)

    nodes = (a1, a2, f1, f2, f3)
    h.wait_gone(lambda: [n.name for n in nodes if ada not in forked_ids(n)], 60,
                "every one of the five nodes marks Ada forked")
    for n in (a1, a2):
        sf = n.status()["self_fork"]
        check(sf is not None and sf["reason"] in ("fork", "proof") and sf["seq"] == 3,
              f"{n.name}: stopped publishing: another copy of its key published ({sf and sf['reason']})")
        check(any(a["self"] for a in n.status()["forked_authors"]), f"{n.name}: its own key is listed as forked, self")
        n.wait_log(r"ANOTHER COPY OF THIS IDENTITY PUBLISHED", 10)
    for f in (f1, f2, f3):
        check(f.status()["self_fork"] is None, f"{f.name}: not stopped itself")
        g = f.cli_json("graph")
        check(any(p["id"] == ada and p["forked"] for p in g["people"]), f"{f.name}: graph --json: Ada forked")
        check(any(r["author"] == ada and r["seq"] == 3 for r in g["forked_authors"]),
              f"{f.name}: graph --json forked_authors names Ada at seq 3")
        log = f.log(a1)
        proofs = {e["id"] for e in log if e.get("fork_proof")}
        held = {e["id"] for e in log if not e.get("fork_proof")}
        check({x, y} <= proofs | held and len({x, y} & proofs) >= 1,
              f"{f.name}: log --json holds both seq 3 entries, one as the fork proof")
        status, person = web(f, "GET", f"/api/person?id={ada}")
        check_eq((status, person.get("forked")), (200, True), f"{f.name}: the web API's PERSON says forked")
        check(person["shares"] and all(i["forked"] is True for i in person["shares"]),
              f"{f.name}: the web API's ITEMs of Ada's shares say forked")
        status, feed = web(f, "GET", "/api/feed")
        check(status == 200 and any(i["author"] == ada and i["forked"] for i in feed["items"]),
              f"{f.name}: Ada's shares in the feed say forked")
        status, st = web(f, "GET", "/api/status")
        check(status == 200 and any(a["id"] == ada and a["name"] == "Ada" for a in st["forked_authors"]),
              f"{f.name}: /api/status names Ada among the forked authors")
        check(f.status()["fork_proofs"]["out"] + f.status()["fork_proofs"]["in"] >= 1,
              f"{f.name}: a proof crossed its sessions")
    text = f2.cli("status").stdout
    check("forked" in text and "Ada" in text, "f2: status (text) names Ada as forked")

    # The author's copies refuse to publish, everywhere, with the new code.
    for n in (a1, a2):
        refuses(n, "SR_ESELFFORK", "your log forked", "running")
        status, rep = web(n, "POST", "/api/publish", {"type": "share", "text": "from the web"})
        check_eq((status, rep.get("code")), (409, "SR_ESELFFORK"), f"{n.name}: web publish refused")
        check("seurone fork" in rep.get("error", "") or "another copy" in rep.get("error", "")
              or "forked" in rep.get("error", ""), f"{n.name}: the web's sentence says what happened")
        status, person = web(n, "GET", f"/api/person?id={ada}")
        check(person.get("forked") is True and person.get("self") is True, f"{n.name}: PERSON of self: forked")
    # ... also after a restart, and without a node
    a1.stop()
    refuses(a1, "SR_ESELFFORK", "your log forked", "no node")
    check(a1.status()["self_fork"] is not None, "a1: status without a node shows the stop")
    a1.start()
    a1.wait_log(r"ANOTHER COPY OF THIS IDENTITY PUBLISHED: publishing is stopped \(since before", 10)
    refuses(a1, "SR_ESELFFORK", "your log forked", "after a restart")
    # keep-this: asks first; then clears the stop, but a forked log stays forked
    r = a1.cli("fork", "keep-this", check=False)
    check(r.returncode == 2 and "--yes" in r.stderr, "a1: fork keep-this without --yes only explains")
    k = a1.cli_json("fork", "keep-this", "--yes")
    check_eq((k["cleared"], k["log_forked"]), (True, True), "a1: fork keep-this clears the stop; the log is forked")
    check(a1.status()["self_fork"] is None, "a1: the stop is gone")
    refuses(a1, "SR_EFORKED", "your log is forked", "kept, but forked")
    for n in nodes:
        n.check_alive()
        v = n.verify()
        check(v.get("ok") is True, f"{n.name}: verify ({v.get('problems')})")
    for n in nodes:
        n.stop()


def copy_without_fork(c):
    b1, g = c.node("b1"), c.node("g")
    b1.about("Bo")
    g.follow(b1)
    b1.start()
    g.start()
    g.peer_add(b1)
    h.wait_until(lambda: b1.ids(b1) <= g.ids(b1), 30, "g holds Bo's log")
    b1.stop()
    b2 = copy_home(c, b1, "b2")
    b2.start()
    g.peer_add(b2)
    late = b2.share("written by the copy")["id"]
    h.wait_until(lambda: g.has(late, b1), 30, "g gets the copy's entry")
    b2.stop()  # the person stops the other copy

    b1.start()
    g.peer_add(b1)
    h.wait_until(lambda: (b1.status()["self_fork"] or {}).get("reason") == "entry", 30,
                 "b1 notices an entry of its own key that it did not write")
    sf = b1.status()["self_fork"]
    check_eq((sf["seq"], sf["id"], sf["from"]), (2, late, g.id), "b1: the stop names the entry and the peer")
    check(b1.has(late, b1), "b1: the entry joined its log (it is valid)")
    refuses(b1, "SR_ESELFFORK", "another copy of this identity published", "entry")
    f = b1.cli_json("fork")
    check_eq(f["self_fork"]["reason"], "entry", "b1: fork --json says why")
    check_eq(f["forked_authors"], [], "b1: nobody is forked")
    k = b1.cli_json("fork", "keep-this", "--yes")
    check_eq((k["cleared"], k["log_forked"]), (True, False), "b1: fork keep-this clears the stop, no fork")
    r = b1.share("back on the laptop")
    check_eq(r["seq"], 3, "b1: the next entry continues the chain after the copy's")
    h.wait_until(lambda: g.has(r["id"], b1), 30, "g takes it")
    check_eq(forked_ids(g), set(), "g: nobody forked")
    check(g.verify().get("ok") is True and b1.verify().get("ok") is True, "g and b1 verify")
    b1.stop()
    g.stop()


def main(c):
    copied_home(c)
    copy_without_fork(c)


h.run_test(main)
