#!/usr/bin/python3
"""A chain A-B-C where A and C only know B (peer add B on both; C follows A).

B follows A and C; A follows B; C follows B and A; hops = 2 (default), so A's
scope holds C (A -> B -> C) and C's holds A. Entries must travel through B:
  1. A and B run; B gets A's entries; A stops.
  2. C starts and dials B: A's entries reach C from B with hops 2 (A is down,
     so B is the only way); then C stops.
  3. A restarts and dials B: C's entries reach A from B with hops 2.
  4. All three run: a live entry from A reaches C and one from C reaches A.
"""
import harness as h
from harness import check, check_eq


def check_via(node, entries, via, hops, what):
    log = {e["id"]: e for e in node.log()}
    for eid in entries:
        e = log.get(eid)
        check(e is not None, f"{node.name} holds {what} {eid[:12]}")
        check_eq((e["source"], e["from"], e["hops"]), ("peer", via.id, hops),
                 f"{node.name}: {what} {eid[:12]} (source, from, hops)")


def no_duplicates(n):
    ids = [e["id"] for e in n.log()]
    check_eq(len(ids), len(set(ids)), f"{n.name}: no entry stored twice")


def main(c):
    a, b, cc = c.node("a"), c.node("b"), c.node("c")
    a.follow(b)
    b.follow(a)
    b.follow(cc)
    cc.follow(b)
    cc.follow(a)
    a.share("from the start of the chain")
    cc.share("from the end of the chain")
    a_ids, b_ids, c_ids = a.ids(a), b.ids(b), cc.ids(cc)
    check_eq((len(a_ids), len(b_ids), len(c_ids)), (2, 2, 3), "entries written offline (a, b, c)")

    # 1. A and B.
    b.start()
    a.start()
    a.peer_add(b)
    h.wait_until(lambda: a_ids <= b.ids(a), 30, "b holds a's entries")
    h.wait_until(lambda: b_ids <= a.ids(b), 30, "a holds b's entries")
    check_via(b, a_ids, a, 1, "a's entry")
    a.stop()

    # 2. C through B, A being down.
    cc.start()
    cc.peer_add(b)
    h.wait_until(lambda: a_ids <= cc.ids(a), 30, "c holds a's entries (through b)")
    check_via(cc, a_ids, b, 2, "a's entry")
    check_via(cc, b_ids, b, 1, "b's entry")
    h.wait_until(lambda: c_ids <= b.ids(cc), 30, "b holds c's entries")
    cc.stop()

    # 3. A back, C down: C's entries reach A through B.
    a.start()
    a.peer_add(b)
    h.wait_until(lambda: c_ids <= a.ids(cc), 30, "a holds c's entries (through b)")
    check_via(a, c_ids, b, 2, "c's entry")

    # 4. Everyone up: live entries both ways along the chain.
    cc.start()
    cc.peer_add(b)
    for src, dst in ((a, cc), (cc, a)):
        r = src.share(f"live from {src.name}")
        h.wait_until(lambda: dst.has(r["id"], src), 15, f"{dst.name} gets {src.name}'s live entry")
        e = h.entry_of(dst, r["id"])
        check((e["from"], e["hops"]) in ((b.id, 2), (src.id, 1)),
              f"{dst.name}: live entry came through b (hops 2) or, after peer exchange, from {src.name} (hops 1):"
              f" from {e['from'][:12]} hops {e['hops']}")
    for n in (a, b, cc):
        no_duplicates(n)
        n.check_alive()
    everything = a.ids(a) | b.ids(b) | cc.ids(cc)
    for n in (a, b, cc):
        check_eq(n.ids(), everything, f"{n.name}: holds all three logs")
    for n in (a, b, cc):
        n.stop()


h.run_test(main)
