#!/usr/bin/python3
"""bench_sync.py: the sync benchmark of issue 5 -- one node syncs a big store into an empty one.

  1. bench_ingest --write-jsonl: ENTRIES signed entries by AUTHORS authors
     (default 100,000 by 1,000); imported into the source node's home, which
     also follows every author (contact entries signed here with PyNaCl).
  2. The empty node follows the same authors (its own signed contact entries,
     imported before it starts), so all of them are in its scope.
  3. The raw signature-verify rate of this machine, measured in the same run:
     `bench_ingest --entries 20000 --json` -> "verify_per_s" (one core).
  4. Both nodes run on 127.0.0.1; the empty one dials the source (`peer add`)
     and the clock runs until it holds every entry (status entries_in, then
     confirmed with `graph --json` heads).
  5. Sync rate = entries / wall-clock seconds from `peer add` until the receiver
     has stored every entry; ratio = sync rate / verify rate (goal >= 0.7). The
     arrival rate (received_at span: when frames arrived, before their
     signatures were checked) is printed beside it for diagnosis only.
     Peak memory: VmHWM of both processes from /proc/PID/status, sampled just
     before SIGTERM. Both must exit 0, and the receiver's store must verify.

Usage: tools/bench/bench_sync.py [--entries N] [--authors A] [--json]
       [--seurone PATH] [--bench-ingest PATH] [--timeout S] [--keep]
Defaults look for the programs in build/tools/ of this repository.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "sim"))
import contacts  # noqa: E402  (signs contact entries)
from procs import PROCS, child_setup, kill_all  # noqa: E402


def log(msg):
    print(f"[bench_sync {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)




class BenchError(Exception):
    pass


def run(argv, timeout, **kw):
    r = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kw)
    if r.returncode != 0:
        raise BenchError(f"{' '.join(map(str, argv))} exited {r.returncode}: {r.stderr.strip()[:500]}")
    return r


def contact_jsonl(home, seurone, targets, path):
    """Follow entries for home's key, continuing its log, as JSON Lines for import."""
    key = contacts.read_secret(home)
    seq, prev = contacts.head_of(home, seurone)
    with open(path, "w") as f:
        for d in contacts.contact_lines(key, seq, prev, targets, "follow"):
            f.write(json.dumps(d) + "\n")


def vmhwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Node:
    def __init__(self, root, name, seurone):
        self.home = os.path.join(root, name)
        self.name = name
        self.seurone = seurone
        self.err = os.path.join(root, f"{name}.stderr")
        self.proc = None
        self.id = self.json("init")["id"]
        with open(os.path.join(self.home, "config"), "w") as f:
            f.write("listen = 127.0.0.1:0\nweb = off\n")

    def cli(self, *argv, timeout=600):
        return run([self.seurone, "--home", self.home] + list(argv), timeout)

    def json(self, *argv, timeout=600):
        return json.loads(self.cli(*argv, "--json", timeout=timeout).stdout)

    def start(self, timeout=60):
        with open(self.err, "w") as e:
            self.proc = subprocess.Popen([self.seurone, "--home", self.home, "run"], stdin=subprocess.DEVNULL,
                                         stdout=e, stderr=e, preexec_fn=child_setup)
        PROCS.append(self.proc)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name}: seurone run exited {self.proc.returncode}; see {self.err}")
            try:
                with open(os.path.join(self.home, "run.json")) as f:
                    info = json.load(f)
                if info.get("pid") == self.proc.pid:
                    self.address = info["address"]
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise BenchError(f"{self.name}: no run.json after {timeout} s")

    def stop(self, timeout=120):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "killed"


def main():
    ap = argparse.ArgumentParser(description="Seurone sync benchmark (two real nodes on loopback)",
                                 epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=100000)
    ap.add_argument("--authors", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--seurone", default=os.path.join(ROOT, "build", "tools", "seurone"))
    ap.add_argument("--bench-ingest", default=os.path.join(ROOT, "build", "tools", "bench_ingest"))
    ap.add_argument("--verify-entries", type=int, default=20000)
    ap.add_argument("--timeout", type=float, default=1800, help="bound on the sync itself (s)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    for p in (a.seurone, a.bench_ingest):
        if not os.access(p, os.X_OK):
            ap.error(f"no program at {p} (build it, or pass the path)")
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda signum, frame: (kill_all(), sys.exit(128 + signum)))
    root = tempfile.mkdtemp(prefix="sr-bench-sync-")
    ok = False
    try:
        result = bench(a, root)
        ok = result["complete"] and result["exit_codes"] == [0, 0] and result["verify_ok"]
        if a.json:
            print(json.dumps(result, indent=1))
        else:
            print(f"sync            {result['entries']} entries by {result['authors']} authors over loopback")
            print(f"rate            {result['wall_per_s']:.0f} entries/s stored (wall clock from peer add to the "
                  f"last entry stored); arrival alone {result['sync_per_s']:.0f}/s (received_at span {result['span_ms']} ms, "
                  f"before signature checks) "
                  f"({result['wall_s']:.2f} s from peer add)")
            print(f"verify rate     {result['verify_per_s']:.0f} signatures/s (bench_ingest, one core, same run)")
            print(f"ratio           {result['wall_ratio']:.2f} of raw verify (goal >= 0.7)")
            print(f"peak RSS        source {result['rss_kb']['source'] / 1024:.1f} MiB, "
                  f"receiver {result['rss_kb']['receiver'] / 1024:.1f} MiB")
            print(f"checks          complete {result['complete']}, exit codes {result['exit_codes']}, "
                  f"receiver verifies {result['verify_ok']}")
    except (BenchError, subprocess.TimeoutExpired) as e:
        log(f"FAILED: {e}")
        a.keep = True
    finally:
        kill_all()
        if a.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


def bench(a, root):
    data = os.path.join(root, "entries.jsonl")
    run([a.bench_ingest, "--write-jsonl", data, "--entries", a.entries, "--authors", a.authors, "--seed", a.seed], 600)
    authors, ids = set(), set()
    with open(data) as f:
        for line in f:
            d = json.loads(line)
            authors.add(d["author"])
            ids.add(d["id"])
    authors = sorted(authors)
    log(f"{len(ids)} entries by {len(authors)} authors generated")

    src = Node(root, "source", a.seurone)
    dst = Node(root, "receiver", a.seurone)
    t = time.monotonic()
    r = src.json("import", data)
    if r["rejected"] or r["accepted"] != a.entries:
        raise BenchError(f"source import: {r}")
    for n in (src, dst):
        path = os.path.join(root, f"{n.name}-follows.jsonl")
        contact_jsonl(n.home, a.seurone, authors, path)
        n.json("import", path)
    log(f"source loaded and both follow the authors in {time.monotonic() - t:.1f} s")

    v = json.loads(run([a.bench_ingest, "--entries", a.verify_entries, "--json"], 600).stdout)
    verify = v["verify_per_s"]
    log(f"raw verify rate {verify:.0f}/s")

    src.start()
    dst.start()
    want = set(authors)
    t0 = time.monotonic()
    dst.cli("peer", "add", src.address)
    end = t0 + a.timeout
    last_heads = 0.0
    complete = False
    while time.monotonic() < end:
        for n in (src, dst):
            if n.proc.poll() is not None:
                raise BenchError(f"{n.name} exited {n.proc.returncode} during the sync; see {n.err}")
        st = dst.json("status", timeout=60)
        now = time.monotonic()
        if st.get("entries_in", 0) >= a.entries or now - last_heads > 3:
            last_heads = now
            heads = {p["id"]: p["seq"] for p in dst.json("graph", timeout=120)["people"]}
            held = sum(heads.get(x, 0) for x in want)
            if held >= a.entries:
                complete = True
                break
        time.sleep(0.2)
    wall = time.monotonic() - t0
    rss = {"source": vmhwm_kb(src.proc.pid), "receiver": vmhwm_kb(dst.proc.pid)}
    st = dst.json("status", timeout=60)
    codes = [src.stop(), dst.stop()]
    log(f"sync {'complete' if complete else 'INCOMPLETE'} after {wall:.1f} s; exit codes {codes}")

    got = [e for e in dst.json("log", "--all", timeout=600) if e["author"] in want]
    recv = [e["received_at"] for e in got]
    span = (max(recv) - min(recv)) if recv else 0
    rate = (len(got) - 1) / (span / 1000.0) if span > 0 else float("nan")
    ver = dst.cli("verify", "--json", timeout=1200)
    verify_ok = json.loads(ver.stdout)["ok"]
    return {
        "entries": a.entries, "authors": len(authors), "received": len(got),
        "distinct_received": len({e["id"] for e in got}), "complete": complete and {e["id"] for e in got} == ids,
        "span_ms": span, "sync_per_s": rate, "wall_s": wall, "wall_per_s": len(got) / wall if wall else None,
        "verify_per_s": verify, "ratio": (len(got) / wall) / verify, "arrival_ratio": rate / verify,
        "wall_ratio": (len(got) / wall) / verify,
        "rss_kb": rss, "receiver_status": {k: st.get(k) for k in ("entries_in", "duplicates", "bytes_in")},
        "exit_codes": codes, "verify_ok": verify_ok,
    }


if __name__ == "__main__":
    sys.exit(main())
