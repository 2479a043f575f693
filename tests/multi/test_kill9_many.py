#!/usr/bin/python3
"""kill -9, fifty times: what a node acknowledged survives a SIGKILL at any moment.

Three phases, 54 kills, their moments drawn from one seeded RNG (the seed is
printed; --seed N replays a run's moments, though not the node's own timing;
--phases import,sync,publish runs some):

 (a) import, 22 kills: a node runs and `seurone import FILE --batch 200
     --verbose` feeds it bench_ingest's JSON Lines through the control socket;
     the node is SIGKILLed 30-350 ms after the import started. Then its store
     verifies, holds every line of every batch the import reported ("committed
     lines a-b"), each entry once, and all it held before the kill. The node
     restarts and the import resumes after the last reported batch. A node that
     got the whole file this way ends its round: the file imported once more
     (all accepted or duplicates), stopped, it holds exactly the file's entries,
     and a fresh node takes the next kills (verify's cost grows with the store).
 (b) sync, 20 kills: a fresh receiver follows the 100 authors whose 16,000
     entries src holds; it (re)starts, dials src and is SIGKILLed at a random
     moment within 1.2 s (one in seven while it starts up). After each kill it
     verifies, keeps every entry it held, holds each once and only src's. Once a
     receiver holds all, it ends its round: restarted, it finishes the sync and
     stops with exactly src's entries; the next kills go to a fresh receiver.
 (c) publish, 12 kills: three clients publish shares through the control socket
     while the node is SIGKILLed at random moments. After each kill: every
     publish that got {"ok":true} is in the log with the seq of its reply, the
     node's own seqs run 1..n with no gap and no seq twice, no fork proof,
     verify passes; at the end the restarted node does not see itself forked
     and publishes seq n+1.

Under ASan or TSan (harness.SCALE > 1) each phase has fewer kills (it says so),
with the same checks. Reported: the node's restart time (from `seurone run` to
the address it logs, and to run.json as the harness sees it) and where the
time went."""
import base64
import datetime
import json
import os
import random
import shutil
import socket
import subprocess
import threading
import time

import harness as h
from harness import check, check_eq

IMPORT_ENTRIES, IMPORT_AUTHORS, IMPORT_BATCH = 10000, 200, 200
# A receiving node commits a sync in batches of up to 4096 entries
# (net/gossip_internal.h): 16,000 take four commits, and a few restarts.
SYNC_ENTRIES, SYNC_AUTHORS = 16000, 100
KILLS = {"import": 22, "sync": 20, "publish": 12}
KILLS_SANITIZED = {"import": 8, "sync": 6, "publish": 6}
PUBLISHERS = 3

restarts = []  # seconds from `seurone run` to run.json, every (re)start
spent = {}  # seconds per kind of step, reported at the end


class timed:
    def __init__(self, what):
        self.what = what

    def __enter__(self):
        self.t0 = time.monotonic()

    def __exit__(self, *exc):
        spent[self.what] = spent.get(self.what, 0.0) + time.monotonic() - self.t0


def start(node, **kw):
    t0 = time.monotonic()
    with timed("start"):
        node.start(**kw)
    restarts.append(time.monotonic() - t0)


def startup_ms(nodes):
    """Per start of these nodes: ms from the harness starting `seurone run` to
    the node logging its address (its own clock, not run.json's polling)."""
    out = []
    for n in nodes:
        t0 = None
        for ln in n.stderr_text().splitlines():
            if ln.startswith("==== harness: start #"):
                t0 = float(ln.rsplit(" at ", 1)[1])
            elif t0 is not None and "event=node_address" in ln:
                ts = datetime.datetime.strptime(ln.split()[0].removeprefix("ts="), "%Y-%m-%dT%H:%M:%S.%fZ")
                out.append((ts.replace(tzinfo=datetime.timezone.utc).timestamp() - t0) * 1000)
                t0 = None
    return sorted(out)


def export_ids(node):
    """The ids of every entry node's store holds, in store order (repeats kept)."""
    with timed("export"):
        r = subprocess.run([h.ARGS.seurone, "--home", node.home, "export", "entries"], capture_output=True, text=True,
                           timeout=120 * h.SCALE)
    if r.returncode != 0:
        raise h.TestFailure(f"{node.name}: export entries exited {r.returncode}: {r.stderr}")
    return [json.loads(ln)["id"] for ln in r.stdout.splitlines()]


def verified(node, what):
    with timed("verify"):
        v = node.verify()
    check(v.get("ok"), f"{what}: {node.name}'s store verifies: {v.get('problems')}")


# ---- (a) import ----

def import_until_killed(node, lines, first, delay):
    """Imports lines[first:] through the running node and SIGKILLs the node
    `delay` s after the import started. Returns (the 0-based line ranges the
    import reported committed, whether it finished before the kill)."""
    tail = node.cluster.path("tail.jsonl")
    with open(tail, "w") as f:
        f.write("\n".join(lines[first:]) + "\n")
    p = h.popen([h.ARGS.seurone, "--home", node.home, "import", tail, "--batch", str(IMPORT_BATCH), "--verbose"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = []

    def read():
        for ln in p.stderr:
            if ln.startswith("committed lines "):
                a, b = ln.split()[2].split("-")
                done.append((first + int(a) - 1, first + int(b)))  # [lo, hi) in lines

    t = threading.Thread(target=read)
    t.start()
    time.sleep(delay)
    finished = p.poll() == 0
    node.kill9()
    try:
        rc = p.wait(timeout=60 * h.SCALE)
    except subprocess.TimeoutExpired:
        p.kill()
        raise h.TestFailure("import did not end within 60 s of the node's SIGKILL")
    t.join()
    finished = finished or rc == 0
    if not finished:
        check(rc != 0, f"import exits {rc} (non-zero): the node died under it")
    return done, finished


def import_round_end(node, jsonl, all_ids, what):
    """The rest of the file imported through the running node, which stops
    cleanly: the store holds exactly the file's entries, each once."""
    r = node.cli_json("import", jsonl, timeout=300)
    check_eq(r["rejected"], [], f"{what}: the whole file imported again through the node: nothing rejected")
    check_eq(r["accepted"] + r["duplicates"], IMPORT_ENTRIES, f"{what}: each line accepted or already stored")
    node.stop()
    stored = export_ids(node)
    check_eq(len(stored), IMPORT_ENTRIES, f"{what}: the store holds the file's entry count")
    check(set(stored) == all_ids, f"{what}: ... exactly the file's entries, each once")
    verified(node, what)
    shutil.rmtree(node.home)  # done with: the temp dir stays small (its log is kept)


def phase_import(c, rng, kills):
    jsonl = c.path("import.jsonl")
    all_ids, _ = h.write_bench_jsonl(jsonl, IMPORT_ENTRIES, IMPORT_AUTHORS, seed=11)
    with open(jsonl) as f:
        lines = f.read().splitlines()
    ids = [json.loads(ln)["id"] for ln in lines]
    n, rounds = 0, 0
    # A round imports the file into a fresh node through kills until it is all
    # in (so verify, whose cost grows with the store, stays short), then checks it.
    while n < kills:
        rounds += 1
        node = c.node(f"imp{rounds}")
        start(node)
        pos, held = 0, set()
        while n < kills:
            # From 30 ms: by then the import has found the running node (killed
            # before it reads run.json, it would import offline and race nothing).
            delay = rng.uniform(0.03, 0.35) * h.SCALE
            done, finished = import_until_killed(node, lines, pos, delay)
            n += 1
            acked = {ids[i] for lo, hi in done for i in range(lo, hi)}
            if done:
                pos = done[-1][1]
            stored = export_ids(node)
            h.note(f"import kill {n}/{kills} (node imp{rounds}) at {delay:.3f} s: {len(done)} batches reported "
                   f"committed this run (lines up to {pos}), {len(stored)} entries stored"
                   f"{', the import had ended' if finished else ''}")
            verified(node, f"import kill {n}")
            sset = set(stored)
            check_eq(len(stored), len(sset), f"import kill {n}: each stored entry once")
            check(acked <= sset, f"import kill {n}: every line of the {len(done)} batches reported committed is stored "
                  f"(missing {len(acked - sset)})")
            check(held <= sset, f"import kill {n}: nothing stored before the kill is lost (lost {len(held - sset)})")
            check(sset <= all_ids, f"import kill {n}: only the file's entries are stored")
            held = sset
            start(node)
            if finished or pos >= len(lines):
                break
        import_round_end(node, jsonl, all_ids, f"import round {rounds} ({n} kills so far)")
    return n, rounds


# ---- (b) sync ----

def sync_kill(dst, src, src_ids, rng, n, kills, held):
    """Starts dst (which dials src), SIGKILLs it at a random moment and checks
    its store; returns what it holds of src's entries."""
    during_start = rng.random() < 0.15
    delay = rng.uniform(0.0, 0.05 if during_start else 1.2) * h.SCALE
    if during_start:
        dst.start(wait=False)
    else:
        start(dst)
        if not getattr(dst, "knows_src", False):
            dst.peer_add(src)  # stored: later starts dial it
            dst.knows_src = True
    time.sleep(delay)
    dst.kill9()
    got = [i for i in export_ids(dst) if i in src_ids]
    gset = set(got)
    h.note(f"sync kill {n}/{kills} ({dst.name}) {'during start-up ' if during_start else ''}at {delay:.3f} s: "
           f"it holds {len(gset)} of {SYNC_ENTRIES}")
    verified(dst, f"sync kill {n}")
    check_eq(len(got), len(gset), f"sync kill {n}: each entry once")
    check(held <= gset, f"sync kill {n}: every entry held before the kill is still held (lost {len(held - gset)})")
    return gset, during_start


def phase_sync(c, rng, kills):
    jsonl = c.path("sync.jsonl")
    src_ids, authors = h.write_bench_jsonl(jsonl, SYNC_ENTRIES, SYNC_AUTHORS, seed=12)
    aset = set(authors)
    src = c.node("src")
    src.import_jsonl(jsonl)
    src.import_jsonl(h.make_contacts(src.home, authors))
    start(src)
    n, rounds, boot_kills = 0, 0, 0
    # A round syncs a fresh dst through kills until it holds all (a kill after
    # that would test less, and verify's cost grows with the store).
    while n < kills:
        rounds += 1
        dst = c.node(f"dst{rounds}")
        dst.import_jsonl(h.make_contacts(dst.home, authors))
        held = set()
        while n < kills and len(held) < SYNC_ENTRIES:
            n += 1
            held, booting = sync_kill(dst, src, src_ids, rng, n, kills, held)
            boot_kills += booting
        start(dst)
        if not getattr(dst, "knows_src", False):
            dst.peer_add(src)
        h.wait_until(lambda: sum(v for a, v in dst.heads().items() if a in aset) >= SYNC_ENTRIES, 120,
                     f"{dst.name} finishes the sync after the kills", interval=0.3)
        dst.stop()
        got = [i for i in export_ids(dst) if i in src_ids]
        check_eq(len(got), SYNC_ENTRIES, f"sync round {rounds}: {dst.name} holds src's entry count")
        check(set(got) == src_ids, f"sync round {rounds}: ... exactly src's entries, each once")
        verified(dst, f"sync round {rounds} ({n} kills so far)")
        shutil.rmtree(dst.home)
    src.stop()
    h.note(f"{boot_kills} of the {n} sync kills came while the receiver was starting up")
    return n, rounds


# ---- (c) publish ----



def share_content(text):
    # canonical msgpack of {"text": text} (one key: nothing to sort)
    b = text.encode()
    assert len(b) < 32
    return base64.b64encode(bytes([0x81, 0xa4]) + b"text" + bytes([0xa0 | len(b)]) + b).decode()


def own_log(node):
    """{seq: [ids]} of node's own entries, and whether a fork proof is held."""
    seqs, proof = {}, False
    for e in node.log(node):
        if e.get("fork_proof"):
            proof = True
            continue
        seqs.setdefault(e["seq"], []).append(e["id"])
    return seqs, proof


def check_own_log(node, acked, what):
    seqs, proof = own_log(node)
    check(not proof, f"{what}: no fork proof of its own log")
    check(all(len(v) == 1 for v in seqs.values()), f"{what}: no seq of its own log held twice")
    check_eq(sorted(seqs), list(range(1, len(seqs) + 1)), f"{what}: its own seqs run 1..{len(seqs)}, no gap")
    by_id = {v[0]: s for s, v in seqs.items()}
    lost = [(i, s) for i, s in acked if by_id.get(i) != s]
    check(not lost, f"{what}: all {len(acked)} acknowledged publishes are held with their seq (lost: {lost[:3]})")
    return len(seqs)


def phase_publish(c, rng, kills):
    node = c.node("pub")
    acked, errors, stop = [], [], threading.Event()
    lock = threading.Lock()

    def publisher(k):
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = h.control(node, {"cmd": "publish", "type": "share", "content": share_content(f"p{k}-{i}")})
            except (OSError, ValueError):
                r = None  # the node is down or died mid-request: not acknowledged
            if r is None:
                time.sleep(0.002)
                continue
            if r.get("ok"):
                with lock:
                    acked.append((r["id"], r["seq"]))
            else:
                errors.append(r)

    threads = [threading.Thread(target=publisher, args=(k,)) for k in range(PUBLISHERS)]
    for t in threads:
        t.start()
    n, held = 0, 0
    try:
        while n < kills:
            start(node)
            delay = rng.uniform(0.0, 0.4) * h.SCALE
            time.sleep(delay)
            node.kill9()
            n += 1
            with lock:
                snap = list(acked)
            verified(node, f"publish kill {n}")
            held = check_own_log(node, snap, f"publish kill {n}")
            h.note(f"publish kill {n}/{kills} at {delay:.3f} s: {len(snap)} publishes acknowledged so far, "
                   f"{held} entries in its log")
    finally:
        stop.set()
        for t in threads:
            t.join()
    check_eq(errors[:3], [], "no publish was refused (only unanswered while the node was down)")
    check(len(acked) > kills, f"publishes were acknowledged between the kills ({len(acked)})")
    start(node)
    forked = [a["id"] for a in node.status().get("forked_authors", [])]
    check(node.id not in forked, "the restarted node does not see its own log forked")
    r = h.control(node, {"cmd": "publish", "type": "share", "content": share_content("after the kills")})
    check(r and r.get("ok") and r["seq"] == held + 1, f"it publishes on, seq {held + 1}: {r}")
    acked.append((r["id"], r["seq"]))
    node.stop()
    check_own_log(node, acked, "after the publish phase")
    verified(node, "after the publish phase")
    return n, 1


def main(c):
    seed = h.ARGS.seed if h.ARGS.seed is not None else random.SystemRandom().randrange(1 << 32)
    h.note(f"seed {seed} (replay the kill moments with --seed {seed})")
    rng = random.Random(seed)
    kills = KILLS
    if h.SCALE > 1:
        kills = KILLS_SANITIZED
        h.note(f"sanitizer build (timeout scale {h.SCALE:g}): fewer kills per phase {kills} instead of {KILLS}")
    t0 = time.monotonic()
    total = 0
    phases = (("import", phase_import), ("sync", phase_sync), ("publish", phase_publish))
    only = h.ARGS.phases.split(",") if h.ARGS.phases else [name for name, _ in phases]
    for name, phase in phases:
        if name not in only:
            h.note(f"phase {name} not run (--phases {h.ARGS.phases})")
            kills = {**kills, name: 0}
            continue
        t = time.monotonic()
        got, rounds = phase(c, rng, kills[name])
        total += got
        h.note(f"phase {name}: {got} kills, {rounds} node{'s' if rounds > 1 else ''}, in {time.monotonic() - t:.1f} s")
    rs, ls = sorted(restarts), startup_ms(c.nodes)
    h.note(f"{total} kills in {time.monotonic() - t0:.1f} s")
    h.note(f"restart: `seurone run` to its address logged: median {ls[len(ls) // 2]:.0f} ms, max {ls[-1]:.0f} ms "
           f"over {len(ls)} starts; to run.json seen (50 ms polls): median {rs[len(rs) // 2] * 1000:.0f} ms, "
           f"max {rs[-1] * 1000:.0f} ms")
    h.note("time spent: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(spent.items())))
    check(total >= sum(kills.values()), f"{total} SIGKILLs, each followed by a restart and the checks")


def flags(p):
    p.add_argument("--seed", type=int, help="replay the kill moments of a run")
    p.add_argument("--phases", help="run only these phases (comma-separated: import,sync,publish)")


h.run_test(main, extra_args=flags)
