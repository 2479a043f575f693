#!/usr/bin/python3
"""Strangers cannot fill the session slots (issue 11, item 3).

Node a has max_conns = 8, so a quarter (2) is kept for friends, members, known
peers and a's own dials. 12 throwaway identities (hostile_peer --sessions) open
sessions and keep them alive with a ping a second: only 6 get in. Then three
friends of a (authors in its scope) dial in and a dials a fourth: all four
connect and sync both ways; the slots they lacked come from the stranger
sessions that only pinged, which a ends (SR_EEVICTED) — never a friend's.
Before the fix the strangers took all 8 slots, every friend was refused
(SR_ECONNCAP), and so was a's own dial."""
import signal

import harness as h
from harness import check, check_eq, note

MAX = 8
RESERVED = 2  # a quarter of max_conns (net/gossip.c, docs/protocol.md)


def sessions(node):
    return node.status()["peers"]


def main(c):
    a = c.node("a", config={"max_conns": MAX})
    friends = [c.node(n) for n in ("b", "d", "e", "f")]
    for f in friends:
        a.follow(f)
        f.follow(a)
    a.start()
    for f in friends:
        f.start()

    p = h.hostile_start(a.address, "--sessions", 12, "--ping-ms", 1000, wait_ms=600000)
    try:
        # The strangers take what they may, and not more.
        h.wait_until(lambda: len(sessions(a)) >= MAX - RESERVED, 30, f"a has {MAX - RESERVED} stranger sessions")
        h.wait_until(lambda: a.log_lines(r"refusing .*SR_ECONNCAP"), 30, "a refused the strangers past the share")
        # A refusal names the peer's key, never its address (config log_addresses, docs/monitoring.md).
        check(not any("127.0.0.1" in l for l in a.log_lines(r"SR_ECONNCAP")), "no refused peer's address in the log")
        check_eq(len(sessions(a)), MAX - RESERVED, "sessions held by strangers (the reserve stays free)")

        # Friends dial in: two fit in the reserve, the third makes a end a stranger.
        for f in friends[:3]:
            f.peer_add(a)
        for f in friends[:3]:
            h.wait_until(lambda: any(s["key"] == f.id for s in sessions(a)), 30, f"a has a session with {f.name}")
        # ... and a's own dial to its friend f gets in too.
        a.peer_add(friends[3])
        h.wait_until(lambda: any(s["key"] == friends[3].id for s in sessions(a)), 30, "a's dial to f has a session")

        for f in friends:
            mine = f.share(f"{f.name} to a")["id"]
            h.wait_until(lambda: a.has(mine, f), 30, f"a syncs {f.name}'s entry")
        theirs = a.share("a to friends")["id"]
        for f in friends:
            h.wait_until(lambda: f.has(theirs, a), 30, f"{f.name} syncs a's entry")

        live = sessions(a)
        check(len(live) <= MAX, f"a holds at most max_conns sessions ({len(live)})")
        keys = {s["key"] for s in live}
        check(all(f.id in keys for f in friends), "every friend still has its session")
        evicted = a.log_lines(r"SR_EEVICTED")
        note(f"a: {evicted[0] if evicted else 'no eviction'}")
        check(len(evicted) >= 2, f"a ended stranger sessions that only pinged to make room ({len(evicted)})")
        check(not any(f.id[:16] in l for f in friends for l in evicted), "no friend was evicted")
        check(not any(f.id[:16] in l for f in friends for l in a.log_lines(r"SR_ECONNCAP")), "no friend was refused")
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    res, _ = h.hostile_finish(p)
    check_eq(res["opened"], 12, "the strangers completed 12 handshakes")
    check(res["ended"] >= 12 - (MAX - RESERVED) + 2, f"a ended refused and evicted stranger sessions ({res['ended']})")
    check(res["alive"] <= MAX - RESERVED - 2, f"stranger sessions left ({res['alive']})")
    a.stop()
    for f in friends:
        f.stop()


h.run_test(main)
