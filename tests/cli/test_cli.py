#!/usr/bin/env python3
"""End-to-end: every `seurone` command on real stores in temp home directories."""
import base64
import csv
import io
import json
import os
import shutil
import stat
import subprocess

import networkx as nx

from common import Home, args, check, finish, tempdir

A = args()
root = tempdir()
alice = Home(A.seurone, root, "alice")
bob = Home(A.seurone, root, "bob")

# --- help: every command answers --help with exit 0 ---
for cmd in ["init", "id", "publish", "log", "graph", "verify", "reindex", "backup", "restore", "export", "import",
            "address", "netkey", "metrics", "flow"]:
    r = alice.run(cmd, "--help", check=False)
    check(r.returncode == 0 and "usage:" in r.stdout, f"{cmd} --help")
r = alice.run("--help", check=False)
check(r.returncode == 0 and "publish" in r.stdout, "seurone --help lists commands")
r = alice.run("frobnicate", check=False)
check(r.returncode == 2 and "unknown command" in r.stderr, "unknown command is a usage error")

# --- before init: clear errors ---
r = alice.run("id", check=False)
check(r.returncode == 3 and "seurone init" in r.stderr, "id before init says to run init")
r = alice.run("log", "--all", check=False)
check(r.returncode == 3 and "seurone init" in r.stderr, "log before init says to run init")

# --- init / id ---
init = alice.json("init")
a_id = init["id"]
check(init["created"] and len(a_id) == 64 and a_id == a_id.lower(), "init --json gives a 64-hex id")
mode = stat.S_IMODE(os.stat(os.path.join(alice.path, "secret")).st_mode)
check(mode == 0o600, f"secret key file has mode 0600 (got {oct(mode)})")
check(alice.json("id") == {"id": a_id}, "id --json")
check(alice.run("id").stdout.strip() == a_id, "id text form")
again = alice.json("init")
check(again["id"] == a_id and not again["created"], "init twice keeps the identity")
b_id = bob.json("init")["id"]
os.chmod(os.path.join(alice.path, "secret"), 0o644)
r = alice.run("id", check=False)
check(r.returncode == 3 and "chmod 600" in r.stderr, "a key readable by others is refused with the fix")
os.chmod(os.path.join(alice.path, "secret"), 0o600)

# --- address and network keys ---
ad = alice.json("address", "--listen", "127.0.0.1:9123")
check(ad == {"address": f"seurone://127.0.0.1:9123/{a_id}", "host": "127.0.0.1", "port": 9123, "key": a_id},
      "address --json")
check(alice.json("address", "--listen", "[::1]:8000")["address"] == f"seurone://[::1]:8000/{a_id}", "IPv6 address")
check(alice.json("address")["port"] == 8708, "default port 8708")
with open(os.path.join(alice.path, "config"), "w") as f:
    f.write("# test\nlisten = 0.0.0.0:7000\nadvertise = relay.example.org\n")
check(alice.run("address").stdout.strip() == f"seurone://relay.example.org:7000/{a_id}", "config listen + advertise")
with open(os.path.join(alice.path, "config"), "w") as f:
    f.write("listne = 1.2.3.4:5\n")
r = alice.run("address", check=False)
check(r.returncode == 3 and "unknown key 'listne'" in r.stderr and "line 1" in r.stderr, "config typo named with its line")
os.remove(os.path.join(alice.path, "config"))
nk = alice.json("netkey", "new")["network_key"]
check(len(nk) == 64 and int(nk, 16) >= 0 and nk != alice.json("netkey", "new")["network_key"], "netkey new is random hex")

# --- publish every type ---
about = alice.json("publish", "about", "--name", "Alice <&> \"A\"", "--bio", "water activist")
check(about["seq"] == 1, "publish about -> seq 1")
proj = alice.json("publish", "project", "--name", "Clean River", "--description", "cleanups", "--tag", "water",
                  "--tag", "ngo", "--url", "https://example.org")
check(proj["seq"] == 2, "publish project -> seq 2")
alice.json("publish", "membership", "--project", proj["id"], "--role", "member")
alice.json("publish", "contact", "--who", b_id, "--state", "follow")
share = alice.json("publish", "share", "--text", "saturday 10am", "--project", proj["id"])
check(share["seq"] == 5, "publish share -> seq 5")
r = alice.run("publish", "contact", "--who", "nothex", "--state", "follow", check=False)
check(r.returncode == 2 and "64 hex" in r.stderr, "bad --who is a usage error naming the format")
r = alice.run("publish", "contact", "--who", b_id, "--state", "love", check=False)
check(r.returncode == 2 and "follow, unfollow or block" in r.stderr, "bad --state is refused")
r = alice.run("publish", "about", check=False)
check(r.returncode == 2 and "--name" in r.stderr, "about without --name is refused")
r = alice.run("publish", "share", check=False)
check(r.returncode == 2, "share with nothing is refused")
r = alice.run("publish", "share", "--text", "from the future", "--ts", str(2 ** 50), check=False)
check(r.returncode == 1 and "future" in r.stderr, "an entry stamped far in the future is refused")

# --- log ---
log = alice.json("log")
check([e["seq"] for e in log] == [1, 2, 3, 4, 5], "log --json lists seq 1..5")
check(all(set(e) >= {"id", "author", "seq", "prev", "ts", "type", "content"} for e in log), "log entries have every field")
check(log[0]["prev"] is None and all(log[i]["prev"] == log[i - 1]["id"] for i in range(1, 5)), "prev chain links")
check(log[3]["content"] == {"state": "follow", "who": b_id}, "binary content shows as hex")
check(log[1]["content"]["tags"] == ["water", "ngo"], "project tags kept in order")
check(log[0]["content"]["name"] == "Alice <&> \"A\"", "names round-trip")
check(all(e["source"] == "self" and e["hops"] == 0 for e in log), "own entries recorded as self, 0 hops")
text = alice.run("log").stdout.replace("\n    ", " ")  # the feed's wrapped lines rejoined
check("joined project Clean River as member" in text and f"follows {b_id[:16]}" in text
      and "saturday 10am" in text, "log feed says what each entry does, in words")

# --- bob publishes, reshares alice's share before having it ---
bob.json("publish", "about", "--name", "Bob")
bob.json("publish", "share", "--reshare", share["id"], "--text", "join us")
bob.json("publish", "contact", "--who", a_id, "--state", "block")
bob.json("publish", "contact", "--who", a_id, "--state", "follow")
bob.run("export", "entries", "--out", os.path.join(root, "bob.jsonl"))
alice.run("export", "entries", "--out", os.path.join(root, "alice.jsonl"))
lines = open(os.path.join(root, "bob.jsonl")).read().splitlines()
check(len(lines) == 4 and all(set(json.loads(l)) == {"id", "author", "seq", "type", "raw"} for l in lines),
      "export entries writes JSON Lines with id, author, seq, type, raw")

# import alice's log into bob first? no: bob gets the reshare before the original arrives
res = alice.json("import", os.path.join(root, "bob.jsonl"))
check(res == {"accepted": 4, "duplicates": 0, "forks": 0, "rejected": []}, f"import bob's log into alice: {res}")
res = alice.json("import", os.path.join(root, "bob.jsonl"))
check(res["duplicates"] == 4 and res["accepted"] == 0, "importing again counts duplicates, no error")
g = alice.json("graph")
check([a_id, b_id] in g["edges"]["follow"] and [b_id, a_id] in g["edges"]["follow"], "follow edges both ways")
check(g["edges"]["block"] == [], "a later follow replaces bob's block")
check([b_id, a_id] in g["edges"]["reshare"], "reshare edge points at the original author")
check([a_id, proj["id"]] in g["edges"]["member"] and [a_id, proj["id"]] in g["edges"]["share"], "member and share edges")
names = {p["id"]: p["name"] for p in g["people"]}
check(names == {a_id: "Alice <&> \"A\"", b_id: "Bob"}, "people with names")
check(g["projects"] == [{"id": proj["id"], "name": "Clean River", "author": a_id}], "projects")
check(g["forked_authors"] == [], "no forks yet")
res = bob.json("import", os.path.join(root, "alice.jsonl"))
check(res["accepted"] == 5, "bob imports alice's log")
gb = bob.json("graph")
check([b_id, a_id] in gb["edges"]["reshare"], "reshare edge when the original arrives after the reshare")

# --- membership changes, unfollow ---
alice.json("publish", "membership", "--project", proj["id"], "--role", "supporter")
alice.json("publish", "contact", "--who", b_id, "--state", "unfollow")
g = alice.json("graph")
check([a_id, proj["id"]] in g["edges"]["supporter"] and [a_id, proj["id"]] not in g["edges"]["member"], "member -> supporter")
check([a_id, b_id] not in g["edges"]["follow"], "unfollow removes the edge")

# --- bad import lines: reported with line numbers, never stored, exit 1 ---
good = open(os.path.join(root, "alice.jsonl")).read().splitlines()
obj = json.loads(good[0])
raw = bytearray(base64.b64decode(obj["raw"]))
raw[-1] ^= 1  # flip a signature bit
bad_sig = dict(obj, raw=base64.b64encode(bytes(raw)).decode())
carol = Home(A.seurone, root, "carol")
carol.json("init")
bad = "\n".join([good[0], "this is not json", json.dumps(bad_sig), json.dumps({"id": obj["id"]}),
                 json.dumps(dict(obj, raw="!!!")), good[2], good[1]]) + "\n"
r = carol.run("import", "-", "--json", stdin=bad, check=False)
rep = json.loads(r.stdout)
reasons = {x["line"]: x["reason"] for x in rep["rejected"]}
check(r.returncode == 1, "import with bad lines exits 1")
check(sorted(reasons) == [2, 3, 4, 5], f"bad lines 2-5 reported by number: {reasons}")
check("signature" in reasons.get(3, ""), "bad signature named")
check("raw" in reasons.get(4, "") and "base64" in reasons.get(5, ""), "missing / bad raw named")
check(rep["accepted"] == 3, "good lines stored, out of order within the batch (seq 3 before seq 2)")
gap = carol.run("import", "-", "--json", stdin=good[4] + "\n", check=False)
rep = json.loads(gap.stdout)
check(gap.returncode == 1 and "seq 4 is missing" in rep["rejected"][0]["reason"], "a gap names the missing seq")
r = carol.run("import", "-", stdin=bad, check=False)
check("line 3: rejected" in r.stderr, "text form reports line numbers")
check(carol.run("verify").returncode == 0, "store with rejected lines still verifies")

# --- external implementation (Python, PyNaCl + msgpack) ---
if A.make_entries and os.path.exists(A.make_entries):
    ext = Home(A.seurone, root, "ext")
    ext.json("init")
    gfile, tfile = os.path.join(root, "ext_good.jsonl"), os.path.join(root, "ext_bad.jsonl")
    subprocess.run(["/usr/bin/python3", A.make_entries, "--out", gfile, "--tampered", tfile], check=True)
    glines = open(gfile).read().splitlines()
    res = ext.json("import", gfile)
    check(res["accepted"] == len(glines) and not res["rejected"], f"entries made in Python all ingest ({res['accepted']})")
    ids = {json.loads(l)["id"] for l in glines}
    stored = {json.loads(l)["id"] for l in ext.run("export", "entries").stdout.splitlines()}
    check(ids == stored, "ids computed in Python equal ours")
    # The tampered file is judged against the good logs: each line says what it expects.
    tlines = [json.loads(l) for l in open(tfile).read().splitlines()]
    r = ext.run("import", tfile, "--json", check=False)
    rep = json.loads(r.stdout)
    want_bad = {i + 1 for i, t in enumerate(tlines) if t["expect"] not in ("SR_OK", "SR_EDUP", "SR_EFORK")}
    got_bad = {x["line"] for x in rep["rejected"]}
    check(r.returncode == 1 and got_bad == want_bad, f"every tampered Python entry is rejected ({len(got_bad)}/{len(want_bad)})")
    n = lambda code: sum(1 for t in tlines if t["expect"] == code)
    check((rep["accepted"], rep["duplicates"], rep["forks"]) == (n("SR_OK"), n("SR_EDUP"), n("SR_EFORK")),
          "the valid, duplicate and fork lines of the tampered file are taken as such")
    check(ext.run("verify").returncode == 0, "store verifies after the tampered import")
else:
    check(False, "tests/data/make_entries.py exists")

# --- forks: the same key publishing two different seq 1 entries ---
clone = Home(A.seurone, root, "clone")
os.makedirs(clone.path, mode=0o700)
shutil.copy(os.path.join(bob.path, "secret"), os.path.join(clone.path, "secret"))
os.chmod(os.path.join(clone.path, "secret"), 0o600)
clone.json("init")
clone.json("publish", "about", "--name", "Bob's evil twin")
clone.json("publish", "about", "--name", "still evil")
clone.run("export", "entries", "--out", os.path.join(root, "clone.jsonl"))
r = alice.run("import", os.path.join(root, "clone.jsonl"), "--json", check=False)
res = json.loads(r.stdout)
check(r.returncode == 1 and res["forks"] == 1 and len(res["rejected"]) == 1, f"fork kept as proof, the rest of the branch refused: {res}")
g = alice.json("graph")
check(len(g["forked_authors"]) == 1 and g["forked_authors"][0]["author"] == b_id and g["forked_authors"][0]["seq"] == 1,
      "graph shows the forked author")
check(any(p["id"] == b_id and p["forked"] for p in g["people"]), "person marked forked")
blog = alice.json("log", b_id)
check(sum(1 for e in blog if e.get("fork_proof")) == 1 and len(blog) == 5, "log shows the fork proof beside the log")
check("FORKED" in alice.run("log", b_id).stdout, "log table shows FORKED")
check(alice.run("verify").returncode == 0, "verify passes with a fork proof")
r = alice.run("import", os.path.join(root, "bob.jsonl"), "--json", check=False)
check(json.loads(r.stdout)["duplicates"] == 4, "known entries of a forked author are still duplicates")

# --- reindex rebuilds the same graph ---
before = alice.json("graph")
ri = alice.json("reindex")
check(ri["ok"], "reindex --json")
after = alice.json("graph")
check(before == after, "graph identical after reindex")
check(alice.json("log", "--all") == alice.json("log", "--all"), "log stable")
v = alice.json("verify")
check(v["ok"] and v["problems"] == [], "verify --json after reindex")

# --- metrics and flow on the same store ---
names = [m["name"] for m in alice.json("metrics")]
check("in-degree" in names and "out-degree" in names, "metrics lists its names")
indeg = {m["node"]: m["value"] for m in alice.json("metrics", "in-degree", "--top", "0", "--nodes", "all")}
want = {p["id"]: sum(1 for e in after["edges"]["follow"] if e[1] == p["id"]) for p in after["people"]}
check(indeg == want, f"in-degree --nodes all equals the follow edges over every person ({indeg} vs {want})")
top1 = alice.json("metrics", "out-degree", "--top", "1")
check(len(top1) == 1 and set(top1[0]) == {"node", "kind", "name", "value", "held"} and top1[0]["kind"] == "person",
      "metric rows have node, kind, name, value")
r = alice.run("metrics", "no-such-metric", check=False)
check(r.returncode == 2 and "seurone metrics" in r.stderr, "an unknown metric names the listing command")
fe = alice.json("flow", "entry", share["id"])
check(fe["id"] == share["id"] and fe["source"] == "self" and fe["hops"] == 0 and fe["latency_ms"] >= 0,
      "flow entry shows where an entry came from")
fs = alice.json("flow", "summary")
check(fs["received"] == 0 and fs["by_source"].get("self", 0) >= 5, "flow summary: nothing arrived from peers yet")

# --- export graph --view all (every kind at once): NetworkX reads GraphML and CSV unchanged ---
gml = os.path.join(root, "g.graphml")
alice.run("export", "graph", "--view", "all", "--format", "graphml", "--out", gml)
G = nx.read_graphml(gml)
check(G.number_of_nodes() == len(after["people"]) + len(after["projects"]), "GraphML has every person and project")
check(G.nodes[a_id]["kind"] == "person" and G.nodes[a_id]["name"] == "Alice <&> \"A\"", "GraphML node attributes (escaped)")
check(G.nodes[proj["id"]]["kind"] == "project", "GraphML project node")
nedges = sum(len(v) for v in after["edges"].values())
check(G.number_of_edges() == nedges, f"GraphML has every edge ({G.number_of_edges()} vs {nedges})")
kinds = {d["kind"] for _, _, d in G.edges(data=True)}
check(kinds <= {"follow", "block", "member", "supporter", "share", "reshare"} and "reshare" in kinds, "GraphML edge kinds")
out = alice.run("export", "graph", "--view", "all", "--format", "csv", "--node-table",
                os.path.join(root, "nodes.csv")).stdout
rows = list(csv.DictReader(io.StringIO(out)))
check(len(rows) == nedges and set(rows[0]) == {"Source", "Target", "Type", "Kind"}, "CSV edge table")
Gc = nx.from_edgelist([(r["Source"], r["Target"]) for r in rows], create_using=nx.MultiDiGraph)
check(Gc.number_of_edges() == nedges, "NetworkX reads the CSV edge list")
nodes = list(csv.DictReader(open(os.path.join(root, "nodes.csv"))))
check({n["Id"] for n in nodes} == set(G.nodes) and any(n["Label"] == "Alice <&> \"A\"" for n in nodes), "CSV node table")
r = alice.run("export", "graph", check=False)
check(r.returncode == 2 and "--format" in r.stderr, "export graph without --format")

# --- backup while the store is open elsewhere, then restore ---
bfile = os.path.join(root, "alice.backup")
reader = subprocess.Popen([A.seurone, "--home", alice.path, "log", "--all", "--json"], stdout=subprocess.DEVNULL)
b = alice.json("backup", "--store-only", bfile)
reader.wait()
check(os.path.getsize(bfile) > 0 and b["entries"] > 0, "backup writes a file")
r = alice.run("backup", "--store-only", bfile, check=False)
check(r.returncode != 0 and "exists" in r.stderr, "backup never overwrites")
restored = Home(A.seurone, root, "restored")
os.makedirs(os.path.join(restored.path, "store"))
shutil.copy(bfile, os.path.join(restored.path, "store", "data.mdb"))
shutil.copy(os.path.join(alice.path, "secret"), os.path.join(restored.path, "secret"))
check(restored.json("log", "--all") == alice.json("log", "--all"), "restored backup holds the same logs")
check(restored.run("verify").returncode == 0, "restored backup verifies")

# --- the whole backup (docs/backup.md): one file, restored into a new home only ---
pf = os.path.join(root, "alice.pass")
with open(pf, "w") as f:
    f.write("alice's backup passphrase\n")
os.chmod(pf, 0o600)
whole = os.path.join(root, "alice.whole")
# no controlling terminal (a new session), as under a service
r = subprocess.run([A.seurone, "--home", alice.path, "backup", whole], capture_output=True, text=True,
                   stdin=subprocess.DEVNULL, start_new_session=True)
check(r.returncode == 4 and "--passphrase-file" in r.stderr and not os.path.exists(whole),
      f"backup of an unsealed key with no terminal asks for a passphrase source, writes nothing: {r.stderr.strip()}")
b = alice.json("backup", whole, "--passphrase-file", pf)
check(b["passphrase_new"] and b["entries"] > 0 and os.stat(whole).st_mode & 0o777 == 0o600, "backup FILE: mode 0600")
check(not os.path.exists(whole + ".tmp") and not os.path.exists(whole + ".store.tmp"), "no temporary file left")
r = alice.run("restore", whole, check=False)
check(r.returncode == 3 and "holds an identity already" in r.stderr, "restore into a home with a key is refused")
with open(whole, "rb") as f:
    data = bytearray(f.read())
damaged = os.path.join(root, "alice.damaged")
data[len(data) // 2] ^= 1
with open(damaged, "wb") as f:
    f.write(data)
back = Home(A.seurone, root, "back")
r = back.run("restore", damaged, check=False)
check(r.returncode == 1 and "checksum" in r.stderr and not os.path.exists(back.path + "/secret"),
      f"a damaged backup is refused, nothing restored: {r.stderr.strip()}")
r = back.json("restore", whole)
check(r["id"] == alice.run("id").stdout.strip() and r["sealed"] and r["restore_pending"], "restore FILE --json")
check(back.json("log", "--all") == alice.json("log", "--all"), "the restored home holds the same logs")
check(back.run("verify").returncode == 0, "the restored home verifies")
check(back.json("key")["sealed"], "the restored key is sealed (with the backup's passphrase)")
r = back.run("publish", "share", "--text", "too early", "--passphrase-file", pf, check=False)
check(r.returncode == 1 and "restored from a backup" in r.stderr, "the restored home does not publish yet")
again = os.path.join(root, "back.whole")
b2 = back.json("backup", again)  # sealed already: nothing asked, kept as it is
with open(os.path.join(back.path, "secret"), "rb") as f:
    check(not b2["passphrase_new"] and f.read() in open(again, "rb").read(), "a sealed key file goes in as it is")
paper = alice.json("backup", "--paper")["paper_key"]
pk_home = Home(A.seurone, root, "paper")
r = pk_home.json("restore", "--paper", "--paper-file", "-", "--no-passphrase", stdin=paper.lower() + "\n")
check(r["id"] == alice.run("id").stdout.strip() and not r["sealed"], "restore --paper: the same identity")

# --- the map grows instead of failing ---
big = Home(A.seurone, root, "big")
big.json("init", env={"SEURONE_MAPSIZE": "65536"})
bulk = os.path.join(root, "bulk.jsonl")
subprocess.run([A.bench_ingest, "--entries", "3000", "--authors", "30", "--write-jsonl", bulk], check=True)
res = big.json("import", bulk, env={"SEURONE_MAPSIZE": "65536"})
check(res["accepted"] == 3000, "3000 entries into a 64 KiB initial map: it grows")
check(big.run("verify").returncode == 0, "grown store verifies")

# --- numbers as people type them: a whole number, nothing after it ---
for argv in (["metrics", "pagerank", "--top", "10x"], ["metrics", "pagerank", "--top", "-1"],
             ["metrics", "pagerank", "--top", " 5"], ["flow", "cascades", "--top", "+5"],
             ["flow", "network", "--latest", "2x"], ["flow", "network", "--since", "99999999999999999999999"],
             ["import", "--batch", "10x", bulk], ["publish", "share", "--text", "x", "--ts", "5x"],
             ["invite", "create", "--uses", "3x"]):
    r = alice.run(*argv, check=False)
    check(r.returncode == 2, f"{' '.join(argv)}: refused as a usage error (exit {r.returncode})")
r = alice.run("metrics", "pagerank", "--top", "3", check=False)
check(r.returncode == 0, "--top 3 still works")

finish(root)
