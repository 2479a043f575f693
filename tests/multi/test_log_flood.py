#!/usr/bin/python3
"""A reconnect flood cannot flood the log (issue 11, item 4).

A stranger opens 3,000 connections to node a one after another, each sending
64 bytes that are no handshake message (dropped: SR_EHSNETKEY). Before the fix
a wrote one line per connection; now, of lines alike except for their numbers,
at most 20 per 10 s reach the log, and the rest is summed up in one line
"(and N more like it in the last 10 s)". A friend of a then still connects and
syncs."""
import re

import harness as h
from harness import check, check_eq, note

N = 3000


def main(c):
    a, b = h.good_pair(c)
    res, _ = h.hostile(a.address, "--reconnect", str(N), wait_ms=0, timeout=300)
    check_eq(res["made"], N, "the flood's connections were made")
    # The summary comes when the window ends: at most 10 s later (a's tick).
    line = a.wait_log(r"SR_EHSNETKEY.*\(and \d+ more like it in the last 10 s\)", 30,
                      "a: one line summing up the held-back drops")[0]
    note(f"a logged: {line}")
    drops = a.log_lines(r"dropped inbound .*SR_EHSNETKEY")
    windows = 1 + res["elapsed_ms"] // 10000 + 1
    bound = windows * (20 + 1)
    note(f"{len(drops)} lines about {N} dropped connections in {res['elapsed_ms']} ms (bound {bound})")
    check(len(drops) <= bound, f"log lines about the flood are bounded ({len(drops)} <= {bound})")
    held = sum(int(x) for x in re.findall(r"\(and (\d+) more like it", "\n".join(drops)))
    check(held + len(drops) >= N * 0.9, f"the summaries account for the flood ({held} + {len(drops)} of {N})")
    h.check_serves(a, b, "the reconnect flood")
    a.stop()
    b.stop()


h.run_test(main)
