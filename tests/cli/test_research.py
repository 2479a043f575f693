#!/usr/bin/python3
"""test_research.py: docs/research.md runs as written, on a synthetic network.

A world of 14 people signed in Python (tests/data/make_entries.py): a seeded
random follow graph, two projects, and reshare cascades grown along the follows
by a seeded independent-cascade process, plus a few lone shares. Node a imports
it; node b syncs it from a, and the relay r (flow_report = yes) from a and b, so
r's first arrivals are real peer arrivals; r then publishes a flow report.

Then every ```sh block of docs/research.md runs in a work directory with r as
the home (SEURONE_HOME) and `seurone` on PATH, and the ```python blocks run in
order as one script with Debian's python3 (pandas, NetworkX, matplotlib). The
study asserts on its own that the relay's size bins equal its NetworkX
recomputation; this test adds that its per-cascade table equals the cascades
the world was built with (sizes, depths), that both topics appear in the
matched-size table, that the follow graph is the world's, and that both figures
are written as PNG files.
"""
import json
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "multi"))
import harness as h  # noqa: E402
from harness import check, check_eq  # noqa: E402
from common import load_make_entries  # noqa: E402

DOC = os.path.join(HERE, "..", "..", "docs", "research.md")


def blocks(lang):
    text = open(DOC).read()
    return re.findall(r"```" + lang + r"\n(.*?)```", text, re.S)


def world(ME):
    rnd = random.Random(2021)
    people = [ME.Author(3131, i) for i in range(14)]
    lines, parent, root_project, author_of = [], {}, {}, {}
    # written over the last minutes, one entry a second: latencies are minutes, not years
    ts = [int(time.time() * 1000) - 200000]

    def add(who, type_, content):
        ts[0] += 1000
        ln = ME.append(who, ts[0], type_, content)
        lines.append(ln)
        author_of[ln["id"]] = who
        return ln["id"]

    follows = set()
    for i, p in enumerate(people):
        for j in rnd.sample([x for x in range(14) if x != i], 3):
            follows.add((i, j))
            add(p, "contact", {"who": people[j].pk, "state": "follow"})
    projects = [add(people[0], "project", {"name": "Topic one"}), add(people[7], "project", {"name": "Topic two"})]
    followers = {j: [i for (i, jj) in follows if jj == j] for j in range(14)}
    for c in range(12):
        src = rnd.randrange(14)
        proj = projects[c % 2]
        root = add(people[src], "share", {"text": f"story {c}", "project": bytes.fromhex(proj)})
        parent[root] = None
        root_project[root] = proj
        frontier, seen = [(src, root)], {src}
        while frontier:
            nxt = []
            for v, eid in frontier:
                for w in followers[v]:
                    if w not in seen and rnd.random() < 0.45:
                        seen.add(w)
                        rid = add(people[w], "share", {"reshare": bytes.fromhex(eid)})
                        parent[rid] = eid
                        nxt.append((w, rid))
            frontier = nxt
    for c in range(3):
        lone = add(people[c], "share", {"text": f"lone {c} https://example.org"})
        parent[lone] = None
        root_project[lone] = None
    return people, lines, parent, root_project, follows


def truth(parent):
    def root_depth(e):
        d = 0
        while parent[e] is not None:
            e, d = parent[e], d + 1
        return e, d
    out = {}
    for e in parent:
        r, d = root_depth(e)
        size, depth = out.get(r, (0, 0))
        out[r] = (size + 1, max(depth, d))
    return out


def main(c):
    ME = load_make_entries(h.ARGS.make_entries)
    people, lines, parent, root_project, follows = world(ME)
    a, b = c.node("a"), c.node("b")
    r = c.node("r", config={"flow_report": True})
    path = c.path("world.jsonl")
    with open(path, "w") as f:
        for ln in lines:
            f.write(json.dumps(ln) + "\n")
    a.import_jsonl(path)
    for n in (a, b, r):
        for p in people:
            n.follow(p.pk.hex())
    for n in (a, b, r):
        n.start()
    b.peer_add(a)
    r.peer_add(b)
    r.peer_add(a)
    want = {ln["id"] for ln in lines}
    h.wait_until(lambda: want <= r.ids(), 90, "the relay holds the world")
    for n in (a, b, r):
        n.stop()
    r.cli("flow", "report", "--since", "0", "--publish")

    work = c.path("study")
    os.makedirs(work)
    bindir = c.path("bin")
    os.makedirs(bindir)
    os.symlink(os.path.abspath(h.ARGS.seurone), os.path.join(bindir, "seurone"))
    env = dict(os.environ, SEURONE_HOME=r.home, PATH=bindir + ":" + os.environ["PATH"])
    sh = blocks("sh")
    py = blocks("python")
    check(len(sh) >= 1 and len(py) >= 6, f"docs/research.md has its blocks ({len(sh)} sh, {len(py)} python)")
    for blk in sh:
        p = subprocess.run(["bash", "-euo", "pipefail", "-c", blk], cwd=work, env=env, capture_output=True,
                           text=True, timeout=120)
        check_eq(p.returncode, 0, f"sh block runs: {blk.strip().splitlines()[0][:60]} ({p.stderr[-300:]})")
    # The study's own code, then what this test reads back from it.
    dump = '''
json.dump({"per": per.to_dict("records"), "topics": sorted(set(two.topic)),
           "follows": follows.number_of_edges(), "people": follows.number_of_nodes(),
           "speed_hops": [int(x) for x in speed.index]}, open("study.json", "w"))
'''
    script = "\n".join(py) + dump
    p = subprocess.run(["/usr/bin/python3", "-c", script], cwd=work, env=env, capture_output=True, text=True,
                       timeout=300)
    check_eq(p.returncode, 0, f"the study's Python runs as written ({p.stderr[-1500:]})")
    check("the relay's size bins equal the recomputation" in p.stdout, "the study checked the relay's size bins")
    got = json.load(open(os.path.join(work, "study.json")))
    want_t = truth(parent)
    check_eq(sorted((x["size"], x["depth"]) for x in got["per"]), sorted(want_t.values()),
             "the study's cascades (size, depth) are the ones the world was built with")
    check_eq(got["topics"], ["topic 1", "topic 2"], "both topics in the matched-size table")
    check_eq((got["people"], got["follows"]), (15, len(follows) + 14),
             "the study's follow graph is the world's, and the relay following the 14")
    check(got["speed_hops"] and all(x >= 1 for x in got["speed_hops"]), "speed per hop over peer arrivals")
    for fig in ("cascades.png", "speed.png"):
        data = open(os.path.join(work, fig), "rb").read()
        check(data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, f"{fig} is a PNG figure ({len(data)} bytes)")
    for word in ("Topic one", "story", "example.org"):
        for fn in ("cascades.csv", "entries.jsonl"):
            check(word not in open(os.path.join(work, fn)).read(), f"{fn}: no text ('{word}') in the shared files")


def extra(p):
    p.add_argument("--make-entries", required=True)


if __name__ == "__main__":
    h.run_test(main, extra)
