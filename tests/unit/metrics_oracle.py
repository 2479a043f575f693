#!/usr/bin/python3
"""metrics_oracle.py KARATE_CSV OUTDIR: NetworkX's values for core/metrics.

For each graph NAME (karate: each undirected edge of KARATE_CSV as two directed
edges; gnm: nx.gnm_random_graph(500, 3000, seed=7, directed=True); sf:
nx.scale_free_graph(1600, seed=5) as a DiGraph without self-loops) writes
OUTDIR/NAME.edges ("n m" then m lines "u v") and OUTDIR/NAME.METRIC, one value
per node in id order, from these NetworkX calls on the nx.DiGraph G:
  indeg/outdeg  G.in_degree / G.out_degree
  pagerank      nx.pagerank(G, alpha=0.85)            (tol=1e-6, max_iter=100)
  pagerank50    nx.pagerank(G, alpha=0.5, tol=1e-9)
  harmonic      nx.harmonic_centrality(G)
  betweenness   nx.betweenness_centrality(G)
  kcore         nx.core_number(G.to_undirected())
  clustering    nx.clustering(G.to_undirected())
  wcc / scc     component labels numbered by each component's smallest node id
  louvain       nx.community.louvain_communities(G.to_undirected(), seed=1) as
                labels; louvain_q its nx.community.modularity (one value)
  louvain_qmax  the best nx.community.modularity of louvain_communities over
                seeds 1..50 (one value): ours must reach it for every seed
"""
import csv
import os
import sys

import networkx as nx


def labels(n, comps):
    lab = [None] * n
    for c in sorted((sorted(c) for c in comps), key=lambda c: c[0]):
        i = len({x for x in lab if x is not None})
        for v in c:
            lab[v] = i
    return lab


def write(outdir, name, G):
    n = G.number_of_nodes()
    assert sorted(G.nodes) == list(range(n))
    with open(os.path.join(outdir, name + ".edges"), "w") as f:
        f.write(f"{n} {G.number_of_edges()}\n")
        for u, v in G.edges:
            f.write(f"{u} {v}\n")
    U = G.to_undirected()
    res = {
        "indeg": dict(G.in_degree()),
        "outdeg": dict(G.out_degree()),
        "pagerank": nx.pagerank(G, alpha=0.85),
        "pagerank50": nx.pagerank(G, alpha=0.5, tol=1e-9),
        "harmonic": nx.harmonic_centrality(G),
        "betweenness": nx.betweenness_centrality(G),
        "kcore": nx.core_number(U),
        "clustering": nx.clustering(U),
        "wcc": dict(enumerate(labels(n, nx.weakly_connected_components(G)))),
        "scc": dict(enumerate(labels(n, nx.strongly_connected_components(G)))),
    }
    comms = nx.community.louvain_communities(U, seed=1)
    res["louvain"] = dict(enumerate(labels(n, comms)))
    with open(os.path.join(outdir, f"{name}.louvain_q"), "w") as f:
        f.write(repr(nx.community.modularity(U, comms)) + "\n")
    qmax = max(nx.community.modularity(U, nx.community.louvain_communities(U, seed=s)) for s in range(1, 51))
    with open(os.path.join(outdir, f"{name}.louvain_qmax"), "w") as f:
        f.write(repr(qmax) + "\n")
    for metric, vals in res.items():
        with open(os.path.join(outdir, f"{name}.{metric}"), "w") as f:
            for v in range(n):
                f.write(repr(vals[v]) + "\n")


def main():
    karate, outdir = sys.argv[1], sys.argv[2]
    G = nx.DiGraph()
    with open(karate, newline="") as f:
        rows = [(int(r["source"]), int(r["target"])) for r in csv.DictReader(f)]
    G.add_nodes_from(range(max(max(r) for r in rows) + 1))
    for u, v in rows:
        G.add_edge(u, v)
        G.add_edge(v, u)
    write(outdir, "karate", G)
    write(outdir, "gnm", nx.gnm_random_graph(500, 3000, seed=7, directed=True))
    M = nx.scale_free_graph(1600, seed=5)
    S = nx.DiGraph()
    S.add_nodes_from(M.nodes)
    S.add_edges_from((u, v) for u, v in M.edges() if u != v)
    write(outdir, "sf", S)


if __name__ == "__main__":
    main()
