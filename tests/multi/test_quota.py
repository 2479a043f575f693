#!/usr/bin/python3
"""A member over a relay's quota (issue 16): 300 entries of 3 KB in a burst.

r is a relay with quota_bytes_per_day = 150 KiB; m is its member. m publishes
300 shares of 3 KB through its control socket as fast as it answers, the case
the issue measured (all stored and passed on, before quotas). Then:
- r holds m's log exactly up to the quota: the entries it holds fit in 150 KiB
  and the next one of m's log would not;
- r's status counts the refusals (refused.quota), none of them is stored, and
  the session with m stays up (no drop, m still connected);
- m's log says, once, that the relay refused its entries and why (the refused
  frame of docs/protocol.md, "Refusals"), naming the relay by its name;
- r restarted: it still holds the same entries, and a new entry of m is
  refused (the counters live in the store), the session going on.
"""
import base64
import json
import os
import struct

import harness as h
from harness import check, check_eq

QUOTA = 150 * 1024
BURST = 300
TEXT = 3000


def share_req(i):
    """A publish request for a share of TEXT bytes: canonical msgpack
    {"text": str16}, written out by hand (no msgpack module needed)."""
    text = (f"{i:04d} " + "x" * (TEXT - 5)).encode()
    content = b"\x81\xa4text\xda" + struct.pack(">H", len(text)) + text
    return {"cmd": "publish", "type": "share", "content": base64.b64encode(content).decode()}


def raw_sizes(node, author):
    """seq -> length of the stored entry, from `export entries --author`."""
    out = os.path.join(node.cluster.root, f"{node.name}-export.jsonl")
    node.cli("export", "entries", "--author", author.id, "--out", out)
    sizes = {}
    with open(out) as f:
        for line in f:
            d = json.loads(line)
            sizes[d["seq"]] = len(base64.b64decode(d["raw"]))
    return sizes


def main(c):
    r = c.node("r", config={"quota_bytes_per_day": QUOTA, "quota_entries_per_day": 0, "quota_bytes_total": 0})
    m = c.node("m")
    r.about("NGO relay")
    r.start(relay=True)
    m.start()
    code = r.cli_json("invite", "create")["code"]
    m.cli("invite", "accept", code)
    m.peer_add(r)
    h.wait_until(lambda: any(p.get("key") == m.id for p in r.status().get("peers", [])), 30, "r has a session with m")
    # r's about reaches m once r is in m's scope? m knows the relay's name only
    # if it holds r's about: m follows r so it replicates it.
    m.follow(r)
    h.wait_until(lambda: len(m.ids(r)) >= 1, 30, "m holds r's about (the relay's name)")

    for i in range(BURST):
        rep = h.control(m, share_req(i))
        check(rep and rep.get("ok"), f"m publishes share {i}: {rep}")
    mine = raw_sizes(m, m)
    check(len(mine) >= BURST, f"m holds its {BURST} shares")

    def settled():
        st = r.status()
        return st["refused"]["quota"] > 0 and st["refused"]["quota"] + len(r.ids(m)) >= len(mine)
    h.wait_until(settled, 60, "r took or refused all of m's burst")
    held = raw_sizes(r, m)
    seqs = sorted(held)
    check_eq(seqs, list(range(1, len(seqs) + 1)), "r holds m's log from seq 1 without a hole")
    used = sum(held.values())
    h.note(f"r holds {len(seqs)} of m's {len(mine)} entries, {used} bytes of a {QUOTA}-byte quota")
    check(used <= QUOTA, f"r's holdings of m ({used} B) within the quota")
    nxt = len(seqs) + 1
    check(nxt in mine and used + mine[nxt] > QUOTA, f"m's next entry (seq {nxt}) would pass the quota: r stored up to it")
    st = r.status()
    check(st["refused"]["quota"] >= len(mine) - len(seqs), f"r counts the refusals: {st['refused']}")
    check(any(p.get("key") == m.id for p in st["peers"]), "the session with m is still up")
    check_eq(r.log_lines(r"dropping .* peer " + m.id[:16]), [], "r never dropped m")

    line = m.wait_log(r"relay .* refused your entries", 30, "m logs the relay's refusal")[0]
    h.note(f"m logged: {line}")
    check("NGO relay" in line and r.id[:16] in line, "m's line names the relay by its name and key")
    check("quota" in line and "150 KiB" in line, "m's line says which quota")
    check_eq(len(m.log_lines(r"relay .* refused ")), 1, "m says it once")

    # The counters live in the store: after a restart the same entries are held
    # and m's next entry is refused too.
    before = r.status()["refused"]["quota"]
    r.stop()
    r.start(relay=True)
    m.peer_add(r)  # its new port (the harness listens on port 0)
    h.wait_until(lambda: any(p.get("key") == m.id for p in r.status().get("peers", [])), 60, "m reconnects to r")
    rep = h.control(m, share_req(BURST))
    check(rep and rep.get("ok"), "m publishes one more")
    total = len(mine) + 1
    h.wait_until(lambda: r.status()["refused"]["quota"] >= total - len(seqs), 60,
                 "the restarted r refuses m's entries past the quota, the new one too")
    check_eq(sorted(raw_sizes(r, m)), seqs, "the restarted r holds exactly what it held")
    check(any(p.get("key") == m.id for p in r.status()["peers"]), "the session goes on after the refusal")
    h.note(f"refused before the restart {before}, after {r.status()['refused']['quota']}")
    check(r.verify()["ok"], "r's store verifies")
    r.check_alive("at the end")
    m.check_alive("at the end")


if __name__ == "__main__":
    h.run_test(main)
