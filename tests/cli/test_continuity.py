#!/usr/bin/python3
"""test_continuity.py: a person stays who they are across a restore and an upgrade.

Restore (issue 10): a store restored without its key file, then `init` as an error
once suggested, must not silently become a new identity:
  - every command that needs the key says to restore the key file, not to run init;
  - `init` refuses (exit 3) and creates no key; `run` refuses too;
  - with another home's key file beside the store, `init` and `run` refuse and name
    both identities;
  - with the right key file back, `init` is a no-op and the log is there, verified;
  - `backup --store-only` says what a complete backup is (key file, config, store), also in --json.
Upgrade: flow reports published under the type's earlier name `flow_report` are still
read by `flow network` (signed in Python by tests/data/make_entries.py).
"""
import json
import os
import shutil
import stat
import subprocess

from common import Home, args, check, finish, load_make_entries, tempdir



def restore(a, root):
    me = a.run("id").stdout.strip()
    a.run("publish", "about", "--name", "Ada")
    a.run("publish", "share", "--text", "Saturday 10am at the river")
    backup = os.path.join(root, "ada.mdb")
    r = a.run("backup", "--store-only", backup)
    check(os.path.exists(backup), "backup wrote the file")
    secret = os.path.join(a.path, "secret")
    check(secret in r.stdout and os.path.join(a.path, "config") in r.stdout,
          "backup names the key file and the config a complete backup also needs")
    check("private" in r.stdout, "backup says the key file must be kept private")
    doc = a.json("backup", "--store-only", os.path.join(root, "ada2.mdb"))
    check(doc.get("also_back_up") == [secret, os.path.join(a.path, "config")],
          f"backup --json lists also_back_up: {doc}")

    # The documented restore, but the key file forgotten.
    b = Home(a.seurone, root, "restored")
    os.makedirs(os.path.join(b.path, "store"))
    shutil.copy(backup, os.path.join(b.path, "store", "data.mdb"))
    r = b.run("log", check=False)
    check(r.returncode == 3, f"log without the key exits 3 (got {r.returncode})")
    check("Restore the key file" in r.stderr and me in r.stderr and "seurone init` (or" not in r.stderr,
          f"log without the key says to restore it, naming the identity: {r.stderr.strip()}")
    r = b.run("init", check=False)
    check(r.returncode == 3, f"init over a restored store without its key exits 3 (got {r.returncode})")
    check("Restore the key file" in r.stderr and "Do not run `seurone init`" in r.stderr,
          f"init says how to restore the key: {r.stderr.strip()}")
    check(not os.path.exists(os.path.join(b.path, "secret")), "init made no new key file")
    r = b.run("init", "--json", check=False)
    check(r.returncode == 3 and r.stdout == "", "init --json refuses too, printing no identity")
    check(not os.path.exists(os.path.join(b.path, "secret")), "init --json made no new key file either")

    # Another home's key beside the store.
    other = Home(a.seurone, root, "other")
    other_id = other.run("init").stdout.strip()
    shutil.copy(os.path.join(other.path, "secret"), os.path.join(b.path, "secret"))
    os.chmod(os.path.join(b.path, "secret"), stat.S_IRUSR | stat.S_IWUSR)
    r = b.run("init", check=False)
    check(r.returncode == 3 and me in r.stderr and other_id in r.stderr,
          f"init with another identity's key names both and refuses: {r.stderr.strip()}")
    try:
        r = subprocess.run([a.seurone, "--home", b.path, "run", "--listen", "127.0.0.1:0"],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode != 0 and "belongs to" in r.stderr,
              f"run with another identity's key refuses to start: rc {r.returncode}, {r.stderr.strip()}")
    except subprocess.TimeoutExpired:
        check(False, "run with another identity's key refuses to start (it kept running)")

    # The right key back: init changes nothing and the log is whole.
    shutil.copy(secret, os.path.join(b.path, "secret"))
    r = b.run("init")
    check(r.stdout.strip() == me and "nothing changed" in r.stderr, "init with the right key is a no-op")
    log = b.json("log")
    check([e["type"] for e in log] == ["about", "share"], f"the restored log is whole: {[e['type'] for e in log]}")
    check(b.run("verify", check=False).returncode == 0, "the restored store verifies")


def old_flow_report(seurone, root, make_entries_path):
    me_mod = load_make_entries(make_entries_path)
    relay = me_mod.Author(77, 1)
    content = {"v": 1, "period_start": me_mod.TS0, "period_end": me_mod.TS0 + 3600000, "epsilon_milli": 1000,
               "hops": [0, 5] + [0] * 15, "latency_ms": [5] + [0] * 11,
               "latency_edges": [50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000], "skewed": 0}
    lines = [me_mod.append(relay, me_mod.TS0 + 3600001, "flow_report", content)]
    path = os.path.join(root, "old-report.jsonl")
    with open(path, "w") as f:
        for ln in lines:
            f.write(json.dumps(ln) + "\n")
    h = Home(seurone, root, "researcher")
    h.run("init")
    h.run("import", path)
    net = h.json("flow", "network")
    check(net.get("reports") == 1, f"flow network reads a report under the earlier type name: {net.get('reports')}")
    check(net.get("total", {}).get("count") == 5, f"and counts it: total {net.get('total')}")


def main():
    a_ = args()
    root = tempdir()
    try:
        a = Home(a_.seurone, root, "ada")
        a.run("init")
        restore(a, root)
        old_flow_report(a_.seurone, root, a_.make_entries)
    finally:
        finish(root)


if __name__ == "__main__":
    main()
