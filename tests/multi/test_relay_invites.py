#!/usr/bin/python3
"""A relay with invites.

r runs with --relay. `invite create` on r gives a one-use code; m accepts it
(exit 0) and becomes a member: r replicates m's log. The used code is refused
(exit 1, one sentence saying it is used up and what to do), an unknown code is
refused (one sentence saying it is unknown), a --uses 2 code admits two nodes and refuses the third. Then m
goes offline; t, which follows m and only knows r, gets m's entries from r
(hops 2). m comes back (it redials r from its peer table) and a live entry
reaches t through the relay."""
import os
import re

import harness as h
from harness import check, check_eq


# Each refusal is one sentence: the reason once, then what to do.
SENTENCES = {
    "used": "seurone: the relay refused: this invite code has been used up; ask the relay for a new one",
    "unknown": "seurone: the relay refused: unknown invite code; check that it was copied whole, "
               "or ask the relay for a new one",
}


def refused(node, code, word, what):
    r = node.cli("invite", "accept", code, check=False)
    h.note(f"{what}: exit {r.returncode}, stderr: {r.stderr.strip()}")
    check_eq(r.returncode, 1, f"{what}: refused (exit 1)")
    check_eq(r.stderr.strip(), SENTENCES[word], f"{what}: the one sentence on stderr")
    check_eq(r.stdout, "", f"{what}: nothing on stdout")


def main(c):
    r = c.node("r")
    m = c.node("m")
    t = c.node("t")
    n, o = c.node("n"), c.node("o")
    m.about("M")
    m.share("member news 1")
    m.share("member news 2")
    m_ids = m.ids(m)
    t.follow(m)

    r.start(relay=True)
    st = r.status()
    if "relay" in st:
        check_eq(st["relay"], True, "r: status says relay")
    for x in (m, n, o):
        x.start()

    inv = r.cli_json("invite", "create")
    code = inv["code"]
    mm = re.fullmatch(r"seurone-invite:1:(seurone://\S+):([0-9a-f]{64}):([0-9a-f]{64})", code)
    check(mm is not None, f"invite code has the documented form: {code}")
    check_eq(mm.group(1), r.address, "invite code holds r's address")
    check_eq(mm.group(2), h.DEFAULT_NETKEY, "invite code holds the network key")

    res = m.cli("invite", "accept", code)
    h.note(f"m accepted: {res.stdout.strip()} {res.stderr.strip()}")
    h.wait_until(lambda: m_ids <= r.ids(m), 30, "r (relay) holds its member m's log")
    for e in r.log(m):
        check_eq((e["source"], e["from"], e["hops"]), ("peer", m.id, 1), f"r: m's entry {e['id'][:12]} provenance")

    refused(n, code, "used", "the same code again, from another node")
    unknown = f"seurone-invite:1:{r.address}:{h.DEFAULT_NETKEY}:{os.urandom(32).hex()}"
    refused(n, unknown, "unknown", "a code r never issued")

    code2 = r.cli_json("invite", "create", "--uses", "2")["code"]
    n.cli("invite", "accept", code2)
    o.cli("invite", "accept", code2)
    refused(m, code2, "used", "a --uses 2 code a third time")
    r.check_alive("after the refused invites")

    m.stop()
    t.start()
    t.peer_add(r)
    h.wait_until(lambda: m_ids <= t.ids(m), 30, "t holds m's log (through the relay)")
    for e in t.log(m):
        check_eq((e["source"], e["from"], e["hops"]), ("peer", r.id, 2), f"t: m's entry {e['id'][:12]} via r")

    m.start()
    h.wait_until(lambda: any(p["key"] == m.id for p in r.status()["peers"]), 30,
                 "m redials r (its peer table) after a restart")
    live = m.share("member news, live")["id"]
    h.wait_until(lambda: t.has(live, m), 20, "t gets m's live entry")
    e = h.entry_of(t, live)
    check((e["from"], e["hops"]) in ((r.id, 2), (m.id, 1)),
          f"t: live entry via r (hops 2) or direct after peer exchange: from {e['from'][:12]} hops {e['hops']}")
    for x in (r, m, t, n, o):
        x.check_alive()
        x.stop()


h.run_test(main)
