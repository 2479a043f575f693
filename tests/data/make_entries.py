#!/usr/bin/python3
"""make_entries.py: an independent implementation of Seurone's entry format.

Written from docs/format.md ("Entries") alone, with PyNaCl and msgpack only, so the
C library can be checked against a second implementation:

    body  = [1, author(bin 32), seq(uint, from 1), prev(bin 32 | nil),
             ts(uint ms), type(str <= 32 B), content(map)]
    entry = [body(bin), sig(bin 64)]
    sig   = ed25519 detached signature of the body bytes
    id    = BLAKE2b-256(entry bytes)

Canonical MessagePack: shortest integers and lengths, map keys sorted bytewise,
no floats, no ext types. msgpack-python already picks the shortest forms; this
file sorts the keys.

Writes JSON Lines in the export format of `seurone export entries`:
    {"id": hex, "author": hex, "seq": n, "type": str, "raw": base64}
The good file holds a few authors' logs (about, contact, project, membership,
share with project and reshare, and an unknown type); every line is valid and
each author's lines come in seq order.

The tampered file holds entries that must be refused, each with
"expect" (the SR_E* name) and "reason". Its lines are meant to be ingested one
at a time, in file order, into a store that already holds the good file (some
verdicts, e.g. SR_EGAP or SR_EFORK, depend on the author's head).

Usage: make_entries.py --out good.jsonl --tampered bad.jsonl
                       [--authors N] [--per-author M] [--seed S]
"""
import argparse
import base64
import hashlib
import json
import struct
import sys

import msgpack
import nacl.encoding
import nacl.hash
import nacl.signing

TS0 = 1700000000000  # ms; fixed so that the output is reproducible
FAR_FUTURE = 4102444800000  # 2100-01-01, ahead of any test clock


def blake2b32(data):
    return nacl.hash.blake2b(data, digest_size=32, encoder=nacl.encoding.RawEncoder)


def canonical(value):
    """Returns value with every map's keys sorted bytewise (UTF-8); refuses
    what canonical MessagePack forbids."""
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise ValueError("map keys must be strings")
        return {k: canonical(value[k]) for k in sorted(value, key=lambda s: s.encode("utf-8"))}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, float):
        raise ValueError("floats are not canonical")
    return value


def pack(value):
    return msgpack.packb(canonical(value), use_bin_type=True)


def pack_raw(value):
    """Packs as given: no key sorting, floats allowed (for tampered entries)."""
    return msgpack.packb(value, use_bin_type=True, use_single_float=False)


class Author:
    def __init__(self, seed, index):
        self.sk = nacl.signing.SigningKey(hashlib.sha256(b"seurone-test:%d:%d" % (seed, index)).digest())
        self.pk = bytes(self.sk.verify_key)
        self.seq = 0
        self.head = None

    def sign(self, body):
        return self.sk.sign(body).signature


def wrap(author, body, sig=None):
    if sig is None:
        sig = author.sign(body)
    return pack([body, sig])


def body_of(author, seq, prev, ts, type_, content, version=1):
    return pack([version, author.pk, seq, prev, ts, type_, content])


def line(raw, author, seq, type_, **extra):
    d = {"id": blake2b32(raw).hex(), "author": author.pk.hex(), "seq": seq, "type": type_,
         "raw": base64.b64encode(raw).decode("ascii")}
    d.update(extra)
    return d


def append(author, ts, type_, content):
    """The author's next valid entry; advances the author."""
    seq = author.seq + 1
    raw = wrap(author, body_of(author, seq, author.head, ts, type_, content))
    author.seq = seq
    author.head = blake2b32(raw)
    return line(raw, author, seq, type_)


def good_entries(authors, per_author):
    """Round-robin over authors so that every author's lines are in seq order."""
    out = []
    shares = {}   # author index -> id of a plain share
    project = {}  # id of the first project
    n = len(authors)
    kinds = ["about", "contact", "project", "membership", "share", "reshare", "other", "contact2",
             "share_project", "about2", "other2", "membership2"]
    for step in range(per_author):
        for i, a in enumerate(authors):
            kind = kinds[step % len(kinds)]
            ts = TS0 + 1000 * step + i
            other = authors[(i + 1) % n]
            if kind == "about":
                e = append(a, ts, "about", {"name": "Person %d \u00e9\u4e16\U0001F30D" % i, "bio": "b" * (40 + i)})
            elif kind == "about2":
                e = append(a, ts, "about", {"name": "P%d" % i})
            elif kind == "contact":
                e = append(a, ts, "contact", {"who": other.pk, "state": "follow"})
            elif kind == "contact2":
                e = append(a, ts, "contact", {"who": authors[(i + 2) % n].pk, "state": ["block", "unfollow"][i % 2]})
            elif kind == "project":
                e = append(a, ts, "project", {"name": "Project %d" % i, "description": "x" * 300,
                                                "tags": ["t%d" % k for k in range(17)], "url": "https://example.org/%d" % i})
                project.setdefault("id", bytes.fromhex(e["id"]))
            elif kind in ("membership", "membership2"):
                pid = project.get("id", b"\x01" * 32)
                e = append(a, ts, "membership", {"project": pid, "role": ["member", "supporter", "left"][(i + step) % 3]})
            elif kind == "share":
                e = append(a, ts, "share", {"text": "hello from %d" % i, "link": "https://example.org/s"})
                shares[i] = bytes.fromhex(e["id"])
            elif kind == "share_project":
                e = append(a, ts, "share", {"text": "about the project", "project": project.get("id", b"\x02" * 32)})
            elif kind == "reshare":
                target = shares.get((i + 1) % n) or shares.get(i) or b"\x03" * 32
                e = append(a, ts, "share", {"reshare": target})
            elif kind == "other":
                # An unknown type with every canonical form: negative ints of each
                # width, big uints, bin, nil, bools, nested maps, a 16-key map.
                e = append(a, ts, "poll", {
                    "ints": [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 64 - 1,
                             -1, -32, -33, -128, -129, -32768, -32769, -2 ** 31, -2 ** 31 - 1, -2 ** 63],
                    "bin": bytes(range(40)), "nil": None, "yes": True, "no": False,
                    "nested": {"b": {"c": [[["deep"]]]}, "a": "first"},
                    "wide": {"k%02d" % k: k for k in range(17)},
                    "": "empty key", "long": "y" * 300,
                })
            else:  # other2
                e = append(a, ts, "tally", {"window": [ts - 60000, ts], "counts": {"1": 3, "2": 0}})
            out.append(e)
    return out


def tampered_entries(authors):
    """Entries to be refused, with the expected SR_E* code, applied in order
    onto a store holding the good file."""
    out = []
    a, b = authors[0], authors[1 % len(authors)]

    def next_body(author, seq=None, prev=None, ts=None, type_="share", content=None, version=1):
        seq = author.seq + 1 if seq is None else seq
        prev = author.head if prev is None else prev
        content = {"text": "tampered"} if content is None else content
        return body_of(author, seq, prev, TS0 + 999999 if ts is None else ts, type_, content, version), seq

    def add(raw, author, seq, type_, expect, reason):
        out.append(line(raw, author, seq, type_, expect=expect, reason=reason))

    body, seq = next_body(a)
    sig = bytearray(a.sign(body))
    sig[10] ^= 0x01
    add(wrap(a, body, bytes(sig)), a, seq, "share", "SR_ESIG", "a flipped bit in the signature")

    body, seq = next_body(a, content={"text": "original"})
    sig = a.sign(body)
    forged = body.replace(b"original", b"changed!")
    add(wrap(a, forged, sig), a, seq, "share", "SR_ESIG", "the body changed after signing")

    body, seq = next_body(a)
    add(wrap(b, body), a, seq, "share", "SR_ESIG", "signed by another author's key")

    body, seq = next_body(a, prev=b"\x5a" * 32)
    add(wrap(a, body), a, seq, "share", "SR_EPREV", "prev is not the id of the author's previous entry")

    body, seq = next_body(a, seq=a.seq + 2)
    add(wrap(a, body), a, seq, "share", "SR_EGAP", "seq skips one (head+2)")

    body, seq = next_body(a, ts=FAR_FUTURE)
    add(wrap(a, body), a, seq, "share", "SR_EFUTURE", "timestamp in the year 2100")

    # seq as uint16 (0xcd) instead of its shortest form
    seq = a.seq + 1
    body = (b"\x97" + pack(1) + pack(a.pk) + b"\xcd" + struct.pack(">H", seq) + pack(a.head) + pack(TS0 + 5) +
            pack("share") + pack({"text": "t"}))
    add(wrap(a, body), a, seq, "share", "SR_ENONSHORT", "seq encoded as uint16")

    # 5 stored as uint8 inside the content
    body = (b"\x97" + pack(1) + pack(a.pk) + pack(seq) + pack(a.head) + pack(TS0 + 5) + pack("poll") +
            b"\x81" + pack("n") + b"\xcc\x05")
    add(wrap(a, body), a, seq, "poll", "SR_ENONSHORT", "content integer 5 encoded as uint8")

    # "text" as str8 although it fits a fixstr
    body = (b"\x97" + pack(1) + pack(a.pk) + pack(seq) + pack(a.head) + pack(TS0 + 5) + pack("share") +
            b"\x81" + b"\xd9\x04text" + pack("t"))
    add(wrap(a, body), a, seq, "share", "SR_ENONSHORT", "a 4-byte key in a str8 header")

    # a positive value in a signed form
    body = (b"\x97" + pack(1) + pack(a.pk) + pack(seq) + pack(a.head) + pack(TS0 + 5) + pack("poll") +
            b"\x81" + pack("n") + b"\xd0\x05")
    add(wrap(a, body), a, seq, "poll", "SR_ESIGNED", "content integer 5 encoded as int8")

    body = (b"\x97" + pack(1) + pack(a.pk) + pack(seq) + pack(a.head) + pack(TS0 + 5) + pack("contact") +
            pack_raw({"who": b.pk, "state": "follow"}))
    add(wrap(a, body), a, seq, "contact", "SR_EKEYORDER", "content keys not sorted (who before state)")

    body = (b"\x97" + pack(1) + pack(a.pk) + pack(seq) + pack(a.head) + pack(TS0 + 5) + pack("about") +
            b"\x82" + pack("name") + pack("a") + pack("name") + pack("b"))
    add(wrap(a, body), a, seq, "about", "SR_EKEYDUP", "the key name twice")

    body = (b"\x97" + pack(1) + pack(a.pk) + pack(seq) + pack(a.head) + pack(TS0 + 5) + pack("poll") +
            b"\x81" + pack(1) + pack("x"))
    add(wrap(a, body), a, seq, "poll", "SR_EKEYTYPE", "an integer map key")

    body = (b"\x97" + pack(1) + pack(a.pk) + pack(seq) + pack(a.head) + pack(TS0 + 5) + pack("poll") +
            pack_raw({"x": 1.5}))
    add(wrap(a, body), a, seq, "poll", "SR_EFLOAT", "a float64 in the content")

    body = (b"\x97" + pack(1) + pack(a.pk) + pack(seq) + pack(a.head) + pack(TS0 + 5) + pack("poll") +
            pack_raw({"x": msgpack.ExtType(1, b"abcd")}))
    add(wrap(a, body), a, seq, "poll", "SR_EEXT", "an ext type (fixext 4) in the content")

    body = (b"\x97" + pack(1) + pack(a.pk) + pack(seq) + pack(a.head) + pack(TS0 + 5) + pack("share") +
            b"\x81" + pack("text") + b"\xa2\xc0\xaf")
    add(wrap(a, body), a, seq, "share", "SR_EUTF8", "an overlong UTF-8 sequence")

    nested = "leaf"
    for _ in range(8):
        nested = [nested]
    body, seq = next_body(a, type_="poll", content={"x": nested})
    add(wrap(a, body), a, seq, "poll", "SR_EDEPTH", "content nested 9 deep")

    body, seq = next_body(a, version=2)
    add(wrap(a, body), a, seq, "share", "SR_EVERSION", "entry version 2")

    body, seq = next_body(a, type_="t" * 33)
    add(wrap(a, body), a, seq, "t" * 33, "SR_ETYPE", "a 33-byte type")

    body, seq = next_body(a, type_="contact", content={"who": b.pk[:31], "state": "follow"})
    add(wrap(a, body), a, seq, "contact", "SR_ECONTENT", "contact.who of 31 bytes")

    body, seq = next_body(a, content={"project": b"\x01" * 32})
    add(wrap(a, body), a, seq, "share", "SR_ECONTENT", "a share with nothing to say")

    # Device keys (docs/format.md "Devices"): the schema reads the seq and the author.
    body, seq = next_body(a, type_="device-of", content={"person": b.pk})
    add(wrap(a, body), a, seq, "device-of", "SR_ECONTENT", "a device-of past seq 1")
    body, seq = next_body(a, type_="device", content={"device": a.pk, "state": "add"})
    add(wrap(a, body), a, seq, "device", "SR_ECONTENT", "a certificate of the author's own key")
    body, seq = next_body(a, type_="device", content={"device": b.pk, "state": "revoke"})
    add(wrap(a, body), a, seq, "device", "SR_ECONTENT", "a revocation without upto")
    # A device of a person of its own (a's log is left alone: its gap case above
    # must stay a gap), bound, then revoked after its seq 1: its seq 2 is refused.
    d, p = Author(77, 0), Author(77, 1)
    for e, why in ((append(d, TS0 + 6, "device-of", {"person": p.pk}), "a device's claim (seq 1)"),
                   (append(p, TS0 + 7, "device", {"device": d.pk, "state": "add", "name": "laptop"}),
                    "the person's certificate"),
                   (append(p, TS0 + 8, "device", {"device": d.pk, "state": "revoke", "upto": 1}),
                    "the person's revocation, upto 1")):
        e.update(expect="SR_OK", reason=why)
        out.append(e)
    body, seq = next_body(d)
    add(wrap(d, body), d, seq, "share", "SR_EREVOKED", "an entry of a revoked device past upto")

    body, seq = next_body(a)
    add(wrap(a, body) + b"\x00", a, seq, "share", "SR_ETRAILING", "a byte after the entry")

    body, seq = next_body(a)
    add(wrap(a, body)[:-5], a, seq, "share", "SR_ETRUNC", "the entry cut short")

    body, seq = next_body(a, content={"text": "z" * 17000})
    add(wrap(a, body), a, seq, "share", "SR_EENTRYSIZE", "an entry over 16 KiB")

    # The same valid entry twice: the second is a duplicate. Then a fork of
    # seq 1, after which the author is no longer replicated.
    dup = append(b, TS0 + 5_000_000, "share", {"text": "fresh"})
    dup.update(expect="SR_OK", reason="a valid new entry")
    out.append(dup)
    dup2 = dict(dup, expect="SR_EDUP", reason="the same entry again")
    out.append(dup2)
    body = body_of(b, 1, None, TS0 + 1, "about", {"name": "the other branch"})
    add(wrap(b, body), b, 1, "about", "SR_EFORK", "a second valid entry for seq 1 (a fork)")
    body, seq = next_body(b)
    add(wrap(b, body), b, seq, "share", "SR_EFORKED", "a valid next entry of a forked author")
    return out


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, sort_keys=True) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="JSON Lines file of valid entries")
    ap.add_argument("--tampered", help="JSON Lines file of entries that must be refused")
    ap.add_argument("--authors", type=int, default=3)
    ap.add_argument("--per-author", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.authors < 2 or args.per_author < 1:
        ap.error("need --authors >= 2 and --per-author >= 1")
    authors = [Author(args.seed, i) for i in range(args.authors)]
    good = good_entries(authors, args.per_author)
    write_jsonl(args.out, good)
    n_bad = 0
    if args.tampered:
        bad = tampered_entries(authors)
        write_jsonl(args.tampered, bad)
        n_bad = len(bad)
    print("make_entries: %d good entries by %d authors, %d tampered" % (len(good), len(authors), n_bad),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
