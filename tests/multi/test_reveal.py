#!/usr/bin/python3
"""What a peer learns (issue 11, item 8; docs/protocol.md "What a node reveals").

Relay r has members m1 and m2; m1 follows x, which is no member (r replicates x
because a member follows it). A stranger holding the network key (hostile_peer,
a fresh key) connects to r:
  - unprompted, r announces only its own log and the stranger's: no member list;
  - asking for x (a note, and a have claiming more than r holds) gets nothing:
    neither a note (an answer, or a graft asking for more) nor an entry;
  - asking for m1 (named) gets m1's log: members joined to have it served.
Meanwhile replication between the members and the relay keeps working."""
import harness as h
from harness import check, check_eq


def main(c):
    r = c.node("r")
    m1, m2, x = c.node("m1"), c.node("m2"), c.node("x")
    x.about("X")
    x.share("x is followed by a member, not a member")
    m1.about("M1")
    m1.share("member one")
    m2.about("M2")
    m1.follow(x)
    path = c.path("x.jsonl")
    x.export_jsonl(path)
    m1.import_jsonl(path)
    r.start(relay=True)
    for m in (m1, m2):
        m.start()
        code = r.cli_json("invite", "create")["code"]
        m.cli("invite", "accept", code)
    m1_ids, m2_ids, x_ids = m1.ids(m1), m2.ids(m2), x.ids(x)
    h.wait_until(lambda: m1_ids <= r.ids(m1) and m2_ids <= r.ids(m2), 30, "r holds its members' logs")
    h.wait_until(lambda: x_ids <= r.ids(x), 30, "r holds x's log (a member follows x)")

    # A stranger that names only x: nothing about anyone but r and itself.
    res, _ = h.hostile(r.address, "--ask", x.id, wait_ms=3000)
    check(res["handshake"], "stranger: handshake completed")
    me = res["key"]
    check_eq(sorted(set(res["noted"]) - {r.id, me}), [], "r announced no member (and no one else) to a stranger")
    check(m1.id not in res["noted"] and m2.id not in res["noted"], "no member key in r's notes to the stranger")
    check_eq(res["entries"].get(x.id, 0), 0, "a stranger that names x gets none of x's entries")
    check(x.id not in res["noted"], "nor a note for x (no answer to its note or its have)")
    check(not res["closed"], "asking is no misbehaviour: the session stays open")

    # Named, a member's log is served (that is what the member joined for).
    res, _ = h.hostile(r.address, "--ask", m1.id, wait_ms=3000)
    check_eq(res["entries"].get(m1.id, 0), len(m1_ids), "a stranger that names m1 gets m1's log")
    check(m2.id not in res["noted"], "still no word of m2")

    # Friends still replicate: a live entry of m2 reaches the relay.
    live = m2.share("m2, live")["id"]
    h.wait_until(lambda: r.has(live, m2), 20, "r gets m2's live entry")
    for n in (r, m1, m2):
        n.check_alive()
        n.stop()


h.run_test(main)
