#!/usr/bin/python3
"""Newcomers redeeming one invite at once, and what a running node acknowledges.

r runs with --relay. Five nodes accept one single-use code at the same time:
exactly one joins, the four others hear it is used up. Those four accept one
code of two uses at the same time: exactly two join. The relay's log names
exactly the nodes told "welcome": each answer went to the session whose use was
stored (the writes run off the loop, one after the other, and the answer comes
once the use is committed). Invites created at once through the running relay
are distinct and each admits its newcomer.

Then what the running node acknowledged is in its store even when it dies at
once: peer add and invite create through the control socket answer after the
write committed, so after a SIGKILL right after the reply the peer is in the
table and the invite still admits a newcomer."""
import re
import threading

import harness as h
from harness import check, check_eq

USED = "seurone: the relay refused: this invite code has been used up; ask the relay for a new one"


def accept_all(nodes, code):
    """`invite accept code` on every node at once; {node: completed process}."""
    out = {}

    def one(x):
        out[x] = x.cli("invite", "accept", code, check=False, timeout=60)

    threads = [threading.Thread(target=one, args=(x,)) for x in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def joined_on(r):
    """The key prefixes r's log says joined it with an invite."""
    return sorted(re.search(r"\bpeer=([0-9a-f]+)", ln).group(1) for ln in r.log_lines(r"joined this relay with an invite"))


def race(r, nodes, code, uses, what):
    res = accept_all(nodes, code)
    ok = [x for x in nodes if res[x].returncode == 0]
    refused = [x for x in nodes if x not in ok]
    h.note(f"{what}: joined {[x.name for x in ok]}, refused {[x.name for x in refused]}")
    check_eq(len(ok), uses, f"{what}: exactly {uses} of {len(nodes)} newcomers join")
    for x in refused:
        check_eq((res[x].returncode, res[x].stderr.strip()), (1, USED), f"{what}: {x.name} is told the code is used up")
    return ok


def main(c):
    r = c.node("r")
    r.start(relay=True)
    nodes = [c.node(f"n{i}") for i in range(5)]

    code1 = r.cli_json("invite", "create")["code"]
    first = race(r, nodes, code1, 1, "a single-use code, five at once")
    rest = [x for x in nodes if x not in first]
    code2 = r.cli_json("invite", "create", "--uses", "2")["code"]
    second = race(r, rest, code2, 2, "a code of two uses, four at once")
    admitted = sorted(x.id[:16] for x in first + second)
    check_eq(joined_on(r), admitted, "r's log names exactly the newcomers told welcome")

    # Invites created at once through the running relay: distinct, each works.
    codes = {}

    def create(i):
        codes[i] = r.cli_json("invite", "create")["code"]

    threads = [threading.Thread(target=create, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check_eq(len(set(codes.values())), 4, "four invites created at once are four codes")
    late = [c.node(f"m{i}") for i in range(4)]
    for i, x in enumerate(late):
        x.cli("invite", "accept", codes[i])
    check_eq(len(joined_on(r)), 7, "each of them admitted its newcomer")

    # Acknowledged means stored: SIGKILL right after the replies.
    p = c.node("p")
    p.start()
    p.peer_add(r)
    code3 = r.cli_json("invite", "create")["code"]
    r.kill9()
    p.kill9()
    check(any(x["key"] == r.id for x in p.peers()), "p: the peer added just before a SIGKILL is in its table")
    r.start(relay=True)
    m = re.fullmatch(r"seurone-invite:1:seurone://\S+:([0-9a-f]{64}):([0-9a-f]{64})", code3)
    q = c.node("q")
    q.cli("invite", "accept", f"seurone-invite:1:{r.address}:{m.group(1)}:{m.group(2)}")  # r's new port
    check_eq(len(joined_on(r)), 8, "r: the invite created just before a SIGKILL admits q")
    r.check_alive()
    r.stop()


h.run_test(main)
