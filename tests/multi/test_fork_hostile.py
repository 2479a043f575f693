#!/usr/bin/python3
"""Fork proofs from a hostile peer (docs/protocol.md, "Fork proofs").

Node a and its friend b both follow X and Y (authors whose logs they hold,
seq 1 and 2, imported; entries written here with PyNaCl from docs/format.md)
and follow each other. hostile_peer --send-file sends fork frames built below:
  - a forged proof (the second entry's signature broken): a drops the session
    (SR_EBADENTRY, one line), stores nothing, marks nobody forked;
  - two entries of two authors, one entry twice, two seqs of one log: no proof,
    ignored (nothing taken to be checked, nothing stored, the session goes on);
  - a valid proof of an author a does not replicate (Z): ignored;
  - a flood of one forged proof, 5,000 times over (10,000 fork frames): at most
    a couple are taken to be checked, the session is dropped (SR_EBADENTRY or
    SR_ERATE), nobody is forked; a flood of proofs of Z: none checked, dropped
    by the rate limit (SR_ERATE); a keeps serving b;
  - a valid proof of X: a marks X forked, passes the proof on, and b (which
    replicates X) marks X forked too; the same proof again takes nothing.
"""
import json
import os
import sys

import msgpack

import harness as h
from harness import check, check_eq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
import make_entries as me  # noqa: E402

TS = me.TS0


def entry(author, seq, prev, text):
    return me.wrap(author, me.body_of(author, seq, prev, TS + seq * 1000 + len(text), "share", {"text": text}))


def fork_frames(*raws):
    return b"".join(msgpack.packb([11, r], use_bin_type=True) for r in raws)


def write(c, name, data):
    path = c.path(name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def send(c, node, name, data, *more, wait_ms=3000):
    res, _ = h.hostile(node.address, "--send-file", write(c, name, data), *more, wait_ms=wait_ms)
    check(res["handshake"], f"{name}: handshake completed")
    return res


def proofs_in(node):
    return node.status()["fork_proofs"]["in"]


def nobody_forked(node, what):
    check_eq(node.status()["forked_authors"], [], f"{node.name}: nobody forked after {what}")


def main(c):
    x, y, z = me.Author(14, 0), me.Author(14, 1), me.Author(14, 2)
    lines = []
    for au in (x, y, z):
        for k in range(2):
            lines.append(me.append(au, TS + k, "share", {"text": f"post {k}"}))
    path = c.path("logs.jsonl")
    with open(path, "w") as f:
        for ln in lines[:4]:  # X and Y: Z's log is nobody's here
            f.write(json.dumps(ln) + "\n")
    a, b = c.node("a"), c.node("b")
    for n in (a, b):
        n.follow(x.pk.hex())
        n.follow(y.pk.hex())
        n.import_jsonl(path)
    a.follow(b)
    b.follow(a)
    a.start()
    b.start()
    b.peer_add(a)
    h.wait_until(lambda: b.ids(b) <= a.ids(b), 30, "a and b synced")
    held = len(a.ids())

    # Entries past the logs a holds (seq 3), so that no frame alone pairs with a's own.
    x3a, x3b = entry(x, 3, x.head, "branch a"), entry(x, 3, x.head, "branch b")
    x4 = entry(x, 4, me.blake2b32(x3a), "next")
    y3 = entry(y, 3, y.head, "y's")
    z3a, z3b = entry(z, 3, z.head, "z a"), entry(z, 3, z.head, "z b")
    bad = bytearray(x3b)
    bad[-1] ^= 0x01  # the last byte of the signature
    bad = bytes(bad)

    # 1. A forged proof: dropped, nothing stored.
    res = send(c, a, "forged", fork_frames(x3a, bad), wait_ms=10000)
    h.check_dropped(a, res, "SR_EBADENTRY", 15, "a forged fork proof")
    check_eq(len(a.ids()), held, "a: nothing of the forged proof is stored")
    check_eq(len([e for e in a.log(x.pk.hex()) if e.get("fork_proof")]), 0, "a: no fork proof of X kept")
    nobody_forked(a, "a forged proof")

    # 2. Not proofs: ignored, and the session is not ended for them.
    before = proofs_in(a)
    for name, data in (("two-authors", fork_frames(x3a, y3)), ("twice", fork_frames(x3a, x3a)),
                       ("two-seqs", fork_frames(x3a, x4)), ("not-replicated", fork_frames(z3a, z3b))):
        res = send(c, a, name, data)
        check(not res["closed"], f"{name}: the session goes on (not a proof, nothing to refuse)")
        nobody_forked(a, name)
    check_eq(proofs_in(a), before, "a: none of them was taken to be checked")
    check_eq(len(a.ids()), held, "a: nothing of them is stored")

    # 3. A flood of one forged proof.
    res = send(c, a, "flood", fork_frames(x3a, bad), "--repeat", "5000", wait_ms=15000)
    check(res["closed"], "flood: the node ended the session")
    a.wait_log(rf"{res['key'][:16]}.*\b(SR_EBADENTRY|SR_ERATE)\b", 10)
    taken = proofs_in(a) - before
    h.note(f"a took {taken} of {res['sent_frames'] // 2} forged proofs to check; "
           f"dropped unchecked: {a.status()['fork_proofs']['dropped']}")
    check(taken <= 2, f"flood: at most 2 proofs taken to be checked ({taken})")
    nobody_forked(a, "the flood")
    check_eq(len(a.ids()), held, "a: nothing of the flood is stored")
    # ... and of proofs of an author a does not replicate: nothing to check, but rate limited
    before = proofs_in(a)
    res = send(c, a, "flood-z", fork_frames(z3a, z3b), "--repeat", "5000", wait_ms=15000)
    h.check_dropped(a, res, "SR_ERATE", 15, "a flood of unsolicited fork proofs")
    check_eq(proofs_in(a), before, "flood-z: none taken to be checked")
    nobody_forked(a, "the unsolicited flood")
    h.check_serves(a, b, "the fork proof floods")

    # 4. A valid proof: a marks X forked, and so does b, from a's proof.
    res = send(c, a, "valid", fork_frames(x3a, x3b))
    check(not res["closed"], "valid: the session goes on")
    h.wait_until(lambda: x.pk.hex() in {f["id"] for f in a.status()["forked_authors"]}, 15, "a marks X forked")
    h.wait_until(lambda: x.pk.hex() in {f["id"] for f in b.status()["forked_authors"]}, 15,
                 "b marks X forked, from a's proof")
    check(y.pk.hex() not in {f["id"] for f in a.status()["forked_authors"]}, "a: Y is not forked")
    n = proofs_in(a)
    res = send(c, a, "replay", fork_frames(x3a, x3b))
    check_eq(proofs_in(a), n, "a: the same proof again is not taken")
    for node in (a, b):
        check(node.verify().get("ok") is True, f"{node.name}: verify")
    a.stop()
    b.stop()


h.run_test(main)
