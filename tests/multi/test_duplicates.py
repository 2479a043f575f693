#!/usr/bin/python3
"""Duplicates are cheap (issue 11, item 7). a follows the hostile peer's key; the
peer sends one valid entry of its own log (seq 1) hundreds of thousands of times
as fast as the socket takes it. a stores it once, recognises every copy as a
duplicate before checking a signature, and drops the peer with one log line
naming SR_ERATE and the duplicates (before the fix it verified every copy and
never dropped it). Meanwhile a good peer's entry still arrives. The CPU seconds
a used during the flood are reported (/proc/PID/stat), not asserted."""
import nacl.signing

import harness as h
import procinfo
from harness import check, check_eq

SEED = bytes(range(32))
COPIES = 600000


def main(c):
    hkey = nacl.signing.SigningKey(SEED).verify_key.encode().hex()
    a = c.node("a")
    b = c.node("b")
    a.follow(b)
    b.follow(a)
    a.follow(hkey)
    a.start()
    b.start()
    b.peer_add(a)
    h.wait_until(lambda: b.ids(b) <= a.ids(b) and a.ids(a) <= b.ids(a), 30, "a and b synced")
    pid = a.proc.pid
    cpu0 = procinfo.cpu_s(pid)
    p = h.hostile_start(a.address, "--resend", COPIES, "--key-seed", SEED.hex(), wait_ms=20000)
    r = b.share("during the duplicate flood")["id"]
    h.wait_until(lambda: a.has(r, b), 20, "a gets b's entry during the duplicate flood")
    res, _ = h.hostile_finish(p, timeout=90)
    cpu = procinfo.cpu_s(pid) - cpu0
    h.note(f"a used {cpu:.2f} CPU-seconds while the peer sent {res['sent_frames']} copies")
    check(res["handshake"], "duplicates: handshake completed")
    check_eq(len(a.ids(hkey)), 1, "a stored the resent entry once")
    line = h.check_dropped(a, res, "SR_ERATE", 20, "a peer resending one entry")
    check("already holds" in line, f"the drop says why: {line}")
    check(res["sent_frames"] < COPIES, f"dropped before all {COPIES} copies went out ({res['sent_frames']} did)")
    h.check_serves(a, b, "the duplicate flood")
    a.stop()
    b.stop()


h.run_test(main)
