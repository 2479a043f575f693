#!/usr/bin/python3
"""A relay's members and invites, as its operator manages them.

r runs with --relay. a and b join with two invites (b's for 2 uses, expiring in
an hour); x never joins. `members` lists a and b with their names as written
(b's is not ASCII), their keys, disk use, entries, last seen and the id of the
invite each used, and not x; `invite list` says which member used which invite;
`peers` and `status` name them and say they are members.

t follows a and b and only knows r: it gets their logs through r. Then `members
remove` by b's name: b's live session ends, and b's next entry, which a (a
member following b) gets from b, is neither taken by r from a nor passed on to
t, nor served to u, a newcomer that follows b and asks r;
b's redial is ended at once, and b's own invite (1 use left) does not let it
back in. a's live entry still flows, so the silence about b is not a dead relay.

Invites: one revoked by its id refuses x with the relay's "revoked" reason;
one made (with the relay stopped, on the store) by a clock 8 days back with
--expires 1d refuses x with "expired", and is dropped from the store by the
next create; every state shows in `invite list`. With the relay stopped,
`members` reads the same from the store."""
import os
import subprocess
import re
import time
import urllib.request
import unicodedata

import harness as h
from harness import check, check_eq

DAY_MS = 24 * 3600 * 1000
ANA = "Ána\x1b[1m"  # a control character: shown escaped, never raw


def refused(node, code, sentence, what):
    r = node.cli("invite", "accept", code, check=False)
    h.note(f"{what}: exit {r.returncode}, stderr: {r.stderr.strip()}")
    check_eq(r.returncode, 1, f"{what}: refused (exit 1)")
    check_eq(r.stderr.strip(), "seurone: the relay refused: " + sentence, f"{what}: the relay's reason")


def by_key(rows):
    return {m["key"]: m for m in rows}


def main(c):
    r = c.node("r", config={"metrics_listen": "127.0.0.1:0"})
    a, b, x, t, u = (c.node(n) for n in ("a", "b", "x", "t", "u"))
    a.about(ANA)
    b.about("Bob 北京")
    x.about("Xavier")
    for i in range(3):
        a.share(f"a says {i}")
    b.share("b says hi")
    t.follow(a)
    t.follow(b)
    u.follow(b)
    a.follow(b)  # so b stays in r's scope through a unless removal keeps it out

    r.start(relay=True)
    for n in (a, b, x):
        n.start()

    ia = r.cli_json("invite", "create")
    ib = r.cli_json("invite", "create", "--uses", "2", "--expires", "1h")
    check(ia["expires_ms"] - int(time.time() * 1000) > 6 * DAY_MS, "an invite expires in 7 days by default")
    check(abs(ib["expires_ms"] - int(time.time() * 1000) - 3600 * 1000) < 120 * 1000, "--expires 1h: in an hour")
    check(len(ia["id"]) == 16 and ia["id"] not in ia["code"], "an invite's id is 16 hex digits, not in its code")
    a.cli("invite", "accept", ia["code"])
    b.cli("invite", "accept", ib["code"])
    h.wait_until(lambda: a.ids(a) <= r.ids(a) and b.ids(b) <= r.ids(b), 30, "r holds a's and b's logs")

    # ---- members ----
    def members():
        return by_key(r.cli_json("members"))

    h.wait_until(lambda: all(members()[n.id]["connected"] for n in (a, b)), 20, "members: a and b connected")
    ms = members()
    check_eq(set(ms), {a.id, b.id}, "members: a and b, not x")
    check_eq((ms[a.id]["name"], ms[b.id]["name"]), (ANA, "Bob 北京"), "members: names as written")
    check_eq((ms[a.id]["invite"], ms[b.id]["invite"]), (ia["id"], ib["id"]), "members: the invite each used")
    check_eq((ms[a.id]["entries"], ms[b.id]["entries"]), (len(a.ids(a)), len(b.ids(b))), "members: entries held")
    check(ms[a.id]["disk_bytes"] > ms[b.id]["disk_bytes"] > 0, "members: a's 5 entries take more disk than b's 2")
    now = int(time.time() * 1000)
    for n in (a, b):
        check(abs(ms[n.id]["last_seen_ms"] - now) < 60000, f"members: {n.name} seen just now")
        check(abs(ms[n.id]["joined_ms"] - now) < 120000, f"members: {n.name} joined just now")
    text = r.cli("members").stdout
    h.note("members:\n" + text)
    lines = text.splitlines()
    check("Bob 北京" in text and "Ána\\x1b[1m" in text and "NAME" in lines[0], "members: a table with the names")
    check("\x1b" not in text, "members: no control character reaches the terminal")
    # the columns after the name line up whatever the script of the name
    widths = {width(ln[:ln.rindex(" ") + 1]) for ln in lines[1:]}
    check_eq(len(widths), 1, f"members: the invite column lines up ({widths})")

    # ---- the metrics endpoint: disk use per member, by name ----
    def member_series():
        with urllib.request.urlopen(r.run_info["metrics"], timeout=10) as resp:
            text = resp.read().decode()
        check("\x1b" not in text, "metrics: no control character in a label")
        return {m.group(1): int(m.group(2))
                for m in re.finditer(r'^seurone_member_disk_bytes\{member="((?:[^"\\]|\\.)*)"\} (\d+)$', text, re.M)}

    h.wait_until(lambda: "Bob 北京" in member_series() and len(member_series()) == 2, 20,
                 "metrics: seurone_member_disk_bytes for both members, labelled by name")
    series = member_series()
    check(0 <= series["Bob 北京"] <= ms[b.id]["disk_bytes"], f"metrics: b's disk use ({series})")
    check(any(k.startswith("Ána?") for k in series), f"metrics: a's name with its control character replaced ({series})")

    invs = by_key_id(r.cli_json("invite", "list"))
    check_eq((invs[ia["id"]]["state"], invs[ia["id"]]["uses_left"]), ("used up", 0), "invite list: a's used up")
    check_eq((invs[ib["id"]]["state"], invs[ib["id"]]["uses_left"]), ("active", 1), "invite list: b's has 1 left")
    check_eq([m["key"] for m in invs[ia["id"]]["members"]], [a.id], "invite list: a used a's invite")
    check_eq([m["name"] for m in invs[ib["id"]]["members"]], ["Bob 北京"], "invite list: b used b's invite")

    # ---- peers and status name them ----
    rst = r.status()
    check_eq(rst["members"], 2, "status: the relay has 2 members")
    check_eq(a.status()["members"], None, "status: a personal node has no member count")
    st = {p["key"]: p for p in rst["peers"]}
    check_eq((st[a.id]["name"], st[a.id]["member"]), (ANA, True), "status: a named, a member")
    pe = {p["key"]: p for p in r.peers()}
    if b.id in pe:
        check_eq((pe[b.id]["name"], pe[b.id]["member"]), ("Bob 北京", True), "peers: b named, a member")
    check_eq(a.status()["peers"][0]["name"], None, "a knows no name for r (r published no about)")
    stext = r.cli("status").stdout
    check("(member)" in stext and "Bob 北京" in stext and "\x1b" not in stext, "status text: names, who is a member")
    ptext = r.cli("peers").stdout
    check("\x1b" not in ptext, "peers text: no raw control character")

    # t gets a's and b's logs through r
    t.start()
    t.peer_add(r)
    h.wait_until(lambda: a.ids(a) <= t.ids(a) and b.ids(b) <= t.ids(b), 30, "t holds a's and b's logs via r")

    # ---- remove b, by its name ----
    rm = r.cli_json("members", "remove", "Bob 北京")
    check_eq((rm["key"], rm["name"]), (b.id, "Bob 北京"), "members remove: b, by its name")
    r.wait_log(r"dropping \S+ peer " + b.id[:16] + r".*SR_EMEMBERREMOVED", 15, "r ends b's session")
    check_eq(set(members()), {a.id}, "members: only a after the removal")
    check_eq(r.status()["members"], 1, "status: 1 member after the removal")
    r_b = r.ids(b)
    late = b.share("b, after the removal")["id"]
    a.peer_add(b)  # a (a member, following b) gets b's entry and would pass it on
    h.wait_until(lambda: a.has(late, b), 20, "a gets b's new entry from b")
    live = a.share("a, live")["id"]
    h.wait_until(lambda: t.has(live, a), 20, "t gets a's live entry through r")
    # b redials r (its peer table); each session ends at hello
    h.wait_until(lambda: len(r.log_lines(r"dropping \S+ peer " + b.id[:16] + r".*SR_EMEMBERREMOVED")) >= 2, 30,
                 "r ends b's next session too")
    time.sleep(2 * h.SCALE)
    check_eq(r.ids(b), r_b, "r took none of b's entries after the removal")
    check(not t.has(late, b), "t did not get b's new entry")
    u.start()
    u.peer_add(r)
    h.wait_until(lambda: any(p["key"] == r.id for p in u.status()["peers"]), 20, "u connected to r")
    time.sleep(2 * h.SCALE)
    check_eq(u.ids(b), set(), "r serves none of b's log to u, who asks for it")
    refused(b, ib["code"], "its operator removed this key from its members, and no invite admits it again",
            "b with its own invite (1 use left) after removal")
    check_eq(by_key_id(r.cli_json("invite", "list"))[ib["id"]]["uses_left"], 1, "b's refusal used nothing")

    # ---- revoke ----
    ic = r.cli_json("invite", "create")
    rv = r.cli_json("invite", "revoke", ic["id"][:8])
    check_eq(rv["id"], ic["id"], "invite revoke: by 8 digits of the id")
    bad = r.cli("invite", "revoke", "zz", check=False)
    check_eq(bad.returncode, 2, "invite revoke: an id no invite has is a usage error")
    check("invite list" in bad.stderr, f"invite revoke: says where ids are: {bad.stderr.strip()}")
    refused(x, ic["code"], "this invite code was revoked; ask the relay's operator for a new one", "a revoked invite")
    check_eq(by_key_id(r.cli_json("invite", "list"))[ic["id"]]["state"], "revoked", "invite list: revoked")
    check(x.id not in members(), "x is still no member")

    # ---- expiry: made on the store with a clock 8 days back ----
    r.write_config(listen=f"127.0.0.1:{r.port}")  # an address for a code made with no node running
    r.stop()
    env = dict(os.environ, SEURONE_TEST_NOW_MS=str(int(time.time() * 1000) - 8 * DAY_MS))
    old = json_run([h.ARGS.seurone, "--home", r.home, "invite", "create", "--expires", "1d", "--json"], env)
    direct = by_key(r.cli_json("members"))
    check_eq(set(direct), {a.id}, "members without the node: from the store")
    check_eq((direct[a.id]["name"], direct[a.id]["invite"], direct[a.id]["entries"]),
             (ANA, ia["id"], len(r.ids(a))), "members without the node: the same record")
    check_eq(by_key_id(r.cli_json("invite", "list"))[old["id"]]["state"], "expired", "invite list: expired")
    r.start(relay=True)
    refused(x, old["code"], "this invite code has expired; ask the relay for a new one", "an expired invite")
    r.cli_json("invite", "create")  # drops what ended more than a day ago
    left = by_key_id(r.cli_json("invite", "list"))
    check(old["id"] not in left, "the expired invite is dropped from the store by the next create")
    check(ic["id"] in left and ia["id"] in left, "the revoked (just now) and used-up invites are kept")
    for n in (r, a, b, x, t, u):
        n.check_alive()
        n.stop()


def width(text):
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def by_key_id(rows):
    return {i["id"]: i for i in rows}


def json_run(argv, env):
    import json
    p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60 * h.SCALE)
    check_eq(p.returncode, 0, f"{' '.join(argv[3:])}: exit 0 ({p.stderr.strip()})")
    return json.loads(p.stdout)


h.run_test(main)
