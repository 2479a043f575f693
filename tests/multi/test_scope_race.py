#!/usr/bin/python3
"""A note ignored because it came before its author entered the receiver's
scope is answered later (docs/protocol.md, "A session", step 2).

a and b run, are connected and follow each other (hops 1: a follow of one is
not in the other's scope). Twice, b replicates an author first and a only
later, after b's note for it has come to a and been ignored (outside a's scope,
no state kept); then a imports the author's log, which must reach b at once:

  c  b follows c while the session is up: b's note is a scope change's;
  d  b follows d before the session starts: b's note is one of its first notes.

Either way a's own note, when a follows the author, reaches b after b already
told a; before, b did not answer it, a never learnt that b wants the author,
and b got nothing of the import until a new session."""
import os

import harness as h
from harness import check, check_eq


def import_and_check(c, a, b, author, name):
    ids = author.ids(author)
    path = os.path.join(c.root, f"{name}.jsonl")
    author.export_jsonl(path)
    r = a.import_jsonl(path)
    check_eq(r["accepted"], len(ids), f"a: import accepted {name}'s entries")
    h.wait_until(lambda: ids <= b.ids(author), 30, f"b gets {name}'s entries from a in the same session")


def arrived(a, b, text):
    """b shares text; returns once a holds it: a has read every frame b wrote
    to the session before it (one stream, in order), b's notes included."""
    eid = b.share(text)["id"]
    h.wait_until(lambda: a.has(eid, b), 30, f"a gets b's '{text}'")


def main(c):
    a, b = h.good_pair(c, config={"hops": 1})
    cn = c.node("c")
    d = c.node("d")
    for who in (cn, d):
        who.share(f"{who.name} news 1")
        who.share(f"{who.name} news 2")

    # c: b's note for c is a scope change's, written before b's follow returns.
    b.follow(cn)
    arrived(a, b, "b follows c")
    a.follow(cn)
    import_and_check(c, a, b, cn, "c")

    # d: b follows d while stopped; b's first notes of the new session name d.
    b.stop()
    b.follow(d)
    b.start()
    b.peer_add(a, check=False)  # b knows a already: it dials it again at start
    h.wait_until(lambda: b.id in [p["key"] for p in a.status()["peers"]], 30, "a has a new session with b")
    arrived(a, b, "b is back")
    a.follow(d)
    import_and_check(c, a, b, d, "d")
    a.stop()
    b.stop()


h.run_test(main)
