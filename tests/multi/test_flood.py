#!/usr/bin/python3
"""A peer that floods (hundreds of thousands of ping frames as fast as the
socket takes them) passes rate_frames_per_s = 100 and is dropped with a log
line naming SR_ERATE; meanwhile and afterwards the node serves a good peer."""
import harness as h
from harness import check

CONF = {"rate_frames_per_s": 100}


def main(c):
    a, b = h.good_pair(c, config=CONF)
    p = h.hostile_start(a.address, "--flood", "300000", wait_ms=30000)
    # While the flood runs: the good peer's live entry still gets through.
    r = b.share("during the flood")["id"]
    h.wait_until(lambda: a.has(r, b), 15, "a gets b's entry during the flood")
    res, _ = h.hostile_finish(p)
    check(res["handshake"], "flood: handshake completed")
    check(res["sent_frames"] > 100, f"flood: sent {res['sent_frames']} frames (more than one second's allowance)")
    h.check_dropped(a, res, "SR_ERATE", 15, "a flooding peer")
    # A good peer with ordinary traffic stays under the limit.
    check(not a.log_lines(rf"{b.id[:16]}.*SR_ERATE"), "a never rate-limited b")
    h.check_serves(a, b, "the flood")
    a.stop()
    b.stop()


h.run_test(main)
