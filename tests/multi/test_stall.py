#!/usr/bin/python3
"""A peer that stalls is dropped by the idle timeout, with a log line:
  - after the handshake: it sends hello and then nothing (idle_timeout_ms = 1500);
  - during the handshake: TCP connect and silence (handshake_timeout_ms = 1500).
A good peer with the same settings stays connected throughout (keepalive pings
every third of the idle timeout) and is served afterwards."""
import harness as h
from harness import check

CONF = {"idle_timeout_ms": 1500, "handshake_timeout_ms": 1500}


def main(c):
    a, b = h.good_pair(c, config=CONF)

    res, _ = h.hostile(a.address, "--stall", wait_ms=30000)
    check(res["handshake"], "stall: handshake completed")
    h.check_dropped(a, res, "SR_EIDLE", 15, "a peer silent after hello")
    check(res["closed_after_ms"] >= 1400, f"stall: not dropped before the idle timeout ({res['closed_after_ms']} ms)")
    check(res["received_kinds"].get("1") == 1, "stall: the node said hello first")

    res, _ = h.hostile(a.address, "--silent", wait_ms=30000)
    check(res["closed"], "silent: the node closed the connection")
    check(1400 <= res["closed_after_ms"] <= 15000 * h.SCALE,
          f"silent: dropped by the handshake timeout ({res['closed_after_ms']} ms)")
    a.wait_log(r"during handshake.*SR_EHSSILENT", 10, "a: a log line for the silent connection")

    # The good peer was never idle-dropped: keepalives kept it up the whole time.
    check(not a.log_lines(rf"{b.id[:16]}.*SR_EIDLE"), "a never dropped b for idleness")
    check(not b.log_lines(rf"{a.id[:16]}.*SR_EIDLE"), "b never dropped a for idleness")
    h.check_serves(a, b, "the stalls")
    a.stop()
    b.stop()


h.run_test(main)
