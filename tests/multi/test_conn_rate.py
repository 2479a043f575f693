#!/usr/bin/python3
"""The new-connection rate limit per address (issue 16).

a has conn_rate_per_min = 20 (a bucket of 5) and conn_rate_loopback = yes, so
127.0.0.1 counts. A burst of 40 TCP connections from 127.0.0.1: the bucket's
5 (and what refills meanwhile) reach the handshake, the rest are closed at
once (status refused.conn_rate counts them), no line names their address,
and a stays fine: a friend b, dialling from the same address once the bucket
refills, gets a session and syncs. Node d keeps the default (loopback not
limited): the same burst refuses nothing."""
import socket

import harness as h
from harness import check, check_eq

BURST = 40
RATE = 20
BUCKET = 5  # a quarter of a minute's worth, at least 4 (net/net_connrate.c)


def burst(node):
    socks = []
    for _ in range(BURST):
        s = socket.create_connection(("127.0.0.1", node.port), timeout=10)
        socks.append(s)
    return socks


def main(c):
    a = c.node("a", config={"conn_rate_per_min": RATE, "conn_rate_loopback": True})
    b = c.node("b")
    d = c.node("d")
    a.follow(b)
    b.follow(a)
    a.start()
    d.start()
    socks = burst(a)
    h.wait_until(lambda: a.status()["refused"]["conn_rate"] >= BURST - BUCKET - 5, 30,
                 "a refused most of the burst")
    for s in socks:
        s.close()
    n = a.status()["refused"]["conn_rate"]
    h.note(f"refused {n} of {BURST}")
    check(n <= BURST - BUCKET, f"the bucket's {BUCKET} were let through ({n} refused)")
    check_eq(a.log_lines(r"SR_ECONNRATE"), [], "no line per refused connection")
    lines = a.log_lines(r"refusing new connections")
    check_eq(len(lines), 1, "one line says it (rate limited)")
    check("127.0.0.1" not in lines[0], f"without the address: {lines[0]}")

    # a is fine: b (also from 127.0.0.1) gets in once the bucket refills.
    b.start()
    b.peer_add(a)
    mine = b.share("b after the burst")["id"]
    h.wait_until(lambda: a.has(mine, b), 60, "a syncs b's entry")
    a.check_alive("after the burst")

    socks = burst(d)
    for s in socks:
        s.close()
    check_eq(d.status()["refused"]["conn_rate"], 0, "the default lets loopback through")
    d.check_alive("after the burst")


if __name__ == "__main__":
    h.run_test(main)
