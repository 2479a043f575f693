#!/usr/bin/python3
"""sim.py: Seurone's dissemination simulator -- real `seurone run` processes on loopback.

Starts one node per vertex of a topology, makes each follow its neighbours
(contact entries written before the nodes start) with `hops` large enough that
every node's scope holds every author (the graph's diameter, at least 2),
connects the nodes along the edges (`peer add`, lower index dials higher), waits
until the follow graph has spread everywhere, then publishes M share entries from
random nodes (through the running nodes, `--interval-ms` apart) and measures:

  reach time   per entry: the time until EVERY node holds it, i.e. the largest
               received_at - ts over the nodes (same machine, same clock; a
               negative difference is clamped to 0 and counted as skewed);
               p50 / p99 / max over the entries
  latency      per delivery (entry, node): received_at - ts; p50 / p99
  hops         distribution of the hop counts recorded at the receivers
  trees        per phase, the growth of every node's status "trees": prunes,
               grafts (an eager path late by 150 ms), swaps (to a faster one)
  duplicates   per delivery: the growth of every node's status "duplicates"
               during the publishing, divided by the deliveries (entries x
               (N - 1)); reported for the first half of the entries (warm-up:
               epidemic broadcast trees still pruning) and the second half
               (steady state), each half measured after it fully converged.

Topology: an edge list (CSV "source,target" with a header, or whitespace pairs;
default tests/data/karate.csv: Zachary's karate club, 34 nodes, 78 edges), or a
connected Watts-Strogatz small world (`--small-world N K P`, or `--n N` for N 4 0.3). Nodes are numbered in sorted
order of the edge list's vertex labels.

Everything is bounded by --timeout (default 900 s) and every node process is
killed on exit, including on errors and ^C (and when this script is killed:
PR_SET_PDEATHSIG).

Examples:
    tools/sim/sim.py                                 # karate club, 34 nodes
    tools/sim/sim.py --n 50 --entries 40 --json      # small world of 50
    tools/sim/sim.py --small-world 100 6 0.2 --seed 3
"""
import argparse
import concurrent.futures
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import networkx as nx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contacts  # noqa: E402  (signs contact entries)
from procs import PROCS, child_setup, kill_all, terminate, vmhwm_kb  # noqa: E402
DEADLINE = [None]


class SimError(Exception):
    pass


def remaining():
    left = DEADLINE[0] - time.monotonic()
    if left <= 0:
        raise SimError("overall --timeout reached")
    return left


def log(msg):
    print(f"[sim {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)




class Node:
    def __init__(self, sim, index):
        self.sim = sim
        self.index = index
        self.home = os.path.join(sim.root, f"n{index:03d}")
        self.proc = None
        self.info = None
        self.id = self.cli_json("init")["id"]

    def cli(self, *argv, timeout=60, tries=3, input_=None):
        """Runs `seurone --home H ARGV` (input_: its standard input); retried (tries
        in all, 1 s apart) when it fails, e.g. a busy node's control socket giving
        up on a starved client."""
        cmd = [self.sim.seurone, "--home", self.home] + [str(a) for a in argv]
        for attempt in range(tries):
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=min(timeout, remaining()), input=input_)
            if r.returncode == 0:
                return r
            self.sim.retries.append((self.index, argv[0], r.stderr.strip()[:200]))
            log(f"n{self.index}: {' '.join(map(str, argv[:2]))} failed (try {attempt + 1}/{tries}): {r.stderr.strip()[:200]}")
            time.sleep(1)
        raise SimError(f"n{self.index}: {' '.join(map(str, argv))} exited {r.returncode}: {r.stderr.strip()[:400]}")

    def cli_json(self, *argv, timeout=60):
        return json.loads(self.cli(*argv, "--json", timeout=timeout).stdout)

    def write_config(self, hops, extra):
        with open(os.path.join(self.home, "config"), "w") as f:
            f.write(f"listen = 127.0.0.1:0\nhops = {hops}\nweb = off\n")
            for kv in extra:
                f.write(kv.replace("=", " = ", 1) + "\n")

    def hops_accepted(self, hops):
        """Whether the node's config accepts `hops` (`seurone address` loads it)."""
        self.write_config(hops, [])
        r = subprocess.run([self.sim.seurone, "--home", self.home, "address"], capture_output=True, text=True,
                           timeout=60)
        return not (r.returncode != 0 and "hops" in r.stderr)

    def start(self):
        err = open(os.path.join(self.sim.root, f"n{self.index:03d}.stderr"), "w")
        self.proc = subprocess.Popen([self.sim.seurone, "--home", self.home, "run"], stdin=subprocess.DEVNULL,
                                     stdout=err, stderr=err, preexec_fn=child_setup)
        PROCS.append(self.proc)
        err.close()

    def wait_ready(self, timeout=60):
        end = time.monotonic() + min(timeout, remaining())
        path = os.path.join(self.home, "run.json")
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise SimError(f"n{self.index}: seurone run exited {self.proc.returncode}; see {self.stderr_path()}")
            try:
                with open(path) as f:
                    info = json.load(f)
                if info.get("pid") == self.proc.pid:
                    self.info = info
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise SimError(f"n{self.index}: no run.json after {timeout} s")

    def stderr_path(self):
        return os.path.join(self.sim.root, f"n{self.index:03d}.stderr")

    def stop(self, timeout=30):
        return terminate(self.proc, timeout)


def follow_jsonl(home, targets, path):
    """Follow entries for a fresh home's key (its log must be empty), as JSON Lines
    for `seurone import` (tools/sim/contacts.py signs them)."""
    key = contacts.read_secret(home)
    with open(path, "w") as f:
        for d in contacts.contact_lines(key, 0, None, targets, "follow"):
            f.write(json.dumps(d) + "\n")


def load_edges(path):
    g = nx.Graph()
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.replace(",", " ").split()]
            if len(parts) < 2:
                continue
            try:
                u, v = int(parts[0]), int(parts[1])
            except ValueError:
                continue  # the header
            if u != v:
                g.add_edge(u, v)
    if g.number_of_nodes() == 0:
        raise SimError(f"no edges in {path}")
    return nx.convert_node_labels_to_integers(g, ordering="sorted")


def pct(values, q):
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


class Sim:
    def __init__(self, a):
        self.a = a
        self.seurone = os.path.abspath(a.seurone)
        self.root = tempfile.mkdtemp(prefix="sr-sim-")
        self.nodes = []
        self.retries = []  # (node, command, error) of CLI calls that had to be repeated
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=a.workers)

    def each(self, fn, nodes=None):
        return list(self.pool.map(fn, nodes if nodes is not None else self.nodes))

    def status_all(self):
        return self.each(lambda n: n.cli_json("status", timeout=30))

    def wait_all_hold(self, want_by_author, timeout, what):
        """Waits until every node holds, for each author, at least seq
        want_by_author[author]; returns the seconds waited."""
        t0 = time.monotonic()
        end = t0 + min(timeout, remaining())
        while True:
            heads = self.each(lambda n: {p["id"]: p["seq"] for p in n.cli_json("graph", timeout=60)["people"]})
            behind = sum(1 for h in heads for au, s in want_by_author.items() if h.get(au, 0) < s)
            if behind == 0:
                return time.monotonic() - t0
            if time.monotonic() > end:
                raise SimError(f"{what}: {behind} (node, author) pairs still behind after {timeout} s")
            time.sleep(self.a.poll_s)

    def run(self):
        a = self.a
        if a.small_world:
            n, k, p = int(a.small_world[0]), int(a.small_world[1]), float(a.small_world[2])
            g = nx.connected_watts_strogatz_graph(n, k, p, seed=a.seed)
            topo = f"small-world(n={n}, k={k}, p={p}, seed={a.seed})"
        else:
            g = load_edges(a.edges)
            topo = f"edge list {a.edges}"
        n = g.number_of_nodes()
        diameter = nx.diameter(g)
        rng = random.Random(a.seed)
        t = time.monotonic()
        self.nodes = self.each(lambda i: Node(self, i), list(range(n)))
        follow_all = a.follow == "all"
        if a.follow == "auto" and not a.hops and not self.nodes[0].hops_accepted(max(2, diameter)):
            follow_all = True  # the node refuses hops that large: follow everyone instead
        hops = a.hops or (2 if follow_all else max(2, diameter))
        log(f"topology: {topo}: {n} nodes, {g.number_of_edges()} edges, diameter {diameter}; hops = {hops}; "
            f"each node follows {'every node' if follow_all else 'its neighbours'}")
        for node in self.nodes:
            node.write_config(hops, a.config)
        # Follows, signed here and imported before the nodes run: along the edges,
        # or every node when the diameter exceeds the largest hops allowed.
        def follows(node):
            targets = [m.id for m in self.nodes if m is not node] if follow_all else \
                [self.nodes[v].id for v in sorted(g[node.index])]
            path = node.home + "-follows.jsonl"
            follow_jsonl(node.home, targets, path)
            node.cli("import", path)
            return len(targets)

        nfollows = self.each(follows)
        follows_of = {node.id: k for node, k in zip(self.nodes, nfollows)}
        log(f"{n} homes with {sum(nfollows)} follows in {time.monotonic() - t:.1f} s")

        t = time.monotonic()
        for node in self.nodes:
            node.start()
        for node in self.nodes:
            node.wait_ready()
        log(f"{n} nodes running in {time.monotonic() - t:.1f} s")
        t = time.monotonic()
        for u, v in sorted(g.edges()):
            lo, hi = min(u, v), max(u, v)
            self.nodes[lo].cli("peer", "add", self.nodes[hi].info["address"])
        log(f"{g.number_of_edges()} connections requested in {time.monotonic() - t:.1f} s")

        want = dict(follows_of)
        waited = self.wait_all_hold(want, a.converge_timeout, "the follow graph spreading")
        log(f"follow graph everywhere after {waited:.1f} s")

        # Publish: two halves, each waited to full convergence, status snapshots between.
        snaps = [self.status_all()]
        published = []  # (id, author index)
        halves = [a.entries // 2, a.entries - a.entries // 2]
        seqs = dict(follows_of)
        for half in halves:
            for _ in range(half):
                who = rng.randrange(n)
                node = self.nodes[who]
                r = node.cli_json("publish", "share", "--text", f"sim entry {len(published)} from n{who}")
                published.append((r["id"], who))
                seqs[node.id] = r["seq"]
                time.sleep(a.interval_ms / 1000.0)
            waited = self.wait_all_hold(dict(seqs), a.converge_timeout, "the published entries spreading")
            log(f"{len(published)} entries published; all everywhere {waited:.1f} s after the last")
            snaps.append(self.status_all())

        rss = [vmhwm_kb(node.proc.pid) for node in self.nodes]
        logs = self.each(lambda node: node.cli_json("log", "--all", timeout=120))
        codes = self.each(lambda node: node.stop())
        bad_exits = [(node.index, c) for node, c in zip(self.nodes, codes) if c != 0]
        return self.report(g, topo, hops, published, logs, snaps, halves, rss, bad_exits)

    def report(self, g, topo, hops, published, logs, snaps, halves, rss, bad_exits):
        n = len(self.nodes)
        ts = {}  # each entry's ts, from its author's own log
        for eid, who in published:
            for e in logs[who]:
                if e["id"] == eid:
                    ts[eid] = e["ts"]
        reach, lat, hop_hist, skewed, missing = [], [], {}, 0, 0
        per_entry = []
        for eid, who in published:
            worst, got = 0, 0
            for i, entries in enumerate(logs):
                if i == who:
                    continue
                e = next((x for x in entries if x["id"] == eid), None)
                if e is None:
                    missing += 1
                    continue
                got += 1
                d = e["received_at"] - ts[eid]
                if d < 0:
                    skewed += 1
                    d = 0
                lat.append(d)
                worst = max(worst, d)
                hop_hist[e["hops"]] = hop_hist.get(e["hops"], 0) + 1
            per_entry.append({"id": eid, "author": who, "reached": got + 1, "reach_ms": worst})
            if got == n - 1:
                reach.append(worst)

        def delta(key, i, j):
            return sum(s[key] for s in snaps[j]) - sum(s[key] for s in snaps[i])

        def delta_trees(key, i, j):  # a node without the counters counts 0
            return sum(s.get("trees", {}).get(key, 0) for s in snaps[j]) - \
                sum(s.get("trees", {}).get(key, 0) for s in snaps[i])

        phases = []
        for k, (name, cnt) in enumerate((("warm-up", halves[0]), ("steady", halves[1]))):
            deliveries = cnt * (n - 1)
            d = delta("duplicates", k, k + 1)
            phases.append({"phase": name, "entries": cnt, "deliveries": deliveries, "duplicates": d,
                           "entries_in": delta("entries_in", k, k + 1),
                           "trees": {t: delta_trees(t, k, k + 1) for t in ("prunes", "grafts", "swaps")},
                           "dup_per_delivery": (d / deliveries) if deliveries else None})
        rss_kb = [r for r in rss if r]
        out = {
            "topology": topo, "nodes": n, "edges": g.number_of_edges(), "diameter": nx.diameter(g), "hops_config": hops,
            "entries": len(published), "interval_ms": self.a.interval_ms,
            "reached_every_node": len(reach), "missing_deliveries": missing, "skewed": skewed,
            "reach_ms": {"p50": pct(reach, 50), "p99": pct(reach, 99), "max": max(reach) if reach else None},
            "latency_ms": {"p50": pct(lat, 50), "p99": pct(lat, 99), "mean": statistics.mean(lat) if lat else None},
            "hop_counts": {str(k): v for k, v in sorted(hop_hist.items())},
            "duplicates": phases,
            "peak_rss_kb": {"max": max(rss_kb) if rss_kb else None,
                            "median": statistics.median(rss_kb) if rss_kb else None},
            "bad_exits": bad_exits,
            "cli_retries": len(self.retries),
            "per_entry": per_entry,
        }
        return out


def print_table(r):
    f = lambda v: "-" if v is None else (f"{v:.0f}" if isinstance(v, (int, float)) else str(v))
    print(f"topology        {r['topology']}: {r['nodes']} nodes, {r['edges']} edges, diameter {r['diameter']}, hops {r['hops_config']}")
    print(f"entries         {r['entries']} published {r['interval_ms']} ms apart; "
          f"{r['reached_every_node']} reached every node; {r['missing_deliveries']} deliveries missing")
    print(f"reach time ms   p50 {f(r['reach_ms']['p50'])}   p99 {f(r['reach_ms']['p99'])}   max {f(r['reach_ms']['max'])}")
    print(f"latency ms      p50 {f(r['latency_ms']['p50'])}   p99 {f(r['latency_ms']['p99'])}   "
          f"mean {f(r['latency_ms']['mean'])}   (skewed: {r['skewed']})")
    total = sum(r["hop_counts"].values()) or 1
    print("hops            " + "   ".join(f"{k}: {v} ({100 * v / total:.0f}%)" for k, v in r["hop_counts"].items()))
    print(f"{'phase':<10} {'entries':>8} {'deliveries':>11} {'duplicates':>11} {'dup/delivery':>13}")
    for p in r["duplicates"]:
        dpd = "-" if p["dup_per_delivery"] is None else f"{p['dup_per_delivery']:.3f}"
        print(f"{p['phase']:<10} {p['entries']:>8} {p['deliveries']:>11} {p['duplicates']:>11} {dpd:>13}")
    print("trees           " + "   ".join(f"{p['phase']}: " + ", ".join(f"{t} {v}" for t, v in p["trees"].items())
                                         for p in r["duplicates"]))
    print(f"peak RSS        max {f(r['peak_rss_kb']['max'])} kB, median {f(r['peak_rss_kb']['median'])} kB per node")
    if r["cli_retries"]:
        print(f"CLI calls repeated after a failure: {r['cli_retries']} (see the log above)")
    if r["bad_exits"]:
        print(f"NODES THAT DID NOT EXIT 0 on SIGTERM: {r['bad_exits']}")


def main():
    ap = argparse.ArgumentParser(description="Seurone dissemination simulator (real nodes on loopback)",
                                 epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seurone", default=os.path.join(ROOT, "build", "tools", "seurone"))
    ap.add_argument("--edges", default=os.path.join(ROOT, "tests", "data", "karate.csv"),
                    help="edge list (default: tests/data/karate.csv, Zachary's karate club)")
    ap.add_argument("--small-world", nargs=3, metavar=("N", "K", "P"),
                    help="connected Watts-Strogatz graph instead of the edge list")
    ap.add_argument("--n", type=int, help="shorthand for --small-world N 4 0.3")
    ap.add_argument("--entries", type=int, default=20, help="entries to publish (default 20)")
    ap.add_argument("--interval-ms", type=int, default=200, help="pause between publishes (default 200)")
    ap.add_argument("--hops", type=int, help="hops in every node's config (default: the diameter, >= 2)")
    ap.add_argument("--follow", choices=["auto", "neighbours", "all"], default="auto",
                    help="whom each node follows: its neighbours (hops = diameter), or every node "
                         "(hops 2); auto: neighbours unless the config refuses hops = diameter")
    ap.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                    help="extra config line for every node (repeatable)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=900, help="overall bound in seconds (default 900)")
    ap.add_argument("--converge-timeout", type=float, default=180)
    ap.add_argument("--poll-s", type=float, default=0.5)
    ap.add_argument("--workers", type=int, default=4, help="parallel CLI calls (default 4)")
    ap.add_argument("--json", action="store_true", help="print the result as one JSON document")
    ap.add_argument("--keep", action="store_true", help="keep the homes and logs")
    a = ap.parse_args()
    if a.n and not a.small_world:
        a.small_world = [a.n, 4, 0.3]
    if a.entries < 2:
        ap.error("--entries must be at least 2")
    if not os.access(a.seurone, os.X_OK):
        ap.error(f"no seurone program at {a.seurone} (build it, or pass --seurone)")
    DEADLINE[0] = time.monotonic() + a.timeout

    sim = Sim(a)

    def body():
        r = sim.run()
        if a.json:
            print(json.dumps(r, indent=1))
        else:
            print_table(r)
        return r["reached_every_node"] == r["entries"] and not r["bad_exits"]

    return 0 if run_guarded(sim, body, a.keep) else 1


def run_guarded(sim, body, keep):
    """Runs body() (True: success) with every node process stopped however it ends
    (also on SIGTERM/SIGINT/SIGHUP); the homes are removed unless keep, or on a
    failure, when their logs are what to read."""
    def on_signal(signum, frame):
        kill_all()
        sys.exit(128 + signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    ok = False
    try:
        ok = body()
    except (SimError, subprocess.TimeoutExpired) as e:
        log(f"FAILED: {e}")
        log(f"node logs in {sim.root}")
        keep = True
    finally:
        kill_all()
        sim.pool.shutdown(wait=False)
        if not keep:
            shutil.rmtree(sim.root, ignore_errors=True)
        else:
            log(f"kept {sim.root}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
