#!/usr/bin/python3
"""A relay on a closed network key, and members who join it with an invite.

r runs as a relay with network key K (not Seurone's). m (config: the default
network key, a comment, listen, hops) runs, accepts r's invite: exit 0, and
HOME/config now says network_key = K with every other line and the comment kept
and the file mode kept; since m's running node still uses the old key, accept
says to restart it. m restarts; m's entries reach r and r's reach m.
x, whose config names another closed network, is refused without joining
(config unchanged, the code stays usable). y, with no config file at all, joins
and gets a config holding only the key (mode 0600)."""
import os
import stat

import harness as h
from harness import check, check_eq


def read(path):
    with open(path) as f:
        return f.read()


def main(c):
    k = os.urandom(32).hex()
    r = c.node("r", netkey=k)
    m = c.node("m", config={"hops": 1})
    x = c.node("x", netkey=os.urandom(32).hex())
    y = c.node("y")
    m_cfg = os.path.join(m.home, "config")
    # A comment after the key's value (kept), and no newline at the end (one is added).
    with open(m_cfg) as f:
        text = f.read().replace(f"network_key = {h.DEFAULT_NETKEY}", f"network_key = {h.DEFAULT_NETKEY} # mine")
    with open(m_cfg, "w") as f:
        f.write(text + "# my own note, keep it")
    os.chmod(m_cfg, 0o640)
    before = read(m_cfg).splitlines()
    check(f"network_key = {h.DEFAULT_NETKEY} # mine" in before, "m's config names the default key before")

    m.about("M")
    m_ids = m.ids(m)
    m.follow(r)
    r.start(relay=True)
    r_news = r.share("relay news")["id"]
    m.start()

    code = r.cli_json("invite", "create", "--uses", "3")["code"]  # m, y, and y again
    check(code.split(":")[-2] == k, "the invite holds the closed network's key")

    # x is on a third network: refused, nothing joined, nothing written.
    x_cfg = os.path.join(x.home, "config")
    x_before = read(x_cfg)
    res = x.cli("invite", "accept", code, check=False)
    h.note(f"x: exit {res.returncode}: {res.stderr.strip()}")
    check_eq(res.returncode, 1, "x: a code for another network than its config's is refused (exit 1)")
    check("not joined" in res.stderr and "network_key" in res.stderr and x_cfg in res.stderr,
          "x: the message says it did not join, and names network_key and the config file")
    check_eq(read(x_cfg), x_before, "x: config unchanged")

    res = m.cli("invite", "accept", code)
    h.note(f"m accepted: {res.stdout.strip()} | {res.stderr.strip()}")
    check("network key is now in" in res.stdout, "m: accept says the network key was written")
    check("restart" in res.stderr and "old network key" in res.stderr,
          "m: accept says the running node must restart")
    after = read(m_cfg).splitlines()
    check_eq([ln for ln in after if ln.startswith("network_key")], [f"network_key = {k}  # mine"],
             "m: config now names the relay's network key, once, with the line's comment kept")
    check_eq([ln for ln in after if not ln.startswith("network_key")],
             [ln for ln in before if not ln.startswith("network_key")], "m: every other line and comment kept, in order")
    check_eq(stat.S_IMODE(os.stat(m_cfg).st_mode), 0o640, "m: config mode kept")
    check(not [f for f in os.listdir(m.home) if f.startswith("config.tmp")], "m: no temp file left")

    m.stop()
    m.start()
    h.wait_until(lambda: m_ids <= r.ids(m), 30, "m's log reaches the relay (during accept, or after the restart)")
    h.wait_until(lambda: m.has(r_news, r), 30, "and the relay's entry reaches m")
    live = m.share("member news, live")["id"]
    h.wait_until(lambda: r.has(live, m), 20, "a live entry of m reaches r")
    check(not m.log_lines(r"network key may differ"), "m: no failed handshake on the new key")

    # y: no config file at all.
    y_cfg = os.path.join(y.home, "config")
    os.unlink(y_cfg)
    y.cli("invite", "accept", code)
    check_eq(read(y_cfg), f"network_key = {k}\n", "y: a new config holds just the key")
    check_eq(stat.S_IMODE(os.stat(y_cfg).st_mode), 0o600, "y: the new config is 0600")
    again = y.cli_json("invite", "accept", code)
    check_eq((again["network_key_written"], again["restart_needed"]), (False, False),
             "y: accepting again with the key in place writes nothing")

    for n in (r, m):
        n.check_alive()
        n.stop()


h.run_test(main)
