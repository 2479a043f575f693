#!/usr/bin/env python3
"""`import` parses batch k+1 on a thread of its own while batch k is stored
(issue 18, tools/cli/import_reader.c); what it reports must not change.

A file of ~100 entries (bench_ingest) with bad lines planted across its batches
(bad base64, a bad signature, a line over 64 KiB, not JSON; blank and CRLF lines
shift the numbers) is imported with --batch 7, as a file and from stdin:
  - every rejected line is reported, by number, in line order, with its reason,
    in --json and in text, and the --verbose "committed lines A-B" follow each
    other batch after batch;
  - the store holds exactly the good entries and `seurone verify` passes;
  - a batch whose commit fails (the data file may not grow: RLIMIT_FSIZE) stops
    the import: nothing read after it is reported, the store holds the batches
    reported as committed, and it stops at once even when stdin stays open
    with the reader waiting on it for more.
"""
import base64
import json
import os
import re
import resource
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Home, args, check, finish, tempdir  # noqa: E402

A = args()
root = tempdir()
BATCH = 7
src = os.path.join(root, "src.jsonl")
subprocess.run([A.bench_ingest, "--entries", "100", "--authors", "5", "--write-jsonl", src], check=True,
               stdout=subprocess.DEVNULL)
good = open(src).read().splitlines()


def bad_sig(line):
    """A copy of a good line with one signature bit flipped: another id, refused."""
    o = json.loads(line)
    raw = bytearray(base64.b64decode(o["raw"]))
    raw[-1] ^= 1
    return json.dumps({"raw": base64.b64encode(bytes(raw)).decode()})


# The file: every good line once, in order, with bad ones planted between them
# so that most batches of 7 hold one or two (and some none).
plants = {3: "base64", 9: "signature", 10: "long", 22: "json", 23: "blank", 40: "crlf", 41: "base64", 55: "signature",
          70: "long", 71: "signature", 72: "blank", 73: "blank", 90: "base64", 99: "json"}
lines, expect, good_ids, line_of_good = [], [], set(), {}
for i, g in enumerate(good):
    kind = plants.get(i)
    if kind in ("base64", "signature", "long", "json"):
        text = {"base64": json.dumps({"raw": "!!!"}), "signature": bad_sig(good[i - 1]),
                "long": json.dumps({"raw": "A" * 70000}), "json": "this is not json"}[kind]
        lines.append(text)
        expect.append((len(lines), kind))
    elif kind == "blank":
        lines.append("")
    lines.append(g + ("\r" if kind == "crlf" else ""))
    good_ids.add(json.loads(g)["id"])
    line_of_good[len(lines)] = json.loads(g)["id"]
path = os.path.join(root, "mixed.jsonl")
with open(path, "w") as f:
    f.write("".join(x + "\n" for x in lines))
WORDS = {"base64": "base64", "signature": "signature", "long": "longer than any exported entry line",
         "json": "not a JSON object"}


def reasons_ok(rejected):
    """The rejected lines are exactly the planted ones, in line order, each named."""
    got = [(r["line"], r["reason"]) for r in rejected]
    return ([n for n, _ in got] == [n for n, _ in expect]
            and all(WORDS[k] in why for (_, why), (_, k) in zip(got, expect))), got


def stored(home):
    return {json.loads(x)["id"] for x in home.run("export", "entries").stdout.splitlines() if x.strip()}


# --- a file, --json ---
ada = Home(A.seurone, root, "ada")
ada.json("init")
r = ada.run("import", path, "--batch", str(BATCH), "--json", check=False)
rep = json.loads(r.stdout)
ok, got = reasons_ok(rep["rejected"])
check(r.returncode == 1 and ok, f"--json: every bad line rejected in line order with its reason ({len(got)}"
      f" of {len(expect)}: {[n for n, _ in got]})")
check((rep["accepted"], rep["duplicates"], rep["forks"]) == (len(good), 0, 0), f"every good line accepted: {rep}")
check(stored(ada) == good_ids, "the store holds exactly the good entries")
check(ada.run("verify").returncode == 0, "verify passes")
again = json.loads(ada.run("import", path, "--batch", str(BATCH), "--json", check=False).stdout)
check(again["duplicates"] == len(good) and reasons_ok(again["rejected"])[0], "again: all duplicates, the same rejects")

# --- stdin, text, --verbose ---
bob = Home(A.seurone, root, "bob")
bob.json("init")
r = bob.run("import", "-", "--batch", str(BATCH), "--verbose", stdin=open(path).read(), check=False)
err = r.stderr.splitlines()
rej = [int(m.group(1)) for m in (re.match(r"line (\d+): rejected: ", x) for x in err) if m]
check(r.returncode == 1 and rej == [n for n, _ in expect], f"text from stdin: rejected lines in order ({rej})")
spans = [tuple(map(int, m.groups())) for m in (re.match(r"committed lines (\d+)-(\d+)$", x) for x in err) if m]
# a batch is 7 non-blank lines: its span is 7 lines plus the blank ones in it
nonblank = [n for n in range(1, len(lines) + 1) if lines[n - 1].strip()]
want = [(nonblank[k], nonblank[min(k + BATCH, len(nonblank)) - 1]) for k in range(0, len(nonblank), BATCH)]
check(spans == want, f"--verbose: one 'committed lines A-B' per batch, in order ({len(spans)} of {len(want)})")
# each line reported in the batch it belongs to: after the commit before it, before its own
order = [("c", m.group(2)) if m else ("r", x) for x in err for m in [re.match(r"committed lines (\d+)-(\d+)$", x)]
         if m or x.startswith("line ")]
seen_ok, last_end = True, 0
for kind, v in order:
    if kind == "c":
        last_end = int(v)
    elif int(v.split(":")[0].split()[1]) <= last_end:
        seen_ok = False
check(seen_ok, "each rejected line is reported with its own batch, after the batch before it")
check(any(x.startswith("import stages: the store waited ") for x in err), "--verbose: the stages' waits are told")
check(r.stdout.startswith(f"{len(good)} accepted, 0 duplicates, 0 forks, {len(expect)} rejected"), r.stdout.strip())
check(stored(bob) == good_ids and bob.run("verify").returncode == 0, "stdin: the same store, verified")


# --- a commit that fails mid-way: the data file may grow this much, no more ---
def limited(home, extra):
    size = os.path.getsize(os.path.join(home.path, "store", "data.mdb"))

    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + extra, size + extra))
    return pre


def committed(err):
    return [tuple(map(int, m.groups())) for m in (re.match(r"committed lines (\d+)-(\d+)$", x) for x in err) if m]


for extra in (64 << 10, 96 << 10, 128 << 10, 192 << 10):
    carol = Home(A.seurone, root, f"carol{extra}")
    carol.json("init")
    r = subprocess.run([A.seurone, "--home", carol.path, "import", path, "--batch", str(BATCH), "--verbose"],
                       preexec_fn=limited(carol, extra), capture_output=True, text=True)
    spans = committed(r.stderr.splitlines())
    if r.returncode == 3 and len(spans) >= 2:
        break
m = re.search(r"import stopped at line (\d+):", r.stderr)
check(r.returncode == 3 and m and len(spans) >= 2, f"a failed commit stops the import mid-way (exit"
      f" {r.returncode}, {len(spans)} batches: {r.stderr[-300:]!r})")
if m and spans:
    end = spans[-1][1]
    stop_line = int(m.group(1))
    check(spans == want[:len(spans)] and stop_line == want[len(spans)][1],
          f"the commits reported are the first {len(spans)}, it stopped at the next batch's last line ({stop_line})")
    rej = [int(x.group(1)) for x in (re.match(r"line (\d+): rejected: ", y) for y in r.stderr.splitlines()) if x]
    check(rej == [n for n, _ in expect if n <= end], f"only the rejects of committed batches are reported ({rej})")
    check(stored(carol) == {i for n, i in line_of_good.items() if n <= end},
          "the store holds exactly the good entries of the committed batches")
    check(carol.run("verify").returncode == 0, "verify passes after the failed commit")

# The first batch fails (not a byte more) while the reader waits on an open
# stdin for the rest of batch 2: the import must end, not wait for more input.
dave = Home(A.seurone, root, "dave")
dave.json("init")
p = subprocess.Popen([A.seurone, "--home", dave.path, "import", "-", "--batch", str(BATCH), "--json"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     preexec_fn=limited(dave, 0))
p.stdin.write("".join(x + "\n" for x in good[:BATCH + 3]).encode())
p.stdin.flush()  # and left open
try:
    p.wait(timeout=60)
    errtext = p.stderr.read().decode()
    check(p.returncode == 3 and "import stopped at line 7:" in errtext,
          f"stdin left open: the import ends after the failed first batch (exit {p.returncode}, {errtext[-200:]!r})")
except subprocess.TimeoutExpired:
    p.kill()
    p.wait()
    check(False, "stdin left open: the import ends after the failed first batch (it waited for more input)")
p.stdin.close()
check(stored(dave) == set() and dave.run("verify").returncode == 0, "nothing stored, verify passes")
finish(root)
