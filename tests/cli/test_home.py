#!/usr/bin/env python3
"""The home directory is checked (issue 11, item 9), with the real CLI on temp homes.

- A home that group or others may write, or that another user owns, is refused by
  every command and by `seurone run`, with the command that fixes it.
- A symbolic link planted at each name the node writes (run.json's temporary file,
  control.lock, control.sock, the key file, the store, LMDB's data.mdb and
  lock.mdb) never makes the file it points to written or created.
- A key file swapped for another identity's is refused by every command that
  signs (publish without a node, invite accept), not adopted.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Home, check, finish, tempdir  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--seurone", required=True)
A = ap.parse_args()
root = tempdir()


def victim(name, content="the victim's own data\n"):
    """A file of someone else's that a planted link points to; (path, its state)."""
    p = os.path.join(root, name)
    with open(p, "w") as f:
        f.write(content)
    os.chmod(p, 0o644)
    return p


def state(p):
    if not os.path.lexists(p):
        return None
    st = os.stat(p)
    with open(p, "rb") as f:
        return (f.read(), st.st_mode, st.st_size)


def run_node(home, timeout=20):
    """Starts `seurone run`; returns (proc, stderr text so far) once run.json names it, or it exited."""
    err = open(os.path.join(root, os.path.basename(home.path) + ".stderr"), "w+")
    proc = subprocess.Popen([A.seurone, "--home", home.path, "run", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + timeout
    runjson = os.path.join(home.path, "run.json")
    while time.time() < deadline and proc.poll() is None:
        try:
            with open(runjson) as f:
                if json.load(f).get("pid") == proc.pid:
                    break
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    return proc, err


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def log_of(err):
    err.flush()
    err.seek(0)
    return err.read()


ada = Home(A.seurone, root, "ada")
ada.json("init")
check(os.stat(ada.path).st_mode & 0o777 == 0o700, "init makes the home 0700")

# ---- a loose home is refused, as ssh refuses a loose ~/.ssh ----
for mode in (0o777, 0o770, 0o702):
    os.chmod(ada.path, mode)
    for argv in (["id"], ["log"], ["status"], ["publish", "share", "--text", "hi"], ["peers"], ["address"]):
        r = ada.run(*argv, check=False)
        check(r.returncode == 3 and "may be written by others" in r.stderr and "chmod go-w" in r.stderr,
              f"{' '.join(argv)} refuses a home of mode {mode:03o}: {r.stderr.strip()[:90]}")
    proc, err = run_node(ada)
    rc = stop(proc)
    check(rc == 3 and "may be written by others" in log_of(err) and not os.path.exists(os.path.join(ada.path, "run.json")),
          f"run refuses a home of mode {mode:03o} ({log_of(err).strip()[:90]})")
os.chmod(ada.path, 0o750)  # group may read: not a way in
check(ada.run("id", check=False).returncode == 0, "a home group may only read (0750) is accepted")
os.chmod(ada.path, 0o700)
ada_id = ada.json("id")["id"]

if os.geteuid() == 0:  # only root can hand a directory to another user
    os.chown(ada.path, 65534, -1)
    r = ada.run("id", check=False)
    check(r.returncode == 3 and "belongs to another user" in r.stderr, f"a home another user owns is refused ({r.stderr.strip()[:90]})")
    os.chown(ada.path, 0, -1)
else:
    print("skip a home another user owns (needs root to chown)")

# ---- a loose store directory inside a good home ----
store = os.path.join(ada.path, "store")
os.chmod(store, 0o777)
r = ada.run("log", check=False)
check(r.returncode == 3 and "may be written by others" in r.stderr, f"a store directory others may write is refused ({r.stderr.strip()[:90]})")
os.chmod(store, 0o700)

# ---- symbolic links planted at the names the node writes ----
# run.json's temporary file: the node writes a new file and renames it into place.
v = victim("v-runjson")
before = state(v)
os.symlink(v, os.path.join(ada.path, "run.json.tmp"))
proc, err = run_node(ada)
up = proc.poll() is None
rc = stop(proc)
check(up and rc == 0, f"the node runs with a link at run.json.tmp ({log_of(err).strip()[-120:]})")
check(state(v) == before, "a link at run.json.tmp never makes its target written")

# control.lock: never opened through a link, never creates the link's target.
absent = os.path.join(root, "v-lock-absent")
lock = os.path.join(ada.path, "control.lock")
if os.path.lexists(lock):
    os.unlink(lock)
os.symlink(absent, lock)
proc, err = run_node(ada)
rc = stop(proc)
check(rc != 0 and "control.lock" in log_of(err), f"run refuses a link at control.lock ({log_of(err).strip()[-100:]})")
check(not os.path.lexists(absent), "a link at control.lock never creates its target")
os.unlink(lock)

# control.sock: only a stale socket is replaced.
v = victim("v-sock")
before = state(v)
os.symlink(v, os.path.join(ada.path, "control.sock"))
proc, err = run_node(ada)
rc = stop(proc)
check(rc != 0 and state(v) == before, f"a link at control.sock is refused, its target untouched ({log_of(err).strip()[-100:]})")
os.unlink(os.path.join(ada.path, "control.sock"))

# the key file, at init of a new home
bob = Home(A.seurone, root, "bob")
os.mkdir(bob.path, 0o700)
absent = os.path.join(root, "v-secret-absent")
os.symlink(absent, os.path.join(bob.path, "secret"))
r = bob.run("init", check=False)
check(r.returncode != 0 and not os.path.lexists(absent), f"init never creates a key through a link ({r.stderr.strip()[:90]})")
os.unlink(os.path.join(bob.path, "secret"))

# LMDB's own files: data.mdb and lock.mdb would be opened through a link
for name in ("lock.mdb", "data.mdb"):
    p = os.path.join(store, name)
    saved = p + ".saved"
    os.rename(p, saved)
    v = victim("v-" + name, "x" * 10000)
    before = state(v)
    os.symlink(v, p)
    for argv in (["log"], ["publish", "share", "--text", "hi"]):
        r = ada.run(*argv, check=False)
        check(r.returncode == 3 and name in r.stderr and "symbolic link" in r.stderr,
              f"{argv[0]} refuses a link at store/{name} ({r.stderr.strip()[:90]})")
    proc, err = run_node(ada)
    rc = stop(proc)
    check(rc != 0 and name in log_of(err), f"run refuses a link at store/{name}")
    check(state(v) == before, f"a link at store/{name} never makes its target written")
    os.unlink(p)
    os.rename(saved, p)

# the store directory itself as a link to a store elsewhere
elsewhere = os.path.join(root, "elsewhere")
os.rename(store, elsewhere)
os.symlink(elsewhere, store)
r = ada.run("log", check=False)
check(r.returncode == 3 and "symbolic link" in r.stderr, f"a store that is a link is refused ({r.stderr.strip()[:90]})")
os.unlink(store)
os.rename(elsewhere, store)
check(ada.run("log", check=False).returncode == 0, "the same store in place opens again")

# ---- a swapped key file is refused by every command that signs ----
eve = Home(A.seurone, root, "eve")
eve.json("init")
n_before = len(ada.json("log", "--all"))
shutil.copy(os.path.join(ada.path, "secret"), os.path.join(root, "ada-secret"))
shutil.copy(os.path.join(eve.path, "secret"), os.path.join(ada.path, "secret"))
r = ada.run("publish", "share", "--text", "written as eve into ada's log", check=False)
check(r.returncode == 3 and "belongs to" in r.stderr, f"publish refuses a key file of another identity ({r.stderr.strip()[:100]})")
r = ada.run("publish", "share", "--text", "again", "--ts", "1700000000000", check=False)
check(r.returncode == 3 and "belongs to" in r.stderr, "publish --ts (the direct path) refuses it too")
r = ada.run("flow", "report", "--publish", check=False)
check(r.returncode != 0 and "belongs to" in r.stderr, f"flow report --publish refuses it ({r.stderr.strip()[:100]})")
code = "seurone-invite:1:seurone://127.0.0.1:9/" + ada_id + ":" + "89" * 32 + ":" + "ab" * 32
r = ada.run("invite", "accept", "-", stdin=code, check=False)
check(r.returncode == 3 and "belongs to" in r.stderr, f"invite accept refuses it before joining ({r.stderr.strip()[:100]})")
check(len(ada.json("log", "--all")) == n_before, "nothing was written into the store with the swapped key")
shutil.copy(os.path.join(root, "ada-secret"), os.path.join(ada.path, "secret"))
check(ada.run("publish", "share", "--text", "back", check=False).returncode == 0, "with its own key back, publish works")

finish(root)
