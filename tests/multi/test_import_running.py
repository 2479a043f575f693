#!/usr/bin/python3
"""`seurone import` while the node runs goes through the node.

a and b run and are connected; both follow c, which never runs: a gets c's log
as a file (`export entries` on c) and imports it. The running node owns the
store: it stores the entries, pushes them to b at once (no restart), and c's
contact entry (c follows d) widens a's scope at once (hops 2). Before, import
wrote the store behind the node: b never got them and a's scope stayed as it
was until a restart."""
import os

import harness as h
from harness import check, check_eq


def main(c):
    a, b = h.good_pair(c)
    cn = c.node("c")
    d = c.node("d")
    cn.follow(d)
    cn.share("c news 1")
    cn.share("c news 2")
    c_ids = cn.ids(cn)
    a.follow(cn)
    b.follow(cn)
    h.wait_until(lambda: b.id in [p["key"] for p in a.status()["peers"]], 30, "a has a session with b")
    before = a.status()["scope_authors"]
    path = os.path.join(c.root, "c.jsonl")
    cn.export_jsonl(path)
    r = a.import_jsonl(path)
    check_eq(r["accepted"], len(c_ids), "a: import accepted c's entries")
    check(a.status()["scope_authors"] > before,
          f"a's scope grew at once by d, whom c follows (was {before}, hops 2)")
    h.wait_until(lambda: c_ids <= b.ids(cn), 30, "b gets c's entries from a without a restart")
    check_eq(c_ids <= a.ids(cn), True, "a holds c's entries")
    a.stop()  # a clean exit: under ASan, nothing of the imports left behind
    b.stop()


h.run_test(main)
