#!/usr/bin/python3
"""Push-sum over live connections: 6 real nodes estimate the network size and the
average number of sessions per node (docs/network-stats.md, "Push-sum").

Topology: a ring a-b-c-d-e-f-a plus the chord a-d (7 links; every node is
connected, no node talks to all others). pushsum_interval_ms = 100 and
pushsum_epoch = 4 s: an epoch holds ~40 rounds. The test polls `status --json`
until every node's estimate from its last completed epoch is within 10% of 6
and all agree on the same leader, the smallest node key (the one instance
nobody drops). Then the averages must match the truth within 10%: `sessions`
the mean degree 14/6, `entries` the mean of what the nodes hold (node i
publishes i + 1 shares before it starts and follows nobody: 1..6, mean 3.5).
The text status shows the line. The only timing is the
overall timeout of each wait.
"""
import harness as h
from harness import check, check_eq

NAMES = "abcdef"
LINKS = [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("e", "f"), ("f", "a"), ("a", "d")]
CONFIG = {"pushsum_interval_ms": 100, "pushsum_epoch": 4}


def main(c):
    nodes = {n: c.node(n, config=CONFIG) for n in NAMES}
    for i, n in enumerate(nodes.values()):
        for k in range(i + 1):
            n.share(f"{n.name} share {k}")
    held = {name: n.status()["store_entries"] for name, n in nodes.items()}
    check_eq(sorted(held.values()), list(range(1, len(NAMES) + 1)), "entries held before start")
    mean_entries = sum(held.values()) / len(NAMES)
    for n in nodes.values():
        n.start()
    for x, y in LINKS:
        nodes[x].peer_add(nodes[y])
    degree = {n: 0 for n in NAMES}
    for x, y in LINKS:
        degree[x] += 1
        degree[y] += 1

    def linked():
        return all(len(nodes[n].status()["peers"]) == degree[n] for n in NAMES)
    h.wait_until(linked, 30, "every link is a live session")

    size = len(NAMES)
    leader = min(n.id for n in nodes.values())
    last = {}

    def converged():
        for name, n in nodes.items():
            ps = n.status()["pushsum"]
            last[name] = ps
            est = ps["size_estimate"]
            if est is None or abs(est - size) > 0.1 * size or ps["leader"] != leader:
                return False
        return True
    h.wait_until(converged, 60, f"every node estimates {size} nodes within 10% (leader {leader[:12]})", interval=0.3)
    for name, ps in last.items():
        h.note(f"{name}: epoch {ps['epoch']} size {ps['size_estimate']:.3f} rounds {ps['rounds']} "
               f"averages {ps['averages']}; running {ps['running']['size_estimate']}")
        check_eq(ps["epoch_s"], 4, f"{name}: pushsum.epoch_s")
        check_eq(ps["interval_ms"], 100, f"{name}: pushsum.interval_ms")
        check(ps["rounds"] > 0, f"{name}: sent push-sum rounds in its last epoch")
        for k in ("entries", "sessions", "entries_per_min"):
            check(k in ps["averages"], f"{name}: pushsum.averages has {k}")

    # Sessions are measured at each epoch's start: once all links were up for a
    # whole epoch, the network average is the true mean degree.
    mean_degree = sum(degree.values()) / size

    def averages_right():
        for name, n in nodes.items():
            ps = n.status()["pushsum"]
            last[name] = ps
            avg = ps["averages"] or {}
            for key, want in (("sessions", mean_degree), ("entries", mean_entries)):
                if avg.get(key) is None or abs(avg[key] - want) > 0.1 * want:
                    return False
        return True
    h.wait_until(averages_right, 60, f"every node estimates the mean degree {mean_degree:.3f} and the mean entries "
                 f"held {mean_entries:.2f} within 10%", interval=0.3)
    for name, ps in last.items():
        h.note(f"{name}: epoch {ps['epoch']} size {ps['size_estimate']:.4f} averages {ps['averages']}")

    text = nodes["a"].cli("status").stdout
    check("network   ~" in text and "nodes" in text, f"text status shows the push-sum line: {text}")
    for n in nodes.values():
        n.check_alive()


if __name__ == "__main__":
    h.run_test(main)
