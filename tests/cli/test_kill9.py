#!/usr/bin/env python3
"""Ingest atomicity: `seurone import` killed with SIGKILL mid-way leaves a store that
`verify` passes and that holds every batch whose commit was reported."""
import json
import os
import signal
import subprocess
import time

from common import Home, args, check, finish, tempdir

A = args()
root = tempdir()
node = Home(A.seurone, root, "node")
node.json("init")
src = os.path.join(root, "big.jsonl")
subprocess.run([A.bench_ingest, "--entries", "40000", "--authors", "400", "--write-jsonl", src], check=True)
lines = open(src).read().splitlines()

for attempt, wait_batches in enumerate([2, 5, 9]):
    p = subprocess.Popen([A.seurone, "--home", node.path, "import", src, "--batch", "500", "--verbose"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    committed = []
    deadline = time.time() + 120
    while time.time() < deadline:
        line = p.stderr.readline()
        if not line:
            break
        if line.startswith("committed lines"):
            a, b = line.split()[2].split("-")
            committed.append((int(a), int(b)))
            if len(committed) >= wait_batches:
                break
    time.sleep(0.02 * attempt)  # 0, 20, 40 ms: let later batches be mid-transaction
    p.send_signal(signal.SIGKILL)
    p.wait()
    check(p.returncode == -signal.SIGKILL, f"run {attempt}: import killed with SIGKILL after {len(committed)} commits")
    v = node.run("verify", "--json", check=False)
    check(v.returncode == 0 and json.loads(v.stdout)["ok"], f"run {attempt}: store verifies after kill -9")
    stored = {json.loads(l)["id"] for l in node.run("export", "entries").stdout.splitlines()}
    want = {json.loads(lines[i - 1])["id"] for a, b in committed for i in range(a, b + 1)}
    check(want <= stored, f"run {attempt}: all {len(want)} entries of reported commits are stored ({len(stored)} held)")
    check(len(stored) % 500 == 0, f"run {attempt}: only whole batches are stored ({len(stored)} entries)")

# Finally the whole import completes on the damaged-by-nothing store: the rest gets in.
r = node.json("import", src)
stored = {json.loads(l)["id"] for l in node.run("export", "entries").stdout.splitlines()}
check(len(stored) == len(lines) and r["rejected"] == [], "resuming the import completes the store")
check(node.run("verify").returncode == 0, "final store verifies")
finish(root)
