#!/usr/bin/env python3
"""bench_store_size: bytes on disk per entry of a store (issue 16's load).

For each size N: bench_ingest writes N signed entries from --authors authors as
JSON Lines (90% shares padded to about 266 bytes with --pad, 10% contacts),
`seurone init` makes a home and `seurone import` imports the file (its default
batches), then the store is measured three ways:

  du       the blocks of HOME/store/data.mdb and lock.mdb on the disk (st_blocks),
           free pages included: what the issue calls real blocks;
  in use   the pages that hold data (mdb_stat: branch + leaf + overflow of every
           database, the main one and the free list's own pages), i.e. du less
           the free pages LMDB keeps for reuse (the last two transactions'
           copy-on-write pages);
  compact  du again after `seurone compact` (skipped for a seurone without it).

It prints bytes per entry for each, and per named database its pages and bytes
per entry (mdb_stat -a; the sub-trees of dupsort databases, which it does not
count, are one line of their own: mostly logs past a few hundred entries an
author). --seurone may name an older build (format 1) for a before figure.

    tools/bench/bench_store_size.py --seurone build/tools/seurone \\
        --bench-ingest build/tools/bench_ingest --entries 20000,100000,1000000
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"bench_store_size: {' '.join(argv)} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r


def blocks(path):
    try:
        return os.stat(path).st_blocks * 512
    except FileNotFoundError:
        return 0


def mdb_pages(store):
    """{database: pages} from mdb_stat -a, and the free pages from mdb_stat -f."""
    out = run(["mdb_stat", "-a", store]).stdout
    pages, name = {}, None
    for line in out.splitlines():
        m = re.match(r"Status of (.*)$", line.strip())
        if m:
            name = m.group(1)
            pages.setdefault(name, 0)
            continue
        m = re.match(r"(Branch|Leaf|Overflow) pages: (\d+)", line.strip())
        if m and name:
            pages[name] += int(m.group(2))
    free_out = run(["mdb_stat", "-f", store]).stdout
    free = int(re.search(r"Free pages: (\d+)", free_out).group(1))
    fl = re.search(r"Freelist Status.*?Branch pages: (\d+).*?Leaf pages: (\d+).*?Overflow pages: (\d+)", free_out, re.S)
    pages["(free list)"] = sum(int(x) for x in fl.groups()) if fl else 0
    env = run(["mdb_stat", "-e", store]).stdout
    used = int(re.search(r"Number of pages used: (\d+)", env).group(1))
    return pages, free, used


def measure(a, root, n):
    jsonl = os.path.join(root, f"e{n}.jsonl")
    run([a.bench_ingest, "--entries", str(n), "--authors", str(a.authors), "--pad", str(a.pad), "--seed",
         str(a.seed), "--write-jsonl", jsonl])
    raw_bytes = 0
    with open(jsonl) as f:
        import base64
        for line in f:
            raw_bytes += len(base64.b64decode(json.loads(line)["raw"]))
    home = os.path.join(root, f"h{n}")
    run([a.seurone, "--home", home, "init"])
    t0 = time.monotonic()
    run([a.seurone, "--home", home, "import", jsonl])
    t_import = time.monotonic() - t0
    os.unlink(jsonl)
    store = os.path.join(home, "store")
    du = blocks(os.path.join(store, "data.mdb")) + blocks(os.path.join(store, "lock.mdb"))
    pages, free, used = mdb_pages(store)
    res = {
        "entries": n, "entry_bytes_mean": raw_bytes / n, "import_s": t_import, "du_bytes": du,
        "du_per_entry": du / n, "pages_used": used, "free_pages": free,
        "in_use_per_entry": (used - free) * 4096 / n, "free_per_entry": free * 4096 / n,
        "databases": {k: {"pages": v, "per_entry": v * 4096 / n} for k, v in sorted(pages.items()) if v},
    }
    # mdb_stat counts a dupsort database's main tree only: the pages of the
    # sub-trees of long dup lists (logs of authors past a few hundred entries,
    # edges of a key with many) are the rest of the pages in use.
    rest = used - free - sum(pages.values())
    res["databases"]["(dupsort sub-trees)"] = {"pages": rest, "per_entry": rest * 4096 / n}
    r = subprocess.run([a.seurone, "--home", home, "compact", "--json"], capture_output=True, text=True)
    if r.returncode == 0:
        c = json.loads(r.stdout)
        after = blocks(os.path.join(store, "data.mdb")) + blocks(os.path.join(store, "lock.mdb"))
        res.update({"compact_s": c["seconds"], "compact_du_bytes": after, "compact_per_entry": after / n})
        run([a.seurone, "--home", home, "verify"])
    if not a.keep:
        shutil.rmtree(home)
    return res


def main():
    ap = argparse.ArgumentParser(description="Seurone store size per entry (issue 16)",
                                 epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seurone", default=os.path.join(ROOT, "build", "tools", "seurone"))
    ap.add_argument("--bench-ingest", default=os.path.join(ROOT, "build", "tools", "bench_ingest"))
    ap.add_argument("--entries", default="20000", help="sizes, comma-separated (20000,100000,1000000)")
    ap.add_argument("--authors", type=int, default=200)
    ap.add_argument("--pad", type=int, default=49, help="characters added to each share (49: about 266 bytes)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the homes (printed)")
    a = ap.parse_args()
    if not shutil.which("mdb_stat"):
        sys.exit("bench_store_size: needs mdb_stat (Debian's lmdb-utils)")
    root = tempfile.mkdtemp(prefix="sr-storesize-")
    out = []
    try:
        for n in [int(x) for x in a.entries.split(",")]:
            res = measure(a, root, n)
            out.append(res)
            if not a.json:
                print(f"{n} entries of {res['entry_bytes_mean']:.1f} B mean, imported in {res['import_s']:.1f} s")
                print(f"  du {res['du_per_entry']:.1f} B/entry ({res['du_bytes']} B); in use "
                      f"{res['in_use_per_entry']:.1f} B/entry; free pages {res['free_per_entry']:.1f} B/entry")
                if "compact_per_entry" in res:
                    print(f"  after `seurone compact` ({res['compact_s']:.2f} s): {res['compact_per_entry']:.1f} B/entry")
                for name, d in res["databases"].items():
                    print(f"    {name:16} {d['pages']:9} pages {d['per_entry']:8.1f} B/entry")
                sys.stdout.flush()
    finally:
        if a.keep:
            print(f"homes kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    if a.json:
        print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
