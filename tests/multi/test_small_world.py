#!/usr/bin/python3
"""10 nodes on a small-world topology converge after each publishes.

Topology: networkx.connected_watts_strogatz_graph(10, 4, 0.3, seed=SEED). Each
node follows its neighbours (contact entries written before it starts) and
dials its higher-numbered neighbours (peer add). hops is set to the graph's
diameter (at least 2), so every node's scope holds every author through the
follow graph. Then every node publishes one share through its running node,
and every node must end up holding all ten shares (and all ten logs) once.
"""
import collections
import time

import networkx as nx

import harness as h
from harness import check, check_eq

N, K, P, SEED = 10, 4, 0.3, 20240601


def main(c):
    g = nx.connected_watts_strogatz_graph(N, K, P, seed=SEED)
    diameter = nx.diameter(g)
    hops = max(2, diameter)
    h.note(f"graph: {g.number_of_edges()} edges, diameter {diameter}; hops = {hops}")
    nodes = [c.node(f"n{i}", config={"hops": hops}) for i in range(N)]
    for u in g:
        for v in sorted(g[u]):
            nodes[u].follow(nodes[v])
    logs = {n.id: n.ids(n) for n in nodes}
    for u in g:
        check_eq(len(logs[nodes[u].id]), g.degree(u), f"n{u} follows its {g.degree(u)} neighbours")

    for n in nodes:
        n.start()
    for u, v in sorted(g.edges()):
        a, b = (u, v) if u < v else (v, u)
        nodes[a].peer_add(nodes[b])

    everything = set().union(*logs.values())

    def missing_logs():
        return {n.name: k for n in nodes for k in [len(everything - n.ids())] if k}

    h.wait_gone(missing_logs, 60, "every node holds every node's contact entries", interval=0.5)
    h.note("contacts converged")

    shares = {}
    t0 = time.time()
    for i, n in enumerate(nodes):
        shares[n.share(f"news from n{i}")["id"]] = n
    everything |= set(shares)

    def missing_shares():
        return {n.name: k for n in nodes for k in [len(set(shares) - n.ids())] if k}

    h.wait_gone(missing_shares, 60, "every node holds all ten shares", interval=0.5)
    h.note(f"all ten shares everywhere within {time.time() - t0:.1f} s of the first publish (incl. polling)")

    keys = {n.id for n in nodes}
    hop_hist = collections.Counter()
    for n in nodes:
        log = n.log()
        ids = [e["id"] for e in log]
        check_eq(len(ids), len(set(ids)), f"{n.name}: no entry stored twice")
        check_eq(set(ids), everything, f"{n.name}: holds exactly every node's log")
        for e in log:
            if e["id"] not in shares:
                continue
            if shares[e["id"]] is n:
                check_eq((e["source"], e["hops"], e["from"]), ("self", 0, None), f"{n.name}: own share provenance")
                continue
            check(e["source"] == "peer" and e["from"] in keys - {n.id} and 1 <= e["hops"] < N,
                  f"{n.name}: share {e['id'][:12]} from a peer node, 1 <= hops {e['hops']} < {N}")
            hop_hist[e["hops"]] += 1
    h.note("hops of the shares: " + ", ".join(f"{k}: {v}" for k, v in sorted(hop_hist.items())))
    dups = sum(n.status()["duplicates"] for n in nodes)
    h.note(f"duplicates over all nodes: {dups}")
    for n in nodes:
        n.check_alive()
    for n in nodes:
        n.stop()


h.run_test(main)
