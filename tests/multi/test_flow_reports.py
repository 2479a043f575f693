#!/usr/bin/python3
"""Flow reports with differential privacy (docs/network-stats.md).

r is a relay (`relay = yes` in its config, so flow_report defaults to yes) with
flow_report_interval = 10 and flow_epsilon = 10 (noise small enough to check
the total tightly). p1 and p2 are personal nodes with the defaults (no
reports) but also flow_report_interval = 10, so that a wrong default would
show within the test. Both join r with an invite and follow r (so r's log,
with its reports, is in their scope), then publish shares that reach r.

Checks: before any report, `flow network` says clearly that none is held; r's
report reaches p1; `flow network --json` on p1 combines exactly 1 report from
1 node (r) with the documented keys; the report's exact count (r's own log
line) equals the entries r holds with source peer and received_at in the
report's period; the noised total is within 6 standard errors of it, and the
interval is the documented 1.96 * sqrt(17 * 2 * b^2); the report's content
holds only integers (no 32-byte value, no string: it never names anyone); p1
and p2 published no report."""
import math
import re
import time

import harness as h
from harness import check, check_eq

INTERVAL = 10


def reports_of(node, author):
    return [e for e in node.log(author) if e["type"] == "flow-report"]


def only_integers(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    if isinstance(v, list):
        return all(only_integers(x) for x in v)
    if isinstance(v, dict):
        return all(only_integers(x) for x in v.values())
    return False  # str (binary values appear as hex strings), float, null


def main(c):
    r = c.node("r", config={"relay": True, "flow_report_interval": INTERVAL, "flow_epsilon": "10"})
    p1 = c.node("p1", config={"flow_report_interval": INTERVAL})
    p2 = c.node("p2", config={"flow_report_interval": INTERVAL})
    p1.follow(r)
    p2.follow(r)

    none = p1.cli("flow", "network")
    check("no flow reports held" in none.stdout, f"p1 without reports: a clear message ({none.stdout.strip()[:80]})")
    nj = p1.cli_json("flow", "network")
    check_eq((nj["reports"], nj["reporting_nodes"]), (0, 0), "p1 --json without reports: 0 reports, 0 nodes")

    r.start()
    r.wait_log(r"flow reports on: one every 10 s", 10, "r: flow reports on by default on a relay")
    p1.start()
    p2.start()
    t_start = time.monotonic()  # p1 and p2 would report by t_start + INTERVAL
    code = r.cli_json("invite", "create", "--uses", "2")["code"]
    p1.cli("invite", "accept", code)
    p2.cli("invite", "accept", code)

    shares = [p1.share(f"p1 news {i}")["id"] for i in range(5)] + [p2.share(f"p2 news {i}")["id"] for i in range(4)]
    h.wait_until(lambda: set(shares) <= r.ids(), 30, "r (relay) holds its members' shares")
    arrived = max(e["received_at"] for e in r.log() if e["id"] in shares)

    # A report of r that covers the arrivals, held by p1.
    def covering():
        got = [e for e in reports_of(p1, r) if e["content"]["period_end"] > arrived]
        return got
    h.wait_until(covering, 3 * INTERVAL, "p1 holds a report of r whose period covers the shares' arrival")

    net = p1.cli_json("flow", "network")
    for k in ("reports", "reporting_nodes", "period_start", "period_end", "epsilon_min", "epsilon_max", "se_bucket",
              "ci95_half_width", "total", "skewed", "hops", "latency_ms", "percentiles", "sources"):
        check(k in net, f"flow network --json has {k!r}")
    check_eq(net["reports"], 1, "p1: flow network combines 1 report (the latest per node)")
    check_eq(net["reporting_nodes"], 1, "p1: from 1 reporting node")
    src = net["sources"][0]
    check_eq(src["author"], r.id, "p1: the report is r's")
    check_eq((net["epsilon_min"], net["epsilon_max"]), (10.0, 10.0), "p1: epsilon range 10..10 (r's flow_epsilon)")
    check_eq(len(net["hops"]), 17, "17 hops buckets (0..15, 16+)")
    check_eq(len(net["latency_ms"]), 12, "12 latency buckets")

    held = {e["id"]: e for e in reports_of(p1, r)}
    check(src["id"] in held, "the combined report is one p1 holds")
    rep = held[src["id"]]
    content = rep["content"]
    check(only_integers(content), "the report's content holds only integers: no 32-byte value, no name")
    check_eq(sorted(content), sorted(["v", "period_start", "period_end", "epsilon_milli", "hops", "latency_ms",
                                      "latency_edges", "skewed"]), "the report's keys are the documented ones")
    check_eq(content["epsilon_milli"], 10000, "epsilon_milli = 10000")
    check_eq(net["total"]["count"], sum(content["hops"]), "flow network total = the report's hops sum")
    check_eq([b["count"] for b in net["latency_ms"]], content["latency_ms"], "latency buckets = the report's")
    # noise-aware: the consistent histogram has no negative bucket and keeps the
    # order of the cumulative counts; each percentile has an interval holding it
    cons = [b["consistent"] for b in net["hops"]]
    check(all(c >= 0 for c in cons), f"consistent hops buckets are non-negative ({cons})")
    for name, p in net["percentiles"]["hops"].items():
        check(p is None or (p["ci95"][0] <= p["bucket"] <= p["ci95"][1] and isinstance(p["reliable"], bool)),
              f"hops {name}: a bucket within its 95% interval, and a reliability mark ({p})")
    check("isotonic" in net["post_processing"], "flow network says how the counts were post-processed")

    # The truth, from r's own store: entries from peers that arrived in the period.
    ps, pe = content["period_start"], content["period_end"]
    truth = sum(1 for e in r.log() if e["source"] == "peer" and ps <= e["received_at"] < pe)
    # r logs the exact count of each report it publishes (never put in the entry).
    lines = r.log_lines(rf"published flow report seq {rep['seq']} \((\d+) entr(?:y|ies) received")
    check_eq(len(lines), 1, f"r logged its report seq {rep['seq']}")
    exact = int(re.search(r"\((\d+) entr(?:y|ies) received", lines[0]).group(1))
    check_eq(exact, truth, "r's exact count = entries from peers with received_at in the period")
    h.note(f"report seq {rep['seq']}: true count {truth}, noised total {net['total']['count']}")

    b = 3 / 10.0  # sensitivity 3, epsilon 10
    se_total = math.sqrt(17 * 2 * b * b)
    check(abs(net["total"]["se"] - se_total) < 1e-6, f"total se = sqrt(17 * 2 * b^2) = {se_total:.3f}")
    check(abs(net["ci95_half_width"] - 1.96 * math.sqrt(2 * b * b)) < 1e-6, "bucket half-width = 1.96 sqrt(2 b^2)")
    check(abs(net["total"]["count"] - truth) <= 6 * se_total,
          f"noised total {net['total']['count']} within 6 se ({6 * se_total:.1f}) of the true {truth}")
    check(truth >= len(shares), f"the period covers the shares' arrival ({truth} >= {len(shares)})")

    # Personal nodes with the default config publish nothing, also after > 1 interval.
    while time.monotonic() - t_start < INTERVAL * h.SCALE + 4:
        time.sleep(0.5)
    for p in (p1, p2):
        check_eq(len(reports_of(p, p)), 0, f"{p.name} (personal node, default config) published no report")
        check(not p.log_lines(r"flow reports on"), f"{p.name}: no 'flow reports on' log line")
    check_eq(len(reports_of(r, p1)) + len(reports_of(r, p2)), 0, "r holds no report from p1 or p2")

    # All r's reports in the window: --since alone combines every report.
    before = len(reports_of(p2, r))
    allr = p2.cli_json("flow", "network", "--since", "0")
    after = len(reports_of(p2, r))  # r may publish another meanwhile
    check(before <= allr["reports"] <= after and allr["reports"] >= 1,
          f"p2: --since 0 combines every report of r it holds ({allr['reports']}, held {before}..{after})")
    check_eq(allr["reporting_nodes"], 1, "p2: still 1 reporting node")
    for x in (r, p1, p2):
        x.check_alive()
        x.stop()


h.run_test(main)
