#!/usr/bin/python3
"""bench_metrics.py: structural metrics vs python-igraph, same graphs, same run.

    /usr/bin/python3 tools/bench/bench_metrics.py --bench build/h5/tools/bench_metrics \
        [--graphview build/h5/tools/bench_graphview] [--workdir /tmp/seurone-bench-metrics] [--json]

Generates two seeded graphs with igraph's static power-law model (simple directed,
no self-loops; degree exponents 2.5 out / 2.2 in):
  big:   100,000 nodes, 1,000,000 edges
  small:  10,000 nodes,    50,000 edges
writes them as edge files, then runs every measurement as a child process of its
own, which reports its own peak RSS (VmHWM):
  ours:   tools/bench/bench_metrics (C; file parsing and CSR build not timed)
  igraph: this script with --igraph-worker (graph constructed first, then only the
          igraph call is timed)
and prints one table row per metric: seconds (fastest of --repeat runs for the
fast metrics), ratio ours/igraph (lower is better), peak RSS of each, and a check
that both computed the same thing (PageRank L1 distance, identical component
partition, betweenness max relative difference).

Sampled betweenness: python-igraph 0.10 has no pivot sampling and does not expose
igraph_betweenness_subset, so the reference is igraph doing the same number of
single-source searches from the same 1,000 sources: harmonic_centrality(vertices=
pivots, mode="out") runs one BFS per pivot in C and returns 1,000 numbers. A BFS is
less work than a Brandes pass (no path counts, no backward sweep), so this
reference is faster than igraph's betweenness would be: the ratio is pessimistic
for us.
graph-tool (Debian's python3-graph-tool, OpenMP on 2 threads; SR_BENCH_PACKAGES in
tools/deps.sh) is the reference for the threaded metrics (--only gt, on by default):
PageRank and weak components on the big graph, exact betweenness, betweenness from
the same 1,000 pivots and harmonic closeness on the small one (graph-tool's
closeness(harmonic=True) on the reversed graph: NetworkX's distances TO each node).
Those rows give wall and CPU time (all threads) of both, and both ratios.
With --graphview, also runs bench_graphview (CSR from LMDB, 1M follow edges).
"""
import argparse
import array
import json
import os
import random
import subprocess
import sys
import time


def vm_hwm_kib():
    """This process's peak RSS (VmHWM). Each command reports its own: a parent's
    wait4/RUSAGE_CHILDREN figure would include the parent's RSS at fork time."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def child(cmd):
    """Runs cmd (which prints one JSON object with peak_rss_kib); returns
    (that object, its peak RSS in MiB)."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"bench_metrics.py: {' '.join(cmd)} exited with {p.returncode}")
    out = json.loads(p.stdout)
    return out, out["peak_rss_kib"] / 1024.0


def gen(path, n, m, seed):
    import igraph
    if os.path.exists(path):
        return
    random.seed(seed)  # python-igraph draws from Python's random module
    g = igraph.Graph.Static_Power_Law(n, m, exponent_out=2.5, exponent_in=2.2, loops=False, multiple=False)
    # Shuffle ids: the model numbers nodes by expected degree, which would give
    # both libraries an unrealistically cache-friendly layout.
    perm = list(range(n))
    random.shuffle(perm)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{n} {g.ecount()}\n")
        f.writelines(f"{perm[u]} {perm[v]}\n" for u, v in g.get_edgelist())
    os.rename(tmp, path)


def load_edges(path):
    with open(path) as f:
        n, m = map(int, f.readline().split())
        data = f.read().split()
    it = iter(map(int, data))
    return n, list(zip(it, it))


def worker(a):
    """--igraph-worker: one igraph call on one graph, timed alone."""
    import igraph
    n, edges = load_edges(a.edges)
    g = igraph.Graph(n=n, edges=edges, directed=True)
    del edges
    best, res = None, None
    piv = None
    if a.pivots_file:
        piv = array.array("I")
        with open(a.pivots_file, "rb") as f:
            piv.frombytes(f.read())
        piv = list(piv)
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        if a.metric == "pagerank":
            res = g.pagerank(directed=True, damping=0.85, implementation=a.impl)
        elif a.metric == "wcc":
            res = g.connected_components(mode="weak").membership
        elif a.metric == "betweenness":
            res = g.betweenness(directed=True)
        elif a.metric == "bfs":
            res = g.harmonic_centrality(vertices=piv, mode="out")
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    if a.out:
        typ = "I" if a.metric == "wcc" else "d"
        with open(a.out, "wb") as f:
            f.write(array.array(typ, res).tobytes())
    print(json.dumps({"seconds": best, "peak_rss_kib": vm_hwm_kib()}))


def gt_worker(a):
    """--gt-worker: one graph-tool call on one graph, timed alone (wall and CPU)."""
    import graph_tool.all as gt
    n, edges = load_edges(a.edges)
    g = gt.Graph(directed=True)
    g.add_vertex(n)
    g.add_edge_list(edges)
    del edges
    gt.openmp_set_num_threads(2)
    piv = list(read_bin(a.pivots_file, "I")) if a.pivots_file else None
    best, cpu, res = None, None, None
    for _ in range(a.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        if a.gt_metric == "pagerank":
            res = gt.pagerank(g, damping=0.85)
        elif a.gt_metric == "wcc":
            res = gt.label_components(g, directed=False)[0]
        elif a.gt_metric == "betweenness":
            res = gt.betweenness(g, pivots=piv, norm=True)[0]
        elif a.gt_metric == "harmonic":
            res = gt.closeness(gt.GraphView(g, reversed=True), harmonic=True, norm=False)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if best is None or dt < best:
            best, cpu = dt, dc
    if a.out:
        typ = "I" if a.gt_metric == "wcc" else "d"
        with open(a.out, "wb") as f:
            f.write(array.array(typ, [int(x) if typ == "I" else float(x) for x in res.get_array()]).tobytes())
    print(json.dumps({"seconds": best, "cpu_s": cpu, "peak_rss_kib": vm_hwm_kib()}))


def read_bin(path, typ):
    x = array.array(typ)
    with open(path, "rb") as f:
        x.frombytes(f.read())
    return x


def canon(labels):
    seen, out = {}, []
    for x in labels:
        out.append(seen.setdefault(x, len(seen)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", help="path to the bench_metrics program")
    ap.add_argument("--graphview", help="path to bench_graphview (CSR from LMDB); optional")
    ap.add_argument("--workdir", default="/tmp/seurone-bench-metrics")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only", default="pagerank,wcc,exact,sampled,build,gt",
                    help="comma-separated subset of pagerank,wcc,exact,sampled,build,gt")
    ap.add_argument("--igraph-worker", dest="metric")
    ap.add_argument("--gt-worker", dest="gt_metric")
    ap.add_argument("--edges")
    ap.add_argument("--impl", default="prpack")
    ap.add_argument("--out")
    ap.add_argument("--pivots-file")
    a = ap.parse_args()
    if a.metric:
        return worker(a)
    if a.gt_metric:
        return gt_worker(a)
    if not a.bench:
        ap.error("--bench PATH is required")
    os.makedirs(a.workdir, exist_ok=True)
    big = os.path.join(a.workdir, "big.edges")
    small = os.path.join(a.workdir, "small.edges")
    gen(big, 100_000, 1_000_000, 1)
    gen(small, 10_000, 50_000, 2)
    w = a.workdir
    me = [sys.executable, os.path.abspath(__file__)]
    rep = str(a.repeat)

    def ours(edges, metric, *extra):
        return child([a.bench, edges, metric, "--out", f"{w}/ours.bin", *extra])

    def ig(edges, metric, *extra):
        return child(me + ["--igraph-worker", metric, "--edges", edges, "--out", f"{w}/ig.bin", *extra])

    rows = []

    def row(name, graph, o, orss, i, irss, goal, check):
        ratio = o["seconds"] / i["seconds"]
        rows.append({"metric": name, "graph": graph, "ours_s": o["seconds"], "igraph_s": i["seconds"],
                     "ratio": ratio, "ours_rss_mib": orss, "igraph_rss_mib": irss, "goal": goal,
                     "met": ratio <= goal, "check": check, "ours_result": o.get("result")})
        if not a.json:
            print(f"{name:44} {graph:6} ours {o['seconds']:9.4f} s  igraph {i['seconds']:9.4f} s  "
                  f"ratio {ratio:6.3f} (goal <= {goal})  RSS {orss:6.0f}/{irss:6.0f} MiB  {check}", flush=True)

    only = set(a.only.split(","))
    if "pagerank" in only:
        pagerank_rows(ig, ours, row, big, rep, w)
    if "wcc" in only:
        wcc_row(ig, ours, row, big, rep, w)
    if "exact" in only:
        exact_row(ig, ours, row, small, w)
    if "sampled" in only:
        sampled_row(ig, ours, row, big, w)
    if "gt" in only:
        gt_rows(me, ours, rows, big, small, rep, w, a.json)
    extra = {}
    if "build" in only:
        bo, _ = child([a.bench, big, "build", "--repeat", rep])
        extra["csr_from_arrays_1M_s"] = bo["build_s"]
        if not a.json:
            print(f"CSR build from edge arrays (sr_graph_build), 1M edges: {bo['build_s']:.4f} s")
    if a.graphview:
        gv, rss = child([a.graphview, "--json"])
        gv["peak_rss_mib"] = rss
        extra["graphview"] = gv
        if not a.json:
            print(f"CSR build from LMDB (sr_store_graph, contact view): {gv['edges']} edges, {gv['nodes']} nodes, "
                  f"{gv['seconds']:.3f} s, first of 3 {gv['first_s']:.3f} s (goal < 1 s per 1M edges); peak RSS {rss:.0f} MiB, "
                  f"of which heap {gv['rss_anon_kib'] / 1024:.0f} MiB, mapped LMDB pages {gv['rss_file_kib'] / 1024:.0f} MiB")
    if a.json:
        print(json.dumps({"rows": rows, **extra}, indent=1))


def pagerank_rows(ig, ours, row, big, rep, w):
    """igraph's PRPACK solves to 1e-10; ours at NetworkX's default stop rule (tol
    1e-6: sum|x - x'| < n * tol) and at a tight one; ARPACK as a second reference."""
    ir, irss = ig(big, "pagerank", "--repeat", rep)
    ipr = read_bin(f"{w}/ig.bin", "d")
    for label, tol in (("pagerank, NetworkX tol=1e-6", "1e-6"), ("pagerank, tight tol=1e-15 (L1 < 1e-9)", "1e-15")):
        o, orss = ours(big, "pagerank", "--tol", tol, "--max-iter", "1000", "--repeat", rep)
        pr = read_bin(f"{w}/ours.bin", "d")
        l1 = sum(abs(x - y) for x, y in zip(pr, ipr))
        row(label, "1M", o, orss, ir, irss, 0.5, f"{o['result']} iterations, L1 vs igraph {l1:.2e}")
    ia, iarss = ig(big, "pagerank", "--repeat", rep, "--impl", "arpack")
    o, orss = ours(big, "pagerank", "--tol", "1e-15", "--max-iter", "1000", "--repeat", rep)
    row("pagerank, tight, vs igraph ARPACK", "1M", o, orss, ia, iarss, 0.5, f"{o['result']} iterations")


def wcc_row(ig, ours, row, big, rep, w):
    i, irss = ig(big, "wcc", "--repeat", rep)
    o, orss = ours(big, "wcc", "--repeat", rep)
    same = canon(read_bin(f"{w}/ours.bin", "I")) == canon(read_bin(f"{w}/ig.bin", "I"))
    row("weakly connected components", "1M", o, orss, i, irss, 0.5, f"{o['result']} components, same partition: {same}")


def exact_row(ig, ours, row, small, w):
    i, irss = ig(small, "betweenness")
    o, orss = ours(small, "betweenness")
    ob, ib = read_bin(f"{w}/ours.bin", "d"), read_bin(f"{w}/ig.bin", "d")
    n = len(ob)
    scale = (n - 1) * (n - 2)
    diff = max(abs(x * scale - y) / max(1.0, abs(y)) for x, y in zip(ob, ib))
    row("betweenness, exact", "10k", o, orss, i, irss, 1.0, f"max rel diff vs igraph {diff:.1e}")


def sampled_row(ig, ours, row, big, w):
    o, orss = ours(big, "betweenness", "--pivots", "1000", "--seed", "1", "--pivots-out", f"{w}/pivots.bin")
    i, irss = ig(big, "bfs", "--pivots-file", f"{w}/pivots.bin")
    row("betweenness, 1000 pivots (igraph: 1000 BFS)", "1M", o, orss, i, irss, 1.0, "same 1000 sources")


def gt_rows(me, ours, rows, big, small, rep, w, quiet):
    """Ours (every core) vs graph-tool (2 OpenMP threads): wall and CPU ratios."""
    def gt(edges, metric, *extra):
        return child(me + ["--gt-worker", metric, "--edges", edges, "--out", f"{w}/gt.bin", *extra])

    ours(small, "betweenness", "--pivots", "1000", "--seed", "1", "--pivots-out", f"{w}/pivots10k.bin")
    cases = (("pagerank, tight tol=1e-15 (gt: its default)", big, "pagerank", ("--tol", "1e-15", "--max-iter", "1000"), (), 0.4),
             ("weakly connected components", big, "wcc", (), (), 0.3),
             ("betweenness, exact", small, "betweenness", (), (), 0.5),
             ("betweenness, 1000 pivots (same sources)", small, "betweenness", ("--pivots", "1000", "--seed", "1"),
              ("--pivots-file", f"{w}/pivots10k.bin"), 0.5),
             ("harmonic closeness", small, "harmonic", (), (), 0.5))
    for name, graph, metric, oextra, gextra, goal in cases:
        r = rep if graph == big else "1"
        o, orss = ours(graph, metric, "--repeat", r, *oextra)
        ob = read_bin(f"{w}/ours.bin", "I" if metric == "wcc" else "d")
        i, irss = gt(graph, metric, "--repeat", r, *gextra)
        ib = read_bin(f"{w}/gt.bin", "I" if metric == "wcc" else "d")
        if metric == "wcc":
            check = f"same partition: {canon(ob) == canon(ib)}"
        elif metric == "pagerank":
            check = f"L1 vs gt {sum(abs(x - y) for x, y in zip(ob, ib)):.1e}"
        else:
            diff = max(abs(x - y) / max(1e-12, abs(y)) for x, y in zip(ob, ib) if abs(y) > 1e-12)
            check = f"max rel diff vs gt {diff:.1e}"
        ratio, cratio = o["seconds"] / i["seconds"], o["cpu_s"] / i["cpu_s"]
        rows.append({"metric": name, "graph": "1M" if graph == big else "10k", "ours_s": o["seconds"],
                     "ours_cpu_s": o["cpu_s"], "threads": o["threads"], "ref": "graph-tool", "ref_s": i["seconds"],
                     "ref_cpu_s": i["cpu_s"], "ratio": ratio, "cpu_ratio": cratio, "goal": goal,
                     "met": ratio <= goal, "check": check, "ours_rss_mib": orss, "ref_rss_mib": irss})
        if not quiet:
            print(f"{name:44} {rows[-1]['graph']:4} ours {o['seconds']:8.4f} s (cpu {o['cpu_s']:7.3f}, {o['threads']} thr)  "
                  f"graph-tool {i['seconds']:8.4f} s (cpu {i['cpu_s']:7.3f})  ratio {ratio:5.3f} cpu {cratio:5.3f} "
                  f"(goal <= {goal})  {check}", flush=True)


if __name__ == "__main__":
    main()
