#!/usr/bin/python3
"""test_metrics_cli.py: every structural metric of `seurone metrics`, end to end.

Each test graph reaches a fresh node home the way any graph does: as signed
contact entries (state follow) in each author's log, written with the
independent Python entry implementation (tests/data/make_entries.py) and taken
in by `seurone import`. Some unfollow/block entries are mixed in whose edges
must not appear, and some edges are unfollowed then followed again (the latest
state wins). Then, for EVERY name `seurone metrics --json` lists, the output of
`seurone metrics NAME --top 0 --json` is compared with the NetworkX call of
docs/metrics.md on the same graph (nx.DiGraph over the people's keys): scores
to 1e-6, integers exactly, partitions (wcc, scc) as sets of sets. A name the
test does not know fails the test, so a new metric must bring its oracle.

The node's own identity is a vertex only when it has edges (docs/metrics.md,
"Node sets": --nodes held, the default). Karate is signed with the home's own
key as vertex 0 (the club's instructor, its biggest hub): the node's own follows
enter the graph like anyone's. In the generated graphs the home has no edges:
by default it is not a vertex, and with --nodes all (every key the node knows)
it is an extra isolated vertex, which also checks how each metric treats a
vertex without edges.

Graphs: a fresh home (the node's identity alone), karate (tests/data/karate.csv,
each undirected edge as two follows),
nx.gnm_random_graph(800, 4000, seed=11, directed=True) and
nx.scale_free_graph(1600, seed=5) collapsed to a DiGraph without self-loops
(2756 edges); then the membership and projects views of a small hand-made set
of project and membership entries (people -> projects; the projection of
docs/metrics.md). Communities: for --seed 1..10, our modularity (recomputed
with nx.community.modularity, and equal to the printed one to 1e-9) is at
least the best of nx.community.louvain_communities over seeds 1..10. igraph is a
second oracle for pagerank, wcc, betweenness and harmonic on karate. Progress
lines: none on a non-terminal stderr, shown on a terminal (a pty), and never in
the --json stdout.

Usage: test_metrics_cli.py --seurone PATH --make-entries tests/data/make_entries.py
                           --karate tests/data/karate.csv
"""
import argparse
import csv
import hashlib
import json
import os
import pty
import random
import select
import subprocess
import sys

import igraph
import networkx as nx
import nacl.signing

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Home, check, finish, load_make_entries, tempdir  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--seurone", required=True)
p.add_argument("--make-entries", required=True)
p.add_argument("--karate", required=True)
A = p.parse_args()

me = load_make_entries(A.make_entries)

TS0 = me.TS0
METRICS = ["in-degree", "out-degree", "pagerank", "betweenness", "harmonic", "kcore", "clustering", "wcc", "scc",
           "communities"]
root = tempdir()


class HomeAuthor(me.Author):
    """The home's own key (HOME/secret: libsodium's 64-byte secret key), as a
    make_entries author continuing the home's (empty) log."""

    def __init__(self, home):
        with open(os.path.join(home.path, "secret")) as f:
            line = next(ln for ln in f if ln.startswith("ed25519 "))
        sk = bytes.fromhex(line.split()[1])
        self.sk = nacl.signing.SigningKey(sk[:32])
        self.pk = bytes(self.sk.verify_key)
        assert self.pk == sk[32:], "secret's public half"
        log = home.json("log")
        self.seq = max((e["seq"] for e in log), default=0)
        self.head = bytes.fromhex(max(log, key=lambda e: e["seq"])["id"]) if log else None


def write_import(home, lines, label):
    path = os.path.join(root, f"{label}.jsonl")
    me.write_jsonl(path, lines)
    res = home.json("import", path)
    check(res["accepted"] == len(lines) and not res["rejected"], f"{label}: {len(lines)} signed entries imported")


def sign_contact_graph(home, G, seed, home_vertex=None):
    """Signs G's edges as contact entries, one author per vertex (the home's key
    for home_vertex), with noise that must not show; imports them. Returns
    {vertex: key hex} and G plus the home as a vertex."""
    rnd = random.Random(seed)
    authors = {v: (HomeAuthor(home) if v == home_vertex else me.Author(seed, v)) for v in G.nodes}
    nodes = sorted(G.nodes)
    lines, ts = [], TS0
    noise = {"unfollowed": 0, "blocked": 0, "refollowed": 0}
    final = {}  # (u, w) -> last state of a noise pair
    for u in nodes:
        a = authors[u]
        ts += 1
        lines.append(me.append(a, ts, "about", {"name": f"v{u}"}))
        succ = sorted(G.successors(u))
        for v in succ:
            who = authors[v].pk
            if rnd.random() < 0.05:  # unfollowed once, followed again: the edge stays
                lines.append(me.append(a, ts, "contact", {"who": who, "state": "unfollow"}))
                noise["refollowed"] += 1
            lines.append(me.append(a, ts, "contact", {"who": who, "state": "follow"}))
        # edges that must not appear: follow then unfollow, a block, follow then block
        for _ in range(2):
            w = rnd.choice(nodes)
            if w == u or G.has_edge(u, w):
                continue
            kind = rnd.choice(["unfollow", "block", "follow-block"])
            who = authors[w].pk
            if kind != "block":
                lines.append(me.append(a, ts, "contact", {"who": who, "state": "follow"}))
            lines.append(me.append(a, ts, "contact", {"who": who, "state": "unfollow" if kind == "unfollow" else "block"}))
            final[(u, w)] = "unfollow" if kind == "unfollow" else "block"
    noise["unfollowed"] = sum(1 for s in final.values() if s == "unfollow")
    noise["blocked"] = sum(1 for s in final.values() if s == "block")
    keys = {v: authors[v].pk.hex() for v in nodes}
    return lines, keys, noise


def relabel(G, keys):
    return nx.relabel_nodes(G, keys, copy=True)


NODES = ["--nodes", "held"]  # the node set of the check running (check_metrics sets it)


def metric(home, name, *extra, graph="contact"):
    r = home.run("metrics", name, "--graph", graph, "--top", "0", "--json", *NODES, *extra)
    return json.loads(r.stdout), r.stderr


def printed_modularity(rows):
    """The modularity communities --json gives in each row (one value)."""
    qs = {r["modularity"] for r in rows}
    return qs.pop() if len(qs) == 1 else None


def partition_of(rows):
    parts = {}
    for r in rows:
        parts.setdefault(r["value"], set()).add(r["node"])
    return {frozenset(s) for s in parts.values()}


def close(ours, want, tol):
    bad = [(k, ours.get(k), want[k]) for k in want if k not in ours or abs(ours[k] - want[k]) > tol]
    return not bad and set(ours) == set(want), bad[:3]


def check_rows(label, name, rows, G):
    """Shape and order: one row per vertex, best first, ties by key."""
    check(len(rows) == G.number_of_nodes() and {r["node"] for r in rows} == set(G.nodes),
          f"{label} {name}: one row per vertex ({len(rows)} vs {G.number_of_nodes()})")
    order_ok = all((a["value"], b["node"]) >= (b["value"], a["node"]) for a, b in zip(rows, rows[1:]))
    check(order_ok, f"{label} {name}: rows best first, ties by key")


def check_metrics(home, label, G, graph="contact", id_order=None, nodes="held"):
    """Compares every listed metric with NetworkX on G (nodes: key hex), with
    --nodes nodes. id_order: the node ids' order in the store's graph (default: by key)."""
    NODES[1] = nodes
    label = f"{label} --nodes {nodes}"
    listed = [m["name"] for m in home.json("metrics")]
    check(set(listed) == set(METRICS), f"the listed metrics are the ones this test checks: {listed}")
    U = G.to_undirected()
    for name in listed:
        rows, err = metric(home, name, graph=graph)
        check_rows(label, name, rows, G)
        vals = {r["node"]: r["value"] for r in rows}
        if name in ("in-degree", "out-degree", "kcore"):
            want = {"in-degree": lambda: dict(G.in_degree()), "out-degree": lambda: dict(G.out_degree()),
                    "kcore": lambda: nx.core_number(U)}[name]()
            check(vals == want and all(isinstance(x, int) for x in vals.values()),
                  f"{label} {name} equals NetworkX exactly")
        elif name in ("pagerank", "betweenness", "harmonic", "clustering"):
            want = {"pagerank": lambda: nx.pagerank(G, alpha=0.85, tol=1e-6),
                    "betweenness": lambda: nx.betweenness_centrality(G),
                    "harmonic": lambda: nx.harmonic_centrality(G),
                    "clustering": lambda: nx.clustering(U)}[name]()
            ok, bad = close(vals, want, 1e-6)
            check(ok, f"{label} {name} equals NetworkX to 1e-6 {bad}")
            if name in ("pagerank", "betweenness", "harmonic"):  # metrics_bc.c, metrics_pr.c: same bits on any thread count
                t1, _ = metric(home, name, "--threads", "1", graph=graph)
                t2, _ = metric(home, name, "--threads", "2", graph=graph)
                check([(r["node"], r["value"]) for r in t1] == [(r["node"], r["value"]) for r in t2] and
                      {r["value"] for r in t1} <= set(vals.values()) and
                      all(r["threads"] == 1 for r in t1) and all(r["threads"] == 2 for r in t2),
                      f"{label} {name} --threads 1 and 2: identical output, threads in --json")
            if name == "pagerank":
                rows2, _ = metric(home, name, "--damping", "0.5", "--tol", "1e-9", graph=graph)
                ok, bad = close({r["node"]: r["value"] for r in rows2}, nx.pagerank(G, alpha=0.5, tol=1e-9), 1e-6)
                check(ok, f"{label} pagerank --damping 0.5 --tol 1e-9 equals NetworkX {bad}")
            if name == "betweenness":
                n = G.number_of_nodes()
                rows2, _ = metric(home, name, "--pivots", str(n), graph=graph)
                check({r["node"]: r["value"] for r in rows2} == vals, f"{label} betweenness --pivots n is the exact value")
                s1, _ = metric(home, name, "--pivots", str(max(1, n // 4)), "--seed", "3", graph=graph)
                s2, _ = metric(home, name, "--pivots", str(max(1, n // 4)), "--seed", "3", graph=graph)
                check(s1 == s2 and all(r["value"] >= 0 for r in s1), f"{label} sampled betweenness is repeatable")
        elif name in ("wcc", "scc"):
            want = {frozenset(c) for c in (nx.weakly_connected_components(G) if name == "wcc"
                                           else nx.strongly_connected_components(G))}
            check(partition_of(rows) == want, f"{label} {name} partition equals NetworkX's ({len(want)} components)")
            first = {}
            for v in id_order or sorted(G.nodes):  # labels numbered by each component's smallest node id
                first.setdefault(vals[v], v)
            check(list(first) == list(range(len(first))),
                  f"{label} {name} labels numbered by smallest node id")
        elif name == "communities":
            check_communities(home, label, G, U, graph, rows, err)
        else:
            check(False, f"{label} {name}: no NetworkX oracle in this test")


def check_communities(home, label, G, U, graph, rows1, err1):
    def mod(part):  # NetworkX divides by the edge count
        return nx.community.modularity(U, part) if U.number_of_edges() else 0.0

    if U.number_of_edges():
        nxq = [mod(nx.community.louvain_communities(U, seed=s)) for s in range(1, 11)]
    else:  # NetworkX's louvain divides by zero here; every node alone, modularity 0
        nxq = [0.0]
        check(partition_of(rows1) == {frozenset([v]) for v in G.nodes}, f"{label} communities: every node alone")
    worst = None
    for s in range(1, 11):
        rows, err = metric(home, "communities", "--seed", str(s), graph=graph)
        part = partition_of(rows)
        q = mod(part)
        pq = printed_modularity(rows) if rows else 0.0  # no rows: no modularity to carry
        check(pq is not None and abs(pq - q) <= 1e-9, f"{label} communities --seed {s}: printed modularity {pq} = {q}")
        worst = q if worst is None else min(worst, q)
        if s == 1:
            again, _ = metric(home, "communities", "--seed", "1", graph=graph)
            check(again == rows, f"{label} communities --seed 1 is deterministic")
    check(worst >= max(nxq) - 1e-12,
          f"{label} communities: our worst modularity over seeds 1..10 ({worst:.6f}) >= NetworkX's best "
          f"louvain_communities ({max(nxq):.6f}; its worst {min(nxq):.6f})")
    check(rows1 == metric(home, "communities", "--seed", "1", graph=graph)[0], f"{label} default --seed is 1")


def contact_graph_test(label, G, seed, home_vertex=None):
    home = Home(A.seurone, root, label)
    home.json("init")
    me_id = home.json("id")["id"]
    lines, keys, noise = sign_contact_graph(home, G, seed, home_vertex)
    write_import(home, lines, label)
    H = relabel(G, keys)
    if home_vertex is not None:
        check(keys[home_vertex] == me_id, f"{label}: vertex {home_vertex} signed with the home's own key")
    gj = home.json("graph")
    follows = {(e[0], e[1]) for e in gj["edges"]["follow"]}
    check(follows == set(H.edges), f"{label}: the node's follow edges are G's, noise excluded {noise}")
    check(len(gj["edges"].get("block", [])) == noise["blocked"], f"{label}: {noise['blocked']} blocks kept apart")
    check_metrics(home, label, H)
    if home_vertex is None and label == "gnm":  # the old node set once: the home an isolated vertex
        Hall = H.copy()
        Hall.add_node(me_id)
        check_metrics(home, label, Hall, nodes="all")
    return home, H


# --- a fresh home: no vertex by default; the node's own identity alone with --nodes all ---
empty = Home(A.seurone, root, "empty")
E = nx.DiGraph()
E.add_node(empty.json("init")["id"])
check_metrics(empty, "empty", nx.DiGraph())
check_metrics(empty, "empty", E, nodes="all")

# --- karate, signed with the home's key as vertex 0 ---
K = nx.DiGraph()
with open(A.karate, newline="") as f:
    rows = [(int(r["source"]), int(r["target"])) for r in csv.DictReader(f)]
K.add_nodes_from(range(max(max(r) for r in rows) + 1))
for u, v in rows:
    K.add_edge(u, v)
    K.add_edge(v, u)
khome, KH = contact_graph_test("karate", K, 101, home_vertex=0)

# igraph, a second oracle on karate
names = sorted(KH.nodes)
idx = {v: i for i, v in enumerate(names)}
IG = igraph.Graph(n=len(names), edges=[(idx[u], idx[v]) for u, v in KH.edges], directed=True)
n = len(names)
pr, _ = metric(khome, "pagerank", "--tol", "1e-10")
ipr = IG.pagerank(damping=0.85)
ok, bad = close({r["node"]: r["value"] for r in pr}, {v: ipr[idx[v]] for v in names}, 1e-6)
check(ok, f"karate pagerank (--tol 1e-10) equals igraph's pagerank to 1e-6 {bad}")
bt, _ = metric(khome, "betweenness")
ibt = IG.betweenness(directed=True)
ok, bad = close({r["node"]: r["value"] for r in bt}, {v: ibt[idx[v]] / ((n - 1) * (n - 2)) for v in names}, 1e-6)
check(ok, f"karate betweenness equals igraph's, normalised by (n-1)(n-2) {bad}")
hm, _ = metric(khome, "harmonic")
ihm = IG.harmonic_centrality(mode="in", normalized=False)
ok, bad = close({r["node"]: r["value"] for r in hm}, {v: ihm[idx[v]] for v in names}, 1e-6)
check(ok, f"karate harmonic equals igraph's harmonic_centrality(mode=in) {bad}")
wc, _ = metric(khome, "wcc")
iw = {frozenset(names[i] for i in c) for c in IG.connected_components(mode="weak")}
check(partition_of(wc) == iw, "karate wcc equals igraph's weak components")

r = khome.run("metrics", "pagerank", "--tol", "1e-300", check=False)
check(r.returncode != 0 and "converge" in r.stderr and "--tol" in r.stderr and r.stdout == "",
      "pagerank that does not converge says so and what to change")

# --- generated directed graphs, the home an isolated vertex ---
contact_graph_test("gnm", nx.gnm_random_graph(800, 4000, seed=11, directed=True), 202)
M = nx.scale_free_graph(1600, seed=5)
SF = nx.DiGraph()
SF.add_nodes_from(M.nodes)
SF.add_edges_from((u, v) for u, v in M.edges() if u != v)
sfhome, _ = contact_graph_test("scalefree", SF, 303)


# --- membership and projects views: a small hand-made set ---
def membership_test():
    home = Home(A.seurone, root, "membership")
    home.json("init")
    me_id = home.json("id")["id"]
    people = [me.Author(404, i) for i in range(8)]
    lines, ts = [], TS0
    projects = []
    for i, a in enumerate(people):
        lines.append(me.append(a, ts + i, "about", {"name": f"p{i}"}))
    for i in range(5):  # five projects by people 0..4
        e = me.append(people[i], ts + 10 + i, "project", {"name": f"project {i}"})
        lines.append(e)
        projects.append(e["id"])
    ghost = hashlib.sha256(b"a project this node never saw").hexdigest()
    roles = [  # (person, project, role); the last role per pair counts
        (0, 0, "member"), (1, 0, "member"), (2, 0, "supporter"), (1, 1, "member"), (3, 1, "member"),
        (3, 2, "supporter"), (4, 2, "member"), (5, 2, "member"), (5, 3, "member"), (5, 3, "left"),
        (6, 3, "supporter"), (6, 0, "member"), (7, 4, "member"), (7, 4, "left"), (7, 4, "supporter"),
        (2, 1, "member"), (2, 1, "left"), (0, "ghost", "member"), (4, 0, "supporter"),
    ]
    state = {}
    for k, (pi, pj, role) in enumerate(roles):
        pid = ghost if pj == "ghost" else projects[pj]
        lines.append(me.append(people[pi], ts + 100 + k, "membership", {"project": bytes.fromhex(pid), "role": role}))
        state[(people[pi].pk.hex(), pid)] = role
    write_import(home, lines, "membership")
    B = nx.DiGraph()  # the home has no membership: not a vertex (--nodes held)
    B.add_nodes_from([a.pk.hex() for a in people])
    B.add_nodes_from(projects + [ghost])  # an unseen project is a placeholder node
    B.add_edges_from(k for k, role in state.items() if role in ("member", "supporter"))
    people_keys = sorted([a.pk.hex() for a in people])
    check_metrics(home, "membership", B, graph="membership", id_order=people_keys + sorted(projects + [ghost]))
    mrows, _ = metric(home, "in-degree", graph="membership")
    kinds = {r["node"]: r["kind"] for r in mrows}
    check(all(kinds[p_] == "project" for p_ in projects + [ghost]) and me_id not in kinds and
          kinds[people[0].pk.hex()] == "person",
          "membership rows say person or project")
    check({r["node"]: r["name"] for r in mrows}[projects[2]] == "project 2" and
          {r["node"]: r["name"] for r in mrows}[ghost] is None, "project names, null for a placeholder")
    P = nx.bipartite.projected_graph(B.to_undirected(), projects + [ghost]).to_directed()
    check_metrics(home, "projects", P, graph="projects")


membership_test()


# --- bad options: usage errors (exit 2) that say what to give ---
for bad in (["--seed", "x"], ["--seed", "-1"], ["--pivots", "1.5"], ["--damping", "abc"], ["--damping", "1"],
            ["--tol", "0"], ["--graph", "nope"], ["--top", "x"], ["--threads", "x"], ["--threads", "65"]):
    r = sfhome.run("metrics", "pagerank", *bad, check=False)
    check(r.returncode == 2 and bad[0] in r.stderr and r.stdout == "", f"metrics pagerank {' '.join(bad)}: usage error")

# --- progress: only on a terminal, never in --json stdout ---
def run_pty(home, *argv):
    """Runs seurone with stderr on a pty; returns (stdout, what the terminal got)."""
    master, slave = pty.openpty()
    outf = open(os.path.join(root, "pty.out"), "w+")  # a file, not a pipe nobody reads while the pty is drained
    proc = subprocess.Popen([A.seurone, "--home", home.path] + list(argv), stdout=outf, stderr=slave)
    os.close(slave)
    term = b""
    while True:
        r, _, _ = select.select([master], [], [], 60)
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        term += chunk
    proc.wait()
    os.close(master)
    outf.seek(0)
    out = outf.read()
    outf.close()
    return proc.returncode, out, term.decode(errors="replace")


for name in METRICS:
    rc, out, term = run_pty(sfhome, "metrics", name, "--top", "0", "--json")
    rows = json.loads(out) if rc == 0 else None
    check(rc == 0 and isinstance(rows, list) and len(rows) == SF.number_of_nodes(),
          f"metrics {name} --json on a terminal: stdout is the JSON array alone")
    check("reading the graph" in term and f"{name}:" in term, f"metrics {name}: progress shown on the terminal {term[-120:]!r}")
    r = sfhome.run("metrics", name, "--top", "0", "--json")
    check("\r" not in r.stderr and "reading" not in r.stderr, f"metrics {name}: no progress when stderr is not a terminal")
rc, out, term = run_pty(sfhome, "metrics", "betweenness", "--top", "3")
check(rc == 0 and "%" in term, "betweenness shows a percentage on the terminal")
rc, out, term = run_pty(sfhome, "metrics", "communities", "--top", "3")
check(rc == 0 and "%" in term and "modularity" in out, "communities shows its runs on the terminal, modularity on stdout")
r = sfhome.run("metrics", "communities", "--top", "0", "--json")
check("modularity" not in r.stderr and printed_modularity(json.loads(r.stdout)) is not None,
      "communities --json: the modularity in the rows, not on stderr")

finish(root)
