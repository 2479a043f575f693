#!/usr/bin/python3
"""LMDB errors end in a clear error and a store that verifies (issue 15,
"Faults inside"): a map that cannot grow, a full disk and a read-only one.

The map starts small (SEURONE_MAPSIZE) and doubles when LMDB reports it full
(store/store.c), so "map full" is the ceiling where doubling fails: the import
runs under an address-space limit (RLIMIT_AS) that leaves room for a few MiB of
map only. A full disk is a store on a tmpfs barely larger than what it holds
(test_full_disk.py covers a sync); a read-only disk is that tmpfs remounted
read-only. For each, the offline CLI (import, publish) and the running node
(a publish and an import through its control socket):
  - a non-zero exit with an error that names the cause, never a signal;
  - the node stays up;
  - `seurone verify` passes and every entry acknowledged before is there;
  - once there is room (or write access) again, the same commands work,
    without restarting the node.
Needs root (mount); exits 77 (skipped) otherwise. Under a sanitizer the map
ceiling is skipped (ASan reserves terabytes of address space, so RLIMIT_AS
cannot be used) and the test says so."""
import json
import os
import resource
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "multi"))
import harness as h  # noqa: E402
from harness import check, check_eq  # noqa: E402

# enough entries that their store outgrows the few MiB of map the ceiling leaves
# (format 2 takes about 450 bytes an entry: docs/storage.md)
ENTRIES, AUTHORS = 9000, 10
MARGIN = 192 << 10  # room left on the tmpfs


def mount(*args):
    return subprocess.run(["mount", *args], capture_output=True, text=True)


def ids(node):
    r = node.cli("export", "entries")
    return {json.loads(x)["id"] for x in r.stdout.splitlines() if x.strip()}


def clear(r, *words):
    """A clear error: exit non-zero (not a signal), and stderr's lines start
    'seurone: ' and name the cause with one of words."""
    err = r.stderr.strip()
    return (r.returncode > 0 and err and all(x.startswith("seurone: ") for x in err.splitlines())
            and any(w in err for w in words)), f"exit {r.returncode}: {err[-400:]!r}"


def verified(node, before, what):
    v = node.verify()
    check(v.get("ok"), f"{what}: the store verifies ({v.get('problems')})")
    after = ids(node)
    check(before <= after, f"{what}: every entry held before is there ({len(before - after)} missing)")
    return after


def import_run(node, jsonl, env=None, limit=None, batch=None):
    def pre():
        h.child_setup()
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    e = dict(os.environ)
    e.update(env or {})
    more = ["--batch", str(batch)] if batch else []
    return subprocess.run([h.ARGS.seurone, "--home", node.home, "import", jsonl, "--json"] + more, capture_output=True,
                          text=True, env=e, preexec_fn=pre, timeout=300 * h.SCALE)


def accepted(r):
    try:
        return json.loads(r.stdout)["accepted"]
    except (ValueError, KeyError):
        return None


def map_ceiling(c, jsonl, bench_ids):
    """The map cannot double any more: the import stops with a clear error."""
    if h.SCALE > 1:
        h.note("skipped the map ceiling: a sanitizer's runtime reserves too much address space for RLIMIT_AS")
        return
    node = c.node("map")
    env = {"SEURONE_MAPSIZE": str(64 << 10)}
    # the smallest address space in which a command opens the store: the base
    base = None
    for mb in range(4, 2048):
        r = subprocess.run([h.ARGS.seurone, "--home", node.home, "verify", "--json"], capture_output=True, text=True,
                           env=dict(os.environ, **env),
                           preexec_fn=lambda mb=mb: resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20)))
        if r.returncode == 0:
            base = mb << 20
            break
    check(base is not None, "found the address space a command needs")
    limit = base + (4 << 20)
    h.note(f"the import runs with RLIMIT_AS {limit >> 20} MiB (a bare command needs {base >> 20} MiB), "
           f"the map starting at 64 KiB")
    r = import_run(node, jsonl, env=env, limit=limit, batch=100)
    ok, why = clear(r, "map", "memory", "Cannot allocate", "out of memory")
    check(r.returncode != 0, f"map ceiling: the import cannot hold {ENTRIES} entries in the room left ({why})")
    check(ok, f"map ceiling: a clear error ({why})")
    held = verified(node, set(), "map ceiling")
    check(held <= bench_ids, "map ceiling: only entries of the file are held")
    h.note(f"map ceiling: {len(held)} of {ENTRIES} entries committed before it: {r.stderr.strip()[-200:]}")
    r = import_run(node, jsonl, env=env)
    check(r.returncode == 0, f"map ceiling: without the limit the import works again ({r.stderr.strip()[-300:]})")
    check_eq(ids(node), bench_ids, "map ceiling: the store holds the whole file then")


def on_tmpfs(c, node, margin):
    """Moves node's store onto a tmpfs with margin bytes of room; returns its mount point."""
    store = os.path.join(node.home, "store")
    saved = c.path(node.name + "-store")
    shutil.move(store, saved)
    os.mkdir(store, 0o700)
    used = sum(os.path.getsize(os.path.join(saved, f)) for f in os.listdir(saved))
    size = (used + margin + 4095) // 4096 * 4096
    r = mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", store)
    if r.returncode != 0:
        print(f"skipped: cannot mount a tmpfs ({r.stderr.strip()})", flush=True)
        sys.exit(77)
    c.mounts.append(store)
    for f in os.listdir(saved):
        shutil.copy2(os.path.join(saved, f), store)
    h.note(f"{node.name}'s store on a tmpfs of {size} bytes ({used} used)")
    return store


def publish_until_full(node, how):
    """Publishes until the disk is full (LMDB reuses freed pages, so a small
    entry may still fit): the failing run and the ids acknowledged before it."""
    acked = set()
    for i in range(400):
        r = node.cli("publish", "share", "--text", f"{how} {i} " + "x" * 2000, "--json", check=False)
        if r.returncode != 0:
            break
        acked.add(json.loads(r.stdout)["id"])
    h.note(f"full disk: {len(acked)} publishes {how} fitted before one failed")
    return r, acked


def full_disk(c, jsonl, bench_ids):
    node = c.node("full")
    node.about("Full")
    store = on_tmpfs(c, node, MARGIN)
    before = ids(node)
    # offline: an import that does not fit
    r = import_run(node, jsonl)
    ok, why = clear(r, "it is full")
    check(r.returncode != 0, f"full disk: the import does not fit ({why})")
    check(ok, f"full disk: the import's error is clear ({why})")
    held = verified(node, before, "full disk, offline import")
    h.note(f"full disk: {len(held - before)} entries committed before the disk filled; {r.stderr.strip()[-200:]}")
    # offline: a publish on the full disk (a second import fills what the first left)
    r, acked = publish_until_full(node, "offline")
    held |= acked
    ok, why = clear(r, "it is full")
    check(ok, f"full disk: the offline publish fails clearly ({why})")
    held = verified(node, held, "full disk, offline publish")

    # the node on the full disk: publish and import through its control socket
    node.start()
    r, acked = publish_until_full(node, "through the node")
    held |= acked
    ok, why = clear(r, "space", "full", "No space", "store")
    check(ok, f"full disk: a publish through the node fails clearly ({why})")
    node.check_alive("after a publish on a full disk")
    r = import_run(node, jsonl)
    ok, why = clear(r, "it is full")
    check(ok, f"full disk: an import through the node fails clearly ({why})")
    node.check_alive("after an import on a full disk")
    held = verified(node, held, "full disk, node publish and import")

    # room again: the running node works, without a restart
    r = mount("-o", "remount,size=256m", store)
    check(r.returncode == 0, f"remount the tmpfs larger: {r.stderr.strip()}")
    p = node.publish("share", "--text", "room again")
    r = import_run(node, jsonl)
    check(r.returncode == 0, f"full disk: with room again the import through the node works ({r.stderr[-300:]})")
    node.stop()
    after = verified(node, held, "full disk, room again")
    check(p["id"] in after and bench_ids <= after, "full disk: the publish and the whole file are held")


def read_only(c):
    """A store on a read-only file system (a tmpfs remounted read-only: Linux
    refuses that while the node holds the store open for writing, so the node
    is stopped first and then started on it)."""
    node = c.node("ro")
    node.about("Ro")
    store = on_tmpfs(c, node, 4 << 20)
    before = ids(node)
    r = mount("-o", "remount,ro", store)
    check(r.returncode == 0, f"remount the tmpfs read-only: {r.stderr.strip()}")
    r = node.cli("publish", "share", "--text", "read-only offline", "--json", check=False)
    ok, why = clear(r, "Read-only file system")
    check(ok, f"read-only: an offline publish fails clearly ({why})")
    r = node.cli("import", c.path("bench.jsonl"), "--json", check=False)
    ok, why = clear(r, "Read-only file system")
    check(ok, f"read-only: an offline import fails clearly ({why})")
    node.start(wait=False)
    try:
        rc = node.proc.wait(timeout=30 * h.SCALE)
    except subprocess.TimeoutExpired:
        rc = None
    log = node.stderr_text().strip().splitlines()
    check(rc is not None and rc > 0, f"read-only: the node does not start on it (exit {rc})")
    check(any("Read-only file system" in x for x in log[-3:]), f"read-only: and says why: {log[-1:]}")
    r = mount("-o", "remount,rw", store)
    check(r.returncode == 0, f"remount the tmpfs read-write: {r.stderr.strip()}")
    verified(node, before, "read-only")
    node.start()
    p = node.publish("share", "--text", "writable again")
    node.stop()
    after = verified(node, before, "read-only, writable again")
    check(p["id"] in after, "read-only: the publish after the remount is held")


def main(c):
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash found leaves no core dump behind
    if os.geteuid() != 0:
        print("skipped: test_lmdb mounts tmpfs file systems and needs root", flush=True)
        sys.exit(77)
    c.mounts = []
    jsonl = c.path("bench.jsonl")
    bench_ids, _ = h.write_bench_jsonl(jsonl, ENTRIES, AUTHORS)
    try:
        map_ceiling(c, jsonl, bench_ids)
        full_disk(c, jsonl, bench_ids)
        read_only(c)
    finally:
        for n in c.nodes:
            if n.alive():
                n.proc.kill()
                n.proc.wait()
        for m in c.mounts:
            subprocess.run(["umount", "-l", m], capture_output=True)


h.run_test(main)
