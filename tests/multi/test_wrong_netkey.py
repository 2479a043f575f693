#!/usr/bin/python3
"""Wrong network key: a node of another network (its own network_key) dials
our node; the handshake fails (our node answers nothing and logs
SR_EHSNETKEY), both nodes' log lines say that the network key may differ and
where it is set (network_key in HOME/config), nothing is synced although both follow each other, and our node
keeps running and serves a peer of its own network."""
import os
import time

import harness as h
from harness import check, check_eq


def main(c):
    other_key = os.urandom(32).hex()
    a = c.node("a")
    stranger = c.node("stranger", netkey=other_key)
    good = c.node("good")
    for x, y in ((a, stranger), (stranger, a), (a, good), (good, a)):
        x.follow(y)
    a.start()
    stranger.start()
    stranger.peer_add(a)
    line = a.wait_log(r"SR_EHSNETKEY", 15, "a logs the handshake with a foreign network key")[0]
    h.note(f"a logged: {line}")
    check("during handshake" in line, "a: the line says the handshake failed")
    sline = stranger.wait_log(r"SR_EHSCLOSED", 15, "the stranger logs its failed handshake")[0]
    h.note(f"the stranger logged: {sline}")
    for who, ln, node in (("a", line, a), ("the stranger", sline, stranger)):
        check("the network key may differ" in ln, f"{who}: the line says the network key may differ")
        check(f"network_key in {os.path.realpath(node.home)}/config (docs/config.md)" in ln,
              f"{who}: the line says where the network key is set")

    res, _ = h.hostile(a.address, "--stall", netkey=other_key, wait_ms=10000)
    check(not res["handshake"], "a hostile peer with another network key gets no handshake")
    check_eq(res["handshake_error"], "SR_EHSCLOSED", "a closed without answering msg1")
    check_eq(res["received_bytes"], 0, "a sent the stranger nothing at all")

    time.sleep(3 * h.SCALE)
    check_eq(a.ids(stranger), set(), "a holds none of the stranger's entries")
    check_eq(stranger.ids(a), set(), "the stranger holds none of a's entries")
    check(not any(p["key"] == stranger.id for p in a.status()["peers"]), "a has no session with the stranger")
    a.check_alive("after the foreign handshakes")

    good.start()
    good.peer_add(a)
    h.wait_until(lambda: good.ids(good) <= a.ids(good) and a.ids(a) <= good.ids(a), 30, "a and good synced")
    r = a.share("still here")["id"]
    h.wait_until(lambda: good.has(r, a), 15, "good gets a's live entry")
    check_eq(a.ids(stranger), set(), "a still holds none of the stranger's entries")
    for n in (a, stranger, good):
        n.stop()


h.run_test(main)
