#!/usr/bin/python3
"""A person with two devices (issue 14): pairing with a one-time code, the
person's friends seeing one person, and a revocation that holds.

p is the person's first device (its key is the identity P). d joins as a
second device with `device join`, in a fresh home. f follows P only, never D.
After d publishes, f holds d's entries and shows them as P's (the name Pat);
f's graph and metrics count one person for P and D. A wrong code, a code that
fails its check digits and a used code are refused, and so is a code held by
a node that has become a device itself. q, another person, certifies D in its
own log: D stays P's. p revokes d: an entry d wrote after the revocation is
refused at f (SR_EREVOKED, by gossip and by import) and shown nowhere."""
import base64
import hashlib
import json
import os
import socket

import harness as h
from harness import check, check_eq


def control(node, req):
    return h.control(node, req, 10)


def mp_str(s):
    b = s.encode()
    assert len(b) < 32
    return bytes([0xa0 | len(b)]) + b


def device_content(device_hex, state):
    """Canonical msgpack {device: bin 32, state: str} (keys in byte order)."""
    return b"\x82" + mp_str("device") + b"\xc4\x20" + bytes.fromhex(device_hex) + mp_str("state") + mp_str(state)


def with_check(body):
    """A device code's text from everything before its check digits."""
    return body + ":" + hashlib.blake2b(body.encode(), digest_size=32).digest()[:4].hex()


def join(node, code, want_rc):
    r = node.cli("device", "join", "-", input=code, check=False)
    check_eq(r.returncode, want_rc, f"{node.name}: device join exits {want_rc}")
    return r


def names_of(node, author):
    return {e["author_name"] for e in node.log(author)}


def main(c):
    p = c.node("p")
    p.about("Pat")
    f = c.node("f")
    f.follow(p)
    r = p.cli("device", "add", check=False)
    check(r.returncode == 3 and "seurone run" in r.stderr, "device add with no node running: says to start it")
    p.start()
    f.start()
    f.peer_add(p)

    # x runs before it joins anyone, and makes a code of its own: once x is
    # a device, that code must be refused
    x = c.node("x")
    x.start()
    x_code = x.cli_json("device", "add")["code"]
    x.write_config(listen=f"127.0.0.1:{x.port}")  # the code names this port: the next start keeps it
    x.stop()

    add = p.cli_json("device", "add", "--name", "laptop")
    code = add["code"]
    check(code.startswith("seurone-device:1:") and add["address"] in code, "device add: the code names p's address")
    check_eq(add["valid_s"], 3600, "device add: the code lasts an hour")
    check_eq(add["name"], "laptop", "device add: the label")
    p.wait_log(r"a device code was made", 10, "p's node stored the code")
    check(not p.log_lines(code.rsplit(":", 2)[1]), "p's log never shows the code's secret")

    # wrong codes: a mistyped digit (check digits), an unknown secret, an invite's prefix
    d = c.node("d")
    typo = code[:-20] + ("0" if code[-20] != "0" else "1") + code[-19:]
    r = join(d, typo, 2)
    check("check digits" in r.stderr, "a mistyped code: the check digits say so")
    prefix, rest = code.split(":", 2)[0:2], code.split(":", 2)[2]
    body = code.rsplit(":", 1)[0]
    unknown = with_check(body[:-64] + os.urandom(32).hex())
    r = join(d, unknown, 1)
    check("does not know this device code" in r.stderr, "an unknown code: p's node refuses it")
    r = join(d, "seurone-invite:1:" + code[len("seurone-device:1:"):], 2)
    check("invite code, not a device code" in r.stderr, "an invite's prefix: told apart")
    # the refusal wrote d's first entry (its consent) but nothing else: it may retry
    check_eq([e["type"] for e in d.log(d)], ["device-of"], "d's log: its device-of alone")

    # a home whose identity has entries is no fresh device: refused, the code not spent
    g = c.node("g")
    g.about("Gale")
    r = join(g, code, 3)
    check("already has 1 entry" in r.stderr and "fresh home" in r.stderr, "join from a home with entries: refused")
    r = join(f, code, 3)
    check("a node runs in" in r.stderr, "join in a home whose node runs: refused (stop it first)")
    r = join(d, code, 0)
    j = d.cli_json("device", "list")
    check_eq(j["person"], p.id, "d: its person is P")
    check(j["self_device"], "d: is a device")
    check_eq([x_["key"] for x_ in j["devices"]], [d.id], "d knows P's certificate of it (fetched while joining)")
    check("waiting for the answer" in r.stderr, "join showed its progress")
    check(any(pr["key"] == p.id for pr in d.peers()), "d's peer table has p")

    # the code was used: another new device is refused
    e = c.node("e")
    r = join(e, code, 1)
    check("used already" in r.stderr, "a used code is refused")

    # a node that became a device answers no code of its own
    # no name at `device add`: the one x gives itself (carried in the invite frame)
    xj = p.cli_json("device", "add")["code"]
    r = x.cli("device", "join", "-", "--name", "old phone", input=xj, check=False)
    check_eq(r.returncode, 0, "x: device join --name exits 0")
    x.start()
    y = c.node("y")
    r = join(y, x_code, 1)
    check("itself a device" in r.stderr, "a code held by a device is refused")
    r = x.cli("device", "add", check=False)
    check(r.returncode == 1 and "SR_EISDEVICE" in r.stderr, "a device makes no codes")
    x.stop()

    lst = p.cli_json("device", "list")
    check_eq(sorted(dv["key"] for dv in lst["devices"]), sorted([d.id, x.id]), "p lists its two devices")
    named = {dv["key"]: dv["name"] for dv in lst["devices"]}
    check_eq(named[d.id], "laptop", "p: d is the laptop (the name given at device add)")
    check_eq(named[x.id], "old phone", "p: x is the old phone (the name x gave at join)")

    # d writes; f, which follows P only, gets it and shows it as P's
    d.start()
    s1 = d.share("written on the laptop")["id"]
    h.wait_until(lambda: f.has(s1, d), 30, "f holds d's entry")
    check_eq(names_of(f, d), {"Pat"}, "f shows d's entries as Pat's")
    h.wait_until(lambda: p.has(s1, d), 30, "p holds d's entry")
    lst = p.cli_json("device", "list")
    dd = [dv for dv in lst["devices"] if dv["key"] == d.id][0]
    check(dd["bound"] and dd["last_seq"] >= 2, "p: d is bound, its last entry seen")

    # one person for P and D in f's graph and metrics
    people = {q["id"] for q in f.cli_json("graph")["people"]}
    check(p.id in people and d.id not in people, "f's graph: P is a person, D is not another one")
    nodes = {m["node"] for m in f.cli_json("metrics", "pagerank") if m["kind"] == "person"}
    check(p.id in nodes and d.id not in nodes, "f's metrics: one node for P and D")

    # another person certifies D in its own log: D stays P's
    q = c.node("q")
    q.about("Quinn")
    q.start()
    f.follow(q)
    f.peer_add(q)
    content = base64.b64encode(device_content(d.id, "add")).decode()
    rq = control(q, {"cmd": "publish", "type": "device", "content": content})
    check(rq.get("ok"), f"q published a certificate of D in its own log: {rq}")
    h.wait_until(lambda: rq["id"] in f.ids(q), 30, "f holds q's certificate of D")
    check_eq(names_of(f, d), {"Pat"}, "D's entries stay Pat's, not Quinn's")
    people = {pp["id"] for pp in f.cli_json("graph")["people"]}
    check(d.id not in people, "f's graph: D is still not a person of its own")

    # revocation: d stops, p revokes, d writes offline, and comes back
    d.stop()
    seq_before = max(en["seq"] for en in p.log(d))
    rv = p.cli_json("device", "revoke", "laptop", "--yes")
    check_eq(rv["upto"], seq_before, "revoke: upto is d's highest seq p holds")
    h.wait_until(lambda: rv["id"] in f.ids(p), 30, "f holds the revocation")
    late = d.share("written after the revocation")["id"]
    rejected0 = f.status()["rejected"]
    d.start()
    d.peer_add(f)  # p refuses the entry too and passes nothing on: d offers it to f itself
    h.wait_until(lambda: f.status()["rejected"] > rejected0, 30, "f refused d's late entry")
    check(not f.has(late, d), "f does not hold d's late entry")
    check_eq(names_of(f, d), {"Pat"}, "d's earlier entries are still Pat's")
    path = os.path.join(c.root, "d.jsonl")
    d.stop()
    d.export_jsonl(path)
    imp = f.cli_json("import", path, check=False)
    reasons = [r_["reason"] for r_ in imp["rejected"]]
    check(len(reasons) == 1 and ("SR_EREVOKED" in reasons[0] or "revoked" in reasons[0]),
          f"import at f: d's late entry refused as revoked ({reasons})")
    check(not f.has(late, d), "f still does not hold it")
    r = p.cli("device", "revoke", d.id[:12], "--yes", check=False)
    check(r.returncode == 1 and "revoked already" in r.stderr, "a second revocation is refused")
    for n in (p, f, q):
        n.check_alive("at the end")


h.run_test(main)
