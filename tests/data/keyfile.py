#!/usr/bin/python3
"""keyfile.py: HOME/secret and HOME/device written and read from docs/storage.md
alone ("The key file", "HOME/device"), with PyNaCl and hashlib: an independent
implementation the tests hold the C program to (tests/cli/test_keyrest.py) and
that writes the seeds of tests/fuzz/corpus/fuzz_keyfile.

    /usr/bin/python3 tests/data/keyfile.py corpus OUTDIR   (fixed keys, salts, nonces)
"""
import hashlib
import os
import sys

from nacl.bindings import (crypto_pwhash_ALG_ARGON2ID13, crypto_pwhash_alg, crypto_secretbox,
                           crypto_secretbox_open, crypto_sign_seed_keypair)

TAG = "seurone-key"
PLAIN_TAG = "ed25519"


def keypair(seed):
    """libsodium's 64-byte secret key (seed, public key) and the public key."""
    pk, sk = crypto_sign_seed_keypair(seed)
    return sk, pk


def plain_text(sk):
    return "# a seurone secret key\ned25519 %s\n" % sk.hex()


def _line_sum(prefix):
    return hashlib.blake2b(prefix.encode(), digest_size=8).hexdigest()


def seal(sk, passphrase, ops=2, mem=64 << 20, salt=None, nonce=None):
    """The sealed file's text for sk (64 bytes) under passphrase (bytes)."""
    salt = salt if salt is not None else os.urandom(16)
    nonce = nonce if nonce is not None else os.urandom(24)
    key = crypto_pwhash_alg(32, passphrase, salt, ops, mem, crypto_pwhash_ALG_ARGON2ID13)
    box = crypto_secretbox(sk, nonce, key)
    prefix = "%s 1 argon2id13 ops=%d mem=%d salt=%s nonce=%s pk=%s box=%s" % (
        TAG, ops, mem, salt.hex(), nonce.hex(), sk[32:].hex(), box.hex())
    return "# sealed by tests/data/keyfile.py\n%s sum=%s\n" % (prefix, _line_sum(prefix))


def key_line(text):
    for line in text.splitlines():
        if line and not line.startswith("#"):
            return line
    raise ValueError("no key line")


def parse(text):
    """{"sealed": bool, "pk": bytes, "sk"?: bytes, "ops", "mem", "salt", "nonce", "box"}."""
    line = key_line(text)
    if line.startswith(PLAIN_TAG + " "):
        sk = bytes.fromhex(line.split(" ", 1)[1])
        return {"sealed": False, "sk": sk, "pk": sk[32:]}
    words = line.split(" ")
    if words[:3] != [TAG, "1", "argon2id13"]:
        raise ValueError("not a sealed key of version 1")
    prefix, _, got = line.rpartition(" sum=")
    if _line_sum(prefix) != got:
        raise ValueError("sum does not match")
    f = dict(w.split("=", 1) for w in words[3:])
    return {"sealed": True, "ops": int(f["ops"]), "mem": int(f["mem"]), "salt": bytes.fromhex(f["salt"]),
            "nonce": bytes.fromhex(f["nonce"]), "pk": bytes.fromhex(f["pk"]), "box": bytes.fromhex(f["box"])}


def open_sealed(text, passphrase):
    """The 64-byte secret key, or an exception (nacl's CryptoError: wrong passphrase)."""
    k = parse(text)
    key = crypto_pwhash_alg(32, passphrase, k["salt"], k["ops"], k["mem"], crypto_pwhash_ALG_ARGON2ID13)
    sk = crypto_secretbox_open(k["box"], k["nonce"], key)
    if sk[32:] != k["pk"] or keypair(sk[:32])[0] != sk:
        raise ValueError("the box holds another key than pk names")
    return sk


def device_line(text):
    """{"id", "machine" (hex or "none"), "inode" (int), "path"} of a HOME/device text."""
    line = key_line(text)
    head, _, path = line.partition(" path=")
    w = head.split(" ")
    if w[:2] != ["device", "1"]:
        raise ValueError("not a device record of version 1")
    f = dict(x.split("=", 1) for x in w[2:])
    return {"id": f["id"], "machine": f["machine"], "inode": int(f["inode"]), "path": path}


def machine_hash(machine_id):
    """The record's machine= for a machine id (its file's text, whitespace trimmed)."""
    return hashlib.blake2b(machine_id.strip().encode(), digest_size=32, key=b"seurone-machine-id-v1").hexdigest()


def corpus(out):
    os.makedirs(out, exist_ok=True)
    sk, _ = keypair(bytes([42]) * 32)
    seeds = {
        "plain": plain_text(sk),
        "sealed": seal(sk, b"fuzz", ops=1, mem=8192, salt=bytes(range(16)), nonce=bytes(range(24))),
        "device": "# a seurone device record\ndevice 1 id=%s machine=%s inode=4242 path=/home/ada/.seurone\n" % (
            "11" * 16, machine_hash("0123456789abcdef0123456789abcdef")),
        "device_none": "device 1 id=%s machine=none inode=7 path=/srv/seurone%%20home\n" % ("22" * 16),
    }
    for name, text in seeds.items():
        with open(os.path.join(out, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "corpus":
        corpus(sys.argv[2])
    else:
        sys.exit(__doc__)
