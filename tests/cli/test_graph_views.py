#!/usr/bin/python3
"""test_graph_views.py: the node sets of docs/metrics.md and `export graph
--view`, read back with NetworkX (Debian's python3-networkx) and compared with
`seurone metrics`.

The 4-person example of issue 17: Ada, Bea, Cem and Dan write about entries
and follow each other (A->B, A->C, B->C, C->A, D->A); Cem runs a project. Into
the same logs go the mistakes a real graph holds: Ada follows a mistyped key
and unfollows it, Bea follows Cem's project id as if it were a person, and Dan
blocks a key. The analysing node's own identity has no entry. The truth a
researcher means is nx.DiGraph over the four with those five edges:
`seurone metrics` (default --nodes held) must equal NetworkX on it, and
`--nodes all` must be the old graph (7 nodes: self, the typo, the project id,
the blocked key).

Then a second store adds reshares (a chain: Bea reshares Ada's share, Cem
reshares Bea's reshare twice over two shares, Dan reshares one of Ada's,
Ada reshares Dan's) and memberships: every view is exported as GraphML, CSV
(with the node table) and GEXF, read by nx.read_graphml, pandas-free csv +
nx.from_edgelist, nx.read_gexf, and checked: contact = the metrics' graph
(nx.pagerank of the GraphML equals `metrics pagerank`, for both node sets),
membership and projects equal `metrics --graph ...` node sets and pagerank,
reshares weights and first/last times equal the hand-made counts, the real
parent (Cem -> Bea, not Ada), GEXF intervals in ISO time. Rows of people
whose log is not held are marked (JSON "held", text "(log not held)"), and
communities --json carries the modularity (= nx.community.modularity).

igraph reads the contact GraphML too (its pagerank equals ours).

Usage: test_graph_views.py --seurone PATH --make-entries tests/data/make_entries.py
"""
import argparse
import csv
import datetime
import hashlib
import io
import json
import os
import sys

import networkx as nx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Home, check, finish, load_make_entries, tempdir  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--seurone", required=True)
p.add_argument("--make-entries", required=True)
A = p.parse_args()
me = load_make_entries(A.make_entries)
root = tempdir()
TS = me.TS0


def close(ours, want, tol=1e-9):
    return set(ours) == set(want) and all(abs(ours[k] - want[k]) <= tol for k in want)


def metric(home, name, *extra):
    return {r["node"]: r for r in json.loads(home.run("metrics", name, "--top", "0", "--json", *extra).stdout)}


def values(rows):
    return {k: r["value"] for k, r in rows.items()}


def import_lines(home, lines, label):
    path = os.path.join(root, f"{label}.jsonl")
    me.write_jsonl(path, lines)
    res = home.json("import", path)
    check(res["accepted"] == len(lines) and not res["rejected"], f"{label}: {len(lines)} entries imported")


# ---- the 4-person example ----
home = Home(A.seurone, root, "four")
self_id = home.json("init")["id"]
ada, bea, cem, dan = (me.Author(1717, i) for i in range(4))
names = {ada: "Ada", bea: "Bea", cem: "Cem", dan: "Dan"}
typo = bytes.fromhex(ada.pk.hex()[:-2] + "00")  # one byte mistyped
blocked = hashlib.sha256(b"a stranger").digest()
lines = [me.append(a, TS + i, "about", {"name": n}) for i, (a, n) in enumerate(names.items())]
proj = me.append(cem, TS + 10, "project", {"name": "River"})
lines.append(proj)
pid = bytes.fromhex(proj["id"])
for t, (a, who, state) in enumerate([(ada, bea, "follow"), (ada, cem, "follow"), (bea, cem, "follow"),
                                     (cem, ada, "follow"), (dan, ada, "follow"), (ada, typo, "follow"),
                                     (ada, typo, "unfollow"), (bea, pid, "follow"), (dan, blocked, "block")]):
    w = who.pk if isinstance(who, me.Author) else who
    lines.append(me.append(a, TS + 100 + t, "contact", {"who": w, "state": state}))
import_lines(home, lines, "four")
k = {n: a.pk.hex() for a, n in names.items()}
TRUTH = nx.DiGraph([(k["Ada"], k["Bea"]), (k["Ada"], k["Cem"]), (k["Bea"], k["Cem"]), (k["Cem"], k["Ada"]),
                    (k["Dan"], k["Ada"])])
OLD = TRUTH.copy()
OLD.add_nodes_from([self_id, typo.hex(), blocked.hex()])
OLD.add_edge(k["Bea"], pid.hex())

report = {}
for nodes, G in (("held", TRUTH), ("all", OLD)):
    pr = metric(home, "pagerank", "--nodes", nodes)
    bt = metric(home, "betweenness", "--nodes", nodes)
    check(close(values(pr), nx.pagerank(G), 1e-6), f"four --nodes {nodes}: pagerank equals nx.pagerank of its graph")
    check(close(values(bt), nx.betweenness_centrality(G)), f"four --nodes {nodes}: betweenness equals NetworkX")
    report[nodes] = (values(pr), values(bt))
default = values(metric(home, "pagerank"))
check(default == report["held"][0], "the default node set is held")
truth_pr, truth_bt = nx.pagerank(TRUTH), nx.betweenness_centrality(TRUTH)
check(max(abs(report["all"][0][v] - truth_pr[v]) for v in TRUTH) > 0.05 and
      max(abs(report["all"][1][v] - truth_bt[v]) for v in TRUTH) > 0.05,
      "--nodes all (the old graph) is off the truth for the four by more than 0.05 (so the example shows something)")
print("four-person example (name: pagerank held / all; betweenness held / all):")
for n in names.values():
    print(f"  {n}: {report['held'][0][k[n]]:.6f} / {report['all'][0][k[n]]:.6f};"
          f" {report['held'][1][k[n]]:.6f} / {report['all'][1][k[n]]:.6f}")
rows = metric(home, "in-degree", "--nodes", "all")
check(all(rows[k[n]]["held"] for n in names.values()) and not rows[typo.hex()]["held"]
      and not rows[self_id]["held"], "--json rows say whether the node holds the person's log")
txt = home.run("metrics", "in-degree", "--nodes", "all", "--top", "0").stdout
marked = [ln for ln in txt.splitlines() if ln.endswith("(log not held)")]
check(len(marked) == 4 and any(typo.hex()[:16] in ln for ln in marked), f"text marks the keys whose log is not held")
# an observer with edges is counted: the home follows Dan
home.run("publish", "contact", "--who", k["Dan"], "--state", "follow")
T2 = TRUTH.copy()
T2.add_edge(self_id, k["Dan"])
check(close(values(metric(home, "pagerank")), nx.pagerank(T2), 1e-6), "the observer counts once it has an edge")
# communities --json: the modularity in every row, equal to NetworkX's of the partition
cm = metric(home, "communities")
part = {}
for node, r in cm.items():
    part.setdefault(r["value"], set()).add(node)
q = nx.community.modularity(T2.to_undirected(), list(part.values()))
check(all(abs(r.get("modularity", -9) - q) <= 1e-9 for r in cm.values()), f"communities --json: modularity {q:.6f} in each row")
r = home.run("metrics", "pagerank", "--nodes", "some", check=False)
check(r.returncode == 2 and "--nodes" in r.stderr and "held" in r.stderr, "--nodes some is a usage error")

# the web app's people list says whose log is held (GET /api/people through node/view_people.c is
# exercised by the web tests; here: graph --json says it too)
gj = home.json("graph")
held = {p["id"]: p.get("log_held") for p in gj["people"]}
check(held.get(k["Ada"]) is True and held.get(typo.hex()) is False, "graph --json: log_held per person")
gtxt = home.run("graph").stdout.splitlines()
check(any(ln.startswith("person   " + typo.hex()) and ln.endswith("(log not held)") for ln in gtxt) and
      not any(ln.startswith("person   " + k["Ada"]) and ln.endswith("(log not held)") for ln in gtxt),
      "graph: the typo key is marked (log not held), Ada is not")

# ---- every view exported and read back ----
h2 = Home(A.seurone, root, "views")
h2.json("init")
P = [me.Author(2929, i) for i in range(5)]
L = [me.append(a, TS + i, "about", {"name": f"p{i}"}) for i, a in enumerate(P)]
follows = [(0, 1), (1, 2), (2, 0), (3, 0), (4, 3), (0, 4)]
for t, (u, v) in enumerate(follows):
    L.append(me.append(P[u], TS + 20 + t, "contact", {"who": P[v].pk, "state": "follow"}))
L.append(me.append(P[0], TS + 30, "contact", {"who": P[4].pk, "state": "unfollow"}))
L.append(me.append(P[0], TS + 31, "contact", {"who": P[4].pk, "state": "follow"}))  # first 25, last 31
prj = [me.append(P[i], TS + 40 + i, "project", {"name": f"proj{i}"}) for i in range(3)]
L += prj
roles = [(0, 0), (1, 0), (1, 1), (2, 1), (0, 1), (3, 2), (4, 2), (4, 0)]
for t, (u, j) in enumerate(roles):
    L.append(me.append(P[u], TS + 50 + t, "membership", {"project": bytes.fromhex(prj[j]["id"]), "role": "member"}))
s0 = me.append(P[0], TS + 100, "share", {"text": "a"})
s0b = me.append(P[0], TS + 101, "share", {"text": "b"})
L += [s0, s0b]
r1 = me.append(P[1], TS + 110, "share", {"reshare": bytes.fromhex(s0["id"])})
r1b = me.append(P[1], TS + 111, "share", {"reshare": bytes.fromhex(s0b["id"])})
L += [r1, r1b]
r2 = me.append(P[2], TS + 120, "share", {"reshare": bytes.fromhex(r1["id"])})  # parent: P1's reshare, not P0
r2b = me.append(P[2], TS + 125, "share", {"reshare": bytes.fromhex(r1b["id"])})
r3 = me.append(P[3], TS + 130, "share", {"reshare": bytes.fromhex(s0["id"])})
s3 = me.append(P[3], TS + 131, "share", {"text": "c"})
r0 = me.append(P[0], TS + 140, "share", {"reshare": bytes.fromhex(s3["id"])})
ghost = me.append(P[4], TS + 150, "share", {"reshare": hashlib.sha256(b"never held").digest()})
L += [r2, r2b, r3, s3, r0, ghost]
import_lines(h2, L, "views")
pk = [a.pk.hex() for a in P]
WANT_RESHARE = {(pk[1], pk[0]): (2, TS + 110, TS + 111), (pk[2], pk[1]): (2, TS + 120, TS + 125),
                (pk[3], pk[0]): (1, TS + 130, TS + 130), (pk[0], pk[3]): (1, TS + 140, TS + 140)}


def export(view, fmt, *extra):
    out = os.path.join(root, f"{view}.{fmt}")
    table = os.path.join(root, f"{view}.nodes.csv")
    args = ["export", "graph", "--view", view, "--format", fmt, "--out", out] + list(extra)
    if fmt == "csv":
        args += ["--node-table", table]
    r = h2.run(*args)
    return out, table, r.stderr


for nodes in ("held", "all"):
    for view, graph in (("contact", "contact"), ("membership", "membership"), ("projects", "projects")):
        pr = metric(h2, "pagerank", "--graph", graph, "--nodes", nodes)
        gml, _, _ = export(view, "graphml", "--nodes", nodes)
        G = nx.read_graphml(gml)
        check(isinstance(G, nx.DiGraph) and not G.is_multigraph(), f"{view}/{nodes}: GraphML loads as a DiGraph")
        check(set(G.nodes) == set(pr), f"{view}/{nodes}: the export's nodes are the metrics' ({len(G)} vs {len(pr)})")
        check(close(nx.pagerank(G, weight=None), values(pr), 1e-6),
              f"{view}/{nodes}: nx.pagerank of the GraphML equals seurone metrics pagerank")
        check(all(G.nodes[v]["held"] == pr[v]["held"] for v in G), f"{view}/{nodes}: held marks agree")
        if view == "contact":
            check(close(nx.pagerank(G), values(pr), 1e-6), "contact: weights are 1, weighted pagerank the same")
            for name, call in (("betweenness", nx.betweenness_centrality), ("harmonic", nx.harmonic_centrality),
                               ("in-degree", lambda H: dict(H.in_degree()))):
                check(close(call(G), values(metric(h2, name, "--nodes", nodes)), 1e-9),
                      f"contact/{nodes}: {name} of the GraphML equals seurone metrics {name}")
        csvp, tab, _ = export(view, "csv", "--nodes", nodes)
        rows = list(csv.DictReader(open(csvp)))
        Gc = nx.DiGraph()
        Gc.add_nodes_from(n["Id"] for n in csv.DictReader(open(tab)))
        Gc.add_weighted_edges_from((r["Source"], r["Target"], float(r["Weight"])) for r in rows)
        check(set(Gc) == set(G) and {e: d["weight"] for e, d in Gc.edges.items()} ==
              {e: d["weight"] for e, d in G.edges.items()}, f"{view}/{nodes}: CSV edge and node tables are the GraphML's graph")
        gx, _, _ = export(view, "gexf", "--nodes", nodes)
        X = nx.read_gexf(gx)
        check(set(X.nodes) == set(G.nodes) and set(X.edges) == set(G.edges), f"{view}/{nodes}: GEXF has the same graph")

# igraph reads the same GraphML (its node ids in the "id" attribute)
import igraph  # noqa: E402
IG = igraph.Graph.Read_GraphML(export("contact", "graphml")[0])
ipr = dict(zip(IG.vs["id"], IG.pagerank(damping=0.85)))
check(close(ipr, values(metric(h2, "pagerank")), 1e-5), "igraph: pagerank of the contact GraphML equals ours")

# contact edge times: first follow, newest follow; projects weight = shared members
G = nx.read_graphml(export("contact", "graphml")[0])
e = G.edges[pk[0], pk[4]]
check(e["first"] == TS + 25 and e["last"] == TS + 31 and e["weight"] == 1.0,
      f"contact edge re-followed: first {e['first'] - TS}, last {e['last'] - TS} (want 25, 31)")
Gp = nx.read_graphml(export("projects", "graphml")[0])
pid = [x["id"] for x in prj]
check(Gp.edges[pid[0], pid[1]]["weight"] == 2.0 and Gp.edges[pid[0], pid[2]]["weight"] == 1.0,
      "projects: weight = people who are members of both")
Gm = nx.read_graphml(export("membership", "graphml")[0])
check(Gm.edges[pk[4], pid[0]]["first"] == TS + 57, "membership: first time is the role's entry")

# reshares: the real parent, weights, first and last
gml, _, err = export("reshares", "graphml")
R = nx.read_graphml(gml)
got = {(u, v): (d["weight"], d["first"], d["last"]) for u, v, d in R.edges(data=True)}
check(got == WANT_RESHARE, f"reshares: weights and times per pair are the hand-made ones {got}")
check(not R.has_edge(pk[2], pk[0]), "reshares: a reshare of a reshare goes to its real parent, not the root")
check(set(R.nodes) == set(pk), "reshares --nodes held: the people whose logs are held (not the observer)")
check("1 reshare of entries this node does not hold" in err, f"the reshare of an entry not held is counted: {err!r}")
X = nx.read_gexf(export("reshares", "gexf")[0])
d = X.edges[pk[2], pk[1]]
iso = lambda ms: datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
check(d.get("start") == iso(TS + 120) and d.get("end") == iso(TS + 125) and float(d["weight"]) == 2.0,
      f"GEXF reshare edge: interval {d.get('start')}..{d.get('end')}, weight {d.get('weight')}")
check(X.graph.get("mode") == "dynamic", "GEXF is dynamic (Gephi's timeline)")
rows = list(csv.DictReader(open(export("reshares", "csv")[0])))
check({(r["Source"], r["Target"]): (float(r["Weight"]), int(r["First"]), int(r["Last"])) for r in rows} == WANT_RESHARE,
      "reshares CSV: Weight, First, Last")
# view all keeps the old multigraph; bad options are usage errors
Gall = nx.read_graphml(export("all", "graphml")[0])
kinds = {d.get("kind") for _, _, d in Gall.edges(data=True)}
check({"follow", "member", "reshare"} <= kinds and len(Gall) >= 5 + 3 + 1,
      f"--view all: every edge kind in one file, as before {kinds}")
for bad in (["--view", "likes"], ["--format", "dot"], ["--view", "all", "--nodes", "held"],
            ["--view", "all", "--format", "gexf"], ["--nodes", "x"]):
    args = ["export", "graph", "--format", "graphml"] + bad
    r = h2.run(*args, check=False)
    check(r.returncode == 2 and r.stdout == "" and "seurone:" in r.stderr, f"export graph {' '.join(bad)}: usage error")
r = h2.run("export", "graph", "--format", "csv", "--nodes", os.path.join(root, "nodes.csv"), check=False)
check(r.returncode == 2 and "--node-table" in r.stderr, f"the earlier --nodes FILE says to use --node-table: {r.stderr!r}")
r = h2.run("export", "graph", "--format", "graphml", "--node-table", os.path.join(root, "x.csv"), check=False)
check(r.returncode == 2 and "--node-table" in r.stderr, "--node-table only with csv")

finish(root)
