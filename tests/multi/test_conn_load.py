#!/usr/bin/python3
"""Many sessions at once, the connection cap, the fd limit (issue 15, "Load").

Relay a (max_conns = 200): tools/bench/bench_conns opens 200 real sessions
(SHS, Box Stream, hello, an invite redeemed: each a member), 20 of them
publishers and 180 receivers that follow 3 publishers each. All 200 are served
(`status` lists them); the fds they add and the RSS per session are bounded.
Two more members and a stranger dial the full relay: each completes the
handshake and is then closed with no frame (a reset: it had sent its hello),
the relay logs one SR_ECONNCAP line each, and the 200 sessions all last. The
publishers publish at 2 a second and then a burst: every receiver gets every
entry of whom it follows exactly once, in order, and no more. After every
session closes, the relay's fds return to what they were before.

The fd limit: relay b starts with a soft RLIMIT_NOFILE of 64 (hard 4096) and
max_conns = 200: it raises its soft limit to what max_conns needs and serves
100 sessions (before, 47 got in and the rest were closed before their
handshake with no log line). Relay c, soft and hard 64, says so in a warning
line at start; the sessions past its limit fail, it stays up and serves new
sessions once those have gone, its fds back to its baseline."""
import json
import subprocess

import harness as h
from harness import check, check_eq, note

MAX = 200
PUBS, FOLLOWS = 20, 3
EXTRA = 2
KIB_PER_SESSION = 256  # measured: 40-110 KiB (BENCHMARKS.md, "Load")
KIB_PER_SESSION_SANITIZED = 2048  # ASan: ~730 KiB (redzones, its quarantine of freed blocks)


def fds(pid):
    import os
    return len(os.listdir(f"/proc/{pid}/fd"))


def followers(n, npub, k):
    """Receivers following each publisher: bench_conns has key r follow (r + j) % npub."""
    f = [0] * npub
    for r in range(npub, n):
        for j in range(k):
            f[(r + j) % npub] += 1
    return f


def client(node, n, *args, step=False, code=None):
    code = code or node.cli_json("invite", "create", "--uses", n + 10)["code"]
    argv = [h.ARGS.bench_conns, "--invite", code, "--relay-pid", node.proc.pid, "--sessions", n] + list(args)
    if step:
        argv.append("--step")
    return h.popen([str(a) for a in argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def next_line(p, what):
    line = p.stdout.readline()
    check(line != "", f"bench_conns printed its {what} line")
    d = json.loads(line)
    print(f"     bench_conns: {line.strip()[:600]}", flush=True)
    return d


def go_on(p):
    p.stdin.write("\n")
    p.stdin.flush()


def finish(p):
    """The rest of bench_conns's output (read through the same buffer as
    next_line: communicate() would skip what that buffer holds) and its exit."""
    p.stdin.close()
    out = p.stdout.read()
    p.wait(timeout=120 * h.SCALE)
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    for d in lines:
        print(f"     bench_conns: {json.dumps(d)[:300]}", flush=True)
    return lines, p.returncode


def many(c):
    a = c.node("a", config={"relay": True, "max_conns": MAX, "web": "off"})
    a.start()
    base_fds = fds(a.proc.pid)
    p = client(a, MAX, "--publishers", PUBS, "--follows", FOLLOWS, "--extra", EXTRA, "--idle-s", 1, "--rate", 2,
               "--publish-s", 3, "--burst", 20, "--ping-ms", 1000, step=True)
    base = next_line(p, "base")
    go_on(p)
    opened = next_line(p, "open")
    check_eq(opened["opened"], MAX, "sessions opened and welcomed")
    check_eq(len(a.status()["peers"]), MAX, "the relay serves every one (status peers)")
    added = opened["fds"] - base["fds"]
    check(MAX <= added <= MAX + 8, f"one fd per session ({added} more fds for {MAX} sessions)")
    per = (opened["rss_kib"] - base["rss_kib"]) / MAX
    note(f"RSS per session {per:.0f} KiB, relay RSS {opened['rss_kib'] / 1024:.1f} MiB")
    bound = KIB_PER_SESSION if h.SCALE == 1 else KIB_PER_SESSION_SANITIZED
    check(per < bound, f"RSS per session under {bound} KiB ({per:.0f})")
    go_on(p)
    next_line(p, "idle")
    go_on(p)

    cap = next_line(p, "cap")
    check_eq(cap["refused"], EXTRA + 1, "every dial past max_conns refused (two members, one stranger)")
    for d in cap["dials"]:
        check_eq(d["handshake"], "ok", f"the {d['who']} past the cap completes the handshake")
        check_eq(d["frames_before_end"], 0, f"the {d['who']} past the cap gets no frame")
        check(d["end"] in ("SR_ENETIO", "SR_EBOXNOBYE"), f"...and is closed without goodbye ({d['end']}, "
              f"{'reset' if d['reset'] else 'EOF'})")
    check_eq(len(a.log_lines(r"refusing .*SR_ECONNCAP")), EXTRA + 1, "one SR_ECONNCAP line per refused dial")
    check_eq(cap["alive"], MAX, "the sessions already open all last")
    check_eq(len(a.status()["peers"]), MAX, "the relay still serves all of them")
    go_on(p)

    fol = followers(MAX, PUBS, FOLLOWS)
    prev = cap["received"]
    for name, per_pub in (("publish", None), ("burst", 20)):
        d = next_line(p, name)
        n_pub = d["published"] // PUBS
        check_eq(d["published"], n_pub * PUBS, f"{name}: every publisher published alike")
        if per_pub:
            check_eq(n_pub, per_pub, f"{name}: entries per publisher")
        check_eq(d["lagging"], 0, f"{name}: every receiver holds every entry of whom it follows")
        check_eq((d["dups"], d["gaps"]), (0, 0), f"{name}: none twice, none out of order")
        check_eq(d["received"] - prev, n_pub * sum(fol), f"{name}: entries forwarded (each to its followers, once)")
        check_eq(d["alive"], MAX, f"{name}: no session ended")
        prev = d["received"]
        go_on(p)
    closed = next_line(p, "closed")
    lines, rc = finish(p)
    check_eq(rc, 0, "bench_conns exit code (nothing missing, twice or out of order)")
    check_eq(lines[-1]["ended_by_node"], 0, "the relay ended none of the 200")
    h.wait_until(lambda: fds(a.proc.pid) <= base_fds, 30, f"the relay's fds back to {base_fds} "
                 f"(closed line: {closed['fds']})")
    h.wait_until(lambda: not a.status()["peers"], 30, "no session left")
    a.check_alive()
    a.stop()


def fd_limit(c):
    b = c.node("b", config={"relay": True, "max_conns": MAX, "web": "off"})
    b.run_prefix = ["prlimit", "--nofile=64:4096", "--"]
    b.start()
    with open(f"/proc/{b.proc.pid}/limits") as f:
        soft = int(next(ln for ln in f if ln.startswith("Max open files")).split()[3])
    check(soft >= MAX + 128, f"b raised its soft fd limit from 64 to what max_conns needs ({soft})")
    p = client(b, 100, "--publishers", 2, "--follows", 1, "--extra", 0, "--idle-s", 1)
    lines, rc = finish(p)
    opened = next(d for d in lines if d.get("phase") == "open")
    check_eq(opened["opened"], 100, "b serves 100 sessions under a soft limit of 64")
    check_eq(rc, 0, "bench_conns exit code")
    b.stop()

    cc = c.node("c", config={"relay": True, "max_conns": MAX, "web": "off"})
    cc.run_prefix = ["prlimit", "--nofile=64:64", "--"]
    cc.start()
    warn = cc.wait_log(r"warning: max_conns = 200 needs about \d+ open files, but the limit is 64", 10)
    note(warn[0])
    base_fds = fds(cc.proc.pid)
    # Made before the flood: the CLI talks to the node through its control
    # socket, which shares the fd limit.
    code = cc.cli_json("invite", "create", "--uses", 200)["code"]
    p = client(cc, 100, "--publishers", 2, "--follows", 1, "--extra", 0, "--idle-s", 1, code=code)
    lines, rc = finish(p)
    opened = next(d for d in lines if d.get("phase") == "open")
    check(0 < opened["opened"] < 100, f"c, at its fd limit, serves what fits ({opened['opened']} of 100)")
    cc.check_alive("at its fd limit")
    h.wait_until(lambda: fds(cc.proc.pid) <= base_fds, 30, f"c's fds back to {base_fds}")
    p = client(cc, 10, "--publishers", 2, "--follows", 1, "--extra", 0, "--idle-s", 0, code=code)
    lines, rc = finish(p)
    check_eq(rc, 0, "c serves 10 new sessions afterwards (bench_conns exit code)")
    cc.stop()


def main(c):
    many(c)
    fd_limit(c)


h.run_test(main, extra_args=lambda ap: ap.add_argument("--bench-conns", required=True))
