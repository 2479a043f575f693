#!/usr/bin/python3
"""contacts: sign contact entries (follow/unfollow/block) for a node home's own key.

Reads HOME/secret ("ed25519 <128 hex>": libsodium's 64-byte secret key, i.e. the
32-byte seed then the public key), finds the home's current head with
`seurone --home HOME log --json` (LMDB readers work beside a running node), and
writes JSON Lines for `seurone import` (the `export entries` form: id, author,
seq, type, raw) continuing that log: one contact entry per target key, in seq
order, canonical MessagePack per docs/format.md:

    body  = [1, author(bin 32), seq, prev(bin 32 | nil), ts(ms), "contact",
             {"state": str, "who": bin 32}]          (keys sorted bytewise)
    entry = [body(bin), sig(bin 64)];  id = BLAKE2b-256(entry)

Usage: contacts.py --home HOME --seurone PATH [--state follow|unfollow|block]
                   (--who KEY ... | --who-file FILE) --out FILE.jsonl
Import the file into HOME (`seurone --home HOME import FILE`) while the node is
stopped, or the running node will not know its scope changed.
"""
import argparse
import base64
import json
import subprocess
import sys
import time

import msgpack
import nacl.encoding
import nacl.hash
import nacl.signing


def blake2b32(data):
    return nacl.hash.blake2b(data, digest_size=32, encoder=nacl.encoding.RawEncoder)


def read_secret(home):
    with open(f"{home}/secret") as f:
        for line in f:
            line = line.strip()
            if line.startswith("ed25519 "):
                sk = bytes.fromhex(line.split()[1])
                if len(sk) != 64:
                    raise SystemExit("contacts: secret key is not 64 bytes")
                key = nacl.signing.SigningKey(sk[:32])
                if bytes(key.verify_key) != sk[32:]:
                    raise SystemExit("contacts: secret key's public half does not match its seed")
                return key
    raise SystemExit(f"contacts: no ed25519 line in {home}/secret")


def head_of(home, seurone):
    r = subprocess.run([seurone, "--home", home, "log", "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"contacts: seurone log failed: {r.stderr}")
    log = [e for e in json.loads(r.stdout) if not e.get("fork_proof")]
    if not log:
        return 0, None
    last = max(log, key=lambda e: e["seq"])
    return last["seq"], bytes.fromhex(last["id"])


def contact_lines(key, seq, prev, targets, state, ts=None):
    author = bytes(key.verify_key)
    ts = ts or int(time.time() * 1000)
    out = []
    for who in targets:
        who_b = bytes.fromhex(who)
        if len(who_b) != 32:
            raise SystemExit(f"contacts: {who} is not a 64-hex key")
        seq += 1
        body = msgpack.packb([1, author, seq, prev, ts, "contact", {"state": state, "who": who_b}],
                             use_bin_type=True)
        sig = key.sign(body).signature
        raw = msgpack.packb([body, sig], use_bin_type=True)
        eid = blake2b32(raw)
        out.append({"id": eid.hex(), "author": author.hex(), "seq": seq, "type": "contact",
                    "raw": base64.b64encode(raw).decode("ascii")})
        prev = eid
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="sign contact entries for a home's key")
    ap.add_argument("--home", required=True)
    ap.add_argument("--seurone", required=True)
    ap.add_argument("--state", default="follow", choices=["follow", "unfollow", "block"])
    ap.add_argument("--who", action="append", default=[])
    ap.add_argument("--who-file")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    targets = list(a.who)
    if a.who_file:
        with open(a.who_file) as f:
            targets += [ln.strip() for ln in f if ln.strip()]
    key = read_secret(a.home)
    seq, prev = head_of(a.home, a.seurone)
    lines = contact_lines(key, seq, prev, targets, a.state)
    with open(a.out, "w") as f:
        for d in lines:
            f.write(json.dumps(d, sort_keys=True) + "\n")
    print(f"contacts: {len(lines)} contact entries, seq {seq + 1}..{seq + len(lines)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
