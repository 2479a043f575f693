#!/usr/bin/python3
"""demo.py: information flow on the karate club, with real nodes (tools/demo runs it).

One `seurone run` process per member of Zachary's karate club (34 nodes on
loopback), each following its club friends and connected to them. Then, as a
real community would:

  1. everyone names themselves (an `about` entry);
  2. the two leaders (vertex 0, the instructor, and vertex 33, the officer)
     each found a project, and every member joins the one of their faction
     (the club split of Zachary's study, from networkx.karate_club_graph);
  3. a few members post shares for their project;
  4. reshares cascade in waves: a member who sees a friend's share or reshare
     reshares it with probability --p (each wave waits until gossip has
     delivered the previous one everywhere), so the cascades follow the
     friendships;

Beside the members run --relays relay nodes (default 2, one per faction):
every member joins its faction's relay with an invite code, as a community
would, and the relays publish flow reports (noised hop and latency histograms,
docs/network-stats.md) every 10 s. The observer follows the relays to replicate
their reports.

Finally the observer node (vertex 0 by default) prints what it learnt:
`seurone flow summary`, `seurone flow cascades --top 5`, `seurone metrics
pagerank --top 10`, and the network-wide `seurone flow network` combined from
the relays' reports. Every node process is stopped at the end.
"""
import argparse
import os
import random
import sys
import time
import types

import networkx as nx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import sim  # noqa: E402  (Node, Sim, load_edges, follow_jsonl, run_guarded)


def log(msg):
    print(f"[demo {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def factions(n):
    """Vertex -> 0 (the instructor's club) or 1 (the officer's), from Zachary's split."""
    g = nx.karate_club_graph()
    if g.number_of_nodes() != n:
        return [0 if v < n // 2 else 1 for v in range(n)]
    return [0 if g.nodes[v]["club"] == "Mr. Hi" else 1 for v in range(n)]


def run(a, s):
    g = sim.load_edges(a.edges)
    n = g.number_of_nodes()
    hops = max(2, nx.diameter(g))
    rng = random.Random(a.seed)
    log(f"karate club: {n} members, {g.number_of_edges()} friendships; starting one node each")
    s.nodes = s.each(lambda i: sim.Node(s, i), list(range(n)))
    for node in s.nodes:
        node.write_config(hops, [])

    def follows(node):
        targets = [s.nodes[v].id for v in sorted(g[node.index])]
        path = node.home + "-follows.jsonl"
        sim.follow_jsonl(node.home, targets, path)
        node.cli("import", path)
        return len(targets)

    seqs = {node.id: k for node, k in zip(s.nodes, s.each(follows))}
    side = factions(n)
    # Relays: relay mode, reporting flow every 10 s (the default is hourly).
    relays = [sim.Node(s, n + r) for r in range(a.relays)]
    for rl in relays:
        rl.write_config(hops, ["relay=yes", "flow_report=yes", f"flow_report_interval={a.report_interval}"])
    for node in s.nodes + relays:
        node.start()
    for node in s.nodes + relays:
        node.wait_ready()
    t_start = int(time.time() * 1000)
    for u, v in sorted(g.edges()):
        s.nodes[min(u, v)].cli("peer", "add", s.nodes[max(u, v)].info["address"])
    if relays:
        codes = [rl.cli_json("invite", "create", "--uses", str(n))["code"] for rl in relays]
        s.each(lambda node: node.cli("invite", "accept", "-", input_=codes[side[node.index] % len(relays)]))
        obs0 = s.nodes[a.observer]
        for rl in relays:  # the observer replicates every relay's log (its reports) and talks to each
            obs0.cli("peer", "add", rl.info["address"])
            r = obs0.cli_json("publish", "contact", "--who", rl.id, "--state", "follow")
            seqs[obs0.id] = max(seqs[obs0.id], r["seq"])
        log(f"{len(relays)} relays running; every member joined its faction's relay")
    log(f"{n} nodes running and connected along the friendships; waiting for the follow graph to spread")
    s.wait_all_hold(dict(seqs), a.converge_timeout, "the follow graph spreading")

    def publish(node, *argv):
        r = node.cli_json("publish", *argv)
        seqs[node.id] = max(seqs.get(node.id, 0), r["seq"])
        return r["id"]

    s.each(lambda node: publish(node, "about", "--name", f"member {node.index:02d}"))
    leaders = {0: 0, 1: n - 1}
    projects = {f: publish(s.nodes[v], "project", "--name",
                           "open dojo" if f == 0 else "club board",
                           "--description", "Mr. Hi's new club" if f == 0 else "the officers' club")
                for f, v in leaders.items()}
    s.wait_all_hold(dict(seqs), a.converge_timeout, "the projects spreading")
    s.each(lambda node: publish(node, "membership", "--project", projects[side[node.index]], "--role",
                                "member" if node.index % 3 else "supporter"))
    log("2 projects founded, every member joined their faction's; posting shares")

    # Originals: a few posters per faction, then reshare waves along friendships.
    posters = sorted(rng.sample(range(n), a.shares))
    frontier = []  # (vertex that holds the item, entry id to reshare)
    for v in posters:
        eid = publish(s.nodes[v], "share", "--text", f"news from member {v:02d}", "--project",
                      projects[side[v]])
        frontier.append((v, eid))
    s.wait_all_hold(dict(seqs), a.converge_timeout, "the shares spreading")
    reshared = set(posters)  # nobody reshares twice, so the cascades are trees
    parent = {eid: None for _, eid in frontier}  # every share -> the entry it reshares
    total = 0
    for wave in range(a.waves):
        nxt = []
        for v, eid in frontier:
            for w in sorted(g[v]):
                if w in reshared or rng.random() >= a.p:
                    continue
                reshared.add(w)
                rid = publish(s.nodes[w], "share", "--reshare", eid)
                parent[rid] = eid
                nxt.append((w, rid))
        if not nxt:
            break
        total += len(nxt)
        s.wait_all_hold(dict(seqs), a.converge_timeout, f"reshare wave {wave + 1} spreading")
        log(f"reshare wave {wave + 1}: {len(nxt)} reshares, delivered everywhere")
        frontier = nxt
    log(f"{len(posters)} shares and {total} reshares in all; what node {a.observer} learnt:")

    obs = s.nodes[a.observer]
    t_end = int(time.time() * 1000)
    if relays:
        log(f"waiting for a flow report of each relay that covers the last wave (every {a.report_interval} s)")
        wait_reports(a, obs, relays, t_start, t_end)
    shows = [("flow summary", ["flow", "summary"]), ("top cascades", ["flow", "cascades", "--top", "5"]),
             ("PageRank, top 10", ["metrics", "pagerank", "--top", "10"])]
    if relays:
        shows.append(("network-wide, from the relays' flow reports", ["flow", "network", "--since", str(t_start)]))
    for title, argv in shows:
        print(f"\n== seurone flow: {title} (node {a.observer}) ==" if argv[0] == "flow"
              else f"\n== seurone metrics: {title} (node {a.observer}) ==")
        print(obs.cli(*argv).stdout.rstrip())
    ok = check(a, g, s, obs, parent, relays, t_start) if a.check else True
    if a.keep:
        print(f"\nnode homes kept in {s.root}: try `{a.seurone} --home {obs.home} flow cascades`")
    codes = s.each(lambda node: node.stop(), s.nodes + relays)
    return ok and all(c == 0 for c in codes)


def wait_reports(a, obs, relays, t_start, t_end):
    """Until the observer holds, from every relay, reports reaching past t_end."""
    end = time.monotonic() + min(a.converge_timeout + 3 * a.report_interval, sim.remaining())
    want = {rl.id for rl in relays}
    while True:
        net = obs.cli_json("flow", "network", "--since", str(t_start))
        late = {src["author"] for src in net.get("sources", []) if src["period_end"] >= t_end}
        if want <= late:
            return net
        if time.monotonic() > end:
            raise sim.SimError(f"the observer holds no report past the last wave from {len(want - late)} relays")
        time.sleep(1)


def check(a, g, s, obs, parent, relays, t_start):
    """--check (the ctest): what the observer printed equals what the demo did.

    Cascades: the trees the demo built (sizes and depths from its own record of who
    reshared what). PageRank: nx.pagerank on the karate club with each friendship as
    two follows, the graph the nodes' contact entries describe."""
    def depth_of(e):
        d = 0
        while parent[e] is not None:
            e, d = parent[e], d + 1
        return d

    def root_of(e):
        while parent[e] is not None:
            e = parent[e]
        return e

    want = {}
    for e in parent:
        size, depth = want.get(root_of(e), (0, 0))
        want[root_of(e)] = (size + 1, max(depth, depth_of(e)))
    got = obs.cli_json("flow", "cascades", "--top", "0")
    have = {c["root"]: (c["size"], c["depth"]) for c in got["cascades"]}
    bad = []
    if have != want:
        bad.append(f"cascades: observer has {sorted(have.values())}, the demo built {sorted(want.values())}")
    index = {node.id: node.index for node in s.nodes}
    rows = obs.cli_json("metrics", "pagerank", "--top", "0")
    dg = g.to_directed()
    for r, rl in enumerate(relays):  # the observer follows the relays
        index[rl.id] = f"relay {r}"
        dg.add_edge(a.observer, f"relay {r}")
    pr = nx.pagerank(dg, alpha=0.85)
    if len(rows) != len(pr):
        bad.append(f"pagerank: {len(rows)} rows for {len(pr)} members")
    for r in rows:
        v = index.get(r["node"])
        if v is None or abs(r["value"] - pr[v]) > 1e-6:
            bad.append(f"pagerank of {r['node'][:8]}: {r['value']} (networkx: {pr.get(v)})")
            break
    if relays:
        net = obs.cli_json("flow", "network", "--since", str(t_start))
        if net["reporting_nodes"] != len(relays) or {x["author"] for x in net["sources"]} != {rl.id for rl in relays}:
            bad.append(f"flow network: reports of {net['reporting_nodes']} nodes, want the {len(relays)} relays")
        if any(p is not None and not p["ci95"][0] <= p["bucket"] <= p["ci95"][1]
               for p in net["percentiles"]["hops"].values()):
            bad.append("flow network: a hops percentile outside its own interval")
    for b in bad:
        log(f"CHECK FAILED: {b}")
    if not bad:
        log(f"check: {len(want)} cascades and {len(rows)} PageRank values equal the expected ones")
    return not bad


def main():
    ap = argparse.ArgumentParser(description="Seurone demo: information flow on the karate club, real nodes",
                                 epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seurone", default=os.path.join(ROOT, "build", "tools", "seurone"))
    ap.add_argument("--edges", default=os.path.join(ROOT, "tests", "data", "karate.csv"))
    ap.add_argument("--shares", type=int, default=4, help="original shares (default 4)")
    ap.add_argument("--waves", type=int, default=4, help="reshare waves at most (default 4)")
    ap.add_argument("--p", type=float, default=0.5, help="chance a friend reshares (default 0.5)")
    ap.add_argument("--observer", type=int, default=0, help="the node whose view is printed (default 0)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--relays", type=int, default=2, help="relay nodes publishing flow reports (default 2; 0: none)")
    ap.add_argument("--report-interval", type=int, default=10, help="the relays' flow_report_interval in s (default 10)")
    ap.add_argument("--timeout", type=float, default=600, help="overall bound in seconds (default 600)")
    ap.add_argument("--converge-timeout", type=float, default=120)
    ap.add_argument("--keep", action="store_true", help="keep the node homes")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless the observer's cascades and PageRank equal what the demo built (the test)")
    a = ap.parse_args()
    if not os.access(a.seurone, os.X_OK):
        ap.error(f"no seurone program at {a.seurone} (run tools/demo, which builds it, or pass --seurone)")
    sim.DEADLINE[0] = time.monotonic() + a.timeout
    s = sim.Sim(types.SimpleNamespace(seurone=a.seurone, workers=4, poll_s=0.5))
    if not 0 <= a.observer < 10**6:
        ap.error("--observer must be a vertex number")

    return 0 if sim.run_guarded(s, lambda: run(a, s), a.keep) else 1

if __name__ == "__main__":
    sys.exit(main())
