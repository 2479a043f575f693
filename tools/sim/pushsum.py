#!/usr/bin/python3
"""pushsum.py: push-sum convergence simulator -- a pure-Python mirror of core/pushsum.c.

The rules are the node's, line by line (docs/network-stats.md, "Push-sum"): in
an epoch every node starts its own instance keyed by its 32-byte key with mass
(w = 1, c = 1, x = own values); each round it keeps half and sends the other
half to one random neighbour; a smaller key's instance makes a node drop its own
state and join with (0, 1, own) once; larger keys and older epochs are
discarded; a newer epoch rolls the receiver over first. The masses are IEEE
doubles as in the node (Python floats are the same binary64, with the same
correctly rounded + and * 0.5, done in the same order), so without loss the mass
of the smallest instance is conserved to double rounding -- checked every round.

Measured per round, over every live node: the largest relative error of the
size estimate c/w (against the size of the node's connected component) and of
the average of `entries` x/c (against that component's true mean). A node that
holds no weight yet (w = 0) has no estimate: error 1. Reported: the round from
which the max error (size and average alike) stays under 1% and under 0.1% to
the end of the epoch ("-": not within the epoch), and the errors after the
last round.

Variants:
  sync    round-synchronous: every node sends once per round, all frames land
          before the next round
  async   one round = N activations of random nodes (a node may act twice or
          not at all); each frame lands after a random delay of 0..N
          activations, so frames cross and arrive late; a node rolls over to a
          new epoch at its first activation in it or when a newer frame arrives
  --loss P        each frame is dropped with probability P (a connection that
                  closes with a frame in flight): that mass is gone until the
                  next epoch
  --churn F       at round --churn-at, a fraction F of the nodes crash (their
                  mass and the frames to them are lost); the epoch finishes
                  with the survivors, then a second epoch starts and is
                  measured again: it recovers because every epoch starts fresh

Topologies: karate (tests/data/karate.csv, Zachary's club, 34 nodes), er:N
(Erdos-Renyi G(N, p) with mean degree ~ 2 ln N, redrawn until connected), ws:N
(Watts-Strogatz, k = 6, p = 0.2), complete:N, ring:N.

Without --topology it runs the standard suite (karate, er:100, er:1000; sync
and async; no loss, 1% loss; 10% churn) that BENCHMARKS.md quotes.

--json prints {"results": [{"topology", "nodes", "edges", "mode", "loss",
"churn", "seed", "frames_sent", "frames_dropped", "epoch1", "epoch2" (churn
only)}]}; an epoch is {"rounds", "rounds_to_1pct", "rounds_to_0_1pct" (null: not
within the epoch), "size_max_rel_err_at_AT", "avg_max_rel_err_at_AT",
"final_size_max_rel_err", "final_avg_max_rel_err", "live_nodes", "crashed" and
"churn_at" (churn only), "per_round": [{"round", "size_max_rel_err",
"avg_max_rel_err"}] (--per-round only)}.

--mirror-check TEST_PUSHSUM runs `tests/unit/test_pushsum --trace` (a fixed
pseudo-random run of the C state machine) and replays it with these rules: the
states must agree to the bit (ctest unit_pushsum_mirror).

Examples:
    tools/sim/pushsum.py                                  # the suite, a table
    tools/sim/pushsum.py --topology er:1000 --mode async --json
    tools/sim/pushsum.py --topology karate --loss 0.01 --rounds 80 --per-round
"""
import argparse
import heapq
import json
import math
import os
import random
import struct
import subprocess
import sys

import networkx as nx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# core/pushsum.h
NVALUES = 3  # entries, sessions, entries per minute
ADDED, SWITCHED, IGNORED, STALE = 0, 1, 2, 3
MAX_NODES = 2.0 ** 20  # SR_PUSHSUM_MAX_NODES
X_MAX = [2.0 ** 36, 2.0 ** 17, 2.0 ** 32]  # SR_PUSHSUM_MAX_ENTRIES, _SESSIONS, _RATE
SLACK = 1.0 + 2.0 ** -30


def plausible(m, now_epoch):
    """sr_pushsum_plausible: what one frame may claim."""
    epoch, _key, w, c, x = m
    if epoch > now_epoch + 1 or not w >= 0 or w > SLACK:
        return False
    if not c >= 0 or c > MAX_NODES:
        return False
    return all(v >= 0 and v <= c * xm * SLACK for v, xm in zip(x, X_MAX))


class PushSum:
    """sr_pushsum_t. cur = [epoch, key, w, c, [x...]]."""

    def __init__(self, self_key):
        self.self = self_key
        self.started = False
        self.epoch = 0
        self.key = self_key
        self.w = self.c = 0
        self.x = [0] * NVALUES
        self.rounds = 0
        self.prev = None

    def _start_own(self, epoch, own):
        self.epoch = epoch
        self.key = self.self
        self.w = 1.0
        self.c = 1.0
        self.x = [float(v) for v in own]
        self.rounds = 0
        self.started = True

    def rollover(self, epoch, own):
        if self.started and epoch <= self.epoch:
            return 0
        if self.started:
            self.prev = self.estimate()
        self._start_own(epoch, own)
        return 1

    def halve(self):
        self.w *= 0.5
        self.c *= 0.5
        self.x = [v * 0.5 for v in self.x]
        self.rounds += 1
        return (self.epoch, self.key, self.w, self.c, list(self.x))

    def absorb(self, m, own):
        epoch, key, w, c, x = m
        r = ADDED
        if self.started and epoch < self.epoch:
            return STALE
        self.rollover(epoch, own)
        if key > self.key:
            return IGNORED
        nk, nw, nc, nx = self.key, self.w, self.c, self.x
        if key < self.key:
            nk, nw, nc, nx = key, 0.0, 1.0, [float(v) for v in own]
            r = SWITCHED
        nw, nc = nw + w, nc + c
        nx = [a + b for a, b in zip(nx, x)]
        if not all(math.isfinite(v) for v in [nw, nc] + nx):
            return IGNORED
        self.key, self.w, self.c, self.x = nk, nw, nc, nx
        return r

    def estimate(self):
        """(valid, size, [averages]) like sr_pushsum_estimate."""
        if not self.started or not self.w > 0 or not self.c > 0:
            return (False, None, None)
        size, avg = self.c / self.w, [v / self.c for v in self.x]
        if not all(math.isfinite(v) for v in [size] + avg) or size > MAX_NODES or \
                any(a > xm for a, xm in zip(avg, X_MAX)):
            return (False, None, None)
        return (True, size, avg)


# ---- topologies ----

def load_karate():
    path = os.path.join(ROOT, "tests", "data", "karate.csv")
    g = nx.Graph()
    with open(path) as f:
        next(f)
        for line in f:
            a, b = line.strip().split(",")
            g.add_edge(int(a), int(b))
    return g


def make_graph(spec, rng):
    if spec == "karate":
        return load_karate()
    kind, _, n = spec.partition(":")
    if not n.isdigit() or int(n) < 2:
        raise SystemExit(f"pushsum.py: topology '{spec}' needs a node count of at least 2 (e.g. er:100)")
    n = int(n)
    if kind == "er":
        p = min(1.0, 2 * math.log(n) / n)
        for _ in range(100):
            g = nx.gnp_random_graph(n, p, seed=rng.randrange(1 << 30))
            if nx.is_connected(g):
                return g
        raise SystemExit(f"pushsum.py: no connected G({n}, {p:.4f}) in 100 draws")
    if kind == "ws":
        return nx.connected_watts_strogatz_graph(n, 6, 0.2, seed=rng.randrange(1 << 30))
    if kind == "complete":
        return nx.complete_graph(n)
    if kind == "ring":
        return nx.cycle_graph(n)
    raise SystemExit(f"pushsum.py: unknown topology '{spec}' (karate, er:N, ws:N, complete:N, ring:N)")


# ---- the simulation ----

class Sim:
    def __init__(self, g, mode, loss, rng):
        self.g = nx.convert_node_labels_to_integers(g)
        self.n = self.g.number_of_nodes()
        self.nbrs = [list(self.g.neighbors(i)) for i in range(self.n)]
        self.mode, self.loss, self.rng = mode, loss, rng
        self.alive = [True] * self.n
        self.nodes = [PushSum(rng.randbytes(32)) for _ in range(self.n)]
        # Own values: entries held (skewed: most hold little, a few hold much),
        # sessions = degree, entries per minute.
        self.own = [[float(int(rng.paretovariate(1.5) * 100)), float(len(self.nbrs[i])), rng.random() * 30]
                    for i in range(self.n)]
        self.flight = []  # async: heap of (due activation, sequence, dst, msg)
        self.clock = 0
        self.epoch = 1000
        self.sent = self.dropped = 0

    def live_nbrs(self, i):
        return [j for j in self.nbrs[i] if self.alive[j]]

    def deliver(self, dst, m):
        if not self.alive[dst] or self.rng.random() < self.loss:
            self.dropped += 1
            return
        if not plausible(m, self.epoch):
            self.dropped += 1
            return
        self.nodes[dst].absorb(m, self.own[dst])

    def act(self, i):
        """One round of node i: roll over if its clock says so, send half."""
        node = self.nodes[i]
        if not node.started or self.epoch > node.epoch:
            node.rollover(self.epoch, self.own[i])
        nb = self.live_nbrs(i)
        if not nb:
            return None  # no session: keeps everything
        m = node.halve()
        self.sent += 1
        return self.rng.choice(nb), m

    def round(self):
        if self.mode == "sync":
            out = [self.act(i) for i in range(self.n) if self.alive[i]]
            for o in out:
                if o:
                    self.deliver(*o)
            return
        for _ in range(self.n):
            self.clock += 1
            i = self.rng.randrange(self.n)
            if self.alive[i]:
                o = self.act(i)
                if o:
                    heapq.heappush(self.flight, (self.clock + self.rng.randint(0, self.n), self.sent, o[0], o[1]))
            # land whatever is due, in arrival order
            while self.flight and self.flight[0][0] <= self.clock:
                _, _, dst, m = heapq.heappop(self.flight)
                self.deliver(dst, m)

    def new_epoch(self):
        self.epoch += 1
        if self.mode == "sync":
            for i in range(self.n):
                if self.alive[i]:
                    self.nodes[i].rollover(self.epoch, self.own[i])
        # async: each node rolls over at its own first activation (or on a newer frame)

    def crash(self, frac):
        k = int(round(frac * self.n))
        for i in self.rng.sample([i for i in range(self.n) if self.alive[i]], k):
            self.alive[i] = False
        return k

    def truth(self):
        """Per live node: (size, mean entries) of its connected component of live nodes."""
        sub = self.g.subgraph([i for i in range(self.n) if self.alive[i]])
        t = {}
        for comp in nx.connected_components(sub):
            mean = sum(self.own[i][0] for i in comp) / len(comp)
            for i in comp:
                t[i] = (len(comp), mean)
        return t

    def errors(self, truth):
        es = ea = 0.0
        for i, (size, mean) in truth.items():
            node = self.nodes[i]
            valid, est, avg = node.estimate()
            if not valid or node.epoch != self.epoch:
                es = ea = max(es, 1.0)
                continue
            es = max(es, abs(est - size) / size)
            ea = max(ea, abs(avg[0] - mean) / mean if mean else abs(avg[0]))
        return es, ea

    def check_mass(self):
        """Lossless, no churn: the smallest key's instance holds exactly (1, N, sum x)."""
        first = min(self.nodes, key=lambda n: n.self)
        leader = first.self
        if first.epoch != self.epoch:
            return  # async: the smallest key has not started its instance yet
        held = [n for n in self.nodes if n.key == leader and n.epoch == self.epoch]
        fl = [f[3] for f in self.flight if f[3][1] == leader and f[3][0] == self.epoch]
        w = math.fsum([n.w for n in held] + [m[2] for m in fl])
        if abs(w - 1) > 1e-9:
            raise AssertionError(f"mass not conserved: w = {w!r} != 1")
        if len(held) == self.n:
            c = math.fsum([n.c for n in held] + [m[3] for m in fl])
            x0 = math.fsum([n.x[0] for n in held] + [m[4][0] for m in fl])
            want = math.fsum(o[0] for o in self.own)
            if abs(c - self.n) > 1e-9 * self.n or abs(x0 - want) > 1e-9 * want:
                raise AssertionError(f"mass not conserved: c = {c!r}, x0 = {x0!r}")


def run_epoch(sim, rounds, churn=0.0, churn_at=10, per_round=False, check=False, at=60):
    """Runs one epoch of `rounds` rounds; returns its measurements (also the
    errors after round `at`: what a node reports with the default config, 60 s
    epochs of 1 s rounds)."""
    sim.new_epoch()
    truth = sim.truth()
    rows, bad1, bad01, crashed, at_err = [], 0, 0, 0, None
    for r in range(1, rounds + 1):
        if churn and r == churn_at:
            crashed = sim.crash(churn)
            truth = sim.truth()
        sim.round()
        if check and not churn and not sim.loss:
            sim.check_mass()
        es, ea = sim.errors(truth)
        worst = max(es, ea)
        if r == at:
            at_err = (es, ea)
        if worst > 0.01:
            bad1 = r
        if worst > 0.001:
            bad01 = r
        if per_round:
            rows.append({"round": r, "size_max_rel_err": es, "avg_max_rel_err": ea})
    es, ea = sim.errors(truth)
    # The first round from which the error stays under the bound to the epoch's end.
    to1 = bad1 + 1 if bad1 < rounds else None
    to01 = bad01 + 1 if bad01 < rounds else None
    out = {"rounds": rounds, "rounds_to_1pct": to1, "rounds_to_0_1pct": to01, "final_size_max_rel_err": es,
           "final_avg_max_rel_err": ea, "live_nodes": sum(sim.alive)}
    if at_err:
        out[f"size_max_rel_err_at_{at}"], out[f"avg_max_rel_err_at_{at}"] = at_err
    if churn:
        out["crashed"] = crashed
        out["churn_at"] = churn_at
    if per_round:
        out["per_round"] = rows
    return out


def scenario(topology, mode, loss=0.0, churn=0.0, churn_at=10, rounds=200, seed=1, per_round=False, check=True, at=60):
    rng = random.Random(seed)
    g = make_graph(topology, rng)
    sim = Sim(g, mode, loss, rng)
    res = {"topology": topology, "nodes": sim.n, "edges": sim.g.number_of_edges(), "mode": mode, "loss": loss,
           "churn": churn, "seed": seed}
    res["epoch1"] = run_epoch(sim, rounds, churn, churn_at, per_round, check, at)
    if churn:
        res["epoch2"] = run_epoch(sim, rounds, 0.0, churn_at, per_round, False, at)
    res["frames_sent"], res["frames_dropped"] = sim.sent, sim.dropped
    return res


SUITE = [(t, m, l, 0.0) for t in ("karate", "er:100", "er:1000") for m in ("sync", "async") for l in (0.0, 0.01)] + \
        [(t, "async", 0.0, 0.1) for t in ("karate", "er:100", "er:1000")]


def fmt_r(v):
    return "-" if v is None else str(v)


def print_table(results):
    at = next((k[len("size_max_rel_err_at_"):] for k in results[0]["epoch1"] if k.startswith("size_max_rel_err_at_")), None)
    at_h = f"@{at}" if at else "@-"
    print(f"{'topology':<10} {'N':>5} {'mode':<6} {'loss':>5} {'churn':>5}  {'->1%':>5} {'->0.1%':>6}  "
          f"{'size' + at_h:>9} {'avg' + at_h:>9}  {'size end':>9} {'avg end':>9}  {'epoch 2 (after churn)':<28}")
    for r in results:
        e = r["epoch1"]
        line = (f"{r['topology']:<10} {r['nodes']:>5} {r['mode']:<6} {r['loss']:>5.2f} {r['churn']:>5.2f}  "
                f"{fmt_r(e['rounds_to_1pct']):>5} {fmt_r(e['rounds_to_0_1pct']):>6}  "
                f"{e.get(f'size_max_rel_err_at_{at}', float('nan')):>9.2e} "
                f"{e.get(f'avg_max_rel_err_at_{at}', float('nan')):>9.2e}  "
                f"{e['final_size_max_rel_err']:>9.2e} {e['final_avg_max_rel_err']:>9.2e}")
        if "epoch2" in r:
            e2 = r["epoch2"]
            line += (f"  ->1% {fmt_r(e2['rounds_to_1pct'])}, ->0.1% {fmt_r(e2['rounds_to_0_1pct'])}, "
                     f"err {max(e2['final_size_max_rel_err'], e2['final_avg_max_rel_err']):.1e}")
        print(line)


# ---- --mirror-check: the same run as `test_pushsum --trace`, bit for bit ----

class XorShift:
    """tests/unit/test_pushsum.c's rnd()."""
    M = (1 << 64) - 1

    def __init__(self, seed):
        self.s = seed

    def __call__(self):
        s = self.s
        s ^= (s << 13) & self.M
        s ^= s >> 7
        s ^= (s << 17) & self.M
        self.s = s
        return s


def bits(v):
    return struct.unpack("<Q", struct.pack("<d", v))[0]


def mirror_trace():
    n_nodes, fl_max, steps = 30, 40, 6000
    rnd = XorShift(0x9E3779B97F4A7C15)
    nodes, own = [], []
    for i in range(n_nodes):
        key = b"".join(rnd().to_bytes(8, "little") for _ in range(4))
        nodes.append(PushSum(key))
        own.append([(rnd() % 10000) / 16.0 for _ in range(NVALUES)])
        nodes[i].rollover(100 + i % 2, own[i])
    fl = []
    for step in range(steps):
        if step == steps // 2:
            for i in range(n_nodes):
                nodes[i].rollover(102, own[i])
        r = rnd()
        if len(fl) < fl_max and (not fl or r % 3 != 0):
            fl.append(nodes[rnd() % n_nodes].halve())
        else:
            k = rnd() % len(fl)
            to = rnd() % n_nodes
            if plausible(fl[k], 102):
                nodes[to].absorb(fl[k], own[to])
            fl[k] = fl[-1]  # C: fl[k] = fl[--nfl]
            fl.pop()
    lines = []
    for i, p in enumerate(nodes):
        prev_ok = bool(p.prev and p.prev[0])
        lines.append(" ".join([str(i), str(p.epoch), p.key.hex()[:16], f"{bits(p.w):016x}", f"{bits(p.c):016x}"] +
                              [f"{bits(v):016x}" for v in p.x] +
                              [str(p.rounds), str(int(prev_ok)), f"{bits(p.prev[1]) if prev_ok else 0:016x}"]))
    return lines


def mirror_check(binary):
    out = subprocess.run([binary, "--trace"], capture_output=True, text=True, check=True).stdout.split("\n")
    c_lines = [l for l in out if l]
    py_lines = mirror_trace()
    bad = [(c, p) for c, p in zip(c_lines, py_lines) if c != p]
    if len(c_lines) != len(py_lines) or bad:
        print(f"pushsum.py: mirror check FAILED: {len(bad)} of {len(py_lines)} nodes differ "
              f"({len(c_lines)} lines from C)")
        for c, p in bad[:5]:
            print(f"  C:      {c}\n  Python: {p}")
        return 1
    print(f"pushsum.py: mirror check ok: {len(py_lines)} nodes' states equal to the bit after 6000 random steps")
    return 0


def main():
    ap = argparse.ArgumentParser(description="Push-sum convergence simulator (mirror of core/pushsum.c)",
                                 epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--topology", help="karate, er:N, ws:N, complete:N or ring:N (default: the whole suite)")
    ap.add_argument("--mode", choices=["sync", "async"], default="sync")
    ap.add_argument("--loss", type=float, default=0.0, help="probability a frame is lost (default 0)")
    ap.add_argument("--churn", type=float, default=0.0, help="fraction of nodes that crash mid-epoch (default 0)")
    ap.add_argument("--churn-at", type=int, default=10, help="round of the crash (default 10)")
    ap.add_argument("--rounds", type=int, default=200, help="rounds per epoch (default 200)")
    ap.add_argument("--at", type=int, default=60,
                    help="also report the errors after this round (default 60: 60 s epochs of 1 s rounds)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-round", action="store_true", help="include the error after every round")
    ap.add_argument("--json", action="store_true", help="print the results as one JSON document")
    ap.add_argument("--mirror-check", metavar="TEST_PUSHSUM",
                    help="run `TEST_PUSHSUM --trace` (tests/unit/test_pushsum) and check that these rules give the "
                         "same bits; exit 1 if not")
    a = ap.parse_args()
    if a.mirror_check:
        sys.exit(mirror_check(a.mirror_check))
    for v, name in ((a.loss, "--loss"), (a.churn, "--churn")):
        if not 0 <= v < 1:
            ap.error(f"{name} must be in [0, 1), got {v}")
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    if a.topology:
        results = [scenario(a.topology, a.mode, a.loss, a.churn, a.churn_at, a.rounds, a.seed, a.per_round, at=a.at)]
    else:
        results = [scenario(t, m, l, c, a.churn_at, a.rounds, a.seed, a.per_round, at=a.at) for t, m, l, c in SUITE]
    if a.json:
        json.dump({"results": results}, sys.stdout, indent=1)
        print()
        return
    print_table(results)
    if a.per_round:
        for r in results:
            print(f"\n{r['topology']} {r['mode']} loss {r['loss']} churn {r['churn']}: round, max rel err size, avg")
            for row in r["epoch1"]["per_round"]:
                print(f"  {row['round']:>4} {row['size_max_rel_err']:.3e} {row['avg_max_rel_err']:.3e}")


if __name__ == "__main__":
    main()
