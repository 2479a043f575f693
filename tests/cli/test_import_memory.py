#!/usr/bin/env python3
"""`import` holds a bounded number of bytes in memory (issue 11, item 10).

A 400 MB file of long but valid lines once took 390 MB: each of a batch's 5000
lines kept a buffer the size of the line. Here ~200 MB of lines (a real exported
entry with a 60 KB extra field, and some lines over the 64 KiB line limit) are
imported, and the child's peak resident memory (ru_maxrss from wait4, exact) must
stay far below the file's size.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Home, check, finish, tempdir  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--seurone", required=True)
A = ap.parse_args()
root = tempdir()
ada = Home(A.seurone, root, "ada")
ada.json("init")
ada.run("publish", "share", "--text", "one entry, imported many times")
line = json.loads(ada.run("export", "entries").stdout.splitlines()[0])
good = json.dumps(dict(line, pad="p" * 60000)) + "\n"  # valid: import needs only raw
too_long = json.dumps(dict(line, pad="q" * 70000)) + "\n"  # over the 64 KiB line limit
n_good, n_long = 3000, 100
path = os.path.join(root, "big.jsonl")
with open(path, "w") as f:
    for i in range(n_good):
        f.write(good)
        if i % 30 == 0 and i // 30 < n_long:
            f.write(too_long)
size = os.path.getsize(path)
check(size > 150e6, f"the file holds {size / 1e6:.0f} MB")

with open(os.path.join(root, "out"), "w+") as out, open(os.path.join(root, "err"), "w+") as err:
    # Under ASan, freed memory waits in a 256 MB quarantine by default: keep it
    # small so that the peak measures what import holds, not what ASan keeps.
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = dict(os.environ, ASAN_OPTIONS=(asan + ":" if asan else "") + "quarantine_size_mb=4")
    proc = subprocess.Popen([A.seurone, "--home", ada.path, "import", path, "--json"], stdout=out, stderr=err, env=env)
    _, status, usage = os.wait4(proc.pid, 0)  # the child's own peak resident set, in KiB
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    res, errtext = out.read(), err.read()
peak_mb = usage.ru_maxrss / 1024
try:
    res = json.loads(res)
except ValueError:
    res = {}
check(proc.returncode == 1 and res.get("duplicates") == n_good and res.get("accepted") == 0,
      f"import stores nothing new and rejects only the overlong lines (exit {proc.returncode}, "
      f"{ {k: v for k, v in res.items() if k != 'rejected'} }, {errtext[:100]})")
rej = res.get("rejected", [])
check(len(rej) == n_long and all("longer than any exported entry line" in r["reason"] for r in rej),
      f"each line over 64 KiB is rejected with its reason ({len(rej)} of {n_long})")
check(peak_mb < 64, f"peak memory {peak_mb:.0f} MB for a {size / 1e6:.0f} MB file (bound 64 MB)")
finish(root)
