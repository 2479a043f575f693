#!/usr/bin/python3
"""A node killed with SIGKILL mid-sync restarts and resumes with no loss and no
duplicate.

src holds 20,000 entries by 100 authors (bench_ingest --write-jsonl, imported)
and follows them; dst follows the same 100 authors (contact entries signed for
its key by tools/sim/contacts.py and imported before it starts). dst dials src; as soon
as its status shows entries arriving, it is killed with SIGKILL. Its store must
then verify (LMDB: a batch is all or nothing) and hold fewer than 20,000 of
them (the kill was mid-sync). Restarted, it must end with exactly src's 20,000
entries, each once, and verify."""
import time

import harness as h
from harness import check, check_eq

ENTRIES, AUTHORS = 20000, 100


def held(node, authors):
    heads = node.heads()
    return sum(heads.get(a, 0) for a in authors)


def main(c):
    jsonl = c.path("bench.jsonl")
    bench_ids, authors = h.write_bench_jsonl(jsonl, ENTRIES, AUTHORS)
    check_eq(len(authors), AUTHORS, "bench_ingest authors")
    src, dst = c.node("src"), c.node("dst")
    src.import_jsonl(jsonl)
    for n in (src, dst):
        n.import_jsonl(h.make_contacts(n.home, authors))
    check_eq(held(src, authors), ENTRIES, "src holds the 20,000 entries")
    check_eq(held(dst, authors), 0, "dst holds none of them")

    src.start()
    dst.start()
    dst.peer_add(src)
    t0 = time.monotonic()
    st = h.wait_until(lambda: (lambda s: s if s["entries_in"] > 0 else None)(dst.status()), 60,
                      "dst starts receiving", interval=0.01)
    dst.kill9()
    h.note(f"killed dst {time.monotonic() - t0:.2f} s after peer add, at entries_in {st['entries_in']}")
    at_kill = held(dst, authors)
    h.note(f"dst's store held {at_kill} of {ENTRIES} at the kill")
    check(at_kill < ENTRIES, f"the kill came mid-sync ({at_kill} < {ENTRIES} stored)")
    v = dst.verify()
    check(v["ok"], f"dst's store verifies after SIGKILL: {v.get('problems')}")
    src.check_alive("after its peer was killed")

    dst.start()
    dst.peer_add(src)
    h.wait_until(lambda: held(dst, authors) == ENTRIES, 120, "dst holds all 20,000 after the restart", interval=0.5)
    st = dst.status()
    h.note(f"after the restart: entries_in {st['entries_in']}, duplicates {st['duplicates']}")
    check_eq(st["entries_in"], ENTRIES - at_kill, "dst received exactly what it lacked after the restart")
    dst.stop()

    log = dst.log()
    ids = [e["id"] for e in log if e["author"] in set(authors)]
    check_eq(len(ids), ENTRIES, "dst holds 20,000 entries by the 100 authors")
    check_eq(len(set(ids)), ENTRIES, "none twice")
    check(set(ids) == bench_ids, "exactly src's entries")
    check(all(e["source"] == "peer" and e["from"] == src.id for e in log if e["author"] in set(authors)),
          "all came from src")
    v = dst.verify()
    check(v["ok"], f"dst verifies: {v.get('problems')}")
    src.stop()


h.run_test(main)
