#!/usr/bin/python3
"""The node as a service (issue 16): `seurone stop`, `seurone reload` and SIGHUP on a
real node with a live session, and `status`'s exit code.

a and b follow each other; b dials a. While that session stays up (the same
connected_since throughout):
  - `reload` of hops = 0 applies it (a's scope shrinks to itself), SIGHUP of
    hops = 2 brings the scope back, and an entry b publishes after it still
    reaches a;
  - a broken file (hops = 0 and an unknown key) is refused: exit 1 naming the
    line, the node logs it and runs on, and a reload of the file as it was
    before applies nothing (had the broken reload changed hops, hops would be
    listed);
  - a changed `listen` is listed as waiting for a restart, and a keeps its port;
  - max_conns = 1 applies live: a third node c, a stranger, is refused
    (SR_ECONNCAP) while b keeps its session; max_conns back, c gets in.
Then `stop` returns only once a's process has exited (0, run.json gone), and
`stop`, `reload` and `status` on the stopped home exit 3."""
import json
import os
import signal

import harness as h
from harness import check, check_eq, note


def session(node, other):
    """node's live session with other, from node's `peers --json` (the peer table:
    the dialling side's, so b's of a and c's of a), or None."""
    for p in node.peers():
        if p["key"] == other.id and p.get("connected"):
            return p
    return None


def reload(node, check_rc=0):
    r = node.cli("reload", "--json", check=False)
    check_eq(r.returncode, check_rc, f"{node.name}: reload exit code (stderr: {r.stderr.strip()[:300]})")
    return json.loads(r.stdout) if r.returncode == 0 else r


def main(c):
    a, b, s = c.node("a"), c.node("b"), c.node("c")
    a.follow(b)
    b.follow(a)
    base = dict(a.config)

    r = a.cli("status", check=False)
    check_eq(r.returncode, 3, "status exits 3 while no node runs")
    a.start()
    b.start()
    check_eq(a.cli("status", check=False).returncode, 0, "status exits 0 while the node runs")
    b.peer_add(a)
    first = h.wait_until(lambda: session(b, a), 30, "b has a session with a")
    since = first["connected_since"]
    h.wait_until(lambda: a.status().get("scope_authors") == 2, 30, "a replicates itself and b (hops 2)")

    def same_session(what):
        p = session(b, a)
        check(p is not None and p["connected_since"] == since, f"b's session is the one from before {what}")

    # A live key, through the control socket.
    a.write_config(hops=0)
    out = reload(a)
    check_eq(out["applied"], ["hops"], "reload hops = 0: applied")
    check_eq(out["restart"], [], "reload hops = 0: nothing waits for a restart")
    h.wait_until(lambda: a.status().get("scope_authors") == 1, 30, "a's scope is itself alone (hops 0)")
    same_session("reload")

    # The same by SIGHUP.
    a.write_config(hops=2)
    a.proc.send_signal(signal.SIGHUP)
    h.wait_until(lambda: a.status().get("scope_authors") == 2, 30, "a's scope has b again after SIGHUP (hops 2)")
    a.check_alive("after SIGHUP")
    check(a.log_lines(r"received SIGHUP"), "a logged the SIGHUP")
    same_session("SIGHUP")
    e = b.share("after the reloads")["id"]
    h.wait_until(lambda: a.has(e, b), 30, "b's new entry reaches a over the same session")

    # A broken file is refused whole.
    with open(os.path.join(a.home, "config"), "a") as f:
        f.write("hops = 0\n")  # the second hops: refused, so is the whole file
    r = reload(a, check_rc=1)
    check("hops is already set on line" in r.stderr and "config line" in r.stderr,
          f"reload names the file's line and problem ({r.stderr.strip()[:200]})")
    check("keeps running with the one it had" in r.stderr or "runs on with the config it had" in r.stderr,
          "reload says the node keeps its config")
    a.wait_log(r"reload refused, the node keeps the config it runs with: .*line", 10)
    a.write_config(hops=0, bogus=1)  # a good line before the bad one: not applied either
    r = reload(a, check_rc=1)
    check("unknown key 'bogus'" in r.stderr, "an unknown key is refused on reload")
    a.check_alive("after two refused reloads")
    a.config = dict(base, hops=2)
    a.write_config()
    r = a.cli("reload")
    check(r.stdout.startswith("reloaded ") and "applied   none" in r.stdout,
          f"reload in words: what it read, nothing applied ({r.stdout.strip()[:200]})")
    out = reload(a)
    check_eq(out["applied"], [], "the refused files changed nothing (a reload of the running config applies nothing)")
    check_eq(a.status().get("scope_authors"), 2, "a still replicates b")
    same_session("the refused reloads")

    # A key that waits for a restart.
    a.write_config(listen="127.0.0.1:1")
    out = reload(a)
    check_eq(out["restart"], ["listen"], "a changed listen waits for a restart")
    check_eq(out["applied"], [], "nothing else changed")
    with open(os.path.join(a.home, "run.json")) as f:
        check_eq(json.load(f)["address"], a.address, "a keeps its address until it restarts")
    a.write_config(listen=base["listen"])
    same_session("the restart-only change")

    # max_conns applies live: a stranger is refused while b stays.
    a.write_config(max_conns=1)
    check_eq(reload(a)["applied"], ["max_conns"], "max_conns = 1 applied")
    s.start()
    s.peer_add(a)
    h.wait_until(lambda: [ln for ln in a.log_lines(r"refusing .*SR_ECONNCAP") if s.id[:16] in ln], 60,
                 "a refuses c's session (max_conns 1)")
    same_session("max_conns = 1")
    check(session(s, a) is None, "c has no session with a")
    a.config.pop("max_conns")
    a.write_config()
    check_eq(reload(a)["applied"], ["max_conns"], "max_conns back to its default")
    h.wait_until(lambda: session(s, a), 60, "c gets a session once max_conns is back")
    same_session("max_conns back")

    # Flow reports turned on live: the timer starts at the reload.
    check(not a.log_lines(r"published flow report"), "a published no flow report so far (off on a personal node)")
    a.write_config(flow_report=True, flow_report_interval=10)
    check_eq(sorted(reload(a)["applied"]), ["flow_report", "flow_report_interval"], "flow reports on, every 10 s")
    a.wait_log(r"published flow report", 60, "a publishes a flow report after the reload turned them on")
    same_session("flow reports on")

    # stop: returns once the process is gone.
    pid = a.proc.pid
    out = a.cli_json("stop")
    check(a.proc.poll() is not None, "a's process has exited when `seurone stop` returns")
    check_eq(a.proc.returncode, 0, "a exited 0")
    check_eq(out.get("stopped"), True, "stop --json says stopped")
    check_eq(out.get("pid"), pid, "stop --json names a's pid")
    check(not os.path.exists(os.path.join(a.home, "run.json")), "run.json removed")
    check(a.log_lines(r"stopped cleanly"), "a logged a clean stop")
    for argv, what in ((["stop"], "stop"), (["reload"], "reload"), (["status"], "status")):
        r = a.cli(*argv, check=False)
        check_eq(r.returncode, 3, f"{what} exits 3 when no node runs")
        check("no node is running" in r.stderr, f"{what} says no node runs ({r.stderr.strip()[:120]})")
    note(f"a stopped; b and c still run: {b.alive()}, {s.alive()}")
    b.stop()
    r = s.cli("stop")
    check(r.stdout.startswith("stopped the node in "), f"stop in words ({r.stdout.strip()[:120]})")
    check(s.proc.poll() == 0, "c exited 0 once `stop` returned")


h.run_test(main)
