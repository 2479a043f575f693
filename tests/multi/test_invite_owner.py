#!/usr/bin/python3
"""While a node runs, it owns its peer table: `invite accept` hands it the relay.

m runs and already has r in its table (`peer add`), but r is a relay of
another network, so m's dials fail and it saves r's record after each failed
round. m accepts r's invite: the code brings r's network key, so m must
restart to reach r. (`invite create` on the running r goes through r's node
too.) Before, `invite accept` wrote the relay flag into the store
behind the running node, which never heard of it: its table still called r
"manual" and its next save overwrote the flag. Now the node takes the relay:
its table says "relay" at once, and so does the store after m stops."""
import os

import harness as h
from harness import check_eq


def source_of(peers, node):
    for p in peers:
        if p["key"] == node.id:
            return p["source"]
    return None


def main(c):
    other_key = os.urandom(32).hex()
    r = c.node("r", netkey=other_key)
    m = c.node("m")
    r.start(relay=True)
    m.start()
    m.peer_add(r)
    h.wait_until(lambda: any(p["key"] == r.id and p["failures"] >= 1 for p in m.peers()), 60,
                 "m failed a round of dials to r (another network) and saved r's record")
    code = r.cli_json("invite", "create")["code"]
    # r runs: its node stores the invite, the CLI does not write behind it
    r.wait_log(r"an invite for 1 use was created", 10, "r's running node stored the invite")
    res = m.cli("invite", "accept", code)
    h.note(f"m accepted: {res.stdout.strip()} {res.stderr.strip()}")
    check_eq(source_of(m.peers(), r), "relay", "m's running node knows r as its relay at once")
    m.stop()
    check_eq(source_of(m.peers(), r), "relay", "m's store keeps r as its relay after m stops")
    r.check_alive("after the invite")


h.run_test(main)
