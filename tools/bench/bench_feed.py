#!/usr/bin/python3
"""bench_feed.py: the web app's feed benchmark of issue 13 -- the first page of a
10,000-share feed, from navigation to rendered, in Debian's Chromium.

  1. A node home follows AUTHORS people whose logs hold SHARES shares in all (an
     about entry each with a name in some script, a few projects, shares of 40 to
     400 characters in Latin, CJK, Arabic and emoji; one in 8 a reshare of an
     earlier share, one in 5 in a project), signed here with PyNaCl as canonical
     entries (docs/format.md) and imported with `seurone import` before the node
     starts (tools/sim/contacts.py signs the home's follows).
  2. `seurone run` with `web = 127.0.0.1:0` serves web/ (SEURONE_WEB_DIR).
  3. tools/bench/bench_feed.mjs (playwright-core from tests/web/node_modules;
     run tests/web/setup.sh first) loads URL/#/feed RUNS times, each in a fresh
     browser context, and reads the page's performance marks sr:feed:rendered
     (first page of items in the DOM) and sr:feed:painted (after the next frame),
     in ms from navigation start. References in the same run: the same page
     from a plain static server in bench_feed.mjs, every /api/ GET answered with
     a copy of the node's answers (the page's own cost), a page of one module
     that only sets the marks from the same server with the same headers (what
     Chromium takes before any page code), and GET /api/feed alone.

Usage: tools/bench/bench_feed.py [--shares N] [--authors A] [--runs R] [--json]
       [--seurone PATH] [--keep]
"""
import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import msgpack
import nacl.signing

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "sim"))
import contacts  # noqa: E402
from procs import PROCS, child_setup, kill_all  # noqa: E402

NAMES = ["Aylin", "李小龙", "أمينة", "Nguyễn Thị Lan", "Olúwaseun", "Дарья", "María José", "Ayşe 🎤", "김민준",
         "Tenzin", "Amani 🌊", "Zoë", "Mehmet", "Ngozi", "Sipho", "Ana", "Hoa 🌸", "Bashir", "Jin", "Priya"]
WORDS = {
    "latin": "the river clean-up is on saturday bring gloves and bags we meet at the market at ten thank you all".split(),
    "cjk": list("周六上午十点在市场见请带手套和袋子谢谢大家河流清洁活动"),
    "arabic": "التنظيف يوم السبت في السوق الساعة العاشرة أحضروا القفازات شكرا للجميع".split(),
    "emoji": ["🌊", "🧤", "🙌", "🎉", "🌱", "♻️"],
}


def log(msg):
    print(f"[bench_feed {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def entry(key, seq, prev, ts, type_, content):
    """A signed canonical entry as an `export entries` JSON line, and its id."""
    author = bytes(key.verify_key)
    content = dict(sorted(content.items(), key=lambda kv: kv[0].encode()))
    body = msgpack.packb([1, author, seq, prev, ts, type_, content], use_bin_type=True)
    raw = msgpack.packb([body, key.sign(body).signature], use_bin_type=True)
    eid = contacts.blake2b32(raw)
    return {"id": eid.hex(), "author": author.hex(), "seq": seq, "type": type_,
            "raw": base64.b64encode(raw).decode("ascii")}, eid


def text(rng):
    script = rng.choice(["latin", "latin", "cjk", "arabic"])
    n = rng.randint(40, 400)
    out, sep = [], "" if script == "cjk" else " "
    while len(sep.join(out)) < n:
        out.append(rng.choice(WORDS[script]))
        if rng.random() < 0.05:
            out.append(rng.choice(WORDS["emoji"]))
    return sep.join(out)[:n]


def generate(path, shares, authors, seed):
    """About, projects and shares of `authors` people, `shares` shares in all,
    interleaved by time; returns the author keys (hex)."""
    rng = random.Random(seed)
    keys = [nacl.signing.SigningKey(hashlib.sha256(f"bench_feed {seed} {i}".encode()).digest()) for i in range(authors)]
    seq = [0] * authors
    prev = [None] * authors
    ts = int(time.time() * 1000) - shares * 60_000 - 3_600_000
    lines, share_ids, projects = [], [], []

    def add(i, type_, content):
        nonlocal ts
        ts += 1
        seq[i] += 1
        d, eid = entry(keys[i], seq[i], prev[i], ts, type_, content)
        prev[i] = eid
        lines.append(d)
        return eid

    for i in range(authors):
        add(i, "about", {"name": f"{NAMES[i % len(NAMES)]}{'' if i < len(NAMES) else f' {i}'}", "bio": text(rng)[:80]})
    for i in range(0, authors, max(1, authors // 5)):
        projects.append(add(i, "project", {"name": f"Project {len(projects) + 1} {rng.choice(WORDS['emoji'])}",
                                           "description": text(rng), "tags": ["river", "清洁"]}))
    for n in range(shares):
        i = rng.randrange(authors)
        ts += 60_000 - 1
        c = {"text": text(rng)}
        if share_ids and rng.random() < 1 / 8:
            c["reshare"] = rng.choice(share_ids[-500:])
        if rng.random() < 1 / 5:
            c["project"] = rng.choice(projects)
        share_ids.append(add(i, "share", c))
    with open(path, "w") as f:
        for d in lines:
            f.write(json.dumps(d) + "\n")
    return [bytes(k.verify_key).hex() for k in keys], len(lines)


def run(argv, timeout=600, **kw):
    r = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kw)
    if r.returncode != 0:
        raise SystemExit(f"bench_feed: {' '.join(map(str, argv))} exited {r.returncode}: {r.stderr.strip()[:800]}")
    return r


def web_url(info):
    w = info.get("web")
    if isinstance(w, dict):
        w = w.get("url") or w.get("address")
    w = w or info.get("web_url")
    if w and not w.startswith("http"):
        w = "http://" + w
    return w.rstrip("/") if w else None


def main():
    ap = argparse.ArgumentParser(description="Seurone web feed benchmark", epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shares", type=int, default=10000)
    ap.add_argument("--authors", type=int, default=40)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--seurone", default=os.path.join(ROOT, "build", "tools", "seurone"))
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(ROOT, "tests", "web", "node_modules", "playwright-core")):
        raise SystemExit("bench_feed: run tests/web/setup.sh first (playwright-core)")
    tmp = tempfile.mkdtemp(prefix="sr-bench-feed-")
    home = os.path.join(tmp, "home")
    proc = None
    try:
        run([a.seurone, "--home", home, "init", "--json"])
        with open(os.path.join(home, "config"), "w") as f:
            f.write("listen = 127.0.0.1:0\nweb = 127.0.0.1:0\n")
        # a name, so that the page opens on the feed rather than on first start
        run([a.seurone, "--home", home, "publish", "about", "--name", "Bench 🧪", "--json"])
        t = time.monotonic()
        feed_path = os.path.join(tmp, "feed.jsonl")
        authors, n = generate(feed_path, a.shares, a.authors, a.seed)
        follow_path = os.path.join(tmp, "follow.jsonl")
        key = contacts.read_secret(home)
        with open(follow_path, "w") as f:
            seq, prev = contacts.head_of(home, a.seurone)
            for d in contacts.contact_lines(key, seq, prev, authors, "follow"):
                f.write(json.dumps(d) + "\n")
        for p in (follow_path, feed_path):
            r = json.loads(run([a.seurone, "--home", home, "import", p, "--json"]).stdout)
            if r.get("rejected"):
                raise SystemExit(f"bench_feed: import rejected {r['rejected'][:3]}")
        log(f"{n} entries by {a.authors} authors ({a.shares} shares) signed and imported in {time.monotonic() - t:.1f} s")
        env = dict(os.environ, SEURONE_WEB_DIR=os.path.join(ROOT, "web"))
        err = open(os.path.join(tmp, "node.stderr"), "w")
        proc = subprocess.Popen([a.seurone, "--home", home, "run"], stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                env=env, preexec_fn=child_setup)
        PROCS.append(proc)
        url = None
        for _ in range(600):
            try:
                info = json.load(open(os.path.join(home, "run.json")))
                if info.get("pid") == proc.pid and web_url(info):
                    url = web_url(info)
                    break
            except (OSError, ValueError):
                pass
            if proc.poll() is not None:
                raise SystemExit(f"bench_feed: seurone run exited {proc.returncode}; see {err.name}")
            time.sleep(0.05)
        if not url:
            raise SystemExit("bench_feed: no web address in run.json")
        token = open(os.path.join(home, "web.token")).read().strip()
        cfg = os.path.join(tmp, "bench.json")
        json.dump({"url": url, "token": token, "runs": a.runs, "chromium": a.chromium}, open(cfg, "w"))
        r = run(["node", os.path.join(ROOT, "tools", "bench", "bench_feed.mjs"), cfg], timeout=1200)
        res = json.loads(r.stdout.strip().splitlines()[-1])
        res.update({"shares": a.shares, "authors": a.authors, "entries": n + len(authors)})
        if a.json:
            print(json.dumps(res))
        else:
            nd, fx = res["node"], res["fixture"]
            print(f"feed of {a.shares} shares by {a.authors} authors; first page {res['items_rendered']} items; median of {a.runs} runs")
            print(f"  node:    rendered {nd['rendered_ms']} ms, painted {nd['painted_ms']} ms after navigation (script start {nd['boot_ms']} ms, items in {nd['data_ms']} ms; /api/feed {nd['api_feed_ms']} ms)")
            print(f"  fixture: rendered {fx['rendered_ms']} ms, painted {fx['painted_ms']} ms (script start {fx['boot_ms']} ms, items in {fx['data_ms']} ms): the same page from a static server, API answers copied")
            fl = res["floor"]
            print(f"  floor:   rendered {fl['rendered_ms']} ms, painted {fl['painted_ms']} ms: a page of one module that only sets the marks, same server and headers")
            print(f"  reload: node {nd['reload_rendered_ms']} ms, fixture {fx['reload_rendered_ms']} ms (rendered, same renderer process)")
            print(f"  GET /api/feed alone (Node fetch): {res['api_fetch_ms']} ms")
            print(f"  ratio node / fixture (rendered): {nd['rendered_ms'] / fx['rendered_ms']:.2f}")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        kill_all()
        if a.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
