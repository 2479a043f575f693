#!/usr/bin/python3
"""make_forkproof_corpus.py: writes the seed corpus of fuzz_forkproof (LEN_HI
LEN_LO, the first entry, the second entry), with the independent Python
implementation in tests/data/make_entries.py: a real fork, a broken signature,
two authors, one entry twice, two seqs of one log. The outputs are committed;
rerun only to change the seeds:

    /usr/bin/python3 tests/fuzz/make_forkproof_corpus.py [OUTDIR]

Fixed keys and timestamps, so reruns write the same files.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "data"))
import make_entries as me  # noqa: E402


def entry(author, seq, prev, text):
    return me.wrap(author, me.body_of(author, seq, prev, me.TS0 + seq, "share", {"text": text}))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "fuzz_forkproof")
    os.makedirs(out, exist_ok=True)
    a, b = me.Author(77, 0), me.Author(77, 1)
    a1 = entry(a, 1, None, "first")
    prev = me.blake2b32(a1)
    a2, a2x = entry(a, 2, prev, "one branch"), entry(a, 2, prev, "the other branch")
    b2 = entry(b, 2, prev, "someone else")
    bad = bytearray(a2x)
    bad[-1] ^= 0x01
    seeds = {"fork": (a2, a2x), "fork_at_1": (a1, entry(a, 1, None, "another first")), "bad_sig": (a2, bytes(bad)),
             "two_authors": (a2, b2), "twice": (a2, a2), "two_seqs": (a1, a2)}
    for name, (x, y) in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(struct.pack(">H", len(x)) + x + y)
    print("make_forkproof_corpus: %d files in %s" % (len(seeds), out), file=sys.stderr)


if __name__ == "__main__":
    main()
