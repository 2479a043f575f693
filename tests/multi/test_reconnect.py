#!/usr/bin/python3
"""A node reconnects soon after a partition (issue 11, item 10).

a added b by hand. b stops, long enough for a's dial backoff to grow through
five failed rounds (before the fix each round doubled the wait: the fifth
waited 32 s, and after a long partition 77 s or more). The bound is asserted
on a's own state, not on a clock: once b has failed five rounds, a's next
try ("next_attempt" in `peers --json`) lies at most the cap for given peers
(8 s, node/daemon.c KEPT_BACKOFF_MAX_MS) plus one tick ahead. Then b comes
back at the same address, and a reconnects within two dials of it (the
first one after b listens, or one more if it raced b's start); the wait for
that has a generous timeout only so that a broken node fails rather than
hangs."""
import time

import harness as h
from harness import check

CAP_MS = 8000
TICK_MS = 1000


def peer_of(node, other):
    got = [p for p in node.peers() if p["key"] == other.id]
    check(len(got) == 1, f"{node.name}: peers --json lists {other.name} once")
    return got[0]


def main(c):
    a, b = c.node("a"), c.node("b")
    b.start()
    b.write_config(listen=f"127.0.0.1:{b.port}")  # it comes back at the same address
    a.start()
    a.peer_add(b)
    h.wait_until(lambda: peer_of(a, b)["connected"], 30, "a connected to b")

    b.stop()
    p = h.wait_until(lambda: (lambda q: q if q["failures"] >= 5 else None)(peer_of(a, b)), 120,
                     "a failed five rounds of dials to b")
    ahead = p["next_attempt"] - int(time.time() * 1000)
    h.note(f"after {p['failures']} failed rounds a tries b again in {ahead} ms")
    check(ahead <= CAP_MS + TICK_MS,
          f"a's backoff for a given peer stays within {CAP_MS} ms (next try {ahead} ms ahead after "
          f"{p['failures']} failed rounds)")
    lines = a.log_lines(rf"peer {b.id[:16]} unreachable .* next try in (\d+) s")
    check(lines, "a's log says when it tries b again")

    before = len(a.log_lines(rf"dialing {b.id[:16]}"))
    b.start()
    h.wait_until(lambda: peer_of(a, b)["connected"], 60, "a reconnected to b once b was back")
    after = len(a.log_lines(rf"dialing {b.id[:16]}"))
    check(after - before <= 2, f"a reconnected within two dials after b came back ({after - before} dials)")
    for x in (a, b):
        x.check_alive()
        x.stop()


h.run_test(main)
