#!/usr/bin/python3
"""Allocation failures along the main paths (issue 15, "Faults inside").

tests/faults/failalloc.c (LD_PRELOAD) fails the n-th allocation counted from
main. For each offline path (init, publish of a share, follow, import of a small
JSONL file, verify, log as JSON and as the text feed, graph, status, export,
backup --store-only) the test counts the allocations of a clean run, then runs
the command once for every n from 1 to that count, each time on a fresh copy of
the same home, and checks:
  - no signal (no crash, no abort);
  - the same exit code and a whole output as the clean run, or a non-zero exit
    with an error on stderr that says what went wrong: lines that start
    "seurone: ", none empty after the colon, no raw control characters;
  - afterwards `seurone verify` passes on the store, every entry held before is
    still there, and the entries the failing run acknowledged (a publish's id,
    an import's accepted entries) are there when it reported success;
  - the same command then works without injected failures (nothing wedged).
Then the daemon: `seurone run` with the n-th allocation failed for n in a sample
of the start-up and of a publish through the control socket: it either works or
stops with a clear message, never a signal, and its store verifies.

A path of more than MAX_RUNS allocations is sampled with a stride (said in the
output). The shim needs the release build: ASan's runtime must come first in
the process and refuses an LD_PRELOAD ahead of it (tests/faults/CMakeLists.txt
registers this test only without SR_SANITIZE)."""
import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

MAX_RUNS = 400  # runs per path before the test samples with a stride
FAILS = []


def check(cond, what):
    if not cond:
        print(f"FAIL {what}", flush=True)
        FAILS.append(what)
    return cond


class Runner:
    def __init__(self, seurone, shim, root):
        self.seurone, self.shim, self.root = seurone, shim, root
        self.count_file = os.path.join(root, "count")
        self.trace = os.environ.get("SR_FAILALLOC_TRACE")

    def env(self, n=None):
        e = dict(os.environ)
        for k in ("LD_PRELOAD", "SR_FAILALLOC_N", "SR_FAILALLOC_MODE", "SR_FAILALLOC_COUNT"):
            e.pop(k, None)
        if n is not None:
            e["LD_PRELOAD"] = self.shim
            e["SR_FAILALLOC_COUNT"] = self.count_file
            e["SR_FAILALLOC_N"] = str(n)
        return e

    def run(self, home, argv, n=None, timeout=60):
        if os.path.exists(self.count_file):
            os.unlink(self.count_file)
        r = subprocess.run([self.seurone, "--home", home] + argv, capture_output=True, text=True,
                           env=self.env(n), timeout=timeout, errors="replace")
        counted = None
        if n is not None and os.path.exists(self.count_file):
            with open(self.count_file) as f:
                parts = f.read().split()
            counted = (int(parts[0]), int(parts[1])) if len(parts) == 2 else None
        return r, counted

    def ids(self, home):
        r, _ = self.run(home, ["export", "entries"])
        if r.returncode != 0:
            return None
        return {json.loads(line)["id"] for line in r.stdout.splitlines() if line.strip()}

    def verify(self, home):
        r, _ = self.run(home, ["verify", "--json"])
        try:
            v = json.loads(r.stdout)
        except ValueError:
            return False, f"verify exited {r.returncode}: {r.stderr.strip()}"
        return r.returncode == 0 and v.get("ok"), f"{v.get('problems')} {r.stderr.strip()}"


def error_ok(stderr):
    """A clear error: lines that start 'seurone: ' and say something, no raw controls."""
    lines = stderr.splitlines()
    if not lines:
        return "nothing on stderr"
    for line in lines:
        if any(ord(c) < 0x20 and c != "\t" or ord(c) == 0x7f for c in line):
            return f"a raw control character in {line!r}"
        if not line.startswith("seurone: ") or len(line) < len("seurone: ") + 8:
            return f"not a clear error line: {line!r}"
        if line.rstrip().endswith(":"):
            return f"an error with its reason missing: {line!r}"
    return None


def output_ok(path, r):
    """The clean run's output shape: JSON parses, a text output is not empty."""
    if path.get("json"):
        try:
            json.loads(r.stdout) if path.get("json") == "doc" else [json.loads(x) for x in r.stdout.splitlines()]
        except ValueError:
            return "its output is not whole JSON"
    if not r.stdout.strip() and path.get("stdout", True):
        return "no output"
    return None


def restore(saved, home):
    """Puts saved's files back into home, keeping home's directory (its inode):
    a home moved or copied elsewhere is a copy that refuses to publish."""
    for f in os.listdir(home):
        p = os.path.join(home, f)
        shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
    for f in os.listdir(saved):
        src, dst = os.path.join(saved, f), os.path.join(home, f)
        shutil.copytree(src, dst, symlinks=True) if os.path.isdir(src) else shutil.copy2(src, dst)


def one_path(R, name, path, template, saved, stats):
    """Every n along one path; returns the number of runs."""
    work = template or os.path.join(R.root, "w-" + name)

    def fresh():
        if template:
            restore(saved, work)
        else:
            shutil.rmtree(work, ignore_errors=True)
        for f in path.get("clean", []):
            if os.path.exists(f):
                os.unlink(f) if os.path.isfile(f) else shutil.rmtree(f)
        return work

    fresh()
    before = R.ids(template) if template else set()
    clean, counted = R.run(work, path["argv"], n=0)
    if not check(counted is not None, f"{name}: the shim counted the clean run (is it loaded?)"):
        return 0
    total = counted[0]
    clean_rc = clean.returncode
    check(output_ok(path, clean) is None, f"{name}: clean run's output ({clean.stderr.strip()})")
    stride = max(1, (total + MAX_RUNS - 1) // MAX_RUNS)
    note = f" (sampled: every {stride}th of them)" if stride > 1 else ""
    print(f"{name}: {total} allocations in a clean run (exit {clean_rc}); failing each{note}", flush=True)
    runs = 0
    for n in range(1, total + 1, stride):
        home = fresh()
        r, counted = R.run(home, path["argv"], n=n)
        runs += 1
        what = f"{name} n={n}"
        stats["runs"] += 1
        if not check(r.returncode >= 0, f"{what}: killed by signal {-r.returncode} ({r.stderr.strip()[-300:]})"):
            continue
        check("Sanitizer" not in r.stderr and "runtime error" not in r.stderr, f"{what}: sanitizer report")
        same = r.returncode == clean_rc and output_ok(path, r) is None
        if same and clean_rc != 0:
            same = r.stderr == clean.stderr.replace(clean_home_text(clean), home)
        if same:
            stats["same"] += 1
        else:
            bad = error_ok(r.stderr)
            if path.get("report_ok") and path["report_ok"](r):
                bad = None  # the command's own report says what failed
            if r.returncode == 0:
                bad = f"exit 0 but {output_ok(path, r)}"
            check(bad is None, f"{what}: exit {r.returncode} (clean {clean_rc}): {bad}; stderr {r.stderr.strip()!r}; stdout {r.stdout.strip()[:200]!r}")
            stats["failed"] += 1
        ok, why = R.verify(home)
        if path.get("fresh_home") and "no store in" in why:
            ok = True  # init failed before it made the store; the re-run below must make it
        check(ok, f"{what}: the store verifies after the failure: {why}")
        after = (R.ids(home) or set()) if path.get("fresh_home") else R.ids(home)
        if after is None:
            check(False, f"{what}: export after the failure fails")
            continue
        check(before <= after, f"{what}: {len(before - after)} entries held before are gone")
        if r.returncode == clean_rc == 0 and path.get("acked"):
            acked = path["acked"](r)
            check(acked <= after, f"{what}: {len(acked - after)} acknowledged entries missing")
        if path.get("acked_count"):
            n_acked = path["acked_count"](r)
            check(len(after - before) >= n_acked, f"{what}: it reported {n_acked} entries stored, "
                  f"{len(after - before)} are new in the store")
        # and nothing is wedged: the same command works without failures
        for f in path.get("clean", []):
            if os.path.exists(f):
                os.unlink(f)
        again, _ = R.run(home, path["argv"])
        ok_again = again.returncode == clean_rc or (path.get("fresh_home") and again.returncode == 0)
        check(ok_again, f"{what}: the command run again exits {again.returncode}: {again.stderr.strip()}")
    return runs


def clean_home_text(r):
    return r.args[2]


def import_report(r):
    try:
        return json.loads(r.stdout)
    except ValueError:
        return None


def import_oom_only(r):
    """exit 1 with a report that says a line was not read for want of memory (the
    lines after it by the same author are then rejected as out of order)"""
    rep = import_report(r)
    return r.returncode == 1 and rep is not None and any(
        x["reason"] == "out of memory" for x in rep["rejected"])


def import_accepted(r):
    rep = import_report(r)
    return rep["accepted"] if rep else 0


def publish_acked(r):
    try:
        return {json.loads(r.stdout)["id"]}
    except (ValueError, KeyError):
        return {"(no id in the reply)"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seurone", required=True)
    p.add_argument("--shim", required=True)
    p.add_argument("--only", help="run only the paths named (comma-separated)")
    a = p.parse_args()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash found leaves no core dump behind
    root = tempfile.mkdtemp(prefix="sr-failalloc-")
    R = Runner(os.path.abspath(a.seurone), os.path.abspath(a.shim), root)
    t0 = time.monotonic()
    try:
        # The template: a home with a few entries of its own and of a friend.
        tpl, friend = os.path.join(root, "tpl"), os.path.join(root, "friend")
        for h in (tpl, friend):
            R.run(h, ["init"])
        R.run(tpl, ["publish", "about", "--name", "Ada"])
        R.run(tpl, ["publish", "share", "--text", "hello"])
        for i in range(3):
            R.run(friend, ["publish", "share", "--text", f"friend {i}"])
        R.run(friend, ["publish", "about", "--name", "Bo"])
        fkey = json.loads(R.run(friend, ["id", "--json"])[0].stdout)["id"]
        jsonl = os.path.join(root, "friend.jsonl")
        with open(jsonl, "w") as f:
            f.write(R.run(friend, ["export", "entries"])[0].stdout)
        friend_ids = R.ids(friend)
        check(len(friend_ids) == 4 and len(R.ids(tpl)) == 2, "the template homes hold their entries")
        out = os.path.join(root, "out")
        paths = {
            "init": dict(argv=["init", "--json"], json="doc", fresh_home=True),
            "publish": dict(argv=["publish", "share", "--text", "a share", "--json"], json="doc",
                            acked=publish_acked),
            "follow": dict(argv=["publish", "contact", "--who", fkey, "--state", "follow", "--json"], json="doc",
                           acked=publish_acked),
            "import": dict(argv=["import", jsonl, "--json"], json="doc", acked=lambda r: friend_ids,
                           report_ok=import_oom_only, acked_count=import_accepted),
            "verify": dict(argv=["verify", "--json"], json="doc"),
            "log_json": dict(argv=["log", "--all", "--json"], json="doc"),
            "feed": dict(argv=["log", "--all"]),
            "graph": dict(argv=["graph", "--json"], json="doc"),
            "status": dict(argv=["status", "--json"], json="doc"),
            "export": dict(argv=["export", "entries"], json="lines"),
            "backup_store": dict(argv=["backup", "--store-only", out, "--json"], json="doc", clean=[out]),
        }
        only = a.only.split(",") if a.only else list(paths)
        stats = {"runs": 0, "same": 0, "failed": 0}
        saved = os.path.join(root, "saved")
        shutil.copytree(tpl, saved, symlinks=True)
        for name in only:
            tp = None if paths[name].get("fresh_home") else tpl
            one_path(R, name, paths[name], tp, saved, stats)
        print(f"{stats['runs']} runs with a failed allocation: {stats['same']} ended as the clean run, "
              f"{stats['failed']} with a clear error ({time.monotonic() - t0:.0f} s)", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if FAILS:
        print(f"{len(FAILS)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
