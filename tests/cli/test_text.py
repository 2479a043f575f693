#!/usr/bin/python3
"""test_text.py: text is shown as people wrote it, and never reaches a terminal raw.

Other people's entries are signed by tests/data/make_entries.py (an independent
implementation of the entry format) and imported into a real home: names and
texts in Chinese, emoji, combining marks, and hostile ones with ESC[2J, \\r, \\n,
a C1 control, a bidi override (U+202E) and an entry type holding an escape.
Then, with the real `seurone`:
  - every --json output is UTF-8 as written (no \\uXXXX for non-ASCII) and keeps
    the exact strings;
  - the human outputs of log, graph, metrics, flow cascades/edges/entry/project
    and import hold no raw control byte, C1 control or bidi override, decode as
    UTF-8 (names cut on character boundaries), and show the escaped forms;
  - table columns after a name line up by display width (computed here with
    Python's unicodedata) in graph, metrics and flow edges;
  - log is a feed: author names, the whole of a 500-character share, the
    reshared text inline, entry types in words, local time (TZ), short ids;
  - plurals ("1 entry", "1 person") and `import --verbose` on a terminal.

Usage: test_text.py --seurone PATH --make-entries tests/data/make_entries.py
"""
import argparse
import json
import os
import pty
import re
import subprocess
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Home, check, finish, load_make_entries, tempdir  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--seurone", required=True)
ap.add_argument("--make-entries", required=True)
A = ap.parse_args()
ME = load_make_entries(A.make_entries)

root = tempdir()
me = Home(A.seurone, root, "me")
me_id = me.json("init")["id"]
me.json("publish", "about", "--name", "Me")
ENV = {"TZ": "UTC", "COLUMNS": ""}  # COLUMNS unset-like: 80 when stdout is no terminal


def dispw(s):
    """Display columns, after the rules terminals follow (and core/text.c)."""
    w = 0
    for ch in s:
        cp = ord(ch)
        if unicodedata.category(ch) in ("Mn", "Me", "Cf") and cp != 0xAD:
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def unsafe_chars(text):
    """The characters a terminal would obey: controls but the line ends, DEL, C1, bidi."""
    return [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F
            or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069]


def human(what, *argv, env=None):
    """Runs a human-readable command; checks it is valid UTF-8 with nothing raw; returns its text."""
    r = subprocess.run([A.seurone, "--home", me.path] + list(argv), capture_output=True,
                       env={**os.environ, **ENV, **(env or {})})
    check(r.returncode == 0, f"{what}: exit 0 ({r.returncode}: {r.stderr[:200]!r})")
    raw = r.stdout
    try:
        text = raw.decode("utf-8")
        check(True, f"{what}: output decodes as UTF-8 (nothing cut inside a character)")
    except UnicodeDecodeError as e:
        check(False, f"{what}: output decodes as UTF-8 ({e})")
        text = raw.decode("utf-8", "replace")
    bad = unsafe_chars(text)
    check(not bad, f"{what}: no raw control, C1 or bidi character reaches the terminal ({bad[:5]})")
    return text


def jsonout(what, *argv):
    """Runs a --json command; checks non-ASCII is written as UTF-8; returns the document."""
    r = subprocess.run([A.seurone, "--home", me.path] + list(argv) + ["--json"], capture_output=True)
    check(r.returncode == 0, f"{what} --json: exit 0")
    esc = re.findall(rb"\\u(?:00[89a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})", r.stdout)
    check(not esc, f"{what} --json: non-ASCII as UTF-8, no \\uXXXX escapes ({esc[:3]})")
    return json.loads(r.stdout.decode("utf-8"))


# ---- the people and what they wrote ----
ZH = "周六昆明市场见！"
EMOJI = "Ana 😀🌍"
COMB = "Zoe\u0301 Rene\u0301e"  # é as e + combining acute
EVIL = "Eve\x1b[2J\rroot\nX\u202eZ\u0085W"
LONGZH = "昆明市场周六见面昆明市场周六见面"  # 32 columns: cut in tables of 20
WORDS = ["市场", "water", "😀", "Rene\u0301e", "gloves", "河流"]
LONG_TEXT = " ".join(WORDS[i % len(WORDS)] + str(i) for i in range(200))[:500].rstrip()
HOSTILE_TEXT = "meet at noon\x1b[2J\rFAKE\u202eenil\nFAKE HEADER 2023-11-14"
HOSTILE_TYPE = "x\x1b[31m"

zh, em, cb, ev, lz = (ME.Author(1010, i) for i in range(5))
ts = [ME.TS0]
lines = []


def add(who, type_, content):
    ts[0] += 60000  # a minute apart
    ln = ME.append(who, ts[0], type_, content)
    lines.append(ln)
    return ln["id"]


add(zh, "about", {"name": ZH, "bio": "昆明的河流"})
add(em, "about", {"name": EMOJI})
add(cb, "about", {"name": COMB})
add(ev, "about", {"name": EVIL})
add(lz, "about", {"name": LONGZH})
proj = add(zh, "project", {"name": "昆明 River 🌊", "description": "cleanups"})
add(em, "membership", {"project": bytes.fromhex(proj), "role": "member"})
long_share = add(zh, "share", {"text": LONG_TEXT, "project": bytes.fromhex(proj)})
reshare = add(em, "share", {"reshare": bytes.fromhex(long_share), "text": "转发 😀"})
add(lz, "share", {"reshare": bytes.fromhex(reshare)})
evil_share = add(ev, "share", {"text": HOSTILE_TEXT})
evil_type = add(ev, HOSTILE_TYPE, {"k": "v\x1b[0m"})
lz_root = add(lz, "share", {"text": "root of a cascade"})
add(ev, "share", {"reshare": bytes.fromhex(lz_root)})
for a, b in [(zh, em), (em, cb), (cb, ev), (ev, zh), (lz, zh), (zh, lz)]:
    add(a, "contact", {"who": b.pk, "state": "follow"})
jl = os.path.join(root, "people.jsonl")
with open(jl, "w") as f:
    for ln in lines:
        f.write(json.dumps(ln) + "\n")
me.run("import", jl)
me.json("publish", "contact", "--who", zh.pk.hex(), "--state", "follow")
NAMES = {zh.pk.hex(): ZH, em.pk.hex(): EMOJI, cb.pk.hex(): COMB, ev.pk.hex(): EVIL, lz.pk.hex(): LONGZH}

# ---- JSON: UTF-8 and the exact strings ----
log = jsonout("log --all", "log", "--all")
by_id = {e["id"]: e for e in log}
check(by_id[long_share]["content"]["text"] == LONG_TEXT, "log --json keeps the share's text exactly")
check(by_id[evil_share]["content"]["text"] == HOSTILE_TEXT, "log --json keeps hostile text exactly (JSON escapes it)")
check(by_id[evil_type]["type"] == HOSTILE_TYPE, "log --json keeps the entry type exactly")
check(all(e.get("author_name") == NAMES.get(e["author"], "Me") for e in log), "log --json: author_name of every entry")
g = jsonout("graph", "graph")
check({p["id"]: p["name"] for p in g["people"] if p["id"] in NAMES} == NAMES, "graph --json: names exactly")
m = jsonout("metrics in-degree", "metrics", "in-degree", "--top", "0")
check({r["node"]: r["name"] for r in m if r["node"] in NAMES} == NAMES, "metrics --json: names exactly")
casc = jsonout("flow cascades", "flow", "cascades")
check(any(c.get("root_author_name") == LONGZH for c in casc["cascades"]), "flow cascades --json: root author name exactly")
jsonout("flow edges", "flow", "edges", "--top", "0")
jsonout("flow project", "flow", "project", proj)

# ---- log: a feed people can read ----
feed = human("log --all", "log", "--all")
rows = feed.split("\n")
check(all(dispw(r) <= 80 for r in rows), f"log lines fit 80 columns (widest {max(dispw(r) for r in rows)})")
flat = feed.replace("\n    ", " ")  # headers rejoined where they wrapped
check(f"{ZH} ({zh.pk.hex()[:8]}) shared in project 昆明 River 🌊:" in flat, "log: the author's name and the project's")
i = next((k for k, r in enumerate(rows) if LONG_TEXT[:12] in r and not r.startswith("    |")), len(rows))
body = []
for r in rows[i:]:
    if r.startswith("    (seq"):
        break
    body.append(r[4:])
check(" ".join(body) == LONG_TEXT, "log shows the whole 500-character share, wrapped")
check(f"(seq 3, entry {long_share[:16]})" in feed, "log: seq and the entry's 16-hex short id")
j = flat.find(f"{EMOJI} ({em.pk.hex()[:8]}) reshared a share by {ZH} ({zh.pk.hex()[:8]}):")
check(0 <= j < flat.find("转发 😀", j) < flat.find("|     " + LONG_TEXT[:12], j),
      "log: a reshare shows who wrote the original, the resharer's words, and the reshared text inline")
check(f"{EMOJI} ({em.pk.hex()[:8]}) joined project 昆明 River 🌊 as member" in flat, "log: a membership in words")
check(f"Me (you) follows {ZH} ({zh.pk.hex()[:8]})" in flat, "log: a contact in words, with names")
esc_evil = "Eve\\x1b[2J\\rroot\\nX\\u202eZ\\u0085W"
check(esc_evil in feed, "log: a hostile name is shown escaped")
check("meet at noon\\x1b[2J\\rFAKE\\u202eenil" in feed, "log: hostile text is shown escaped")
check(not any(r.startswith("FAKE") for r in rows) and "    FAKE HEADER" in feed,
      "log: a newline in someone's text stays behind the indent (cannot fake a header)")
check('wrote a "x\\x1b[31m" entry' in flat, "log: a hostile entry type is shown escaped")
# local time: TS0 + 1 min is 2023-11-14 22:14 UTC, 06:14 the next day at UTC+8
utc = human("log in UTC", "log", zh.pk.hex())
cst = human("log in UTC+8", "log", zh.pk.hex(), env={"TZ": "CST-8"})
check(utc.startswith("2023-11-14 22:14 UTC  " + ZH), f"log in TZ=UTC: {utc[:40]!r}")
check(cst.startswith("2023-11-15 06:14 CST  " + ZH), f"log in TZ=CST-8 shows local time: {cst[:40]!r}")
narrow = human("log at 40 columns", "log", zh.pk.hex(), env={"COLUMNS": "40"})
check(max(dispw(r) for r in narrow.split("\n")) <= 40 and LONG_TEXT[-20:] in narrow.replace("\n    ", " "),
      "log wraps at $COLUMNS")

# ---- graph, metrics, flow: escaped, cut and aligned by display width ----
gtext = human("graph", "graph")
check("Eve\\x1b[2J\\rroot\\nX…" in gtext, "graph: a hostile name is shown escaped (and cut to its column)")
prows = [r for r in gtext.split("\n") if r.startswith("person ")]
cols = {dispw(r.split(" seq ")[0]) for r in prows}
check(len(cols) == 1 and len(prows) > 1, f"graph: the seq column lines up by display width ({cols})")
# edges name the people and projects they join (with 8 hex digits: names are not unique)
check(f"follow    {ZH} ({zh.pk.hex()[:8]}) -> {EMOJI} ({em.pk.hex()[:8]})" in gtext,
      "graph: a follow edge shows both people's names and short keys")
check(f"member    {EMOJI} ({em.pk.hex()[:8]}) -> 昆明 River 🌊 ({proj[:8]})" in gtext,
      "graph: a membership edge shows the person's and the project's names")
check(f"follow    Eve\\x1b[2J\\rroot\\nX…" in gtext, "graph: a hostile name in an edge is escaped")

mtext = human("metrics", "metrics", "in-degree", "--top", "0")
mrows = [r for r in mtext.split("\n")[1:] if r]
cols = {dispw(r.rsplit(" ", 1)[0]) for r in mrows}
check(len(mrows) == 6 and len(cols) == 1, f"metrics: the value column lines up after Chinese, emoji, combining names ({cols})")
check(any(ZH in r for r in mrows) and any("Eve\\x1b[2J\\rroot\\nX…" in r for r in mrows),
      "metrics: names shown whole when they fit, hostile ones escaped")
check(any("昆明市场周六见面昆明市… " in r for r in mrows), "metrics: a long name is cut by columns with an ellipsis")

ctext = human("flow cascades", "flow", "cascades")
check("昆明市场周六见面昆" in ctext and "…" in ctext, "flow cascades: a long name cut on a character boundary")
check(ctext.startswith("3 reshare cascades over 6 entries"), "flow cascades: counts")
etext = human("flow edges", "flow", "edges", "--top", "0")
erows = [r for r in etext.split("\n")[2:] if r]
cols = {dispw(r[:r.rindex("  ")]) for r in erows if "  " in r}
check(len(erows) >= 6 and len(cols) == 1, f"flow edges: count columns line up by display width ({cols})")
check(any("Eve\\x1b[2J\\rroot\\nX" in r for r in erows), "flow edges: hostile names escaped")
ftext = human("flow entry", "flow", "entry", evil_type)
check("type x\\x1b[31m" in ftext, "flow entry: the entry type escaped")
ptext = human("flow project", "flow", "project", proj)
check("昆明 River 🌊" in ptext and "1 person," in ptext, "flow project: the name, and '1 person'")

# ---- import: hostile reasons escaped; plurals; --verbose on a terminal ----
bad = os.path.join(root, "bad.jsonl")
with open(bad, "w") as f:
    f.write('{"raw": 12\x1b[2J\u202e}\n')
    f.write(json.dumps(lines[0]) + "\n")
r = subprocess.run([A.seurone, "--home", me.path, "import", bad], capture_output=True)
err, out = r.stderr.decode("utf-8"), r.stdout.decode("utf-8")
check(r.returncode == 1 and "\\x1b" in err and not unsafe_chars(err + out), f"import: a bad line's reason is escaped ({err!r})")
check("0 accepted, 1 duplicate, 0 forks, 1 rejected" in out, f"import: '1 duplicate' ({out.strip()})")
fresh = Home(A.seurone, root, "fresh")
fresh.run("init")
fresh.run("publish", "about", "--name", "F")
check("ok: 1 entry from 1 author verified" in fresh.run("verify").stdout, "verify: '1 entry from 1 author'")
check(fresh.run("graph").stdout.endswith("1 person, 0 projects; 0 follow 0 block 0 member 0 supporter 0 share 0 reshare\n"),
      "graph: '1 person, 0 projects'")

# error messages quote what was given (here a pasted key): escaped too
r = subprocess.run([A.seurone, "--home", me.path, "log", "ab\x1b[2J\u202ecd"], capture_output=True)
err = r.stderr.decode("utf-8", "replace")
check(r.returncode == 2 and "ab\\x1b[2J\\u202ecd" in err and not unsafe_chars(err), f"errors are escaped ({err.strip()[-40:]!r})")

# a file name that is not UTF-8: JSON stays valid, the terminal gets it escaped
bk = os.fsencode(root) + b"/b\xff\x1b[2J.mdb"
r = subprocess.run([A.seurone, "--home", fresh.path, "backup", "--store-only", bk, "--json"], capture_output=True)
try:
    doc = json.loads(r.stdout.decode("utf-8"))
except ValueError:
    doc = {}
check(r.returncode == 0 and doc.get("file", "").endswith("/b\\xff\\x1b[2J.mdb") and doc.get("entries") == 1,
      f"backup --json with a file name that is not UTF-8: valid JSON, the name escaped ({r.stdout[:80]!r})")
r = subprocess.run([A.seurone, "--home", fresh.path, "backup", "--store-only", bk + b"2"], capture_output=True)
check(r.returncode == 0 and b"\x1b" not in r.stdout and b"/b\\xff\\x1b[2J.mdb2: the store, 1 entry" in r.stdout,
      f"backup: the file name escaped, '1 entry' ({r.stdout[:100]!r})")

# --verbose with stderr on a terminal: each "committed" line starts a line, not
# glued to the progress line ("import: 5000committed lines ...").
fresh2 = Home(A.seurone, root, "fresh2")
fresh2.run("init")
mfd, sfd = pty.openpty()
p = subprocess.Popen([A.seurone, "--home", fresh2.path, "import", "--verbose", "--batch", "4", jl],
                     stdout=subprocess.PIPE, stderr=sfd)
os.close(sfd)
tty = b""
while True:
    try:
        d = os.read(mfd, 4096)
    except OSError:
        break
    if not d:
        break
    tty += d
p.wait()
os.close(mfd)
starts = [tty[max(0, k - 3):k] for k in (mm.start() for mm in re.finditer(rb"committed lines", tty))]
check(len(starts) == (len(lines) + 3) // 4 and all(s.endswith(b"\n") or s.endswith(b"\x1b[K") for s in starts),
      f"import --verbose on a terminal: each committed line on a line of its own ({tty[:120]!r})")

finish(root)
