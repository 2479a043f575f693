#!/usr/bin/env python3
"""test_web.py: the web app in a real browser against real nodes (issue 13).

Starts two `seurone run` nodes A and B and a relay R (temp homes, ports 0, `web = 127.0.0.1:0`)
with tests/multi/harness.py, reads each node's web address from HOME/run.json and
its token from HOME/web.token, and runs story.mjs with Node.js: Playwright
(playwright-core, tests/web/package-lock.json) drives Debian's Chromium headless
through the activist's story and every bad-input case of the API (story.mjs says
what it checks). Screenshots of every page go to --shots (build/web-shots).
Needs tests/web/setup.sh to have run (tests/run does): without node_modules or
chromium the test fails, saying so.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "multi"))
import harness as h  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def extra(p):
    p.add_argument("--shots", default=os.path.join(ROOT, "build", "web-shots"))
    p.add_argument("--node", default="node")


def web_url(info):
    """The web app's base URL from run.json (docs/api.md)."""
    w = info.get("web")
    if isinstance(w, dict):
        w = w.get("url") or w.get("address")
    if not w:
        w = info.get("web_url")
    if w and not w.startswith("http"):
        w = "http://" + w
    return w.rstrip("/") if w else None


def start_web(node, relay=False):
    node.start(relay=relay, env={"SEURONE_WEB_DIR": os.path.join(ROOT, "web")})
    path = os.path.join(node.home, "run.json")
    info = h.wait_until(lambda: (lambda i: i if web_url(i) else None)(json.load(open(path))), 20,
                        f"{node.name}: run.json names the web address")
    url = web_url(info)
    h.check(url.startswith("http://127.0.0.1:") and not url.endswith(":0"), f"{node.name}: web app on {url}")
    tok_path = os.path.join(node.home, "web.token")
    h.check(os.path.exists(tok_path), f"{node.name}: HOME/web.token exists")
    h.check_eq(oct(os.stat(tok_path).st_mode & 0o777), "0o600", f"{node.name}: web.token mode")
    token = open(tok_path).read().strip()
    h.check(len(token) == 64, f"{node.name}: web.token holds 64 hex digits")
    return {"name": node.name, "home": node.home, "url": url, "token": token, "id": node.id, "address": node.address}


def main(c):
    pw = os.path.join(HERE, "node_modules", "playwright-core", "package.json")
    h.check(os.path.exists(pw), "tests/web/node_modules has playwright-core (run tests/web/setup.sh)")
    h.check(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is installed (apt-get install chromium)")
    a = c.node("a", config={"web": "127.0.0.1:0"})
    b = c.node("b", config={"web": "127.0.0.1:0"})
    # a relay whose operator makes an invite in its page, for B to join with
    r = c.node("r", config={"web": "127.0.0.1:0"})
    # a fresh home, never started here: A's laptop, which story.mjs pairs with
    # `seurone device join CODE` (and runs, if join leaves no node running)
    d = c.node("d", config={"web": "127.0.0.1:0"})
    cfg = {"seurone": h.ARGS.seurone, "shots": os.path.abspath(h.ARGS.shots), "chromium": CHROMIUM,
           "scale": h.SCALE, "a": start_web(a), "b": start_web(b), "r": start_web(r, relay=True),
           "d": {"name": "d", "home": d.home}}
    os.makedirs(cfg["shots"], exist_ok=True)
    cfg_path = c.path("story.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    p = h.popen([h.ARGS.node, os.path.join(HERE, "story.mjs"), cfg_path], cwd=HERE)
    try:
        rc = p.wait(timeout=240 * h.SCALE)
    except subprocess.TimeoutExpired:
        p.kill()
        raise h.TestFailure("story.mjs did not finish in time")
    h.check_eq(rc, 0, "story.mjs: every step of the story passed")
    a.check_alive("after the story")
    b.check_alive("after the story")
    r.check_alive("after the story")
    h.note(f"screenshots in {cfg['shots']}")


if __name__ == "__main__":
    h.run_test(main, extra)
