#!/usr/bin/python3
"""Backup and restore that never fork (docs/backup.md, "The restore stop").

1. A week-old backup, peers hold newer entries: Ada (a) runs with friends b and
   c (b and c follow her; c dials b only). She backs up while her node runs
   (`backup FILE`, the key sealed with a passphrase for it), then publishes
   two more entries that reach b and c. Her home is destroyed. On "another
   machine" (SEURONE_MACHINE_ID_FILE) she restores the old backup into a new
   home: HOME/device is this machine's, the backup holds no device record and
   no web token, and a publish right away is refused (CLI without a node, and
   the running node's control socket: SR_ERESTORING) with the restore's words.
   Once the node has a session with b, it fetches its own newer entries (which
   follow a head it wrote before the backup: this must NOT set the self-fork
   stop), the restore stop clears by itself (logged), her head equals b's,
   and her next entry continues the chain (seq = b's head + 1); b and c take
   it and show no fork, nor does she.
2. The paper key: Pia (p) prints her paper key, publishes once more (her
   friend q takes it), loses her home; a code with two neighbours swapped is
   refused naming the group; the right code, typed in lower case with spaces,
   restores into an empty store on another machine, which fetches her whole
   log from q before it publishes (seq = q's head + 1), no fork anywhere.
3. No other copy: Rae (r) has no peer at all; her restored home refuses until
   `restore --no-other-copy --yes` (without --yes it only explains), through
   the running node too, then continues her chain.
"""
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import subprocess

import harness as h
from harness import check, check_eq


class RestoredNode(h.Node):
    """A home made by `seurone restore` (no init), on another machine: every
    CLI call and the node run with SEURONE_MACHINE_ID_FILE set."""

    def __init__(self, cluster, name, src, machine_file):
        self.cluster = cluster
        self.name = name
        self.home = os.path.join(cluster.root, name)
        self.proc = None
        self.stderr_path = os.path.join(cluster.root, f"{name}.stderr")
        self.stdout_path = os.path.join(cluster.root, f"{name}.stdout")
        self.starts = 0
        self.run_info = None
        self.run_prefix = []
        self.host = "127.0.0.1"
        self.id = src.id
        self.config = dict(src.config)
        self.env = {"SEURONE_MACHINE_ID_FILE": machine_file}
        cluster.nodes.append(self)

    def cli(self, *argv, check=True, timeout=60, input=None):
        cmd = [h.ARGS.seurone, "--home", self.home] + [str(a) for a in argv]
        env = dict(os.environ)
        env.update(self.env)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * h.SCALE, input=input, env=env)
        if check and r.returncode != 0:
            raise h.CliError(f"{' '.join(cmd)} exited {r.returncode}\nstdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}")
        return r

    def start(self, *extra, **kw):
        return super().start(*extra, env=self.env, **kw)




def web(node, method, path, body=None):
    """(status, JSON) of one web API request with the Bearer token and CSRF header."""
    with open(os.path.join(node.home, "web.token")) as f:
        token = f.read().strip()
    port = int(node.run_info["web"].rsplit(":", 1)[1])
    hd = {"Authorization": f"Bearer {token}", "Host": f"127.0.0.1:{port}",
          "X-Seurone-CSRF": hmac.new(bytes.fromhex(token), b"csrf", hashlib.sha256).hexdigest()}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hd["Content-Type"] = "application/json"
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30 * h.SCALE)
    try:
        c.request(method, path, body=data, headers=hd)
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


SHARE_X = "gaR0ZXh0oXg="  # canonical msgpack of {"text": "x"}, base64


def refused(node, what, pf=None):
    more = ["--passphrase-file", pf] if pf and not node.alive() else []
    r = node.cli("publish", "share", "--text", f"too early ({what})", *more, check=False)
    check(r.returncode == 1 and "restored from" in r.stderr and "--no-other-copy" in r.stderr,
          f"{node.name}: publish refused with the restore's words ({what}): exit {r.returncode}, {r.stderr.strip()[:300]}")
    if node.alive():
        rep = h.control(node, {"cmd": "publish", "type": "share", "content": SHARE_X})
        check_eq((rep.get("ok"), rep.get("code")), (False, "SR_ERESTORING"),
                 f"{node.name}: control socket publish refused ({what})")
        status, doc = web(node, "POST", "/api/publish", {"type": "share", "text": "from the web"})
        check(status == 409 and "restored from" in json.dumps(doc),
              f"{node.name}: web API publish refused with 409 ({what}): {status} {doc}")
        status, st = web(node, "GET", "/api/status")
        check(status == 200 and st.get("restore_pending") is not None, f"{node.name}: web status shows the restore pending")


def machine(c, name):
    path = c.path(f"{name}.machine-id")
    with open(path, "w") as f:
        f.write(os.urandom(16).hex() + "\n")
    return path


def passfile(c, name, text):
    path = c.path(name)
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)
    return path


def head_of(node, author):
    return node.heads().get(author.id, 0)


def no_fork(nodes, author, what):
    for n in nodes:
        s = n.status()
        check_eq(s.get("forked_authors"), [], f"{n.name}: nobody forked ({what})")
        check(s.get("self_fork") is None, f"{n.name}: no self-fork stop ({what})")
        f = n.cli_json("fork")
        check_eq((f["forked_authors"], f["self_fork"]), ([], None), f"{n.name}: fork --json shows no fork ({what})")
        check(n.verify().get("ok") is True, f"{n.name}: verify ({what})")


def sections(path):
    """The section names of a backup file (docs/backup.md), and its bytes."""
    with open(path, "rb") as f:
        data = f.read()
    names, pos = [], data.index(b"\n") + 1
    while not data.startswith(b"end ", pos):
        nl = data.index(b"\n", pos)
        _, name, n = data[pos:nl].split(b" ")
        names.append(name.decode())
        pos = nl + 1 + int(n) + 1
    return names, data


def week_old_backup(c):
    a, b, cc = c.node("a"), c.node("b"), c.node("c")
    a.about("Ada")
    a.share("before the backup")
    b.follow(a)
    cc.follow(a)
    cc.follow(b)
    for n in (a, b, cc):
        n.start()
    b.peer_add(a)
    cc.peer_add(b)
    h.wait_until(lambda: head_of(b, a) == 2 and head_of(cc, a) == 2, 30, "b and c hold Ada's log")
    pf = passfile(c, "ada.pass", "correct horse battery")
    bk = c.path("ada.backup")
    doc = a.cli_json("backup", bk, "--passphrase-file", pf)
    check_eq((doc["seq"], doc["passphrase_new"], doc["holds"]), (2, True, ["key", "config", "store"]),
             "backup --json: her log up to seq 2, the key sealed with a new passphrase")
    check_eq(os.stat(bk).st_mode & 0o777, 0o600, "the backup file is mode 0600")
    names, data = sections(bk)
    check_eq(names, ["key", "config", "store"], "the backup holds key, config and store")
    with open(os.path.join(a.home, "web.token")) as f:
        token = f.read().strip().encode()
    check(token not in data, "the web token is not in the backup")
    with open(os.path.join(a.home, "device"), "rb") as f:
        check(f.read().split(b" ")[2] not in data, "HOME/device is not in the backup")
    check(b"argon2id13" in data and b"ed25519 " not in data, "the key in the backup is sealed")
    r = a.cli("backup", bk, "--passphrase-file", pf, check=False)
    check(r.returncode != 0 and "exists" in r.stderr, "backup never overwrites a file")

    late = [a.share("after the backup 1")["id"], a.share("after the backup 2")["id"]]
    h.wait_until(lambda: head_of(b, a) == 4 and head_of(cc, a) == 4, 30, "b and c hold Ada's newer entries")
    a.stop()
    shutil.rmtree(a.home)  # the laptop is gone

    a2 = RestoredNode(c, "a2", a, machine(c, "m2"))
    r = a2.cli_json("restore", bk)
    check_eq((r["id"], r["seq"], r["sealed"], r["restore_pending"]), (a.id, 2, True, True),
             "restore --json: the identity, the log of the backup, sealed, a restore pending")
    check_eq(a2.cli_json("device")["copied"], False, "the restored home is this machine's device")
    check_eq(os.stat(os.path.join(a2.home, "secret")).st_mode & 0o777, 0o600, "the key file is mode 0600")
    s = a2.status()
    check(s["running"] is False and s["restore_pending"] is not None and s["restore_pending"]["head"] == 2,
          f"status (no node) shows the restore pending: {s.get('restore_pending')}")
    refused(a2, "no node", pf)
    a2.start("--passphrase-file", pf)
    a2.wait_log("RESTORED HOME", 10)
    refused(a2, "node running, no peer yet")
    check(a2.status()["restore_pending"]["peer_head"] is None, "no peer has said what it holds yet")
    a2.peer_add(b)
    h.wait_until(lambda: a2.status()["restore_pending"] is None, 30, "the restore stop clears by itself")
    # The stop cleared only once her own head had caught up with b's report.
    a2.wait_log(r"restore complete: this node holds its own log up to seq 4, as far as peer " + b.id[:16], 10)
    bhead = head_of(b, a)
    check_eq((head_of(a2, a), bhead), (4, 4), "a2's own head is b's")
    check(set(late) <= a2.ids(a), "a2 holds the entries written after the backup")
    check(a2.status()["self_fork"] is None, "catching up on her own log did not set the self-fork stop")
    nxt = a2.share("from the restored home")
    check_eq(nxt["seq"], bhead + 1, "the next entry continues the chain (b's head + 1)")
    h.wait_until(lambda: b.has(nxt["id"], a) and cc.has(nxt["id"], a), 30, "b and c take it")
    no_fork([a2, b, cc], a, "after the restore")
    a2.stop()  # a restart after the stop cleared: still publishing
    a2.start("--passphrase-file", pf)
    check(a2.status()["restore_pending"] is None, "the cleared stop stays cleared after a restart")
    for n in (a2, b, cc):
        n.stop()


def paper_key(c):
    p, q = c.node("p"), c.node("q")
    p.about("Pia")
    p.follow(q)
    q.follow(p)
    p.start()
    q.start()
    q.peer_add(p)
    h.wait_until(lambda: head_of(q, p) == 2, 30, "q holds Pia's log")
    text = p.cli("backup", "--paper").stdout
    code = p.cli_json("backup", "--paper")["paper_key"]
    check(code in text.replace("\n", "-"), "the paper key printed is the one of --json")
    check(text.startswith("# seurone paper key 1") and p.id in text, "a line says what it is, and whose")
    p.share("after the paper key")
    h.wait_until(lambda: head_of(q, p) == 3, 30, "q holds Pia's newer entry")
    p.stop()
    shutil.rmtree(p.home)

    p2 = RestoredNode(c, "p2", p, machine(c, "m3"))
    groups = code.split("-")
    g = list(groups[4])
    g[2], g[3] = g[3], g[2]
    if g[2] == g[3]:
        g[5], g[6] = g[6], g[5]
    bad = c.path("pia.bad")
    with open(bad, "w") as f:
        f.write("-".join(groups[:4] + ["".join(g)] + groups[5:]) + "\n")
    r = p2.cli("restore", "--paper", "--paper-file", bad, "--no-passphrase", check=False)
    check(r.returncode == 1 and "group 5" in r.stderr, f"a swapped pair is refused naming group 5: {r.stderr.strip()}")
    check(not os.path.exists(os.path.join(p2.home, "secret")), "nothing restored from a wrong code")
    typed = c.path("pia.typed")
    with open(typed, "w") as f:
        f.write(" ".join(groups).lower() + "\n")
    pf = passfile(c, "pia.pass", "a passphrase for the paper")
    r = p2.cli_json("restore", "--paper", "--paper-file", typed, "--passphrase-file", pf)
    check_eq((r["id"], r["sealed"], r["restore_pending"]), (p.id, True, True), "paper restore: her identity, sealed")
    p2.write_config()
    refused(p2, "paper, no node", pf)
    p2.start("--passphrase-file", pf)
    refused(p2, "paper, node running")
    p2.peer_add(q)
    h.wait_until(lambda: p2.status()["restore_pending"] is None, 30, "the paper restore's stop clears")
    check_eq(head_of(p2, p), 3, "p2 fetched her whole log first")
    p2.wait_log(r"restore complete: this node holds its own log up to seq 3", 10)
    nxt = p2.share("from the paper key")
    check_eq(nxt["seq"], 4, "the next entry continues the chain")
    h.wait_until(lambda: q.has(nxt["id"], p), 30, "q takes it")
    no_fork([p2, q], p, "after the paper restore")
    p2.stop()
    q.stop()


def no_other_copy(c):
    r_ = c.node("r")
    r_.about("Rae")
    bk = c.path("rae.backup")
    pf = passfile(c, "rae.pass", "rae's passphrase")
    r_.cli("backup", bk, "--passphrase-file", pf)
    shutil.rmtree(r_.home)
    r2 = RestoredNode(c, "r2", r_, machine(c, "m4"))
    r2.cli("restore", bk)
    r2.start("--passphrase-file", pf)
    refused(r2, "alone")
    x = r2.cli("restore", "--no-other-copy", check=False)
    check(x.returncode == 2 and "--yes" in x.stderr, "without --yes, --no-other-copy only explains")
    refused(r2, "after --no-other-copy without --yes")
    check_eq(r2.cli_json("restore", "--no-other-copy", "--yes")["cleared"], True, "--no-other-copy --yes lifts it")
    check(r2.status()["restore_pending"] is None, "status: no restore pending")
    nxt = r2.share("no other copy")
    check_eq(nxt["seq"], 2, "the next entry continues her chain")
    check_eq(r2.cli_json("restore", "--no-other-copy", "--yes")["cleared"], False, "a second time: nothing to lift")
    r2.stop()


def main(c):
    week_old_backup(c)
    paper_key(c)
    no_other_copy(c)


h.run_test(main)
