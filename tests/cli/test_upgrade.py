#!/usr/bin/env python3
"""A format-1 store upgraded by a real `seurone` process (issue 16).

mkstore_v1 (tests/unit/t_store_v1.h, the old layout's writer) makes a format-1
store of 30,000 entries in a home `seurone init` made. Then:
  1. `seurone verify` starts the upgrade and is killed with SIGKILL as soon as its
     first progress line (10%) is on stderr, twice at two points (10%, 90%): the
     store must still be format 1, whole (the old databases there);
  2. `seurone verify` again: the upgrade runs to its end, with progress lines,
     and verify passes with every entry (their ids as mkstore_v1 wrote them);
     a third open does not upgrade again;
  3. `seurone compact` refuses while the node's lock is held (a node running),
     then gives the old layout's pages back, and every entry is still there.
"""
import argparse
import fcntl
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import check  # noqa: E402

N, AUTHORS = 30000, 200


def meta_format(store):
    """meta "format" as mdb_dump prints it (printable form), and whether the old entries database is there."""
    out = subprocess.run(["mdb_dump", "-p", "-s", "meta", store], capture_output=True, text=True, check=True).stdout
    lines = [l.strip() for l in out.splitlines()]
    ver = None
    for i, l in enumerate(lines):
        if l == "format" and i + 1 < len(lines):
            ver = lines[i + 1]
    dbs = subprocess.run(["mdb_dump", "-l", store], capture_output=True, text=True, check=True).stdout.split()
    return ver, "entries" in dbs, "rows" in dbs


def kill_at(home, seurone, marker):
    """Starts `seurone verify` and SIGKILLs it once a stderr line holds marker; the lines read."""
    p = subprocess.Popen([seurone, "--home", home, "verify"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    seen = []
    for line in p.stderr:
        seen.append(line)
        if marker in line:
            p.send_signal(signal.SIGKILL)
            break
    p.wait()
    p.stderr.close()
    return p.returncode, "".join(seen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seurone", required=True)
    ap.add_argument("--mkstore-v1", required=True)
    a = ap.parse_args()
    mk = a.mkstore_v1
    root = common.tempdir()
    h = common.Home(a.seurone, root, "relay")
    h.run("init")
    me = h.json("id")["id"]
    store = os.path.join(h.path, "store")
    for f in os.listdir(store):
        os.unlink(os.path.join(store, f))
    ids_file = os.path.join(root, "ids.txt")
    subprocess.run([mk, store, str(N), str(AUTHORS), me, ids_file], check=True)
    want = set(open(ids_file).read().split())
    check(len(want) == N, f"mkstore_v1 wrote {N} entries in format 1")
    check(meta_format(store) == ("\\00\\00\\00\\01", True, False), "the store is format 1 before the upgrade")

    # 1. killed mid-upgrade, twice: still format 1, whole
    for marker in ("(10%)", "(90%)"):
        rc, err = kill_at(h.path, a.seurone, marker)
        check(rc == -signal.SIGKILL and "upgrading the store" in err, f"the upgrade killed at {marker} (rc {rc})")
        check("format 2 now" not in err, f"it had not finished at {marker}")
        check(meta_format(store) == ("\\00\\00\\00\\01", True, False),
              f"after a kill -9 at {marker} the store is format 1, its old databases whole")

    # 2. the upgrade runs through, and verify passes with every entry
    r = h.run("verify", "--json", check=False)
    check(r.returncode == 0, f"verify after the upgrade exits 0 ({r.stderr[-300:]})")
    v = json.loads(r.stdout) if r.returncode == 0 else {}
    check(v.get("ok") is True and v.get("entries") == N, f"verify: ok, {N} entries ({v})")
    check("upgrading the store: 30000 of 30000 entries (100%)" in r.stderr and "format 2 now" in r.stderr,
          "the upgrade said how far it was, and that it finished")
    check(meta_format(store)[1:] == (False, True), "the store is format 2: rows, no entries database")
    got = {json.loads(l)["id"] for l in h.run("export", "entries").stdout.splitlines()}
    check(got == want, "every entry mkstore_v1 wrote is there after the upgrade")
    r = h.run("verify")
    check("upgrading" not in r.stderr, "a format-2 store is not upgraded again")

    # 3. compact: refused while the node's lock is held, then the space comes back
    with open(os.path.join(h.path, "control.lock"), "a+") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        r = h.run("compact", check=False)
        check(r.returncode != 0 and "a node is running" in r.stderr, "compact refuses while a node runs")
    before = os.stat(os.path.join(store, "data.mdb")).st_blocks * 512
    c = h.json("compact")
    after = os.stat(os.path.join(store, "data.mdb")).st_blocks * 512
    check(c["ok"] and c["free_bytes"] > 0 and after < before / 1.5,
          f"compact gave the old layout's pages back ({before} -> {after} bytes)")
    check(h.json("verify")["entries"] == N, "verify passes after compact")
    got = {json.loads(l)["id"] for l in h.run("export", "entries").stdout.splitlines()}
    check(got == want, "compact kept every entry")
    check(not os.path.exists(os.path.join(store, "data.mdb.compact")), "no copy left beside the store")

    common.finish(root)


if __name__ == "__main__":
    main()
