#!/usr/bin/python3
"""How a session ends (issue 12; docs/protocol.md). Two inbound sessions from one
key: the newer replaces the older, which a closes with a line naming SR_EEXIST
and why (before: both stayed). Every session end is ONE line in a's log (before:
gossip's "dropping ..." line and then net's "closed ...: clean end" for the same
connection), and a close without a goodbye is never called a "clean end"; a
session that ends with both goodbyes is."""
import nacl.signing

import harness as h
from harness import check, check_eq

SEED = bytes(range(7, 39))


def main(c):
    key = nacl.signing.SigningKey(SEED).verify_key.encode().hex()
    k16 = key[:16]
    a = c.node("a")
    a.follow(key)
    a.start()
    first = h.hostile_start(a.address, "--stall", "--key-seed", SEED.hex(), wait_ms=30000)
    a.wait_log(rf"connected from peer {k16}", 20, "a: the first session from the key")
    h.wait_until(lambda: any(p["key"] == key for p in a.status()["peers"]), 20, "a: the first session is up")
    # long enough to outlast the checks below on a loaded machine (it then ends by itself)
    second = h.hostile_start(a.address, "--stall", "--key-seed", SEED.hex(), wait_ms=12000)
    res1, _ = h.hostile_finish(first, timeout=60)
    check(res1["handshake"], "the first session completed its handshake")
    check(res1["closed"], "a closed the older session")
    check(res1["how"] != "goodbye", f"the older session was cut, not said goodbye to ({res1['how']})")
    drops = a.log_lines(rf"dropping inbound peer {k16} .*SR_EEXIST")
    check_eq(len(drops), 1, f"one line names the replacement: {drops}")
    check("newer session from the same key" in drops[0], f"the line says why: {drops[0]}")
    h.wait_until(lambda: len([p for p in a.status()["peers"] if p["key"] == key]) == 1, 20,
                 "a: one session with the key is left (the newer one)")
    res2, _ = h.hostile_finish(second, timeout=60)
    check(res2["handshake"], "the second session completed its handshake")
    # The second session's end is logged when a notices it, maybe only now: wait
    # for that line, before the lines are read (and so that it is not counted as
    # the third session's).
    h.wait_until(lambda: len(a.log_lines(rf"(closed|dropped) inbound \S+ peer {k16}")) >= 1, 20,
                 "a: the second session's end is logged")
    # The older session's end was its one "dropping" line: no second one for it.
    ends = a.log_lines(rf"(closed|dropped) inbound \S+ peer {k16}")
    check("clean end" not in " ".join(ends), f"a close without goodbye is not a clean end: {ends}")
    # A session that ends with a goodbye from both sides is a clean end, in one line.
    before = len(a.log_lines(rf"peer {k16}"))
    third = h.hostile_start(a.address, "--hello-only", "--key-seed", SEED.hex(), wait_ms=10000)
    res3, _ = h.hostile_finish(third, timeout=60)
    check_eq(res3["how"], "goodbye", "the well-behaved session ended with a goodbye")
    h.wait_until(lambda: a.log_lines(rf"closed inbound \S+ peer {k16}: clean end"), 20, "a: the clean end is logged")
    lines = a.log_lines(rf"peer {k16}")[before:]
    ends = [ln for ln in lines if "connected from" not in ln]
    check_eq(len(ends), 1, f"one line for that session's end: {ends}")
    a.check_alive("after the sessions")
    a.stop()


h.run_test(main)
