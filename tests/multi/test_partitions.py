#!/usr/bin/python3
"""Partitions and loss: six real `seurone run` nodes, each in a network namespace
of its own, joined by a bridge in a "switch" namespace (netlab.py) that cuts and
shapes each node's link. Everyone follows everyone (hops 1) and every node was
given every other's address (`peer add`). The six nodes run through every
scenario in turn; in each, every node publishes, and each ends only when every
node holds every entry of every author exactly once (the log has no id twice
and equals the set published, the heads are the number published), with no fork
(status: no forked author, no self fork), nothing rejected and no peer dropped
for sending what the node holds (SR_ERATE):

  1. split 3|3 (nftables drops frames between the sides on the bridge): the
     sessions across end, each side publishes and converges alone, the other
     side gets none of it; the split heals and all six converge;
  2. loss 5%, then 20%, of every frame between two nodes, both directions
     (netem when the kernel has it, else nftables `numgen random`);
  3. a narrow link: one side's three uplinks at 256 kbit/s (tbf) while a burst of
     larger entries is published;
  4. a flapping link: one node's port down and up every 1.5 s while all publish;
  5. delay 100 ms each way with jitter (netem when the kernel has it; else a
     userspace TCP forwarder in the switch namespace holds each chunk 100 ms
     +- 20 ms, in order, and each node's direct TCP to the others is refused,
     so every session goes through it).
At the end every node is stopped and `seurone verify` passes on every store.
The output says which emulation each condition used, and the time each
scenario took to converge (printed, never asserted). Under a sanitizer fewer
entries are published (said in the output); every scenario still runs.
Needs root for the namespaces; exits 77 (skipped) when the kernel refuses them."""
import json
import os
import re
import threading
import time

import harness as h
from harness import check, check_eq
import netlab

N = 6
SIDE_A, SIDE_B = [0, 1, 2], [3, 4, 5]
FLAPPER = 0
SPLIT_S = 12  # seconds the split holds: the dials across fail, and back off, a few times
CONFIG = {
    "hops": 1,
    "web": "off",
    # Dead sessions end within seconds (ping every 1.3 s), so that a partition
    # shows in `status` and the heal goes through redialling.
    "idle_timeout_ms": 4000,
    "handshake_timeout_ms": 4000,
}
TIMES = []


def publish_all(nodes, who, count, label, pad=0):
    """Each node of who publishes count shares through its running node, one
    thread per node; returns {id: author key}."""
    out, errors, lock = {}, [], threading.Lock()

    def one(i):
        try:
            for k in range(count):
                text = f"{label} {k} from n{i}" + (" " + "x" * pad if pad else "")
                r = nodes[i].share(text)
                with lock:
                    out[r["id"]] = nodes[i].id
        except Exception as e:  # noqa: BLE001 (reported below, with the node)
            with lock:
                errors.append(f"n{i}: {e}")

    t0 = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in who]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, f"{label}: every publish went through its node" + (f": {errors}" if errors else ""))
    check_eq(len(out), count * len(who), f"{label}: {count} entries from each of {len(who)} nodes")
    h.note(f"{label}: published in {time.monotonic() - t0:.1f} s")
    return out


class World:
    def __init__(self, nodes, lab):
        self.nodes = nodes
        self.lab = lab
        self.expected = {}  # entry id -> author key
        self.count = {n.id: 0 for n in nodes}  # author key -> entries published (its head)
        self.dups = [0] * N
        for n in nodes:
            for e in n.ids(n):
                self.add(e, n.id)

    def add(self, eid, author):
        self.expected[eid] = author
        self.count[author] += 1

    def add_all(self, published):
        for eid, author in published.items():
            self.add(eid, author)

    def behind(self, which=None, authors=None):
        """{node: authors whose head it lacks}; empty when all are there."""
        which = range(N) if which is None else which
        authors = self.count if authors is None else authors
        out = {}
        for i in which:
            heads = self.nodes[i].heads()
            lag = {a[:8]: (heads.get(a, 0), self.count[a]) for a in authors if heads.get(a, 0) != self.count[a]}
            if lag:
                out[f"n{i}"] = lag
        return out

    def converge(self, label, since, timeout, since_what, then=None):
        """Waits for every head everywhere; then() (e.g. lifting the condition)
        runs before the exact checks."""
        h.wait_gone(self.behind, timeout, f"{label}: every node holds every author's head", interval=0.2)
        took = time.monotonic() - since
        TIMES.append((label, took, since_what))
        h.note(f"{label}: converged {took:.1f} s after {since_what}")
        if then:
            then()
        self.check_exact(label)
        return took

    def check_exact(self, label):
        want = set(self.expected)
        for n in self.nodes:
            ids = [e["id"] for e in n.log() if not e.get("fork_proof")]
            check_eq(len(ids), len(want), f"{label}: {n.name} stores {len(want)} entries, none twice")
            check(set(ids) == want, f"{label}: {n.name} holds exactly the entries published")
            s = n.status()
            check_eq((s["forked_authors"], s["self_fork"]), ([], None), f"{label}: {n.name}: no fork")
            check_eq(s["rejected"], 0, f"{label}: {n.name}: nothing rejected")
            # Duplicates (entries received that the node held) are honest in a mesh
            # (pushes in flight); a loop would pass this bound: one per peer per entry.
            check_eq(n.log_lines(r"\bSR_ERATE\b"), [], f"{label}: {n.name}: no peer dropped for its rate or duplicates")
            n.check_alive(f"after {label}")
        # Duplicates (entries received that the node held) are honest in a mesh:
        # pushes in flight, re-asks after a gap. A loop would never stop: once all
        # is held, every node's counters must come to rest.
        box = {}

        def at_rest():
            now = [(n.status()["duplicates"], n.status()["entries_in"]) for n in self.nodes]
            same = box.get("last") == now
            box["last"] = now
            return same

        h.wait_until(at_rest, 30, f"{label}: every node's entries_in and duplicates counters come to rest", interval=0.5)
        dups = [d for d, _ in box["last"]]
        h.note(f"{label}: duplicates received in this scenario per node (none stored): "
               f"{[d - p for d, p in zip(dups, self.dups)]}")
        self.dups = dups


def sessions(n):
    return {p["key"]: p for p in n.status()["peers"]}


def nft_dropped(lab):
    """Frames dropped so far by the switch's rules (their counters)."""
    return sum(int(m) for m in re.findall(r"counter packets (\d+)", lab.switch_rules()))


def scenario_split(w, k):
    lab, nodes = w.lab, w.nodes
    label = "split 3|3"
    h.note(f"{label}: nftables on the bridge drops every frame between n0-n2 and n3-n5")
    lab.set_switch_rules([r.replace(" drop", " counter drop") for r in lab.partition_rules(SIDE_A, SIDE_B)])
    side = {nodes[i].id: (0 if i in SIDE_A else 1) for i in range(N)}

    def across():
        return {n.name: [k[:8] for k in sessions(n) if side[k] != side[n.id]] for n in nodes
                if any(side[k] != side[n.id] for k in sessions(n))}

    t0 = time.monotonic()
    h.wait_gone(across, 30, f"{label}: every session across the split ends")
    h.note(f"{label}: the sessions across ended {time.monotonic() - t0:.1f} s after the cut")
    pub = publish_all(nodes, range(N), k, "split")
    w.add_all(pub)
    a_authors = [nodes[i].id for i in SIDE_A]
    b_authors = [nodes[i].id for i in SIDE_B]
    h.wait_gone(lambda: w.behind(SIDE_A, a_authors), 30, f"{label}: side A converges alone")
    h.wait_gone(lambda: w.behind(SIDE_B, b_authors), 30, f"{label}: side B converges alone")
    # Hold the split a while: the dials across fail and back off, as they would.
    while time.monotonic() - t0 < SPLIT_S:
        time.sleep(0.5)
    waits = []
    now_ms = time.time() * 1000
    for i in range(N):
        for p in nodes[i].peers():
            if side.get(p["key"], side[nodes[i].id]) != side[nodes[i].id]:
                waits.append((p["failures"], max(0, p["next_attempt"] - now_ms) / 1000))
    h.note(f"{label}: held {time.monotonic() - t0:.0f} s; dials across: failures in a row per peer "
           f"{sorted(f for f, _ in waits)}, longest wait to the next dial {max(w_ for _, w_ in waits):.1f} s")
    for i in range(N):
        other = b_authors if i in SIDE_A else a_authors
        heads = nodes[i].heads()
        got = {a[:8]: heads.get(a, 0) for a in other if heads.get(a, 0) != w.count[a] - k}
        check_eq(got, {}, f"{label}: n{i} has none of the other side's entries of the split")
    check(nft_dropped(lab) > 0, f"{label}: the rules dropped frames ({nft_dropped(lab)})")
    lab.set_switch_rules([])
    w.converge(label, time.monotonic(), 60, "the heal")


def scenario_loss(w, k, percent):
    lab, nodes = w.lab, w.nodes
    label = f"loss {percent}%"
    if lab.has_netem():
        how = f"netem loss {percent}% on every switch port's egress"
        lab.netem_ports("loss", f"{percent}%")
    else:
        how = f"nftables `numgen random mod 100 < {percent} drop` on the bridge (netem refused: {lab.netem_error})"
        lab.set_switch_rules([r.replace(" drop", " counter drop") for r in lab.loss_rules(percent)])
    h.note(f"{label}: emulated with {how}")
    t0 = time.monotonic()
    pub = publish_all(nodes, range(N), k, f"loss{percent}", pad=600)
    w.add_all(pub)
    w.converge(label, t0, 90, "the first publish")
    if not lab.has_netem():
        h.note(f"{label}: {nft_dropped(lab)} frames dropped by the rule")
    lab.set_switch_rules([])
    if lab.has_netem():
        lab.netem_ports()


def scenario_narrow(w, k):
    lab, nodes = w.lab, w.nodes
    label = "narrow link"
    for i in SIDE_A:
        lab.tbf(i, "256kbit")
    h.note(f"{label}: tbf 256 kbit/s on the uplinks of n0-n2 (their eth0 egress): {lab.qdisc(SIDE_A[0])}")
    t0 = time.monotonic()
    pub = publish_all(nodes, range(N), k, "burst", pad=600)
    w.add_all(pub)

    def widen():
        # What the narrow uplinks still carry once all is held is duplicates the
        # senders had queued before the receivers' notes came (eager pushes): the
        # link is widened before the counters must come to rest.
        d0 = sum(n.status()["duplicates"] for n in nodes)
        time.sleep(2)
        d1 = sum(n.status()["duplicates"] for n in nodes)
        h.note(f"{label}: after converging, {d1 - d0} more duplicates arrived in 2 s over the narrow links")
        for i in SIDE_A:
            stats = netlab.run(["ip", "netns", "exec", lab.ns(i), "tc", "-s", "qdisc", "show", "dev", "eth0"]).stdout
            h.note(f"{label}: n{i}'s tbf: " + " ".join(stats.split()))
            lab.unshape(i)

    w.converge(label, t0, 90, "the first publish", then=widen)


def scenario_flap(w, k, flaps):
    lab, nodes = w.lab, w.nodes
    label = "flapping link"
    h.note(f"{label}: n{FLAPPER}'s port on the bridge down 1.5 s, up 1.5 s, {flaps} times; every node publishes "
           "in each half")
    others = [i for i in range(N) if i != FLAPPER]
    pub = {}
    for r in range(flaps):
        t_down = time.monotonic()
        lab.link(FLAPPER, False)
        down = publish_all(nodes, range(N), k, f"flap{r} down")
        pub.update(down)
        time.sleep(max(0.0, t_down + 1.5 - time.monotonic()))
        if r == flaps - 1:
            heads = nodes[FLAPPER].heads()
            got = {nodes[i].name: heads.get(nodes[i].id, 0) for i in others
                   if heads.get(nodes[i].id, 0) > w.count[nodes[i].id] + len(pub) // N - k}
            check_eq(got, {}, f"{label}: while its link is down n{FLAPPER} gets none of the entries published then")
        lab.link(FLAPPER, True)
        t_up = time.monotonic()
        if r < flaps - 1:
            pub.update(publish_all(nodes, range(N), k, f"flap{r} up"))
            time.sleep(max(0.0, t_up + 1.5 - time.monotonic()))
    w.add_all(pub)
    broken = len(nodes[FLAPPER].log_lines(r"SR_EIDLE|SR_ENETIO|SR_EBOXNOBYE|SR_EBOXTRUNC|SR_EHSTIMEOUT|timed out"))
    h.note(f"{label}: {flaps} downs; n{FLAPPER} logged {broken} broken sessions or dials so far")
    w.converge(label, t_up, 60, "the link came up for the last time")


def scenario_delay(w, k):
    lab, nodes = w.lab, w.nodes
    label = "delay 100 ms"
    fwd = None
    if lab.has_netem():
        lab.netem_ports("delay", "100ms", "20ms", "distribution", "normal")
        h.note(f"{label}: netem delay 100ms 20ms (normal) on every switch port's egress: 100 ms each way")
    else:
        stats = nodes[0].cluster.path("forwarder.json")
        targets = {i: (lab.addr(i), nodes[i].port) for i in range(N)}
        fwd = h.popen(lab.forwarder_argv(targets, 100, 20, stats, seed=15), stdout=open(stats + ".out", "w"),
                      stderr=open(stats + ".err", "w"))
        h.wait_until(lambda: os.path.exists(stats) or fwd.poll() is not None, 10, "the forwarder listens")
        check(fwd.poll() is None, f"{label}: the forwarder runs" + ("" if fwd.poll() is None else
                                                                     open(stats + ".err").read()))
        h.note(f"{label}: netem refused ({lab.netem_error}); emulated by a userspace TCP forwarder in the switch "
               "namespace holding each chunk 100 ms +- 20 ms (gaussian, in order) each way; every node's direct "
               "TCP to another node is refused (nftables, reset), so sessions and dials go through it")
        for i in range(N):
            lab.reject_direct_tcp(i, True)
        for i in range(N):
            for j in range(N):
                if i != j:
                    nodes[i].peer_add(lab.forward_address(j, nodes[j].id))

        def not_through():
            out = {}
            for n in nodes:
                s = sessions(n)
                bad = [p["key"][:8] for p in s.values() if netlab.SWITCH_IP not in (p.get("address") or "")]
                if len(s) != N - 1 or bad:
                    out[n.name] = {"sessions": len(s), "direct": bad}
            return out

        t0 = time.monotonic()
        h.wait_gone(not_through, 60, f"{label}: every node has its {N - 1} sessions through the forwarder")
        h.note(f"{label}: all sessions through the forwarder {time.monotonic() - t0:.1f} s after it started")
    t0 = time.monotonic()
    pub = publish_all(nodes, range(N), k, "delay")
    w.add_all(pub)
    w.converge(label, t0, 90, "the first publish")
    if fwd is not None:
        with open(stats) as f:
            st = json.load(f)
        h.note(f"{label}: forwarder: {st}")
        check(st["chunks"] > 0 and st["hold_ms_mean"] >= 80,
              f"{label}: the forwarder held {st['chunks']} chunks, {st['hold_ms_mean']} ms on average")
    else:
        lab.netem_ports()


def main(c):
    lab = netlab.Lab("srp", N)
    lab.setup("partitions and loss need six of them joined by a bridge")
    sanitized = h.SCALE > 1
    k, burst, flaps = (4, 20, 3) if sanitized else (12, 40, 4)
    if sanitized:
        h.note(f"timeout scale {h.SCALE:g} (a sanitizer): {k} entries per node per scenario, bursts of {burst}, "
               f"{flaps} flaps (release: 12, 40, 4); every scenario runs")
    nodes = []
    for i in range(N):
        n = c.node(f"n{i}", config=dict(CONFIG, listen=f"{lab.addr(i)}:0"))
        n.run_prefix = lab.prefix_for(i)
        n.host = lab.addr(i)
        nodes.append(n)
    for a in nodes:
        for b in nodes:
            if a is not b:
                a.follow(b)
    t_start = time.monotonic()
    for n in nodes:
        n.start()
    for a in nodes:
        for b in nodes:
            if a is not b:
                a.peer_add(b)
    w = World(nodes, lab)
    w.converge("start", t_start, 60, "the start")
    h.wait_until(lambda: all(len(sessions(n)) == N - 1 for n in nodes), 30, "every node has a session with each other")

    scenario_split(w, k)
    scenario_loss(w, k, 5)
    scenario_loss(w, k, 20)
    scenario_narrow(w, burst)
    scenario_flap(w, k, flaps)
    scenario_delay(w, k)

    for n in nodes:
        n.stop()
    for n in nodes:
        v = n.verify()
        check(v["ok"] and v["entries"] == len(w.expected),
              f"{n.name}: seurone verify passes on its store ({v['entries']} entries, problems {v['problems'][:3]})")
    h.note("convergence: " + "; ".join(f"{lab_}: {t:.1f} s after {what}" for lab_, t, what in TIMES))


h.run_test(main)
