#!/usr/bin/python3
"""The peer table cannot be poisoned (issue 11, item 5).

a runs with b as a bootstrap peer (config). Three hostile peers, each a fresh
key, send a 33 peers frames of 32 made-up addresses each (3,168 random keys;
before the fix one of them filled the 1,024-entry table). Then:
  - a holds at most 8 learned peers per source (24 in all); after 33 more
    sources, 256 learned peers in all (the learned share); b stays and stays
    connected;
  - `peer add d` works and a dials d;
  - `invite accept` of the relay r, while a runs, makes a dial r now (the JSON
    says "dialing": true, a's log says it dials r's key);
  - after a restart, the first keys a dials (its log's "dialing" lines) are
    the given ones, b, d and r, before any learned one."""
import re

import harness as h
from harness import check, check_eq

FLOODS = 3
PER_SOURCE = 8  # SR_PEER_LEARNED_PER_SOURCE (store/peers.h)
LEARNED_MAX = 256  # SR_PEER_LEARNED_MAX
MORE_FLOODS = 36  # sources in all: 36 * 8 > 256


def peer_of(node, other):
    got = [p for p in node.peers() if p["key"] == other.id]
    return got[0] if got else None


def connected(node, other):
    p = peer_of(node, other)
    return p if p and p["connected"] else None


def dials(node, start):
    """The short keys node dialled, in order, in its start number `start`."""
    text = node.stderr_text().split("==== harness: start #")
    check(len(text) > start, f"{node.name}: its log has a start #{start}")
    return [m.group(1) for m in re.finditer(r"dialing ([0-9a-f]{16}) \((\w+)\)", text[start])]


def main(c):
    a, b, d, r = c.node("a"), c.node("b"), c.node("d"), c.node("r")
    b.start()
    d.start()
    r.start(relay=True)
    a.write_config(bootstrap=b.address)
    a.start()
    h.wait_until(lambda: connected(a, b), 30, "a connected to its bootstrap peer b")

    for seed in range(1, FLOODS + 1):
        res, _ = h.hostile(a.address, "--peers-flood", "33", "--seed", str(seed), wait_ms=3000)
        check(res["handshake"], f"flood {seed}: the hostile peer completed the handshake")
        check_eq(res["sent_frames"], 34, f"flood {seed}: hello and 33 peers frames sent")
    a.check_alive("after the peers floods")

    peers = a.peers()
    learned = [p for p in peers if p["source"] == "learned"]
    h.note(f"a knows {len(peers)} peers, {len(learned)} learned")
    check(len(learned) <= FLOODS * PER_SOURCE,
          f"a holds at most {PER_SOURCE} learned peers per source ({len(learned)} from {FLOODS} sources)")
    check(learned, "a did take some learned peers (the bound is not 'none')")
    # --- many sources: the learned share of the table stays bounded ---
    for seed in range(FLOODS + 1, MORE_FLOODS + 1):
        h.hostile(a.address, "--peers-flood", "4", "--seed", str(seed), wait_ms=3000)
    learned = [p for p in a.peers() if p["source"] == "learned"]
    check_eq(len(learned), LEARNED_MAX, f"after {MORE_FLOODS} sources a holds {LEARNED_MAX} learned peers, no more")
    p = connected(a, b)
    check(p is not None and p["source"] == "bootstrap", "b is still in a's table, as bootstrap, and connected")

    # --- a person's `peer add` works after the flood ---
    out = a.cli_json("peer", "add", d.address)
    check_eq(out["dialing"], True, "peer add d: the running node dials it")
    h.wait_until(lambda: connected(a, d), 30, "a connected to d after the flood")

    # --- invite accept leaves the relay dialled by the running node ---
    code = r.cli_json("invite", "create")["code"]
    res = a.cli_json("invite", "accept", code)
    check_eq(res["dialing"], True, "invite accept: the running node is dialing the relay")
    check_eq(res["restart_needed"], False, "invite accept: same network, no restart needed")
    a.wait_log(rf"dialing {r.id[:16]} \(given\)", 30, "a's log: it dials the relay r")
    p = h.wait_until(lambda: connected(a, r), 30, "a connected to the relay r")
    check_eq(p["source"], "relay", "a: r is in the table as the relay")

    # --- after a restart, the given peers are dialled first ---
    a.stop()
    a.start()
    given = {b.id[:16], d.id[:16], r.id[:16]}
    h.wait_until(lambda: len(dials(a, 2)) >= 3, 30, "a dials after its restart")
    first = dials(a, 2)
    h.note(f"a's dials after the restart: {first[:6]}")
    check_eq(set(first[:3]), given, "a's first three dials after the restart go to b, d and r")
    for x in (b, d, r):
        h.wait_until(lambda: connected(a, x), 30, f"a reconnected to {x.name} after its restart")
    kept = [p for p in a.peers() if p["source"] == "learned"]
    check_eq(len(kept), LEARNED_MAX, "after the restart a holds the same bounded number of learned peers")
    for x in (a, b, d, r):
        x.check_alive()
        x.stop()


h.run_test(main)
