#!/usr/bin/python3
"""Two nodes sync both ways: what each published before they met, then live
entries published through the running nodes; counters, hops, provenance, clean stop."""
import time

import harness as h
from harness import check, check_eq


def check_received(node, entries, sender, what):
    """Each entry in `entries` (id -> ts) is in node's store exactly once, from
    sender, 1 hop, source peer, received after it was written."""
    log = node.log()
    by_id = {}
    for e in log:
        by_id.setdefault(e["id"], []).append(e)
    for eid, ts in entries.items():
        got = by_id.get(eid, [])
        check_eq(len(got), 1, f"{node.name} holds {what} {eid[:12]} once")
        e = got[0]
        check_eq(e["source"], "peer", f"{node.name}: {eid[:12]} source")
        check_eq(e["from"], sender.id, f"{node.name}: {eid[:12]} came from {sender.name}")
        check_eq(e["hops"], 1, f"{node.name}: {eid[:12]} hops (direct from its author)")
        check(isinstance(e["received_at"], int) and e["received_at"] >= ts,
              f"{node.name}: {eid[:12]} received_at {e['received_at']} >= ts {ts}")


def main(c):
    a, b = c.node("a"), c.node("b")
    own = {a: {}, b: {}}
    for n, other in ((a, b), (b, a)):
        for r in (n.about(n.name.upper()), n.share(f"hello from {n.name}"), n.follow(other)):
            own[n][r["id"]] = None
    for n in (a, b):
        ts = {e["id"]: e["ts"] for e in n.log(n)}
        own[n] = {i: ts[i] for i in own[n]}
        check_eq(len(own[n]), 3, f"{n.name} wrote 3 entries offline")

    a.start()
    b.start()
    b.peer_add(a)

    h.wait_until(lambda: set(own[b]) <= b.ids(b) and set(own[b]) <= a.ids(b), 30, "a holds b's 3 entries")
    h.wait_until(lambda: set(own[a]) <= b.ids(a), 30, "b holds a's 3 entries")
    check_received(a, own[b], b, "b's entry")
    check_received(b, own[a], a, "a's entry")

    # Live: published through the running node, pushed at once.
    for src, dst in ((a, b), (b, a)):
        t0 = time.time()
        r = src.share(f"live from {src.name}")
        h.wait_until(lambda: dst.has(r["id"], src), 10, f"{dst.name} gets {src.name}'s live entry")
        h.note(f"{src.name} -> {dst.name}: live entry arrived within {1000 * (time.time() - t0):.0f} ms (incl. polling)")
        ts = next(e["ts"] for e in src.log(src) if e["id"] == r["id"])
        own[src][r["id"]] = ts
        check_received(dst, {r["id"]: ts}, src, "live entry")

    # Each store holds exactly the two logs, nothing twice.
    for n in (a, b):
        log = n.log()
        ids = [e["id"] for e in log]
        check_eq(len(ids), len(set(ids)), f"{n.name}: no entry stored twice")
        check_eq(set(ids), set(own[a]) | set(own[b]), f"{n.name}: holds exactly both logs")

    # status --json: the session, counters (4 entries each way, no duplicates).
    sa, sb = a.status(), b.status()
    for s, n, other, direction in ((sa, a, b, "inbound"), (sb, b, a, "outbound")):
        check_eq(s["id"], n.id, f"{n.name}: status id")
        for k in ("uptime_s", "peers", "entries_in", "entries_out", "bytes_in", "bytes_out", "duplicates",
                  "store_bytes"):
            check(k in s, f"{n.name}: status has {k!r}")
        check(isinstance(s["uptime_s"], int) and s["uptime_s"] >= 0, f"{n.name}: uptime_s is a whole number")
        peers = [p for p in s["peers"] if p["key"] == other.id]
        check_eq(len(peers), 1, f"{n.name}: status lists {other.name} once")
        p = peers[0]
        check_eq(p["direction"], direction, f"{n.name}: session direction with {other.name}")
        check_eq(p["entries_in"], 4, f"{n.name}: entries_in from {other.name}")
        check_eq(p["entries_out"], 4, f"{n.name}: entries_out to {other.name}")
        check_eq(s["entries_in"], 4, f"{n.name}: entries_in")
        check_eq(s["entries_out"], 4, f"{n.name}: entries_out")
        check_eq(s["duplicates"], 0, f"{n.name}: duplicates")
        check(s["bytes_in"] > 0 and s["bytes_out"] > 0, f"{n.name}: bytes counted both ways")
        check(s["store_bytes"] > 0, f"{n.name}: store_bytes")
    pb = b.peers()
    check(any(p["key"] == a.id for p in pb), "b: peers --json lists a")
    check(any(p.get("address") == a.address for p in pb if p["key"] == a.id), "b: peers --json has a's address")

    a.stop()
    b.stop()
    # Everything received was committed: the stores still hold both logs.
    for n in (a, b):
        check_eq(n.ids(), set(own[a]) | set(own[b]), f"{n.name}: both logs kept after the clean stop")
        check(n.verify()["ok"], f"{n.name}: verify ok")


h.run_test(main)
