#!/usr/bin/env python3
"""The secret key is left out of core dumps (issue 11, item 10).

A crash core of a running node once held the key twice (the node's copy and the
network layer's). The node keeps its only copies in sodium_malloc'd memory,
which libsodium marks MADV_DONTDUMP. This test starts a real node, makes it dump
core the way a crash does (SIGSEGV with RLIMIT_CORE raised, the kernel writing
the core named by /proc/sys/kernel/core_pattern into the node's working
directory), and searches the core for the key's seed, raw and in hex. When the
kernel cannot write a core here (core_pattern is a pipe to a crash handler, or
names another directory), gdb's gcore of the live node is used instead, which
honours MADV_DONTDUMP too. Exits 77 (skipped) when neither is possible.

The web app runs too (on a free port): its token (HOME/web.token), which signs a
browser in, is kept in guarded memory as the key is, and must not be in the
core either, as hex or as bytes (issue 15).

Then once more with the key file sealed with a passphrase (issue 14), given
through --passphrase-fd: the core holds neither the key nor the passphrase,
which the process wiped once it had opened the key, and the node's log never
holds the passphrase; nor does the refusal of a wrong one (issue 15).
"""
import argparse
import json
import os
import resource
import signal
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Home, check, finish, tempdir  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--seurone", required=True)
A = ap.parse_args()
root = tempdir()
CORE_MAX = 2 << 30  # bytes
# An ASan build maps terabytes of shadow memory and turns core dumps off: the
# plain build (tests/run runs both) is the one this test is about.
probe = subprocess.run([A.seurone, "--help"], capture_output=True, text=True,
                       env=dict(os.environ, ASAN_OPTIONS="help=1"))
if "AddressSanitizer" in probe.stdout + probe.stderr:
    print("skip: an AddressSanitizer build writes no useful core")
    finish(root)
    sys.exit(77)
ada = Home(A.seurone, root, "ada")
ada.json("init")
with open(os.path.join(ada.path, "secret")) as f:
    hexkey = [l.split()[1] for l in f if l.startswith("ed25519 ")][0]
seed = bytes.fromhex(hexkey)[:32]


def start(extra=(), pass_fds=()):
    cwd = os.path.join(root, f"cwd{time.time_ns()}")
    os.mkdir(cwd)

    def unlimited_core():
        # Large enough for a plain node's core (tens of MB), small enough that a
        # build mapping far more (a sanitizer's shadow) can never fill the disk.
        resource.setrlimit(resource.RLIMIT_CORE, (CORE_MAX, CORE_MAX))

    with open(os.path.join(cwd, "node.log"), "wb") as log:
        proc = subprocess.Popen([A.seurone, "--home", ada.path, "run", "--listen", "127.0.0.1:0", "--web", "127.0.0.1:0"]
                                + list(extra), cwd=cwd, stdout=log, stderr=log, preexec_fn=unlimited_core,
                                pass_fds=pass_fds)
    deadline = time.time() + 20
    while time.time() < deadline and proc.poll() is None:
        try:
            with open(os.path.join(ada.path, "run.json")) as f:
                if json.load(f).get("pid") == proc.pid:
                    return proc, cwd
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    return proc, cwd


def vm_size(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def web_token():
    with open(os.path.join(ada.path, "web.token")) as f:
        return f.read().strip()


def count(core, passphrase=None):
    """Copies of the key, of the passphrase and of the web token in core."""
    with open(core, "rb") as f:
        data = f.read()
    token = web_token()
    return (data.count(seed) + data.count(hexkey[:64].encode()), data.count(passphrase) if passphrase else 0,
            data.count(token.encode()) + data.count(bytes.fromhex(token)))


def core_of(extra=(), pass_data=None):
    """A core of a running node and how it was made, or (None, None)."""
    def begin():
        if pass_data is None:
            return start(extra)
        rfd, wfd = os.pipe()
        os.write(wfd, pass_data + b"\n")
        os.close(wfd)
        try:
            return start(list(extra) + ["--passphrase-fd", str(rfd)], pass_fds=(rfd,))
        finally:
            os.close(rfd)

    if not pattern.startswith("|") and "/" not in pattern:
        proc, cwd = begin()
        proc.send_signal(signal.SIGSEGV)
        proc.wait(timeout=30)
        cores = [os.path.join(cwd, n) for n in os.listdir(cwd) if n.startswith(pattern.split("%")[0] or "core")]
        if cores:
            return cores[0], "the kernel's core of a SIGSEGV"
    if shutil.which("gcore"):
        proc, cwd = begin()
        out = os.path.join(cwd, "gcore")
        # gcore ignores RLIMIT_CORE and dumps every mapping: only a small process.
        if vm_size(proc.pid) < CORE_MAX:
            subprocess.run(["gcore", "-o", out, str(proc.pid)], capture_output=True, timeout=120)
        proc.kill()
        proc.wait()
        cores = [os.path.join(cwd, n) for n in os.listdir(cwd) if n.startswith("gcore")]
        if cores:
            return cores[0], "gdb's gcore of the running node"
    return None, None


with open("/proc/sys/kernel/core_pattern") as f:
    pattern = f.read().strip()
core, how = core_of()
if core is None:
    print(f"skip: no core could be written here (core_pattern {pattern!r}, gcore {shutil.which('gcore')})")
    finish(root)
    sys.exit(77)
n, _, t = count(core)
check(os.path.getsize(core) > 100000, f"{how}: {os.path.getsize(core)} bytes")
check(n == 0, f"the secret key is nowhere in {how} ({n} copies)")
check(t == 0, f"the web token is nowhere in {how} ({t} copies)")
os.unlink(core)

PASS = b"a passphrase nobody guesses 7f3e"
pw = os.path.join(root, "pw")
with open(pw, "wb") as f:
    f.write(PASS + b"\n")
os.chmod(pw, 0o600)
ada.json("key", "passphrase", "--new-passphrase-file", pw)
core, how = core_of(pass_data=PASS)
check(core is not None, f"a core of the node whose key is sealed ({how})")
if core:
    n, p, t = count(core, PASS)
    check(n == 0, f"sealed key: the secret key is nowhere in {how} ({n} copies)")
    check(p == 0, f"sealed key: the passphrase is nowhere in {how} ({p} copies)")
    check(t == 0, f"sealed key: the web token is nowhere in {how} ({t} copies)")
    with open(os.path.join(os.path.dirname(core), "node.log"), "rb") as f:
        log = f.read()
    check(b"listening" in log or b"running" in log or len(log) > 0, f"the node's log was kept ({len(log)} bytes)")
    check(PASS not in log, "the passphrase is not in the node's log")

# A wrong passphrase: refused, and the refusal does not repeat it.
WRONG = b"wrong horse battery 51c9"
rfd, wfd = os.pipe()
os.write(wfd, WRONG + b"\n")
os.close(wfd)
r = subprocess.run([A.seurone, "--home", ada.path, "run", "--listen", "127.0.0.1:0", "--web", "off", "--passphrase-fd",
                    str(rfd)], pass_fds=(rfd,), capture_output=True, timeout=60)
os.close(rfd)
check(r.returncode != 0, f"a wrong passphrase stops `run` (exit {r.returncode})")
check(b"passphrase" in r.stderr, f"and says why: {r.stderr.decode(errors='replace').strip()[:120]}")
check(WRONG not in r.stdout + r.stderr, "without repeating the wrong passphrase")
finish(root)
