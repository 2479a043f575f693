#!/usr/bin/python3
"""make_lan_corpus.py: writes the seed corpus of fuzz_lan, from docs/protocol.md
("Friends nearby") alone (PyNaCl + hashlib): announcements sealed under the
default network's lan key, their plaintexts, and a few near misses. The outputs
are committed; rerun only to change the seeds:

    /usr/bin/python3 tests/fuzz/make_lan_corpus.py [OUTDIR]

Fixed nonces and keys, so reruns write the same files.
"""
import hashlib
import os
import struct
import sys

from nacl.bindings import crypto_secretbox

HERE = os.path.dirname(os.path.abspath(__file__))
NETKEY = bytes.fromhex("894171733106407826eea36a97fe986070c395a6d2a91e4880f00ac3f60f8d0c")
LAN_KEY = hashlib.blake2b(b"seurone lan v1", digest_size=32, key=NETKEY).digest()


def plain(port, ts, key, version=1, flags=0, pad=bytes(44)):
    return bytes([version, flags]) + struct.pack(">HQ", port, ts) + key + pad


def seal(p, nonce):
    return nonce + crypto_secretbox(p, nonce, LAN_KEY)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "fuzz_lan")
    os.makedirs(out, exist_ok=True)
    key = bytes(range(0xa0, 0xc0))
    seeds = {
        "good_8708": seal(plain(8708, 1700000000123, key), bytes(24)),
        "good_port1": seal(plain(1, 0, key), bytes([1]) * 24),
        "good_port65535": seal(plain(65535, 2**64 - 1, key), bytes([2]) * 24),
        "sealed_version2": seal(plain(8708, 1700000000123, key, version=2), bytes([3]) * 24),
        "sealed_flags": seal(plain(8708, 1700000000123, key, flags=1), bytes([4]) * 24),
        "sealed_padding": seal(plain(8708, 1700000000123, key, pad=bytes(43) + b"\x01"), bytes([5]) * 24),
        "sealed_port0": seal(plain(0, 1700000000123, key), bytes([6]) * 24),
        "plain_good": plain(8708, 1700000000123, key),
        "plain_version0": plain(8708, 1700000000123, key, version=0),
        "short": seal(plain(8708, 1700000000123, key), bytes(24))[:127],
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {out}")


if __name__ == "__main__":
    main()
