#!/usr/bin/python3
"""Peer exchange hands out only addresses of nodes that chose to be reachable,
and only to peers within the sharer's scope (a relay: its members).

Relay part: r is a relay with members m1, m2 (invites) and z, a personal node
with `reachable = yes`, connected to r (both restarted once, as members come and go). s is refused (a made-up invite secret)
and then dials r anyway, as an attacker holding the address would:
  (a) s learns no member's address (its peer table holds r alone) once it has
      r's entry, which r sends after any peers frame of the session; no member
      ever has a session with s;
      a hostile_peer stranger receives no peers frame from r, only r's reachable
      frame; one that announces m2's address as its own is not believed;
  (c) m1, a member, learns z's address (reachable), but not m2's (not reachable).
Personal part: b follows its friend f and dials it; a is in b's scope (b follows
a); z is reachable and b dials it. s2, a stranger holding the network key,
dials b:
  (b) s2 learns no address (once it holds b's entry); a hostile_peer stranger
      receives neither a peers frame nor a reachable frame from b;
  (c) a learns z's address from b, and not f's.
"""
import os

import harness as h
from harness import check, check_eq


def known(node):
    return {p["key"]: p for p in node.peers()}


def main(c):
    r = c.node("r")
    m1, m2 = c.node("m1"), c.node("m2")
    z = c.node("z", config={"reachable": True})
    s = c.node("s")
    a, b, f = c.node("a"), c.node("b"), c.node("f")
    s2 = c.node("s2")
    for x in (s, m1):
        x.follow(r)
    s2.follow(b)
    a.follow(b)
    b.follow(f)
    b.follow(a)

    r.start(relay=True)
    r_news = r.share("relay news")["id"]
    for x in (m1, m2, z):
        x.start()
    for x in (m2, z):
        x.cli("invite", "accept", r.cli_json("invite", "create")["code"])
    h.wait_until(lambda: {m2.id, z.id} <= {p["key"] for p in r.status()["peers"]}, 30, "m2 and z have sessions with r")
    # Members come and go: once back, r has reached them before (a peer table
    # entry with a last-seen time), which is what r used to hand out.
    for x in (m2, z):
        x.stop()
        x.start()
    h.wait_until(lambda: {m2.id, z.id} <= {p["key"] for p in r.status()["peers"]}, 30, "m2 and z are back on r")

    # (c) a member learns the reachable node's address, and no one else's.
    m1.cli("invite", "accept", r.cli_json("invite", "create")["code"])
    h.wait_until(lambda: z.id in known(m1), 30, "m1 (a member) learns z's address (z chose to be reachable)")
    check_eq(known(m1)[z.id]["address"], z.address, "m1: z's address as z announced it")
    h.wait_until(lambda: m1.has(r_news, r), 30, "m1 holds r's entry")
    check(m2.id not in known(m1), "m1 does not learn m2's address (m2 did not choose to be reachable)")

    # (a) a refused stranger learns nothing, however it connects.
    bad = f"seurone-invite:1:{r.address}:{h.DEFAULT_NETKEY}:{os.urandom(32).hex()}"
    res = s.cli("invite", "accept", bad, check=False)
    check_eq(res.returncode, 1, "s: the made-up invite is refused")
    s.start()
    s.peer_add(r)
    h.wait_until(lambda: s.has(r_news, r), 30, "s holds r's entry (every frame r sent before it was read)")
    check_eq(set(known(s)), {r.id}, "s (refused) knows r alone: no member's or z's address")
    check(not s.log_lines(r"connected to peer (?!%s)" % r.id[:16]), "s never dialled anyone but r")
    # Every frame r sends a stranger (read to r's goodbye): r's own reachable
    # announcement, and no peers frame at all.
    res, _ = h.hostile(r.address, "--hello-only")
    kinds = res["received_kinds"]
    check_eq(kinds.get("5", 0), 0, "a stranger gets no peers frame from r")
    check_eq(kinds.get("10", 0), 1, "r announces itself reachable to the stranger, once")
    # A stranger claiming m2's address as its own reachable one is not believed.
    h.hostile(r.address, "--announce", m2.address)
    r_more = r.share("relay news 2")["id"]
    h.wait_until(lambda: m1.has(r_more, r), 30, "m1 holds r's next entry (r sent it after any pass-on)")
    check(m2.id not in known(m1), "r did not pass on m2's address, claimed by someone else")

    # The personal part.
    for x in (f, a, b):
        x.start()
    b.peer_add(f)
    b.peer_add(z)
    h.wait_until(lambda: {f.id, z.id} <= {p["key"] for p in b.status()["peers"]}, 30, "b has sessions with f and z")
    h.wait_until(lambda: z.id in {k for k, p in known(b).items() if p["connected"]}, 30, "b connected to z")
    b_news = b.share("b's news")["id"]
    a.peer_add(b)
    h.wait_until(lambda: z.id in known(a), 30, "a (in b's scope) learns z's address from b")
    h.wait_until(lambda: a.has(b_news, b), 30, "a holds b's entry")
    check(f.id not in known(a), "a does not learn f's address (f did not choose to be reachable)")

    s2.start()
    s2.peer_add(b)
    h.wait_until(lambda: s2.has(b_news, b), 30, "s2 (a stranger with the network key) holds b's entry")
    check_eq(set(known(s2)), {b.id}, "s2 knows b alone: no friend's address")
    res, _ = h.hostile(b.address, "--hello-only")
    check_eq({k: res["received_kinds"].get(k, 0) for k in ("5", "10")}, {"5": 0, "10": 0},
             "a stranger gets no peers frame and no reachable frame from b (not reachable)")

    for x in (m1, m2, z, f, a):
        check(not x.log_lines(s.id[:16]) and not x.log_lines(s2.id[:16]), f"{x.name}: no contact with s or s2")
        check(all(p["key"] not in (s.id, s2.id) for p in x.status()["peers"]), f"{x.name}: no session with s or s2")
    for x in (r, m1, m2, z, s, a, b, f, s2):
        x.check_alive()
        x.stop()


h.run_test(main)
