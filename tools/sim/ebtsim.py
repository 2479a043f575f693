#!/usr/bin/python3
"""ebtsim.py: a one-process model of Seurone's gossip rules (docs/simulation.md).

The rules of net/gossip.c, net/gossip_ebt.c, net/gossip_ingest.c and
net/gossip_pump.c (docs/protocol.md, "A session" and "Epidemic broadcast trees")
over simulated links, with a heapq event queue: per-author eager/lazy state per
session, first notes of the whole scope on every session start (eager over one
session per author), the prune of the other eager sessions on a first copy and of a
second eager path on a duplicate, the delayed graft on a have and the swap when the
eager copy comes late, the re-note on a gap. Frame sizes are
those of core/frame.c's canonical MessagePack plus the Box Stream header
(docs/transport.md), so bytes per node are bytes on the wire.

The default rules are those of the tree per author (--rules tree): first notes
ask eager only for what no other session pushes, the first copy of an entry
prunes every other eager session for its author, a duplicate prunes only when
another session is eager and the copy is no resend (not over the path of the
author's last first copy, none of that session's copies still on their way to
the store, a seq above our last eager note's), one graft waits per author, and
a lazy path much faster than the eager one swaps in. --rules plumtree is the
rule before it (every first note eager, a duplicate prunes), for comparison. Other variants are parameters too, so that a changed
rule can be modelled before it ships: --prune both (the duplicate's receiver
also stops pushing to the sender), --graft-ms, --swap-ms, --eager-parents K
(keep at most K eager parents per author), --first-notes all (the tree rules with
every first note eager: the first copy builds the tree from the fastest paths).

Examples:
    tools/sim/ebtsim.py --n 1000 --entries 200 --interval-ms 50
    tools/sim/ebtsim.py --n 10000 --loss 0.001 --drops 200 --leaves 20 --json
    tools/sim/ebtsim.py --edges tests/data/karate.csv --latency-ms 0.3 0.3
"""
import argparse
import heapq
import json
import math
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BOX = 34  # Box Stream: boxed header (2-byte length + 16-byte tag, boxed) + 16-byte body tag
KEY = 34  # bin 32: 0xc4, length, 32 bytes


def uint_len(v):
    return 1 if v < 128 else 2 if v < 256 else 3 if v < 65536 else 5 if v < 2**32 else 9


def bin_len(n):
    return n + (2 if n < 256 else 3 if n < 65536 else 5)


def entry_frame(entry_bytes, hops):  # [3, entry, hops]
    return BOX + 2 + bin_len(entry_bytes) + uint_len(hops)


def have_frame(seq):  # [4, author, seq]
    return BOX + 2 + KEY + uint_len(seq)


def one_note(seq):  # [author, seq, eager, head?]: a head whenever seq is not 0
    return 1 + KEY + uint_len(seq) + 1 + (KEY if seq else 0)


def note_frame(seq):  # [2, [note]]
    return BOX + 3 + one_note(seq)


def first_notes(scope, seq):
    """Bytes of a session's first notes: scope notes in frames of at most 192, then [2, []]."""
    total, left = 0, scope
    while left > 0:
        k = min(left, 192)
        total += BOX + 1 + 1 + (1 if k < 16 else 3) + k * one_note(seq)
        left -= k
    return total + BOX + 3  # the empty notes frame that ends them


HELLO = BOX + 1 + 1 + 1 + 14 + 1  # [1, 1, "seurone/x.y.z", false]


def pct(values, q):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(math.ceil(q / 100.0 * len(s))) - 1)]


class Model:
    def __init__(self, g, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.n = g.number_of_nodes()
        self.adj = [sorted(g.neighbors(v)) for v in range(self.n)]
        self.lat = {}
        for u, v in sorted(g.edges()):
            d = self.rng.uniform(a.latency_ms[0], a.latency_ms[1])
            self.lat[(u, v)] = self.lat[(v, u)] = d
        self.q = []
        self.tick = 0
        self.now = 0.0
        self.up = {}  # (u, v) -> session epoch, or absent when down; kept for both directions
        self.epoch = 0
        self.node_up = [True] * self.n
        self.held = [dict() for _ in range(self.n)]  # author -> seq held
        self.hops = [dict() for _ in range(self.n)]  # (author, seq) -> hops recorded
        # sender side: what v asked u for, and how far u knows v holds
        self.push = [dict() for _ in range(self.n)]  # (v, a) -> eager
        self.their = [dict() for _ in range(self.n)]  # (v, a) -> seq
        # receiver side: what u last asked v for (s->asked_eager)
        self.asked = [dict() for _ in range(self.n)]  # (v, a) -> eager
        self.asked_seq = [dict() for _ in range(self.n)]  # (v, a) -> seq of the last eager note
        self.parent = [dict() for _ in range(self.n)]  # a -> the session a's last first copy came over
        self.pending = [dict() for _ in range(self.n)]  # (v, a) -> copies from v stored, not yet forwarded
        self.grafts = [dict() for _ in range(self.n)]  # author -> [[seq, peer, due, since], ...]
        self.tree = a.rules == "tree"
        self.first = {}  # (author, seq) -> {node: time}
        self.dups = {}  # (author, seq) -> duplicates
        self.sent = [0] * self.n
        self.recv = [0] * self.n
        self.kind = {"entry": 0, "have": 0, "note": 0, "first_notes": 0, "hello": 0}
        self.lost_bytes = 0
        self.inflight_dropped = 0
        self.c = {"grafts": 0, "prunes": 0, "gap_notes": 0, "lost_frames": 0, "frames": 0,
                  "sessions_started": 0, "duplicates": 0,
                  "first_copy_prunes": 0, "swaps": 0, "last_eager_pruned": 0,
                  "stored_over_lazy": 0}
        self.published = []  # (author, seq, time)

    # ---- events ----
    def at(self, t, fn, *args):
        self.tick += 1
        heapq.heappush(self.q, (t, self.tick, fn, args))

    def send(self, u, v, kind, size, msg):
        """One frame from u to v over their session, with loss; it arrives lat ms later."""
        ep = self.up.get((u, v))
        if ep is None:
            return
        self.sent[u] += size
        self.kind[kind] += size
        self.c["frames"] += 1
        if kind in ("entry", "have", "note") and self.a.loss and self.rng.random() < self.a.loss:
            self.c["lost_frames"] += 1
            self.lost_bytes += size
            return
        self.at(self.now + self.lat[(u, v)], self.arrive, u, v, ep, size, msg)

    def arrive(self, u, v, ep, size, msg):
        if self.up.get((u, v)) != ep:  # the session ended while it was in flight
            self.inflight_dropped += size
            return
        self.recv[v] += size
        getattr(self, "on_" + msg[0])(v, u, *msg[1:])

    # ---- sending ----
    def send_entry(self, u, v, au, seq):
        h = self.hops[u][(au, seq)]
        self.send(u, v, "entry", entry_frame(self.a.entry_bytes, h), ("entry", au, seq, h))
        self.their[u][(v, au)] = seq

    def send_note(self, u, v, au, eager):
        seq = self.held[u].get(au, 0)
        self.asked[u][(v, au)] = eager
        if eager:
            self.their[u][(v, au)] = seq  # what follows is asked for again: not a resend
            self.asked_seq[u][(v, au)] = seq
        self.send(u, v, "note", note_frame(seq), ("note", au, seq, eager))
        if not eager and au != u and not self.other_eager(u, -1, au):
            self.c["last_eager_pruned"] += 1  # no session of u pushes au now: only a graft brings it

    def stream(self, u, v, au):
        """The pump: entries v lacks, oldest first (a log is never skipped)."""
        head = self.held[u].get(au, 0)
        for s in range(self.their[u].get((v, au), 0) + 1, head + 1):
            self.send_entry(u, v, au, s)

    def forward(self, u, au, seq, sender):
        """Stored: offered to every session (net/gossip_pump.c, sr_gossip_forward). Under the
        tree rules a copy that came over a session asked eager prunes every other eager one."""
        if self.pending[u].get((sender, au)):  # a session started since may have none
            self.pending[u][(sender, au)] -= 1
        prune = self.tree and sender is not None and (u, sender) in self.up and \
            self.asked[u].get((sender, au), False)
        if prune:
            self.parent[u][au] = sender
        for v in self.adj[u]:
            if v == sender or (u, v) not in self.up:
                continue
            if prune and self.prune(u, v, au):
                self.c["first_copy_prunes"] += 1
            if self.their[u].get((v, au), 0) >= seq:
                continue
            if not self.push[u].get((v, au), True):
                self.send(u, v, "have", have_frame(seq), ("have", au, seq))
            else:
                self.stream(u, v, au)
        if self.tree and sender is not None:  # after the prunes, which would undo a swap
            self.graft_arrived(u, sender, au, seq)

    # ---- the tree rules (net/gossip_ebt.c) ----
    def other_eager(self, x, y, au):
        """sr_gossip_other_eager: a live session of x other than the one with y asked eager for au."""
        ask = self.asked[x]
        for w in self.adj[x]:
            if w != y and (x, w) in self.up and ask.get((w, au), False):
                return True
        return False

    def prune(self, x, w, au):
        """sr_gossip_prune: x asks w to announce au only, if it asked eager and w is not au's node."""
        if w == au or not self.asked[x].get((w, au), False):
            return False
        self.c["prunes"] += 1
        self.send_note(x, w, au, False)
        return True

    def graft_arrived(self, v, sender, au, seq):
        """sr_gossip_graft_arrived: the eager copy came while a graft waited; SWAP_MS after the
        have, the announcer is asked to push and the sender to announce. The graft goes."""
        lst = self.grafts[v].get(au)
        if not lst:
            return
        gr = lst[0]
        if gr[0] > seq:
            return  # still waiting for more than this one
        fast = gr[1]
        if self.now - gr[3] >= self.a.swap_ms and fast != sender and (v, fast) in self.up and \
                (v, sender) in self.up and sender != au:
            self.c["swaps"] += 1
            self.send_note(v, fast, au, True)
            self.send_note(v, sender, au, False)
        lst.pop(0)
        if not lst:
            del self.grafts[v][au]

    # ---- receiving ----
    def on_entry(self, v, u, au, seq, hops):
        th = self.their[v]
        th[(u, au)] = max(th.get((u, au), 0), seq)
        held = self.held[v].get(au, 0)
        if seq <= held:
            self.c["duplicates"] += 1
            self.dups[(au, seq)] = self.dups.get((au, seq), 0) + 1
            if self.tree:
                # sr_gossip_prune_dup: never the last eager path, nor a resend (the path of the
                # first copies, copies of it not yet through, or pushed before our last eager note)
                if self.parent[v].get(au) != u and not self.pending[v].get((u, au), 0) and \
                        seq > self.asked_seq[v].get((u, au), 0) and self.other_eager(v, u, au):
                    self.prune(v, u, au)
            elif self.asked[v].get((u, au), True):
                self.c["prunes"] += 1
                self.send_note(v, u, au, False)
            if self.a.prune == "both":
                self.push[v][(u, au)] = False
            return
        if seq > held + 1:  # a gap: ask this peer again from what we hold
            self.c["gap_notes"] += 1
            self.send_note(v, u, au, True)
            return
        self.held[v][au] = seq
        if not self.asked[v].get((u, au), True):
            self.c["stored_over_lazy"] += 1  # pushed before our note asking to announce arrived
        self.hops[v][(au, seq)] = hops + 1
        self.first[(au, seq)][v] = self.now
        self.pending[v][(u, au)] = self.pending[v].get((u, au), 0) + 1
        if self.a.eager_parents:
            eager = [w for w in self.adj[v] if w != u and (v, w) in self.up and self.asked[v].get((w, au), True)]
            for w in eager[self.a.eager_parents - 1:]:
                self.c["prunes"] += 1
                self.send_note(v, w, au, False)
        d = self.a.proc_ms + (self.rng.expovariate(1.0 / self.a.jitter_ms) if self.a.jitter_ms else 0)
        self.at(self.now + d, self.forward, v, au, seq, u)

    def on_have(self, v, u, au, seq):
        th = self.their[v]
        th[(u, au)] = max(th.get((u, au), 0), seq)
        if self.held[v].get(au, 0) >= seq:
            return
        lst = self.grafts[v].setdefault(au, [])
        if lst:  # one graft per author, for the highest seq, due when the first have came
            lst[0][0] = max(lst[0][0], seq)
            return
        tick = self.a.graft_tick_ms
        due = math.ceil((self.now + self.a.graft_ms) / tick) * tick
        gr = [seq, u, due, self.now]
        lst.append(gr)
        self.at(due, self.graft_fire, v, au, gr)

    def graft_fire(self, v, au, gr):
        lst = self.grafts[v].get(au)
        if not lst or not any(x is gr for x in lst):
            return  # answered (graft_arrived), or the node left
        lst[:] = [x for x in lst if x is not gr]
        if not lst:
            del self.grafts[v][au]
        seq, u = gr[0], gr[1]
        if self.held[v].get(au, 0) < seq and (v, u) in self.up:
            self.c["grafts"] += 1
            self.send_note(v, u, au, True)

    def on_note(self, u, v, au, seq, eager):
        self.push[u][(v, au)] = eager
        self.their[u][(v, au)] = seq
        head = self.held[u].get(au, 0)
        if head > seq:
            if eager:
                self.stream(u, v, au)
            else:
                self.send(u, v, "have", have_frame(head), ("have", au, head))

    # ---- sessions and churn ----
    def session_start(self, u, v):
        if (u, v) in self.up or not (self.node_up[u] and self.node_up[v]):
            return
        self.epoch += 1
        self.up[(u, v)] = self.up[(v, u)] = self.epoch
        self.c["sessions_started"] += 1
        authors = self.authors
        for x, y in ((u, v), (v, u)):
            self.send(x, y, "hello", HELLO, ("nop",))
            # The whole scope; only the publishing authors carry state here. Tree rules: eager
            # only where no other session of x is (always for y's own log); plumtree: all eager.
            self.send(x, y, "first_notes", first_notes(self.a.scope or self.n, 1 if self.published else 0), ("nop",))
            for au in authors:
                eager = not self.tree or self.a.first_notes == "all" or au == y or not self.other_eager(x, y, au)
                self.asked[x][(y, au)] = eager
                self.push[y][(x, au)] = eager
                self.their[y][(x, au)] = self.held[x].get(au, 0)
        for x, y in ((u, v), (v, u)):
            for au in authors:
                self.stream(x, y, au)

    def on_nop(self, v, u):
        pass

    def session_end(self, u, v):
        for x, y in ((u, v), (v, u)):
            self.up.pop((x, y), None)
            for au in self.authors:
                for d in (self.push[x], self.their[x], self.asked[x], self.asked_seq[x], self.pending[x]):
                    d.pop((y, au), None)
                if self.parent[x].get(au) == y:
                    del self.parent[x][au]

    def drop(self, u, v, back_ms):
        if (u, v) in self.up:
            self.session_end(u, v)
            self.at(self.now + back_ms, self.session_start, u, v)

    def leave(self, v, down_ms):
        if not self.node_up[v]:
            return
        for w in self.adj[v]:
            self.session_end(v, w)
        self.node_up[v] = False
        self.grafts[v].clear()
        self.at(self.now + down_ms, self.rejoin, v)

    def rejoin(self, v):
        self.node_up[v] = True
        for w in self.adj[v]:
            self.session_start(v, w)

    def publish(self, au, measured=True):
        seq = self.held[au].get(au, 0) + 1
        self.held[au][au] = seq
        self.hops[au][(au, seq)] = 0
        self.first[(au, seq)] = {au: self.now}
        if measured:
            self.published.append((au, seq, self.now))
        self.forward(au, au, seq, None)

    # ---- a run ----
    def run(self):
        a, rng = self.a, self.rng
        plan = [rng.randrange(self.n) for _ in range(a.entries)]
        self.authors = sorted(set(plan))
        for u, v in sorted(self.lat):
            if u < v:
                self.session_start(u, v)
        # Before measuring, as tools/sim/sim.py's follow entries do: each author's tree
        # is pruned by a few entries of its own (unmeasured).
        for k in range(a.prior):
            for j, au in enumerate(self.authors):
                self.at(10.0 + (k * len(self.authors) + j) * a.interval_ms, self.publish, au, False)
        t0 = 10.0 + a.prior * len(self.authors) * a.interval_ms + 1000.0
        for i, au in enumerate(plan):
            self.at(t0 + i * a.interval_ms, self.publish, au)
        span = a.entries * a.interval_ms
        edges = sorted(k for k in self.lat if k[0] < k[1])
        for _ in range(a.drops):
            u, v = edges[rng.randrange(len(edges))]
            self.at(t0 + rng.uniform(0, span), self.drop, u, v, a.reconnect_ms)
        for _ in range(a.leaves):
            self.at(t0 + rng.uniform(0, span), self.leave, rng.randrange(self.n), a.down_ms)
        end = t0 + span + a.settle_ms
        while self.q and self.q[0][0] <= end:
            self.now, _, fn, args = heapq.heappop(self.q)
            fn(*args)
        return self.report(span)

    def report(self, span):
        a, n = self.a, self.n
        reach, lat, missing, unreached = [], [], 0, 0
        last_seq = {}
        for au, seq, _ in self.published:
            last_seq[au] = max(last_seq.get(au, 0), seq)
        missing_last = 0
        for au, seq, t in self.published:
            got = self.first[(au, seq)]
            lat.extend(x - t for v, x in got.items() if v != au)
            if len(got) == n:
                reach.append(max(got.values()) - t)
            else:
                unreached += 1
                missing += n - len(got)
                missing_last += (n - len(got)) if seq == last_seq[au] else 0
        hop = [self.hops[v][(au, seq)] for au, seq, _ in self.published for v in self.first[(au, seq)] if v != au]
        half = len(self.published) // 2
        phases = []
        for name, part in (("warm-up", self.published[:half]), ("steady", self.published[half:])):
            dl = sum(len(self.first[(au, s)]) - 1 for au, s, _ in part)
            d = sum(self.dups.get((au, s), 0) for au, s, _ in part)
            phases.append({"phase": name, "entries": len(part), "deliveries": dl, "duplicates": d,
                           "dup_per_delivery": round(d / dl, 4) if dl else None})
        # The tree at the end: (node, author) pairs with live sessions but none asked eager
        # (only a graft repairs those), and sessions with the author's own node asked lazy.
        no_eager, author_lazy = 0, 0
        for v in range(n):
            live = [w for w in self.adj[v] if (v, w) in self.up]
            ask = self.asked[v]
            for au in self.authors:
                if au == v or not live:
                    continue
                if not any(ask.get((w, au), False) for w in live):
                    no_eager += 1
                if au in live and not ask.get((au, au), False):
                    author_lazy += 1
        sent_total, recv_total = sum(self.sent), sum(self.recv)
        r = {
            "nodes": n, "edges": len(self.lat) // 2, "entries": len(self.published),
            "authors": len(self.authors), "rules": {"rules": a.rules, "prune": a.prune, "graft_ms": a.graft_ms,
                                                    "swap_ms": a.swap_ms, "eager_parents": a.eager_parents},
            "loss": a.loss, "drops": a.drops, "leaves": a.leaves, "seed": a.seed,
            "reached_all": len(reach), "unreached_entries": unreached, "missing_deliveries": missing,
            "missing_on_authors_last_entry": missing_last,
            "tree_end": {"no_eager_path": no_eager, "author_session_lazy": author_lazy},
            "reach_ms": {"p50": pct(reach, 50), "p99": pct(reach, 99), "max": pct(reach, 100)},
            "latency_ms": {"p50": pct(lat, 50), "p99": pct(lat, 99)},
            "hops": {"p50": pct(hop, 50), "p99": pct(hop, 99), "max": pct(hop, 100),
                     "mean": round(sum(hop) / len(hop), 2) if hop else None},
            "duplicates": phases,
            "bytes_per_node": {
                "sent_mean": sent_total / n, "sent_max": max(self.sent),
                "recv_mean": recv_total / n, "recv_max": max(self.recv),
                "by_kind_share": {k: round(v / sent_total, 4) if sent_total else 0 for k, v in self.kind.items()},
            },
            "bytes": {"sent": sent_total, "received": recv_total, "lost": self.lost_bytes,
                      "dropped_in_flight": self.inflight_dropped,
                      "in_queue": sent_total - recv_total - self.lost_bytes - self.inflight_dropped},
            "counters": dict(self.c),
        }
        for k in ("reach_ms", "latency_ms"):
            r[k] = {q: (round(x, 2) if x is not None else None) for q, x in r[k].items()}
        return r


def load_graph(a):
    import networkx as nx
    if a.edges:
        g0 = nx.Graph()
        with open(a.edges) as f:
            for line in f:
                parts = line.replace(",", " ").split()
                if len(parts) >= 2 and parts[0] != "source":
                    g0.add_edge(parts[0], parts[1])
        labels = sorted(g0.nodes(), key=lambda x: (len(x), x))
        ix = {x: i for i, x in enumerate(labels)}
        g = nx.Graph()
        g.add_nodes_from(range(len(labels)))
        g.add_edges_from((ix[u], ix[v]) for u, v in g0.edges())
        return g, f"edges({os.path.basename(a.edges)})"
    n, k, p = a.small_world
    return nx.connected_watts_strogatz_graph(int(n), int(k), float(p), seed=a.seed), \
        f"small-world(n={n}, k={k}, p={p})"


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--edges", help="edge list (CSV source,target or whitespace pairs)")
    ap.add_argument("--small-world", nargs=3, metavar=("N", "K", "P"))
    ap.add_argument("--n", type=int, help="shorthand for --small-world N 4 0.3")
    ap.add_argument("--entries", type=int, default=200)
    ap.add_argument("--interval-ms", type=float, default=50)
    ap.add_argument("--entry-bytes", type=int, default=250, help="one signed entry (default 250)")
    ap.add_argument("--scope", type=int, default=0, help="authors in every first notes (default: every node)")
    ap.add_argument("--latency-ms", type=float, nargs=2, default=[0.3, 0.3], metavar=("MIN", "MAX"),
                    help="one-way link delay, drawn per edge (default 0.3 0.3: loopback)")
    ap.add_argument("--proc-ms", type=float, default=1.0, help="store-then-forward delay per hop (default 1)")
    ap.add_argument("--jitter-ms", type=float, default=1.0, help="mean of an exponential extra delay per hop")
    ap.add_argument("--prior", type=int, default=2, help="unmeasured entries per author first (default 2)")
    ap.add_argument("--rules", choices=["tree", "plumtree"], default="tree",
                    help="tree: today's rules (first notes eager only where no other session is, the first "
                         "copy prunes the other eager sessions, a faster lazy path swaps in); plumtree: the "
                         "rules before them (every first note eager, every duplicate prunes)")
    ap.add_argument("--prune", choices=["receiver", "both"], default="receiver",
                    help="on a duplicate: the sender goes lazy (receiver: today's rule), or both directions")
    ap.add_argument("--graft-ms", type=float, default=150)
    ap.add_argument("--graft-tick-ms", type=float, default=25)
    ap.add_argument("--first-notes", choices=["one", "all"], default="one",
                    help="tree rules: first notes eager over one session per author (default) or all")
    ap.add_argument("--swap-ms", type=float, default=40,
                    help="tree rules: an eager copy this long after a have swaps the two paths (default 40)")
    ap.add_argument("--eager-parents", type=int, default=0, help="at most K eager parents per author (0: no limit)")
    ap.add_argument("--loss", type=float, default=0.0, help="share of entry/have/note frames lost")
    ap.add_argument("--drops", type=int, default=0, help="sessions dropped during publishing")
    ap.add_argument("--reconnect-ms", type=float, default=1000)
    ap.add_argument("--leaves", type=int, default=0, help="nodes leaving during publishing")
    ap.add_argument("--down-ms", type=float, default=5000)
    ap.add_argument("--settle-ms", type=float, default=10000, help="model time after the last publish")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if a.n and not a.small_world:
        a.small_world = [a.n, 4, 0.3]
    if not a.small_world and not a.edges:
        a.edges = os.path.join(ROOT, "tests", "data", "karate.csv")
    return a


def main(argv=None):
    a = parse(argv)
    g, topo = load_graph(a)
    t = time.process_time()
    r = Model(g, a).run()
    r["topology"] = topo
    r["cpu_s"] = round(time.process_time() - t, 2)
    if a.json:
        print(json.dumps(r, indent=1))
        return 0
    print(f"{topo}: {r['nodes']} nodes, {r['edges']} edges, {r['entries']} entries from {r['authors']} authors; "
          f"rules {r['rules']}; loss {a.loss}, drops {a.drops}, leaves {a.leaves}")
    print(f"reached every node: {r['reached_all']} / {r['entries']} (missing deliveries {r['missing_deliveries']}, "
          f"on an author's last entry {r['missing_on_authors_last_entry']})")
    print(f"reach p50/p99/max {r['reach_ms']['p50']}/{r['reach_ms']['p99']}/{r['reach_ms']['max']} ms; "
          f"latency p50/p99 {r['latency_ms']['p50']}/{r['latency_ms']['p99']} ms; hops p50/p99/max/mean "
          f"{r['hops']['p50']}/{r['hops']['p99']}/{r['hops']['max']}/{r['hops']['mean']}")
    for p in r["duplicates"]:
        print(f"  {p['phase']:<8} dup/delivery {p['dup_per_delivery']} ({p['duplicates']} / {p['deliveries']})")
    b = r["bytes_per_node"]
    print(f"bytes/node sent mean {b['sent_mean']:.0f} max {b['sent_max']}; recv mean {b['recv_mean']:.0f} "
          f"max {b['recv_max']}; share {b['by_kind_share']}")
    print(f"at the end: {r['tree_end']}")
    print(f"counters {r['counters']}; cpu {r['cpu_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
