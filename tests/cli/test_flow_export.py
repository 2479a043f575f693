#!/usr/bin/python3
"""test_flow_export.py: the exports a diffusion study loads (docs/flow.md,
"Exports"), read back by the libraries a researcher uses (pandas, NetworkX),
against hand-made cascades.

1. Node n imports hand-made cascades signed in Python (tests/data/make_entries.py):
   a chain, a star, a reshare of a reshare, an orphan root. Node m follows the
   authors and syncs them from n over the network, so m's first-arrival records
   say peer n. m's `export cascades` (CSV through pandas, JSON Lines through
   pandas) must name the real reshare parent (not the root), the depth from
   NetworkX on the same trees, m's own first arrivals (`log --all`), and m as
   the observer.
2. `export entries --with-flow` from m, `import` into a third node q: q's own
   flow records say import (0 hops), and m's records are kept as m's
   observations: `export cascades --observer M` on q equals m's own export. A
   line naming q itself as observer, and a malformed flow object, are refused.
3. `export cascades --anonymise` and `export entries --anonymise`: no key, id,
   name or text of the store appears; the forest (parent links, depths, times)
   is the same graph as the plain export's (NetworkX isomorphism with times as
   node attributes); one salt file gives the same hashes twice.
4. `flow cascades --by-size`: bins, per-bin depth/breadth/virality means against
   the cascades `flow cascades --json` lists, per group (root author, project).
"""
import argparse
import io
import json
import math
import os
import sys

import networkx as nx
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "multi"))
import harness as h  # noqa: E402
from harness import check, check_eq  # noqa: E402
from common import load_make_entries  # noqa: E402

ME = None


class World:
    def __init__(self):
        self.lines = []
        self.parent = {}  # id -> the id it reshares
        self.author_of = {}
        self.ts = ME.TS0

    def add(self, who, type_, content):
        self.ts += 1000
        line = ME.append(who, self.ts, type_, content)
        self.lines.append(line)
        self.author_of[line["id"]] = who.pk.hex()
        if type_ == "share" and "reshare" in content:
            self.parent[line["id"]] = content["reshare"].hex()
        return line["id"]

    def share(self, who, text, project=None):
        c = {"text": text}
        if project:
            c["project"] = bytes.fromhex(project)
        return self.add(who, "share", c)

    def reshare(self, who, target):
        return self.add(who, "share", {"reshare": bytes.fromhex(target)})

    def write(self, path):
        with open(path, "w") as f:
            for ln in self.lines:
                f.write(json.dumps(ln) + "\n")


def build_world():
    W = World()
    people = [ME.Author(1717, i) for i in range(5)]
    a, b, c, d, e = people
    for who, nm in zip(people, ("Ada", "Ben", "Cy", "Di", "Ed")):
        W.add(who, "about", {"name": nm})
    P = W.add(a, "project", {"name": "Secret project name"})
    chain = [W.share(a, "chain root text")]
    for who in (b, c, d):  # a chain of 4: depth 3
        chain.append(W.reshare(who, chain[-1]))
    star = [W.share(b, "star root text", project=P)]
    for who in (a, c, d, e):  # a star of 1 + 4: depth 1
        star.append(W.reshare(who, star[0]))
    # a reshare of a reshare: parent is the reshare, not the root
    rr = W.reshare(e, star[1])
    orphan = W.reshare(c, os.urandom(32).hex())  # the original is held nowhere
    lone = W.share(d, "a lone share with https://example.org/link")
    return W, people, {"chain": chain, "star": star, "rr": rr, "orphan": orphan, "lone": lone, "P": P}


def read_cascades_csv(text):
    return pd.read_csv(io.StringIO(text), dtype={"entry": str, "root": str, "parent": str, "author": str,
                                                 "person": str, "project": str, "from": str, "observer": str})


def forest_graph(df):
    """The reshare forest of an export: parent -> child edges, times on nodes."""
    g = nx.DiGraph()
    for r in df.itertuples(index=False):
        g.add_node(r.entry, created_at=int(r.created_at), depth=int(r.depth))
    for r in df.itertuples(index=False):
        if isinstance(r.parent, str):
            g.add_edge(r.parent, r.entry)
    return g


def part1(c, W, people, k):
    n, m = c.node("n"), c.node("m")
    path = c.path("world.jsonl")
    W.write(path)
    n.import_jsonl(path)
    for p in people:
        n.follow(p.pk.hex())  # n serves the logs it replicates
        m.follow(p.pk.hex())
    n.start()
    m.start()
    m.peer_add(n)
    want = {ln["id"] for ln in W.lines}
    h.wait_until(lambda: want <= m.ids(), 60, "m holds the world, from n")
    m.stop()
    n.stop()
    log = {e["id"]: e for e in m.log()}

    csv_text = m.cli("export", "cascades", "--format", "csv").stdout
    df = read_cascades_csv(csv_text)
    jl = pd.read_json(io.StringIO(m.cli("export", "cascades", "--format", "jsonl").stdout), lines=True, convert_dates=False,
                      dtype={"received_at": "Int64", "hops": "Int64"})
    shares = {ln["id"] for ln in W.lines if ln["type"] == "share"}
    nodes = shares | {p for p in W.parent.values() if p in want}
    check_eq(set(df.entry), nodes, "export cascades: one row per entry of every cascade (shares and reshared entries)")
    check_eq(len(df), len(nodes), "export cascades: no entry twice")
    check_eq(list(jl.entry), list(df.entry), "CSV and JSON Lines: the same rows in the same order")
    for col in ("root", "parent", "depth", "created_at", "received_at", "hops", "from", "source"):
        a = [None if (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v for v in df[col]]
        b = [None if (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is None else v for v in jl[col]]
        check_eq([str(x) for x in a], [str(x) for x in b], f"CSV and JSON Lines agree on {col}")

    # the oracle: the same trees in NetworkX, from the signed entries
    t = nx.DiGraph()
    t.add_nodes_from(nodes)
    for child, par in W.parent.items():
        if par in want:
            t.add_edge(par, child)
    rows = {r.entry: r for r in df.itertuples(index=False)}
    for v in nodes:
        r = rows[v]
        roots = [x for x in nx.ancestors(t, v) | {v} if t.in_degree(x) == 0]
        check_eq(r.root, roots[0], f"{v[:8]}: root")
        par = next(iter(t.predecessors(v)), None)
        check_eq(r.parent if isinstance(r.parent, str) else None, par, f"{v[:8]}: parent is the real reshare parent")
        check_eq(int(r.depth), nx.shortest_path_length(t, roots[0], v), f"{v[:8]}: depth = NetworkX path length")
        e = log[v]
        check_eq((int(r.created_at), int(r.received_at), int(r.hops), r.source, getattr(r, "_10")),
                 (e["ts"], e["received_at"], e["hops"], e["source"], e["from"]),
                 f"{v[:8]}: created/received/hops/source/from as m's log records them")
        check_eq(r.author, W.author_of[v], f"{v[:8]}: author")
        check_eq(r.observer, m.id, f"{v[:8]}: observer is m itself")
    check_eq(rows[k["rr"]].parent, k["star"][1], "a reshare of a reshare names the reshare as parent, not the root")
    check_eq(rows[k["rr"]].root, k["star"][0], "... and the star's root as root")
    check_eq(int(rows[k["rr"]].depth), 2, "... at depth 2")
    check_eq(int(rows[k["chain"][3]].depth), 3, "the chain's end: depth 3")
    check(all(rows[x].source == "peer" and getattr(rows[x], "_10") == n.id for x in nodes),
          "every row: first arrived at m from peer n")
    check_eq(rows[k["star"][0]].project, k["P"], "the star's root names its project")
    jrows = {r["entry"]: r for r in jl.to_dict("records")}
    check(jrows[k["orphan"]]["orphan"] and not jrows[k["chain"][0]]["orphan"], "JSON Lines flags the orphan root")
    # order: a parent's row before its children's
    pos = {v: i for i, v in enumerate(df.entry)}
    check(all(pos[p] < pos[ch] for p, ch in t.edges), "every parent's row comes before its children's")
    return n, m, df


def part2(c, m, df_m, W):
    q = c.node("q")
    path = c.path("m-with-flow.jsonl")
    r = m.cli("export", "entries", "--with-flow", "--out", path)
    lines = [json.loads(x) for x in open(path)]
    check(all(ln["flow"]["observer"] == m.id for ln in lines), "--with-flow: every line names m as the observer")
    ri = q.cli_json("import", path)
    check_eq(ri["accepted"], len(lines), "q: every entry accepted")
    check_eq(ri["observations"], len(lines), "q: every first-arrival record kept as m's observation")
    qlog = {e["id"]: e for e in q.log()}
    check(all(e["source"] == "import" and e["hops"] == 0 for e in qlog.values()),
          "q's own flow records say import, 0 hops: m's records are not mistaken for q's own")
    check(q.cli_json("flow", "summary")["received"] == 0, "q's flow summary counts no arrival from a peer")
    own = read_cascades_csv(q.cli("export", "cascades", "--format", "csv").stdout)
    check(all(s == "import" for s in own.source) and all(o == q.id for o in own.observer),
          "q's export without --observer: q's own records, q as observer")
    obs = read_cascades_csv(q.cli("export", "cascades", "--format", "csv", "--observer", m.id).stdout)
    check_eq(obs.fillna("").to_dict("records"), df_m.fillna("").to_dict("records"),
             "q's export --observer m equals m's own export, row for row")
    one = lines[0]
    fe = q.cli_json("flow", "entry", one["id"])
    check_eq((fe["source"], fe["hops"]), ("import", 0), "q's flow entry: its own record says import")
    check_eq(fe["observed"], [one["flow"]], "q's flow entry lists m's record under observed, as m exported it")
    check("observed by" in q.cli("flow", "entry", one["id"]).stdout, "the flow entry text shows the observation")
    check_eq(m.cli_json("flow", "entry", one["id"])["observed"], [], "m itself holds no observation of others")
    # a re-import keeps the same observations (first arrival kept, no duplicate)
    again = q.cli_json("import", path)
    check_eq((again["duplicates"], again["observations"]), (len(lines), len(lines)), "re-import: same observations")
    obs2 = read_cascades_csv(q.cli("export", "cascades", "--format", "csv", "--observer", m.id).stdout)
    check_eq(len(obs2), len(obs), "re-import: still one observation per entry")

    # while a node runs, it stores the entries and import keeps the observations
    live = c.node("live")
    live.start()
    rl = live.cli_json("import", path)
    check_eq((rl["accepted"], rl["observations"]), (len(lines), len(lines)),
             "import into a running node: entries through the node, observations kept")
    check_eq(live.cli_json("flow", "entry", lines[0]["id"])["observed"], [lines[0]["flow"]],
             "the running node's flow entry lists m's record")
    live.stop()
    # refused: a malformed flow object (the whole line); q's own key as observer (kept out)
    firsts = [ln for ln in lines if ln["seq"] == 1]  # each stands alone: no earlier entry needed
    bad = dict(firsts[0])
    bad["flow"] = {"observer": m.id, "received_at": -5, "source": "peer", "from": None, "hops": 1}
    mine = dict(firsts[1])
    mine["flow"] = dict(mine["flow"], observer=q.id)
    fresh = c.node("fresh")
    p2 = c.path("bad.jsonl")
    with open(p2, "w") as f:
        f.write(json.dumps(bad) + "\n" + json.dumps(mine) + "\n")
    r = fresh.cli_json("import", p2, check=False)
    check_eq(r["accepted"], 1, "malformed flow: that line refused, the other stored")
    check("received_at" in r["rejected"][0]["reason"], f"the reason names the field ({r['rejected'][0]['reason']})")
    check_eq(fresh.ids(), {firsts[1]["id"]}, "the refused line's entry is not stored")
    r = q.cli_json("import", p2, check=False)
    check_eq(r["observations_skipped"], 1, "an observation naming q itself is left out")
    r = q.cli("export", "cascades", "--format", "csv", "--observer", c.node("nobody").id, check=False)
    check_eq(r.returncode, 1, "--observer with no records of that node: exit 1")
    check("--with-flow" in r.stderr, "... and says how to get them")
    return q


def part3(c, m, df_m, W):
    plain = open(c.path("plain.csv"), "w")
    plain.write(m.cli("export", "cascades", "--format", "csv").stdout)
    plain.close()
    salt = c.path("salt")
    a1 = m.cli("export", "cascades", "--format", "csv", "--anonymise", "--salt-file", salt).stdout
    a2 = m.cli("export", "cascades", "--format", "csv", "--anonymise", "--salt-file", salt).stdout
    a3 = m.cli("export", "cascades", "--format", "csv", "--anonymise").stdout
    check_eq(a1, a2, "one salt file: the same hashes twice")
    check(a1 != a3, "a new salt: other hashes")
    ent = m.cli("export", "entries", "--anonymise", "--salt-file", salt).stdout
    secrets = set()
    for ln in W.lines:
        secrets.add(ln["id"])
        secrets.add(ln["author"])
    for e in m.log():
        secrets.add(e["id"])
        secrets.add(e["author"])
        if e["from"]:
            secrets.add(e["from"])
    secrets.add(m.id)
    for text in (a1, ent):
        low = text.lower()
        leaked = [s for s in secrets if s in low or s[:16] in low]
        check_eq(leaked, [], "no key or id (nor its first 16 hex digits) in an anonymised export")
        for word in ("Ada", "Ben", "chain root text", "star root", "example.org", "Secret project"):
            check(word not in text, f"no name, text or link ('{word}') in an anonymised export")
    da = read_cascades_csv(a1)
    ga, gp = forest_graph(da), forest_graph(df_m)
    nm = lambda x, y: x["created_at"] == y["created_at"] and x["depth"] == y["depth"]  # noqa: E731
    check(nx.is_isomorphic(ga, gp, node_match=nm), "anonymised forest: the same graph, times and depths kept")
    check_eq(sorted(da.received_at), sorted(df_m.received_at), "anonymised: arrival times kept")
    # entries: structure kept, consistent hashes across the two files
    rows = [json.loads(x) for x in ent.splitlines()]
    ids = {r["id"] for r in rows}
    check(set(da.entry) <= ids, "the same salt: cascade rows and entry rows share their hashes")
    reshares = [r for r in rows if r["type"] == "share" and r.get("reshare")]
    check_eq(len(reshares), len(W.parent), "anonymised entries: every reshare kept, with its hashed target")
    check(all("text" not in r and "name" not in r for r in rows), "anonymised entries: no text or name field")
    contacts = [r for r in rows if r["type"] == "contact"]
    check_eq(len(contacts), 5, "anonymised entries: m's follows kept as structure")
    check(all(r["flow"]["source"] in ("self", "peer") for r in rows), "anonymised entries: first arrivals kept")


def part4(c, m, people):
    """--by-size against the cascades flow cascades --json lists."""
    allc = m.cli_json("flow", "cascades", "--top", "0")["cascades"]
    got = m.cli_json("flow", "cascades", "--by-size")
    check_eq(sum(b["cascades"] for b in got["bins"]), len(allc), "by-size: every cascade in one bin")

    def binof(size):
        lo = 1
        while not (lo <= size < lo * 2):
            lo *= 2
        return lo

    def mean(v):
        return sum(v) / len(v)

    for b in got["bins"]:
        members = [x for x in allc if binof(x["size"]) == b["min_size"]]
        check_eq(b["cascades"], len(members), f"bin {b['min_size']}: count")
        check_eq(b["max_size"], b["min_size"] * 2 - 1, f"bin {b['min_size']}: sizes up to {b['max_size']}")
        for key in ("depth", "max_breadth", "structural_virality", "size"):
            check(abs(b[key]["mean"] - mean([x[key] for x in members])) < 1e-9, f"bin {b['min_size']}: mean {key}")
    g = m.cli_json("flow", "cascades", "--by-size", "--group", "author")
    for grp in g["groups"]:
        members = [x for x in allc if x["root_author"] == grp["group"]]
        check_eq(sum(b["cascades"] for b in grp["bins"]), len(members), f"author group {grp['group'][:8]}: cascades")
    gp = m.cli_json("flow", "cascades", "--by-size", "--group", "project")
    check(any(grp["group"] is None for grp in gp["groups"]), "project groups: cascades of no project grouped as null")
    # a researcher's groups of people: KEY,GROUP lines (a header is skipped)
    gpath = c.path("groups.csv")
    with open(gpath, "w", encoding="utf-8") as f:
        f.write("key,group\n" + people[0].pk.hex() + ",röd\n" + people[1].pk.hex() + ",röd\n"
                + people[2].pk.hex() + ",blue\n")
    gf = m.cli_json("flow", "cascades", "--by-size", "--group-file", gpath)
    check_eq(gf["group_by"], "file", "--group-file: group_by file")
    by = {grp["group"]: grp for grp in gf["groups"]}
    label = {people[0].pk.hex(): "röd", people[1].pk.hex(): "röd", people[2].pk.hex(): "blue"}
    for lab in ("röd", "blue", None):
        members = [x for x in allc if label.get(x["root_author"]) == lab]
        got_n = sum(b["cascades"] for b in by[lab]["bins"]) if lab in by else 0
        check_eq(got_n, len(members), f"group {lab}: its root authors' cascades")
        if lab in by:
            check_eq(by[lab]["cascades"], len(members), f"group {lab}: count")
    check("group: röd" in m.cli("flow", "cascades", "--by-size", "--group-file", gpath).stdout,
          "the table names the group as written (UTF-8)")
    with open(gpath, "a") as f:
        f.write("not-a-key,x\n")
    r = m.cli("flow", "cascades", "--by-size", "--group-file", gpath, check=False)
    check(r.returncode == 2 and "line 5" in r.stderr, f"a bad line: exit 2 naming the line ({r.stderr.strip()})")
    text = m.cli("flow", "cascades", "--by-size").stdout
    check("virality" in text and "sizes" in text, "by-size table has its columns")
    r = m.cli("flow", "cascades", "--by-size", "--group", "colour", check=False)
    check_eq(r.returncode, 2, "--group colour: usage error")


def main(c):
    global ME
    ME = load_make_entries(h.ARGS.make_entries)
    W, people, k = build_world()
    n, m, df_m = part1(c, W, people, k)
    part2(c, m, df_m, W)
    part3(c, m, df_m, W)
    part4(c, m, people)
    for sub in (["export", "--help"],):
        out = m.cli(*sub).stdout
        for word in ("cascades", "--with-flow", "--anonymise", "--observer", "--salt-file"):
            check(word in out, f"{' '.join(sub)} mentions {word}")


def extra(p):
    p.add_argument("--make-entries", required=True)


if __name__ == "__main__":
    h.run_test(main, extra)
