#!/usr/bin/python3
"""test_flow.py: `seurone flow cascades | edges | project | entry | author` on real
stores, against independent oracles.

Part 1 (one node home, offline): six identities sign hand-made reshare cascades
with tests/data/make_entries.py (PyNaCl + msgpack, an implementation of the entry
format independent of the C code), plus follow edges, project shares, a reshare
of an entry the node does not hold (an orphan root) and a seeded random tree of
30 reshares. They are imported with `seurone import`; the node itself reshares
and follows with `seurone publish`. Then:
  - cascades --json must equal, field by field and in order, what NetworkX
    computes on the same trees (size, depth from shortest paths, breadth per
    level, structural virality = nx.wiener_index / pairs, distinct authors);
  - edges --json must equal the documented definition recomputed in Python from
    `log --all --json` and `graph --json` (so the test reads the store through
    other commands than the one under test);
  - project, entry reach/reshares, author reach; --help; bad input exit codes.
Part 2 (two real nodes): node m follows alice and syncs alice's log from node n
over the network; then the transport-level half of `flow edges` (entries that
first arrived from peer n) must equal what m's own log records (source peer,
from n).
"""
import argparse
import itertools
import os
import random
import sys

import networkx as nx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "multi"))
import harness as h  # noqa: E402
from harness import check, check_eq  # noqa: E402
from common import load_make_entries  # noqa: E402

ME = None  # make_entries module



class World:
    """Entries signed in Python, with what the test knows about each of them."""

    def __init__(self):
        self.lines = []
        self.author_of = {}   # id hex -> author hex
        self.parent = {}      # id hex -> id hex it reshares (held or not)
        self.ts = ME.TS0
        self.names = {}

    def add(self, who, type_, content):
        self.ts += 1000
        line = ME.append(who, self.ts, type_, content)
        self.lines.append(line)
        self.author_of[line["id"]] = who.pk.hex()
        if type_ == "share" and "reshare" in content:
            self.parent[line["id"]] = content["reshare"].hex()
        return line["id"]

    def share(self, who, text=None, project=None):
        c = {"text": text or "share %d" % len(self.lines)}
        if project:
            c["project"] = bytes.fromhex(project)
        return self.add(who, "share", c)

    def reshare(self, who, target):
        return self.add(who, "share", {"reshare": bytes.fromhex(target)})

    def write(self, path):
        import json
        with open(path, "w") as f:
            for ln in self.lines:
                f.write(json.dumps(ln) + "\n")


# ---- oracles ----

def oracle_cascades(log, self_id):
    """Cascades from the held entries (log --all --json) with NetworkX: the tree
    rooted at every held share or reshared held entry that does not reshare a
    held entry."""
    held = {e["id"]: e for e in log}
    nodes = set()
    parent = {}
    for e in log:
        if e["type"] != "share":
            continue
        nodes.add(e["id"])
        r = e["content"].get("reshare")
        if r is not None:
            parent[e["id"]] = r
            if r in held:
                nodes.add(r)
    t = nx.DiGraph()
    t.add_nodes_from(nodes)
    for c, p in parent.items():
        if p in held:
            t.add_edge(p, c)
    out = []
    for root in (n for n in t.nodes if t.in_degree(n) == 0):
        members = nx.descendants(t, root) | {root}
        tree = t.subgraph(members).to_undirected()
        n = len(members)
        dist = nx.single_source_shortest_path_length(t, root)
        levels = {}
        for d in dist.values():
            levels[d] = levels.get(d, 0) + 1
        authors = {held[m]["author"] for m in members}
        pairs = n * (n - 1) // 2
        # Wiener index the slow way too (every pair), so two oracles agree first.
        allpairs = sum(d for _, dd in nx.all_pairs_shortest_path_length(tree) for d in dd.values()) // 2
        w = nx.wiener_index(tree) if n > 1 else 0
        assert allpairs == w, (allpairs, w)
        out.append({
            "root": root, "root_author": held[root]["author"], "size": n, "depth": max(dist.values()),
            "max_breadth": max(levels.values()), "structural_virality": (w / pairs) if n > 1 else 0.0,
            "people": len(authors), "reach": len(authors | {self_id}),
            "reshares": t.out_degree(root),
            "orphan": root in parent and parent[root] not in held,
        })
    out.sort(key=lambda c: (-c["size"], -c["depth"], c["root"]))
    return out, t


def oracle_edges(log, graph, self_id):
    """docs/flow.md's definition, from log --all and graph --json."""
    held = {e["id"]: e for e in log}
    pairs = {}

    def bump(src, dst, what):
        """what: None for a follow edge, else the column family ("reshares" or
        "arrivals"): each kind of evidence is counted in its own column."""
        if src == dst:
            return
        a, b = min(src, dst), max(src, dst)
        p = pairs.setdefault((a, b), {"a": a, "b": b, "reshares_a_to_b": 0, "reshares_b_to_a": 0,
                                      "arrivals_a_to_b": 0, "arrivals_b_to_a": 0, "contact": False})
        if what is None:
            p["contact"] = True
        else:
            p[what + ("_a_to_b" if src == a else "_b_to_a")] += 1

    for src, dst in graph["edges"]["follow"]:
        bump(src, dst, None)
    for e in log:
        r = e["content"].get("reshare") if e["type"] == "share" else None
        if r in held:
            bump(held[r]["author"], e["author"], "reshares")
        if e["source"] == "peer" and e["from"]:
            bump(e["from"], self_id, "arrivals")
    names = {p["id"]: p["name"] for p in graph["people"]}
    rows = []
    for p in pairs.values():
        p["a_name"] = names.get(p["a"])
        p["b_name"] = names.get(p["b"])
        rows.append(p)
    rows.sort(key=lambda p: (-total(p), p["a"], p["b"]))
    return rows


def total(p):
    return p["reshares_a_to_b"] + p["reshares_b_to_a"] + p["arrivals_a_to_b"] + p["arrivals_b_to_a"]


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def same_cascades(got, want, what):
    check_eq(len(got), len(want), f"{what}: number of cascades")
    for i, (g, w) in enumerate(zip(got, want)):
        for k in ("root", "root_author", "size", "depth", "max_breadth", "people", "reach", "reshares", "orphan"):
            check_eq(g[k], w[k], f"{what}: cascade #{i + 1} {k}")
        check(close(g["structural_virality"], w["structural_virality"]),
              f"{what}: cascade #{i + 1} structural_virality {g['structural_virality']} == nx {w['structural_virality']}")


def subtree_reach(t, held, eid, self_id):
    members = (nx.descendants(t, eid) | {eid}) if eid in t else {eid}
    return len({held[m]["author"] for m in members} | {self_id})


def part1(c):
    n = c.node("n")
    W = World()
    alice, bob, carol, dave, eve, frank = (ME.Author(4242, i) for i in range(6))
    for who, nm in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol"), (dave, "Dave"), (frank, "Frank")):
        W.add(who, "about", {"name": nm})  # eve has no about: her name is null
    P = W.add(alice, "project", {"name": "Flowproj"})
    S1 = W.share(alice, "the original")
    W.add(alice, "contact", {"who": bob.pk, "state": "follow"})
    W.add(bob, "contact", {"who": alice.pk, "state": "follow"})
    W.add(carol, "contact", {"who": dave.pk, "state": "follow"})
    W.add(eve, "contact", {"who": frank.pk, "state": "block"})  # a block is no contact edge
    gina = ME.Author(4242, 6)
    W.add(gina, "contact", {"who": alice.pk, "state": "follow"})  # a contact edge with no flow
    R1 = W.reshare(bob, S1)
    R2 = W.reshare(carol, S1)
    R3 = W.reshare(dave, R1)
    R4 = W.reshare(eve, R3)
    R5 = W.reshare(frank, R2)
    R6 = W.reshare(alice, R4)
    S2 = W.share(bob, "for the project", project=P)
    R7 = W.reshare(carol, S2)
    S3 = W.share(carol, "also for the project", project=P)
    unknown = os.urandom(32).hex()
    O1 = W.reshare(dave, unknown)         # the original is not held here: an orphan root
    R8 = W.reshare(eve, O1)
    R9 = W.reshare(frank, P)              # a reshare of a project entry
    S4 = W.share(eve, "alone")
    Q = os.urandom(32).hex()              # a project known only from a share naming it
    S5 = W.share(eve, "for an unknown project", project=Q)
    # A seeded random tree of 30 nodes for the virality check.
    rnd = random.Random(7)
    people = [alice, bob, carol, dave, eve, frank]
    tree = [W.share(rnd.choice(people), "random root")]
    for _ in range(29):
        tree.append(W.reshare(rnd.choice(people), rnd.choice(tree)))
    path = c.path("world.jsonl")
    W.write(path)
    r = n.import_jsonl(path)
    check_eq(r["accepted"], len(W.lines), "import: every signed entry accepted")
    R10 = n.publish("share", "--reshare", S1)["id"]   # the node itself joins cascade 1
    n.follow(alice.pk.hex())

    log = n.log()
    graph = n.cli_json("graph")
    held = {e["id"]: e for e in log}

    # --- cascades ---
    want, t = oracle_cascades(log, n.id)
    got = n.cli_json("flow", "cascades", "--top", "0")
    check_eq(got["count"], len(want), "cascades: count")
    same_cascades(got["cascades"], want, "cascades --top 0 vs networkx")
    # the hand-made ones, by hand as well
    by_root = {x["root"]: x for x in got["cascades"]}
    c1 = by_root[S1]
    check_eq((c1["size"], c1["depth"], c1["max_breadth"], c1["people"], c1["reshares"]), (8, 4, 3, 7, 3),
             "cascade of S1: size 8, depth 4, breadth 3, 7 people, 3 direct reshares")
    check(by_root[O1]["orphan"] and by_root[O1]["size"] == 2, "a reshare of an unheld entry roots its own cascade, flagged")
    check(not by_root[S1]["orphan"], "S1 is not flagged")
    check(by_root[P]["size"] == 2 and R9 not in by_root, "a reshared project entry roots a cascade")
    check(by_root[S4]["size"] == 1 and by_root[S4]["structural_virality"] == 0, "a lone share: size 1, virality 0")
    check_eq(by_root[tree[0]]["size"], 30, "the random tree is one cascade of 30")
    check_eq(by_root[S1]["root_author_name"], "Alice", "root_author_name from the profile")
    top = n.cli_json("flow", "cascades")
    same_cascades(top["cascades"], want[:10], "cascades default --top 10")
    top3 = n.cli_json("flow", "cascades", "--top", "3")
    same_cascades(top3["cascades"], want[:3], "cascades --top 3")
    text = n.cli("flow", "cascades").stdout
    check(S1[:16] in text and "virality" in text and "Alice" in text, "cascades table names the root, columns and author")
    check("not held here" in n.cli("flow", "cascades", "--top", "0").stdout, "the table flags an orphan root")

    # --- edges ---
    want_e = oracle_edges(log, graph, n.id)
    got_e = n.cli_json("flow", "edges", "--top", "0")
    check_eq(got_e["count"], len(want_e), "edges: number of pairs")
    check_eq(got_e["edges"], want_e, "edges --top 0 equal the definition recomputed from log and graph")
    ab = next(p for p in got_e["edges"] if {p["a"], p["b"]} == {alice.pk.hex(), bob.pk.hex()})
    check(ab["contact"], "alice-bob is a contact edge")
    bob_from_alice = ab["reshares_a_to_b"] if ab["a"] == alice.pk.hex() else ab["reshares_b_to_a"]
    want_ba = sum(1 for x in (R1,) + tuple(tree) if W.parent.get(x) and W.author_of.get(W.parent[x]) == alice.pk.hex()
                  and W.author_of[x] == bob.pk.hex())
    check_eq(bob_from_alice, want_ba, "alice -> bob: bob's reshares of alice's entries, counted by hand")
    ef = [p for p in got_e["edges"] if {p["a"], p["b"]} == {eve.pk.hex(), frank.pk.hex()}]
    check(all(not p["contact"] for p in ef), "a block is not a contact edge")
    check(any(not p["contact"] and total(p) > 0 for p in got_e["edges"]),
          "pairs with flow but no follow edge are listed with contact false")
    ga = [p for p in got_e["edges"] if {p["a"], p["b"]} == {gina.pk.hex(), alice.pk.hex()}]
    check(len(ga) == 1 and ga[0]["contact"] and total(ga[0]) == 0,
          "a contact edge with no flow is listed too, with 0 and 0")
    check(all(p["a"] < p["b"] for p in got_e["edges"]), "a < b in every row")
    eve_rows = [p for p in got_e["edges"] if eve.pk.hex() in (p["a"], p["b"])]
    check(all((p["a_name"] if p["a"] == eve.pk.hex() else p["b_name"]) is None for p in eve_rows),
          "no about entry: name null")
    check_eq(n.cli_json("flow", "edges", "--top", "2")["edges"], want_e[:2], "edges --top 2")
    check_eq(len(n.cli_json("flow", "edges")["edges"]), min(20, len(want_e)), "edges default --top 20")
    check("resh a>b" in n.cli("flow", "edges").stdout and "arr a>b" in n.cli("flow", "edges").stdout,
          "edges table: reshares and arrivals in columns of their own")

    # --- project ---
    pj = n.cli_json("flow", "project", P)
    check_eq((pj["project"], pj["name"], pj["author"], pj["held"]), (P, "Flowproj", alice.pk.hex(), True),
             "project: id, name, author")
    check_eq((pj["shares"], pj["people"], pj["cascades"], pj["cascade_entries"]), (2, 2, 2, 3),
             "project: 2 shares by bob and carol, in 2 cascades of 3 entries")
    check_eq(pj["reach"], len({bob.pk.hex(), carol.pk.hex(), n.id}), "project: reach = bob, carol, this node")
    check_eq((pj["received"], pj["by_source"]), (0, {"import": 3}), "project: 3 entries imported, none from peers")
    for k in ("latency_ms", "hops", "skewed"):
        check(k in pj, f"project --json has {k}")
    pq = n.cli_json("flow", "project", Q)
    check_eq((pq["held"], pq["name"], pq["author"], pq["shares"], pq["people"]), (False, None, None, 1, 1),
             "a project known only from a share")
    check("Flowproj" in n.cli("flow", "project", P).stdout, "project table")

    # --- entry reach and reshares ---
    bob_about = next(e["id"] for e in log if e["author"] == bob.pk.hex() and e["type"] == "about")
    check_eq(n.cli_json("flow", "entry", bob_about)["reach"], 2, "an entry nobody reshared: its author and this node")
    for eid in (S1, R1, R3, R6, R10, S4, P, O1, R8, tree[0], tree[5], bob_about):
        e = n.cli_json("flow", "entry", eid)
        want_r = subtree_reach(t, held, eid, n.id)
        check_eq(e["reach"], want_r, f"entry {eid[:12]} reach")
        check_eq(e["reshares"], t.out_degree(eid) if eid in t else 0, f"entry {eid[:12]} direct reshares")
    e1 = n.cli_json("flow", "entry", S1)
    check_eq((e1["reach"], e1["reshares"]), (7, 3), "S1: reach 7 (6 people and this node), 3 direct reshares")
    check_eq(n.cli_json("flow", "entry", R1)["reach"], 5, "R1: bob, dave, eve, alice and this node")
    check_eq(n.cli_json("flow", "entry", R10)["reach"], 1, "the node's own reshare: only this node")
    check("reach" in n.cli("flow", "entry", S1).stdout, "entry table shows reach")
    # the text says what the JSON says (both printed from the same entry and flow record)
    for eid in (S1, R10):
        e = n.cli_json("flow", "entry", eid)
        text = n.cli("flow", "entry", eid).stdout
        check(f"author       {e['author']}  seq {e['seq']}  type " in text, f"entry {eid[:12]} text: author and seq")
        frm = f" from {e['from']}" if e["from"] else ""
        hops = "hop" if e["hops"] == 1 else "hops"
        check(f"arrived      {e['source']}{frm} after {e['hops']} {hops}, {e['latency_ms']} ms after" in text,
              f"entry {eid[:12]} text: source, sender and hops as in the JSON")

    # --- author reach ---
    for who in (alice, eve):
        k = who.pk.hex()
        mine = [e["id"] for e in log if e["author"] == k]
        rs = [subtree_reach(t, held, i, n.id) for i in mine]
        a = n.cli_json("flow", "author", k)
        check_eq((a["entries"], a["reach"]["max"]), (len(mine), max(rs)), f"author {k[:8]}: entries, max reach")
        check(close(a["reach"]["mean"], sum(rs) / len(rs)), f"author {k[:8]}: mean reach {a['reach']['mean']}")

    # --- help and bad input ---
    for sub in ([], ["cascades"], ["edges"], ["project"], ["entry"], ["author"], ["summary"]):
        r = n.cli("flow", *sub, "--help")
        for word in ("cascades", "edges", "project", "network", "structural_virality", "reshares_a_to_b", "arrivals_a_to_b", "reach",
                     "docs/flow.md"):
            check(word in r.stdout, f"flow {' '.join(sub)} --help mentions {word}")
    bad = [(["flow", "entry", "00" * 32], 1, "does not hold"),
           (["flow", "project", "00" * 32], 1, "knows no project"),
           (["flow", "project", S1], 1, "not a project"),
           (["flow", "entry", "xyz"], 2, "64 hex"),
           (["flow", "project", "12" * 31], 2, "64 hex"),
           (["flow", "author", "g" * 64], 2, "64 hex"),
           (["flow", "cascades", "--top", "many"], 2, "--top"),
           (["flow", "cascades", "--top", "-1"], 2, "--top"),
           (["flow", "edges", "--top"], 2, "--top"),
           (["flow", "edges", "extra"], 2, "unexpected"),
           (["flow", "bogus"], 2, "usage")]
    for argv, code, msg in bad:
        r = n.cli(*argv, check=False)
        check_eq(r.returncode, code, f"{' '.join(argv)[:40]}: exit {code}")
        check(msg in r.stderr, f"{' '.join(argv)[:40]}: says '{msg}' ({r.stderr.strip()[:100]})")
    empty = c.node("empty")
    ec = empty.cli_json("flow", "cascades")
    check_eq((ec["count"], ec["cascades"]), (0, []), "no shares: no cascades")
    check_eq(empty.cli_json("flow", "edges")["edges"], [], "nothing held: no edges")
    return n, alice, bob


def part2(c, n, alice, bob):
    """Transport level: m gets alice's (and bob's) logs from n over the network."""
    m = c.node("m")
    m.follow(alice.pk.hex())
    n.start()
    m.start()
    m.peer_add(n)
    want = n.ids(alice.pk.hex()) | n.ids(bob.pk.hex())
    h.wait_until(lambda: want <= m.ids(), 60, "m holds alice's and bob's logs, from n")
    m.stop()
    n.stop()
    log = m.log()
    graph = m.cli_json("graph")
    from_n = sum(1 for e in log if e["source"] == "peer" and e["from"] == n.id)
    check(from_n >= len(want), f"m recorded {from_n} entries as first arrived from n")
    got = m.cli_json("flow", "edges", "--top", "0")
    check_eq(got["edges"], oracle_edges(log, graph, m.id), "m: edges equal the definition (with transport flow)")
    nm = [p for p in got["edges"] if {p["a"], p["b"]} == {n.id, m.id}]
    check_eq(len(nm), 1, "m: one row for the peer link n-m")
    p = nm[0]
    check_eq(p["arrivals_a_to_b"] if p["a"] == n.id else p["arrivals_b_to_a"], from_n,
             "n -> m: the entries that first arrived from n, in the arrivals column")
    check_eq(p["reshares_a_to_b"] + p["reshares_b_to_a"], 0, "n -> m: no reshare between n and m, none counted")
    check_eq(p["contact"], False, "n-m carried entries but is no contact edge: contact false")
    am = [p for p in got["edges"] if {p["a"], p["b"]} == {alice.pk.hex(), m.id}]
    check(am and am[0]["contact"], "m follows alice: a contact edge")
    s = m.cli_json("flow", "summary")
    check_eq(s["received"], from_n, "flow summary counts the same arrivals")


def main(c):
    global ME
    ME = load_make_entries(h.ARGS.make_entries)
    n, alice, bob = part1(c)
    part2(c, n, alice, bob)


def extra(p):
    p.add_argument("--make-entries", required=True)


if __name__ == "__main__":
    h.run_test(main, extra)
