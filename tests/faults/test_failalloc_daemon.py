#!/usr/bin/python3
"""Allocation failures in the running node (issue 15, "Faults inside").

`seurone run` starts with tests/faults/failalloc.c failing its n-th allocation
(counted from main, on every thread); a publish goes through its control socket
(the CLI, without failures), then SIGTERM. A clean run counts the allocations
of that whole life; then every n from 1 to that count (a stride when there are
more than MAX_RUNS) runs once. For each:
  - the node never dies of a signal and never hangs: it either starts, answers
    and stops on SIGTERM, or exits by itself with a non-zero code and a last
    log line that says why;
  - the publish either is acknowledged (an id) or fails with a clear error;
  - afterwards `seurone verify` passes, every entry held before is still there,
    and an acknowledged publish is there.
Release build only (tests/faults/CMakeLists.txt): ASan refuses an LD_PRELOAD
ahead of its runtime."""
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "multi"))
import harness as h  # noqa: E402
from harness import check  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_failalloc import error_ok  # noqa: E402

MAX_RUNS = 400  # every n of today's 164: sampling by 2 hid a failure at n=79 (stop 27)

READY_S, PUBLISH_S, STOP_S = 15, 20, 20


def in_libuv(trace):
    """The failed allocation was made inside libuv (a libuv frame between it and
    the program's own): libuv calls abort() on some of its own failures (its
    one-time signal and thread-pool set-up, growing its watcher array), which no
    caller can catch."""
    for line in trace.splitlines():
        if "libuv.so" in line:
            return True
        if "seurone(" in line:
            return False
    return False


def where(trace, binary):
    """The failed allocation's callers in the program, by name (addr2line -f on
    the binary's offsets in the trace), or the trace's libraries."""
    offs = re.findall(r"seurone\(\+(0x[0-9a-f]+)\)", trace)
    if not offs:
        return " < ".join(re.findall(r"/([^/()]+)\(([^)+]*)", trace)[0][1:2]) or "(no trace)"
    try:
        r = subprocess.run(["addr2line", "-f", "-e", binary] + offs, capture_output=True, text=True, timeout=30)
        return " < ".join(r.stdout.splitlines()[0::2])
    except (OSError, subprocess.TimeoutExpired):
        return " ".join(offs)


def ids(node):
    r = node.cli("export", "entries")
    return {json.loads(x)["id"] for x in r.stdout.splitlines() if x.strip()}


def life(c, node, shim, n, count_file):
    """One life of the node with allocation n failed; returns what happened."""
    if os.path.exists(count_file):
        os.unlink(count_file)
    run_json = os.path.join(node.home, "run.json")
    if os.path.exists(run_json):
        os.unlink(run_json)
    trace = count_file + ".trace"
    if os.path.exists(trace):
        os.unlink(trace)
    env = dict(os.environ, LD_PRELOAD=shim, SR_FAILALLOC_N=str(n), SR_FAILALLOC_COUNT=count_file,
               SR_FAILALLOC_TRACE=trace)
    err_path = c.path(f"run-{n}.stderr")
    with open(err_path, "w") as err:
        p = h.popen([h.ARGS.seurone, "--home", node.home, "run"], stdout=subprocess.DEVNULL, stderr=err,
                    stdin=subprocess.DEVNULL, env=env)
    out = {"n": n, "ready": False, "acked": None, "publish_error": None}
    deadline = time.monotonic() + READY_S * h.SCALE
    while time.monotonic() < deadline and p.poll() is None:
        try:
            with open(run_json) as f:
                if json.load(f).get("pid") == p.pid:
                    out["ready"] = True
                    break
        except (OSError, ValueError):
            pass
        with open(err_path, errors="replace") as f:
            if "address: seurone://" in f.read():  # up, though run.json could not be written (it says so)
                out["ready"] = True
                break
        time.sleep(0.02)
    if out["ready"]:
        try:
            r = node.cli("publish", "share", "--text", f"life {n}", "--json", check=False, timeout=PUBLISH_S)
            if r.returncode == 0:
                out["acked"] = json.loads(r.stdout)["id"]
            else:
                out["publish_error"] = error_ok(r.stderr) or "clear"
                out["publish_stderr"] = r.stderr.strip()
        except subprocess.TimeoutExpired:
            out["publish_error"] = f"the publish did not return within {PUBLISH_S} s"
    if p.poll() is None:
        if not out["ready"]:
            out["hang"] = f"neither ready nor exited within {READY_S} s"
        p.send_signal(signal.SIGTERM)
    try:
        out["rc"] = p.wait(timeout=STOP_S * h.SCALE)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        out["rc"] = "hung"
    with open(err_path, errors="replace") as f:
        out["log"] = f.read()
    os.unlink(err_path)
    out["trace"] = ""
    if os.path.exists(trace):
        with open(trace, errors="replace") as f:
            out["trace"] = f.read()
    if os.path.exists(count_file):
        with open(count_file) as f:
            parts = f.read().split()
        out["counted"] = int(parts[0]) if parts else None
    return out


def cli_through_node(c, node, shim):
    """The other side: the node runs without failures and `seurone publish`,
    which hands the entry to it over the control socket, fails its n-th
    allocation, for every n."""
    node.start()
    count_file = c.path("cli-count")

    def publish(n):
        env = dict(os.environ, LD_PRELOAD=shim, SR_FAILALLOC_N=str(n), SR_FAILALLOC_COUNT=count_file)
        return subprocess.run([h.ARGS.seurone, "--home", node.home, "publish", "share", "--text", f"cli {n}", "--json"],
                              capture_output=True, text=True, env=env, timeout=PUBLISH_S * h.SCALE)

    publish(0)
    with open(count_file) as f:
        total = int(f.read().split()[0])
    h.note(f"{total} allocations in a clean `seurone publish` through the running node; failing each")
    fails, acked = [], set()
    for n in range(1, total + 1):
        r = publish(n)
        bad = None
        if r.returncode < 0:
            bad = f"killed by signal {-r.returncode}"
        elif r.returncode == 0:
            try:
                acked.add(json.loads(r.stdout)["id"])
            except (ValueError, KeyError):
                bad = f"exit 0 without its reply: {r.stdout!r}"
        else:
            bad = error_ok(r.stderr)
        if bad:
            fails.append(n)
            print(f"FAIL cli n={n}: {bad}; stderr {r.stderr.strip()!r}", flush=True)
        if not node.alive():
            check(False, f"the node is still running after the CLI's publish with allocation {n} failed")
    node.stop()
    v = node.verify()
    check(v.get("ok"), f"the store verifies after {total} publishes through the node: {v.get('problems')}")
    missing = acked - ids(node)
    check(not missing, f"every publish acknowledged to the CLI ({len(acked)}) is held ({len(missing)} missing)")
    check(not fails, f"every `seurone publish` with a failed allocation ended clearly ({len(fails)} did not)")


def main(c):
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash found leaves no core dump behind
    shim = os.path.abspath(h.ARGS.shim)
    node = c.node("a")
    node.about("Ada")
    count_file = c.path("count")
    clean = life(c, node, shim, 0, count_file)
    check(clean["ready"] and clean["acked"] and clean["rc"] == 0,
          f"the clean run starts, publishes and stops: {clean.get('publish_error')} rc {clean['rc']}")
    total = clean.get("counted") or 0
    check(total > 0, "the shim counted the clean run's allocations")
    stride = max(1, (total + MAX_RUNS - 1) // MAX_RUNS)
    h.note(f"{total} allocations in a clean life (start, one publish, SIGTERM); failing each"
           + (f" (sampled: every {stride}th)" if stride > 1 else ""))
    fails, seen = [], {"started": 0, "exited": 0, "acked": 0, "refused": 0, "libuv_abort": 0}
    for n in range(1, total + 1, stride):
        before = ids(node)
        o = life(c, node, shim, n, count_file)
        what = f"n={n}"
        last = [x for x in o["log"].splitlines() if x.strip()]
        last = last[-1] if last else ""
        bad, libuv = [], False
        if o["rc"] == "hung":
            bad.append(f"did not stop within {STOP_S} s of SIGTERM")
        elif o["rc"] == -signal.SIGABRT and in_libuv(o["trace"]):
            seen["libuv_abort"] += 1
            libuv = True
        elif o["rc"] < 0:
            bad.append(f"killed by signal {-o['rc']}: {last}")
        if o.get("hang"):
            bad.append(o["hang"])
        if "Sanitizer" in o["log"] or "runtime error" in o["log"]:
            bad.append("a sanitizer report")
        if o["ready"]:
            seen["started"] += 1
            if o["publish_error"] not in (None, "clear"):
                bad.append(f"publish: {o['publish_error']} ({o.get('publish_stderr')})")
            if "not valid JSON" in (o.get("publish_stderr") or ""):
                # the CLI sent valid JSON: the node's own failure must not be blamed on it
                bad.append(f"publish: the node calls the CLI's request invalid ({o.get('publish_stderr')})")
            seen["acked" if o["acked"] else "refused"] += 1
        elif not libuv:
            seen["exited"] += 1
            if o["rc"] == 0:
                bad.append("exited 0 before it was ready, without being asked to")
            if len(last) < 30 or not any(w in last for w in ("memory", "cannot", "failed", "could not")):
                bad.append(f"exited {o['rc']} without saying why: last line {last!r}")
        v = node.verify()
        if not v.get("ok"):
            bad.append(f"the store does not verify: {v.get('problems')}")
        after = ids(node)
        if not before <= after:
            bad.append(f"{len(before - after)} entries held before are gone")
        if o["acked"] and o["acked"] not in after:
            bad.append(f"the acknowledged publish {o['acked'][:16]} is missing")
        if bad:
            fails.append(f"{what}: " + "; ".join(bad))
            print(f"FAIL {what}: " + "; ".join(bad), flush=True)
            print("  log tail: " + " | ".join(o["log"].splitlines()[-4:])[:600], flush=True)
            print("  the failed allocation: " + where(o["trace"], h.ARGS.seurone), flush=True)
    cli_through_node(c, node, shim)
    h.note(f"{seen['started']} lives started ({seen['acked']} publishes acknowledged, {seen['refused']} refused "
           f"with a clear error), {seen['exited']} exited by themselves with a clear message, "
           f"{seen['libuv_abort']} aborted inside libuv, on an allocation of its own (libuv's choice: counted, not failed)")
    check(not fails, f"{len(fails)} lives went wrong")


h.run_test(main, extra_args=lambda p: p.add_argument("--shim", required=True))
