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
hangs.

Then a session coming up wakes the others: b stops again; just after one of
a's dials to b failed (its next try several seconds ahead), c, which knows a,
starts and dials a. a logs that the session woke its unreachable peers and
dials b before b's next try was due (both times from a's own log)."""
import datetime
import re
import time

import harness as h
from harness import check

CAP_MS = 8000
TICK_MS = 1000


def peer_of(node, other):
    got = [p for p in node.peers() if p["key"] == other.id]
    check(len(got) == 1, f"{node.name}: peers --json lists {other.name} once")
    return got[0]


def log_ms(line):
    """The time of one of the node's text log lines, in ms since the epoch."""
    ts = line.split(" ", 1)[0].removeprefix("ts=")  # logfmt: ts= comes first
    d = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)


def main(cl):
    a, b, c = cl.node("a"), cl.node("b"), cl.node("c")
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

    # --- a session coming up wakes the peers waiting out a backoff ---
    c.peer_add(a)  # c is not running: written into its store, dialled at its start
    b.stop()
    p = h.wait_until(lambda: (lambda q: q if q["failures"] >= 2 and q["next_attempt"] - time.time() * 1000 >= 5000
                              else None)(peer_of(a, b)), 60, "a failed a round of dials to b, next try 5 s away")
    due = p["next_attempt"]
    c.start()
    line = a.wait_log(r"a session came up: dialing \d+ unreachable peers? again now", 30, "a: a session woke its peers")[-1]
    woke = log_ms(line)
    if woke >= due - TICK_MS:
        h.note(f"c's session came up only {due - woke} ms before b's next try: too late to see the wake (slow machine)")
    else:
        check(re.search(r"dialing [1-9]\d* unreachable", line), f"a woke b: {line}")
        h.wait_until(lambda: [ln for ln in a.log_lines(rf"dialing {b.id[:16]}") if log_ms(ln) >= woke], 10,
                     "a dials b after the wake")
        first = min(log_ms(ln) for ln in a.log_lines(rf"dialing {b.id[:16]}") if log_ms(ln) >= woke)
        check(first < due, f"a dialled b {due - first} ms before its backoff was due, {first - woke} ms after the wake")
    for x in (a, c):
        x.check_alive()
        x.stop()


h.run_test(main)
