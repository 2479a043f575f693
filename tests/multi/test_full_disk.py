#!/usr/bin/python3
"""A sync whose commits fail on a full disk resumes by itself once there is space
again (issue 11, item 6).

src holds 6,000 entries by 20 authors; dst follows them, and its store lives on
a tmpfs with barely more room than the store already takes. dst dials src:
its commits fail for real (ENOSPC from LMDB's writes), which it must log. Before
the fix the error path left src's session paused for good (never read again,
never timed out) and nothing more ever arrived. Then the tmpfs is given room
(remount, as an admin freeing space would): without a restart or a new
peer add, dst must end with exactly src's entries.

Needs root (mount); skipped (exit 77) otherwise."""
import os
import shutil
import subprocess
import sys

import harness as h
from harness import check, check_eq

ENTRIES, AUTHORS = 6000, 20
MARGIN = 256 << 10  # bytes of room left on the tmpfs when the sync starts


def held(node, authors):
    heads = node.heads()
    return sum(heads.get(a, 0) for a in authors)


def mount(*args):
    return subprocess.run(["mount", *args], capture_output=True, text=True)


def main(c):
    if os.geteuid() != 0:
        print("skipped: test_full_disk mounts a small tmpfs and needs root", flush=True)
        sys.exit(77)
    jsonl = c.path("bench.jsonl")
    bench_ids, authors = h.write_bench_jsonl(jsonl, ENTRIES, AUTHORS)
    src, dst = c.node("src"), c.node("dst")
    src.import_jsonl(jsonl)
    for n in (src, dst):
        n.import_jsonl(h.make_contacts(n.home, authors))
    check_eq(held(src, authors), ENTRIES, "src holds the entries")

    # dst's store moves onto a tmpfs sized to what it holds now plus MARGIN.
    store = os.path.join(dst.home, "store")
    saved = c.path("dst-store")
    shutil.move(store, saved)
    os.mkdir(store, 0o700)
    used = sum(os.path.getsize(os.path.join(saved, f)) for f in os.listdir(saved))
    size = (used + MARGIN + 4095) // 4096 * 4096
    r = mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", store)
    if r.returncode != 0:
        print(f"skipped: cannot mount a tmpfs ({r.stderr.strip()})", flush=True)
        sys.exit(77)
    try:
        for f in os.listdir(saved):
            shutil.copy2(os.path.join(saved, f), store)
        h.note(f"dst's store on a tmpfs of {size} bytes ({used} used)")

        src.start()
        dst.start()
        dst.peer_add(src)
        h.wait_until(lambda: dst.log_lines(r"storing \d+ received entries failed"), 60,
                     "dst logs a failed commit (the tmpfs is full)")
        h.note(dst.log_lines(r"storing \d+ received entries failed")[0])
        at_full = held(dst, authors)
        check(at_full < ENTRIES, f"the disk filled mid-sync ({at_full} < {ENTRIES} stored)")

        r = mount("-o", "remount,size=512m", store)
        check(r.returncode == 0, f"remount the tmpfs larger: {r.stderr.strip()}")
        h.wait_until(lambda: held(dst, authors) == ENTRIES, 120,
                     "dst holds every entry once the disk has room (no restart)", interval=0.5)
        st = dst.status()
        h.note(f"after the remount: entries_in {st['entries_in']}, duplicates {st['duplicates']}")
        check(dst.log_lines(r"storing received entries works again"), "dst logs that storing works again")
        dst.stop()
        log = dst.log()
        ids = [e["id"] for e in log if e["author"] in set(authors)]
        check_eq(len(ids), ENTRIES, "dst holds every entry by the authors")
        check(set(ids) == bench_ids, "exactly src's entries")
        v = dst.verify()
        check(v["ok"], f"dst verifies: {v.get('problems')}")
        src.stop()
    finally:
        for n in (src, dst):
            if n.alive():
                n.proc.kill()
                n.proc.wait()
        subprocess.run(["umount", "-l", store], capture_output=True)


h.run_test(main)
