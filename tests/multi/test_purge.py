#!/usr/bin/python3
"""`seurone purge KEY` on a relay (issue 16), with the node running and stopped.

r is a relay; m and x are members. m names itself and shares; x follows m and
reshares m's share. Then:
- without --yes, purge only says what it would remove (exit 2, nothing changes);
- r running: `purge m --yes` goes through the node; r holds nothing of m, the
  graph has no edge m's entries made (m's follow of x) nor the reshare edge to
  m (its original is gone), x's own entries stay, `verify` passes;
- m publishes again: r refuses it (status refused.purged), holds nothing of m,
  keeps the session, and m logs that the relay purged it;
- r stopped: `purge x --yes` on the store; verify passes; after a restart x's
  new entries are refused too;
- the node's own key is refused (exit 2).
"""
import harness as h
from harness import check, check_eq


def session(r, who):
    return any(p.get("key") == who.id for p in r.status().get("peers", []))


def join(r, node):
    code = r.cli_json("invite", "create")["code"]
    node.cli("invite", "accept", code)
    node.peer_add(r)
    h.wait_until(lambda: session(r, node), 30, f"r has a session with {node.name}")


def edges(node, kind):
    return [tuple(e) for e in node.cli_json("graph")["edges"][kind]]


def main(c):
    r, m, x = c.node("r"), c.node("m"), c.node("x")
    r.start(relay=True)
    m.start()
    x.start()
    join(r, m)
    join(r, x)
    m.about("Mallory")
    m.follow(x)
    sid = m.share("an entry to be purged")["id"]
    x.follow(m)
    h.wait_until(lambda: x.has(sid, m), 30, "x holds m's share")
    x.publish("share", "--reshare", sid)
    x.share("x's own words")
    m_n, x_n = len(m.ids(m)), len(x.ids(x))
    h.wait_until(lambda: len(r.ids(m)) == m_n and len(r.ids(x)) == x_n, 30, "r holds both logs")
    check((x.id, m.id) in edges(r, "reshare"), "before: r's graph has x's reshare of m")
    check((m.id, x.id) in edges(r, "follow"), "before: r's graph has m's follow of x")

    res = r.cli("purge", m.id, check=False)
    check_eq(res.returncode, 2, "purge without --yes: exit 2")
    check(f"{m_n} entries" in res.stderr and "--yes" in res.stderr, f"it says what it would remove: {res.stderr.strip()}")
    check_eq(len(r.ids(m)), m_n, "without --yes nothing is removed")

    out = r.cli_json("purge", m.id, "--yes")
    h.note(f"purge m (running): {out}")
    check_eq((out["through_node"], out["entries"], out["name"]), (True, m_n, "Mallory"), "purged through the node")
    check_eq(r.ids(m), set(), "r holds nothing of m")
    check((m.id, x.id) not in edges(r, "follow"), "m's follow edge is gone")
    check((x.id, m.id) not in edges(r, "reshare"), "the reshare edge to m is gone (its original is)")
    check_eq(len(r.ids(x)), x_n, "x's entries stay")
    check((x.id, m.id) in edges(r, "follow"), "x's follow of m stays (x's entry)")
    v = r.verify()
    check(v["ok"], f"verify passes after the purge: {v}")

    m.share("after the purge")
    h.wait_until(lambda: r.status()["refused"]["purged"] >= 1, 30, "r refuses m's new entry")
    check_eq(r.ids(m), set(), "r still holds nothing of m")
    check(session(r, m), "the session with m goes on")
    m.wait_log(r"relay .* refused your entries .*\(purged\)", 30, "m logs that the relay purged it")

    r.stop()
    out = r.cli_json("purge", x.id, "--yes")
    h.note(f"purge x (stopped): {out}")
    check_eq((out["through_node"], out["entries"]), (False, x_n), "purged on the store")
    v = r.verify()
    check(v["ok"], f"verify passes after the offline purge: {v}")
    res = r.cli("purge", r.id, "--yes", check=False)
    check_eq(res.returncode, 2, "the own key: refused")
    r.start(relay=True)
    x.peer_add(r)
    h.wait_until(lambda: session(r, x), 60, "x reconnects to the restarted r")
    x.share("after the offline purge")
    h.wait_until(lambda: r.status()["refused"]["purged"] >= 1, 60, "the restarted r refuses x's entries")
    check_eq(r.ids(x), set(), "r holds nothing of x")

    # undone: x's entries are taken again, its whole log fetched anew
    out = r.cli_json("purge", x.id, "--undo")
    check_eq((out["was_purged"], out["through_node"]), (True, True), f"purge --undo through the node: {out}")
    h.wait_until(lambda: r.ids(x) == x.ids(x), 60, "r holds x's whole log again")
    check(r.verify()["ok"], "verify passes after the undo")
    check_eq(r.cli_json("purge", x.id, "--undo")["was_purged"], False, "a second undo: nothing to undo")
    r.check_alive("at the end")


if __name__ == "__main__":
    h.run_test(main)
