#!/usr/bin/python3
"""bench_conns.py: a relay on loopback with many concurrent sessions (issue 15, "Load").

  1. Reference, same run: a fresh relay (`seurone run`, relay = yes,
     max_conns = 2) with 2 sessions of bench_conns, one publisher and one
     receiver following it: the same phases, the one publisher publishing as
     many entries as all the load's publishers do (RATE x PUBLISHERS a second,
     then a burst of BURST x PUBLISHERS), each forwarded once.
  2. The load: a fresh relay with max_conns = SESSIONS and SESSIONS sessions
     of bench_conns (each a real member: SHS, Box Stream, hello, an invite
     redeemed, pings); PUBLISHERS of them publish, the others each follow
     FOLLOWS publishers. Then EXTRA more members and one stranger dial the full
     relay (the cap: each must be refused, the SESSIONS sessions must last),
     publishing at RATE entries a second per publisher for PUBLISH_S seconds,
     a burst of BURST entries per publisher (the relay's forwarding rate when
     it is the bottleneck), and every session closed.
  3. From /proc/PID of the relay at each phase: RSS, CPU-seconds, open fds;
     per session: RSS and fds added by the sessions, relay CPU per idle
     session, relay CPU per forwarded entry; each beside the reference.

  --soak SECONDS instead: one relay, SESSIONS sessions, CHURN receivers
  leaving and CHURN joining (spare member keys) every second, publishers
  publishing RATE a second, a sample every 10 s: RSS and fds must stay flat.

The relay's RLIMIT_NOFILE: this script raises its own soft limit to the hard
one (the relay inherits it) and prints both; the relay needs one fd per
session and about 20 of its own.

Usage: tools/bench/bench_conns.py [--sessions N] [--publishers P] [--follows K]
       [--extra E] [--idle-s S] [--rate R] [--publish-s S] [--burst M]
       [--soak SECONDS] [--churn C] [--json] [--seurone PATH] [--bench PATH] [--keep]
Defaults look for the programs in build/tools/ of this repository.
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "sim"))
from procs import PROCS, child_setup, kill_all, terminate  # noqa: E402


class Relay:
    def __init__(self, seurone, root, name, max_conns):
        self.seurone, self.home = seurone, os.path.join(root, name)
        self.err_path = os.path.join(root, name + ".stderr")
        subprocess.run([seurone, "--home", self.home, "init"], check=True, capture_output=True)
        with open(os.path.join(self.home, "config"), "w") as f:
            # No quotas (docs/config.md): the reference's one publisher publishes what
            # all the load's publishers do, more than a day's quota of one author.
            f.write(f"listen = 127.0.0.1:0\nweb = off\nrelay = yes\nmax_conns = {max_conns}\n"
                    "quota_entries_per_day = 0\nquota_bytes_per_day = 0\nquota_bytes_total = 0\n")
        err = open(self.err_path, "w")
        self.proc = subprocess.Popen([seurone, "--home", self.home, "run"], stdout=subprocess.DEVNULL, stderr=err,
                                     stdin=subprocess.DEVNULL, preexec_fn=child_setup)
        PROCS.append(self.proc)
        err.close()
        path = os.path.join(self.home, "run.json")
        for _ in range(300):
            try:
                with open(path) as f:
                    info = json.load(f)
                if info.get("pid") == self.proc.pid:
                    break
            except (OSError, ValueError):
                pass
            if self.proc.poll() is not None:
                sys.exit(f"bench_conns.py: the relay exited {self.proc.returncode}")
            time.sleep(0.05)
        else:
            sys.exit("bench_conns.py: the relay did not start")
        self.pid = self.proc.pid

    def invite(self, uses):
        r = subprocess.run([self.seurone, "--home", self.home, "invite", "create", "--uses", str(uses)], check=True,
                           capture_output=True, text=True)
        return r.stdout.split()[0]

    def log_count(self, pattern):
        with open(self.err_path, errors="replace") as f:
            return sum(1 for ln in f if re.search(pattern, ln))

    def stop(self):
        rc = terminate(self.proc, 60)
        if rc != 0:
            sys.exit(f"bench_conns.py: the relay exited {rc} after SIGTERM")


def run_client(bench, relay, n, args, extra, soak=None):
    argv = [bench, "--invite", relay.invite(n + extra + n // 2 + 10), "--relay-pid", str(relay.pid),
            "--sessions", str(n), "--extra", str(extra)] + [str(a) for a in args]
    if soak:
        argv += ["--soak", str(soak[0]), "--churn", str(soak[1])]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, preexec_fn=child_setup)
    PROCS.append(p)
    lines = []
    for ln in p.stdout:
        d = json.loads(ln)
        lines.append(d)
        if soak and d.get("phase") in ("soak", "open", "base", "closed"):
            print(f"  t={d['t_s']:7.1f} s  alive {d['alive']:4d}  RSS {d['rss_kib'] / 1024:6.1f} MiB (heap "
                  f"{d['anon_kib'] / 1024:5.1f}, store pages {d['file_kib'] / 1024:5.1f})  "
                  f"fds {d['fds']:4d}  CPU {d['cpu_s']:7.2f} s  received {d['received']}", flush=True)
    rc = p.wait()
    ph = {d["phase"]: d for d in lines if "phase" in d}
    if rc != 0 or "mode" not in lines[-1]:
        sys.exit(f"bench_conns.py: bench_conns exited {rc}: {lines[-1] if lines else 'no output'}")
    return ph, [d for d in lines if d.get("phase") == "soak"], lines[-1]


def derive(ph, n, idle_s):
    b, o, i = ph["base"], ph["open"], ph["idle"]
    out = {
        "rss_base_kib": b["rss_kib"], "rss_idle_kib": i["rss_kib"], "fds_base": b["fds"], "fds_open": i["fds"],
        "rss_per_session_kib": (i["rss_kib"] - b["rss_kib"]) / n,
        "fds_per_session": (i["fds"] - b["fds"]) / n,
        "open_s": o["open_s"],
        "cpu_open_per_session_ms": (o["cpu_s"] - b["cpu_s"]) * 1000 / n,
        "cpu_idle_per_session_us_per_s": (i["cpu_s"] - o["cpu_s"]) * 1e6 / n / idle_s if idle_s else None,
        "fds_closed": ph["closed"]["fds"], "rss_closed_kib": ph["closed"]["rss_kib"], "hwm_kib": ph["closed"]["hwm_kib"],
    }
    prev = ph.get("cap", i)
    for name in ("publish", "burst"):
        if name not in ph:
            continue
        d = ph[name]
        got = d["received"] - prev["received"]
        cpu = d["cpu_s"] - prev["cpu_s"]
        out[name] = {"published": d["published"], "forwarded": got, "seconds": d["phase_s"],
                     "forwarded_per_s": got / d["phase_s"] if d["phase_s"] else None,
                     "relay_cpu_s": cpu, "relay_cpu_us_per_forward": cpu * 1e6 / got if got else None,
                     "relay_cpu_share": cpu / d["phase_s"] if d["phase_s"] else None,
                     "client_cpu_s": d["self_cpu_s"] - prev["self_cpu_s"],
                     "rss_kib": d["rss_kib"], "lagging": d["lagging"]}
        prev = d
    if "cap" in ph:
        out["cap"] = {k: ph["cap"][k] for k in ("dials", "refused", "alive_before", "alive")}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=500)
    ap.add_argument("--publishers", type=int, default=50)
    ap.add_argument("--follows", type=int, default=5)
    ap.add_argument("--extra", type=int, default=2)
    ap.add_argument("--idle-s", type=int, default=20)
    ap.add_argument("--rate", type=int, default=4, help="entries per second per publisher")
    ap.add_argument("--publish-s", type=int, default=30)
    ap.add_argument("--burst", type=int, default=200, help="entries per publisher queued at once")
    ap.add_argument("--soak", type=int, help="seconds of churn instead of the benchmark")
    ap.add_argument("--churn", type=int, default=5, help="soak: receivers replaced per second")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--seurone", default=os.path.join(ROOT, "build", "tools", "seurone"))
    ap.add_argument("--bench", default=os.path.join(ROOT, "build", "tools", "bench_conns"))
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(f"RLIMIT_NOFILE soft {soft}, hard {hard}: raised to {hard} for the relay and the client", flush=True)
    root = tempfile.mkdtemp(prefix="sr-bench-conns-", dir=os.environ.get("SR_BENCH_DIR"))
    phases = ["--publishers", a.publishers, "--follows", a.follows, "--idle-s", a.idle_s, "--rate", a.rate,
              "--publish-s", a.publish_s, "--burst", a.burst]
    try:
        if a.soak:
            r = Relay(a.seurone, root, "soak", a.sessions)
            print(f"soak: {a.sessions} sessions, {a.churn} replaced a second, {a.publishers} publishers at "
                  f"{a.rate}/s, {a.soak} s; relay pid {r.pid}", flush=True)
            ph, samples, summary = run_client(a.bench, r, a.sessions, phases, 0, soak=(a.soak, a.churn))
            rss = [s["anon_kib"] for s in samples]
            store = [s["file_kib"] for s in samples]
            fds = [s["fds"] for s in samples]
            half = len(samples) // 2
            res = {"samples": len(samples), "anon_first_kib": rss[0], "anon_last_kib": rss[-1],
                   "file_first_kib": store[0], "file_last_kib": store[-1],
                   "anon_max_kib": max(rss), "anon_max_first_half_kib": max(rss[:half] or rss),
                   "anon_max_second_half_kib": max(rss[half:]),
                   "fds_min": min(fds), "fds_max": max(fds), "fds_base": ph["base"]["fds"],
                   "fds_closed": ph["closed"]["fds"], "joins": samples[-1]["joins"],
                   "received": samples[-1]["received"], "lagging_last": samples[-1]["lagging"],
                   "ended_by_node": summary["ended_by_node"], "relay_cpu_s": ph["closed"]["cpu_s"],
                   "refused_or_dropped_log_lines": r.log_count(r"refusing|dropping")}
            r.stop()
            print(json.dumps(res, indent=1) if a.json else
                  f"heap (RssAnon) {res['anon_first_kib'] / 1024:.1f} -> {res['anon_last_kib'] / 1024:.1f} MiB (max of "
                  f"first half {res['anon_max_first_half_kib'] / 1024:.1f}, of second half "
                  f"{res['anon_max_second_half_kib'] / 1024:.1f}); store pages mapped (RssFile) "
                  f"{res['file_first_kib'] / 1024:.1f} -> {res['file_last_kib'] / 1024:.1f} MiB; "
                  f"fds {res['fds_min']}..{res['fds_max']} (base {res['fds_base']}, after close {res['fds_closed']}); "
                  f"{res['joins']} joins; {res['ended_by_node']} sessions ended by the relay")
            return
        ref = Relay(a.seurone, root, "ref", 2)
        rph, _, _ = run_client(a.bench, ref, 2, ["--publishers", 1, "--follows", 1, "--idle-s", a.idle_s, "--rate",
                                                 a.rate * a.publishers, "--publish-s", a.publish_s,
                                                 "--burst", a.burst * a.publishers], 0)
        ref.stop()
        r = Relay(a.seurone, root, "load", a.sessions)
        lph, _, _ = run_client(a.bench, r, a.sessions, phases, a.extra)
        capped = r.log_count(r"refusing .*SR_ECONNCAP")
        r.stop()
        res = {"reference_2_sessions": derive(rph, 2, a.idle_s), "load": derive(lph, a.sessions, a.idle_s),
               "relay_log_econncap_lines": capped, "sessions": a.sessions, "publishers": a.publishers,
               "follows": a.follows, "rlimit_nofile": [soft, hard]}
        if a.json:
            print(json.dumps(res, indent=1))
        else:
            report(res)
    finally:
        kill_all()
        if a.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def report(res):
    f, l = res["reference_2_sessions"], res["load"]
    n = res["sessions"]

    def row(what, ref, load, ratio=None):
        print(f"| {what} | {ref} | {load} |" + (f" {ratio:.2f} |" if ratio is not None else " |"))

    def div(x, y):
        return x / y if x is not None and y else None

    def us(x):
        return f"{x:.1f} us" if x is not None else "n/a (under the 10 ms CPU tick)"

    print(f"\n{n} sessions ({res['publishers']} publishers, each receiver follows {res['follows']}) beside 2 "
          f"(1 publisher, 1 receiver), fresh relays in the same run\n")
    print("| measured | reference: 2 sessions | load | ratio |\n|---|---|---|---|")
    row("relay RSS with no session", f"{f['rss_base_kib'] / 1024:.1f} MiB", f"{l['rss_base_kib'] / 1024:.1f} MiB")
    row("relay RSS, sessions idle", f"{f['rss_idle_kib'] / 1024:.1f} MiB", f"{l['rss_idle_kib'] / 1024:.1f} MiB")
    row("RSS per session", f"{f['rss_per_session_kib']:.0f} KiB", f"{l['rss_per_session_kib']:.0f} KiB",
        div(l['rss_per_session_kib'], f['rss_per_session_kib']))
    row("fds: none / open / after close", f"{f['fds_base']} / {f['fds_open']} / {f['fds_closed']}",
        f"{l['fds_base']} / {l['fds_open']} / {l['fds_closed']}")
    row("relay CPU to open a session (SHS, invite)", f"{f['cpu_open_per_session_ms']:.2f} ms",
        f"{l['cpu_open_per_session_ms']:.2f} ms")
    if l["cpu_idle_per_session_us_per_s"] is not None:
        row("relay CPU per idle session", f"{f['cpu_idle_per_session_us_per_s']:.1f} us/s",
            f"{l['cpu_idle_per_session_us_per_s']:.1f} us/s")
    for name in ("publish", "burst"):
        if name in f and name in l:
            a, b = f[name], l[name]
            row(f"{name}: entries published / forwarded", f"{a['published']} / {a['forwarded']}",
                f"{b['published']} / {b['forwarded']}")
            row(f"{name}: forwarded per second", f"{a['forwarded_per_s']:,.0f}", f"{b['forwarded_per_s']:,.0f}",
                div(b['forwarded_per_s'], a['forwarded_per_s']))
            row(f"{name}: relay CPU per forwarded entry", us(a['relay_cpu_us_per_forward']),
                us(b['relay_cpu_us_per_forward']), div(b['relay_cpu_us_per_forward'], a['relay_cpu_us_per_forward']))
            row(f"{name}: relay CPU per published entry", us(div(a['relay_cpu_s'] * 1e6, a['published'])),
                us(div(b['relay_cpu_s'] * 1e6, b['published'])),
                div(div(b['relay_cpu_s'], b['published']), div(a['relay_cpu_s'], a['published'])))
            row(f"{name}: relay busy (CPU-s per s) / client CPU-s", f"{a['relay_cpu_share']:.2f} / {a['client_cpu_s']:.2f}",
                f"{b['relay_cpu_share']:.2f} / {b['client_cpu_s']:.2f}")
    row("relay peak RSS (VmHWM)", f"{f['hwm_kib'] / 1024:.1f} MiB", f"{l['hwm_kib'] / 1024:.1f} MiB")
    cap = l.get("cap")
    if cap:
        print(f"\ncap (max_conns = {n}): {cap['refused']} of {len(cap['dials'])} dials refused; sessions alive "
              f"{cap['alive_before']} before, {cap['alive']} after; the relay logged {res['relay_log_econncap_lines']} "
              f"SR_ECONNCAP lines")
        for d in cap["dials"]:
            print(f"  {d['who']}: handshake {d['handshake']}, {d['frames_before_end']} frames, then {d['end']}"
                  f"{' (a TCP reset)' if d.get('reset') else ''} after {d['ms']} ms")


if __name__ == "__main__":
    main()
