#!/usr/bin/python3
"""Garbage after the handshake: a peer that completes SHS and then sends
  - random bytes inside valid Box Stream boxes, after its hello (first byte 0xc1,
    never valid MessagePack),
  - the same before any hello,
  - random bytes outside Box Stream,
  - an entry frame whose bin header claims 1 GiB,
is dropped at once (the idle timeout is 60 s, so only the garbage can explain a
drop) with one log line naming it and the reason; the node keeps serving a good
peer after each."""
import harness as h

CASES = [
    # (hostile_peer flags, codes in the log line, what)
    (["--garbage", "65536"], "SR_EFRAME|SR_ENEVERUSED", "garbage in boxes after hello"),
    (["--garbage", "65536", "--no-hello"], "SR_EPROTO|SR_EFRAME|SR_ENEVERUSED", "garbage in boxes instead of hello"),
    (["--raw-garbage", "65536"], "SR_EBOXAUTH", "garbage outside Box Stream"),
    (["--huge"], "SR_EFRAMESIZE", "a frame claiming 1 GiB"),
]


def main(c):
    a, b = h.good_pair(c, config={"idle_timeout_ms": 60000})
    for flags, codes, what in CASES:
        h.note(f"case: {what}")
        res, _ = h.hostile(a.address, *flags, wait_ms=20000)
        h.check(res["handshake"], f"{what}: handshake completed")
        h.check_dropped(a, res, codes, 10, what)
        h.check_serves(a, b, what)
    a.stop()
    b.stop()


h.run_test(main)
