#!/usr/bin/python3
"""make_session_corpus.py: writes the seed corpus of fuzz_session (scripts in the
little language of tests/fuzz/fuzz_session.c). The outputs are committed; rerun
only to change the seeds:

    /usr/bin/python3 tests/fuzz/make_session_corpus.py [OUTDIR]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def entry(seq, ts, text):
    t = text.encode()
    return bytes([1, seq, ts, len(t)]) + t


def notes(*triples):
    out = bytes([3, len(triples)])
    for who, seq, eager in triples:
        out += bytes([who, seq, eager])
    return out


def have(who, seq):
    return bytes([4, who, seq])


def raw(b):
    return bytes([0, len(b) >> 8, len(b) & 0xff]) + b


RUN, AGAIN = b"\x05", b"\x02"
SEEDS = {
    # F syncs three entries, the node commits them, then F sends them again.
    "sync_then_resend": notes((0, 0, 1), (1, 0, 1)) + entry(1, 1, "ada") + entry(2, 2, "ada l") + entry(3, 3, "ada lo")
    + RUN + AGAIN * 40 + RUN,
    # One entry resent many times before it is committed (the in-session check).
    "resend_burst": entry(1, 1, "one") + AGAIN * 250 + RUN,
    # A gap (seq 3 before 2), then the missing one.
    "gap": entry(1, 1, "a") + entry(3, 3, "c") + RUN + entry(2, 2, "b") + RUN,
    # Notes and haves for authors outside the scope (must leave no state).
    "notes_strangers": notes(*[(9 + i % 200, i, 1) for i in range(120)]) + have(7, 5) + have(2, 9) + RUN,
    # Notes for the node's own log and a have for F beyond what the node holds.
    "notes_own": notes((1, 0, 0), (0, 5, 1)) + have(0, 4) + RUN,
    # A second hello (ends the session) after an entry.
    "second_hello": entry(1, 1, "x") + raw(bytes([0x94, 0x01, 0x01, 0xa1, ord("z"), 0xc2])),
    # Garbage after a valid frame.
    "garbage": raw(bytes([0x91, 0x08])) + raw(b"\xc1\xff\x00"),
    # Two different entries at seq 1 (a fork).
    "fork": entry(1, 1, "first") + RUN + entry(1, 2, "second") + RUN,
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "fuzz_session")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("make_session_corpus: %d files in %s" % (len(SEEDS), out), file=sys.stderr)


if __name__ == "__main__":
    main()
