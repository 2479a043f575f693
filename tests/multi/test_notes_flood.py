#!/usr/bin/python3
"""Notes cannot eat memory (issue 11, item 2). A peer sends, inside the default
rate limits, notes frames of 256 random authors, each with a have frame for
another random author. The node keeps per-session state only for authors in its
scope, so its memory stays where it was: VmHWM after the flood must stay within
a generous bound of the baseline taken in the same run (before the fix each note
added a table entry: hundreds of MB). The longest `seurone status` round trip
during the flood (a loop stall shows there) is reported, not asserted. The good
peer is still served."""
import threading
import time

import harness as h
import procinfo
from harness import check

FLOOD_S = 15
SLACK_KB = 64 * 1024  # generous: the flood would add several hundred MB


def main(c):
    a, b = c.node("a"), c.node("b")
    a.follow(b)
    b.follow(a)
    # Under ASan, freed memory sits in a quarantine (256 MB by default) that
    # would count as growth; a small one keeps VmHWM about live memory.
    a.start(env={"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1:quarantine_size_mb=8"})
    b.start()
    b.peer_add(a)
    h.wait_until(lambda: b.ids(b) <= a.ids(b) and a.ids(a) <= b.ids(a), 30, "a and b synced")
    pid = a.proc.pid
    base = procinfo.mem_kb(pid)
    h.note(f"a before the flood: VmRSS {base['VmRSS']} kB, VmHWM {base['VmHWM']} kB")
    worst = [0.0]
    done = threading.Event()

    def probe():
        while not done.is_set():
            t0 = time.monotonic()
            a.status()
            worst[0] = max(worst[0], time.monotonic() - t0)
            time.sleep(0.2)

    th = threading.Thread(target=probe)
    th.start()
    p = h.hostile_start(a.address, "--notes-flood", FLOOD_S, wait_ms=1000)
    try:
        res, _ = h.hostile_finish(p, timeout=FLOOD_S + 60)
    finally:
        done.set()
        th.join()
    after = procinfo.mem_kb(pid)
    h.note(f"a after {res['sent_frames']} frames ({res['sent_frames'] // 2 * 256} notes): VmRSS {after['VmRSS']} kB, "
           f"VmHWM {after['VmHWM']} kB; longest status round trip {worst[0] * 1000:.0f} ms")
    check(res["handshake"], "notes flood: handshake completed")
    check(res["sent_frames"] >= 2 * FLOOD_S * 100, f"notes flood: sent {res['sent_frames']} frames")
    check(after["VmHWM"] <= base["VmHWM"] + SLACK_KB,
          f"a's peak memory stayed bounded: VmHWM {after['VmHWM']} kB <= {base['VmHWM']} + {SLACK_KB} kB")
    check(not a.log_lines(rf"{res['key'][:16]}.*SR_ERATE"), "the flood stayed inside the rate limits")
    h.check_serves(a, b, "the notes flood")
    a.stop()
    b.stop()


h.run_test(main)
