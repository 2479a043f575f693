#!/usr/bin/env python3
"""The key at rest and the copied home (issue 14), on real processes and temp homes.

Passphrase (docs/storage.md, "The key file"; docs/cli.md):
  - `init` on a fresh home asks nothing; `key passphrase` seals HOME/secret, changes
    and removes the passphrase; the identity never changes; the file is replaced
    whole (mode 0600, no temporary left) and an independent implementation
    (tests/data/keyfile.py, PyNaCl) opens what the program sealed, and the program
    what it sealed;
  - a command that signs asks on the terminal (a pty: no echo, a wrong passphrase
    asked again), or takes --passphrase-file FILE / --passphrase-fd N; a wrong or
    missing one exits 4 and nothing is published or changed;
  - no option takes the passphrase itself, and a running node's command line and
    environment hold none;
  - a tampered file is refused: as damaged, or (sum made right) as not opening.
Copied home (docs/storage.md, "HOME/device"):
  - the same home passes; a copy in another directory and the same home under
    another machine id (SEURONE_MACHINE_ID_FILE, for tests) refuse to publish with
    SR_ECOPIED, directly and through a running node, until `device claim`, which a
    running node sees without a restart.
"""
import argparse
import hashlib
import hmac
import http.client
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "data"))
from common import Home, check, finish, tempdir  # noqa: E402
import keyfile  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--seurone", required=True)
A = ap.parse_args()
root = tempdir()
PROCS = []
MACHINE_A = os.path.join(root, "machine-a")
MACHINE_B = os.path.join(root, "machine-b")
with open(MACHINE_A, "w") as f:
    f.write("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n")
with open(MACHINE_B, "w") as f:
    f.write("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n")
# Every command of this test runs on "machine A" unless told otherwise.
os.environ["SEURONE_MACHINE_ID_FILE"] = MACHINE_A
SANITIZED = "AddressSanitizer" in subprocess.run([A.seurone, "--help"], capture_output=True, text=True,
                                                 env=dict(os.environ, ASAN_OPTIONS="help=1")).stdout
SCALE = 3 if SANITIZED else 1


class Alone(Home):
    """A home whose commands run with no controlling terminal (a new session), as
    under a service manager: one that asks for a passphrase cannot, whatever
    terminal the test itself was started from."""

    def run(self, *argv, check=True, stdin=None, env=None):
        cmd = [self.seurone, "--home", self.path] + list(argv)
        e = dict(os.environ)
        e.update(env or {})
        r = subprocess.run(cmd, capture_output=True, text=True, input=stdin, env=e, start_new_session=True,
                           stdin=None if stdin is not None else subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
        return r


def secret_file(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def read(path):
    with open(path) as f:
        return f.read()


def write_secret(home, text):
    p = os.path.join(home.path, "secret")
    with open(p, "w") as f:
        f.write(text)
    os.chmod(p, 0o600)


def seqs(home):
    return len(home.json("log"))


def on_pty(argv, answers, timeout=30):
    """Runs argv on a new pseudo-terminal (its controlling terminal, as a person's
    shell would be); writes each answer after the next prompt ending in ': '.
    Returns (exit code, everything the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, dict(os.environ))
    shown, pending = b"", list(answers)
    deadline = time.monotonic() + timeout * SCALE
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
                if pending and shown.rstrip(b"\r\n").endswith(b": "):
                    time.sleep(0.05)
                    os.write(fd, pending.pop(0).encode() + b"\n")
                    shown += b"<answered>"
    finally:
        try:
            os.kill(pid, signal.SIGKILL) if time.monotonic() >= deadline else None
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def start_node(home, *extra, pass_fds=(), web="off"):
    log = open(os.path.join(root, f"{os.path.basename(home.path)}-{len(PROCS)}.log"), "w")
    proc = subprocess.Popen([A.seurone, "--home", home.path, "run", "--listen", "127.0.0.1:0", "--web", web] +
                            list(extra), stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=pass_fds,
                            start_new_session=True)
    PROCS.append(proc)
    deadline = time.monotonic() + 30 * SCALE
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if json.load(open(os.path.join(home.path, "run.json"))).get("pid") == proc.pid:
                return proc, log.name
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    return proc, log.name


def web_post(home, path, body):
    """POST to the running node's web API as a program does (docs/api.md): the
    Bearer token of HOME/web.token and the CSRF value HMAC-SHA256 keyed with the token's bytes of "csrf"."""
    info = json.load(open(os.path.join(home.path, "run.json")))
    port = int(info["web"].rsplit(":", 1)[1])
    token = read(os.path.join(home.path, "web.token")).strip()
    csrf = hmac.new(bytes.fromhex(token), b"csrf", hashlib.sha256).hexdigest()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60 * SCALE)
    try:
        c.request("POST", path, body=json.dumps(body).encode(),
                  headers={"Host": f"127.0.0.1:{port}", "Authorization": f"Bearer {token}", "X-Seurone-CSRF": csrf,
                           "Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


def stop_node(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30 * SCALE)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


try:
    # ---- a fresh home asks nothing ----
    ada = Alone(A.seurone, root, "ada")
    r = subprocess.run([A.seurone, "--home", ada.path, "init", "--json"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "init on a fresh home asks nothing (stdin closed, no terminal)")
    me = json.loads(r.stdout)["id"]
    check(ada.json("key") == {"id": me, "sealed": False, "kdf": None}, "key --json: not sealed")
    check(not ada.json("device")["copied"], "device --json: a new home is the one that publishes")
    plain = keyfile.parse(read(os.path.join(ada.path, "secret")))
    check(plain["pk"].hex() == me, "the plain key file holds the identity (independent reader)")
    ada.json("publish", "about", "--name", "Ada")

    # ---- setting a passphrase ----
    pw = secret_file(os.path.join(root, "pw"), "correct horse battery staple\n")
    t0 = time.monotonic()
    out = ada.json("key", "passphrase", "--new-passphrase-file", pw)
    took = time.monotonic() - t0
    check(out["id"] == me and out["sealed"] and out["changed"] and
          out["kdf"] == {"alg": "argon2id13", "opslimit": 2, "memlimit": 64 << 20},
          f"key passphrase seals the key with argon2id (2 passes, 64 MiB; sealed and checked in {took:.2f} s)")
    sealed = read(os.path.join(ada.path, "secret"))
    check(keyfile.key_line(sealed).startswith("seurone-key 1 argon2id13 ops=2 mem=67108864 salt="),
          "the sealed file's key line: magic, version, kdf, limits first")
    check(plain["sk"].hex() not in sealed and plain["sk"][:32].hex() not in sealed,
          "the secret is nowhere in the sealed file")
    check(oct(os.stat(os.path.join(ada.path, "secret")).st_mode & 0o777) == "0o600", "the sealed file has mode 0600")
    check(not [n for n in os.listdir(ada.path) if ".tmp" in n], f"no temporary file left ({os.listdir(ada.path)})")
    check(keyfile.open_sealed(sealed, b"correct horse battery staple") == plain["sk"],
          "an independent implementation opens the sealed file to the same key")
    check(ada.run("id").stdout.strip() == me and ada.json("key")["sealed"],
          "id and key status need no passphrase; the identity is unchanged")

    # ---- commands that sign need it ----
    n = seqs(ada)
    r = ada.run("publish", "about", "--name", "no pass", check=False)
    check(r.returncode == 4 and "--passphrase-file" in r.stderr and "no terminal" in r.stderr,
          f"publish with no passphrase and no terminal exits 4 and says how to give one: {r.stderr.strip()[:90]}")
    wrong = secret_file(os.path.join(root, "wrong"), "correct horse battery stapl\n")
    r = ada.run("publish", "about", "--name", "wrong", "--passphrase-file", wrong, check=False)
    check(r.returncode == 4 and "wrong passphrase" in r.stderr and "SR_EPASSPHRASE" in r.stderr,
          "a wrong passphrase exits 4 with SR_EPASSPHRASE")
    check(seqs(ada) == n, "nothing was published by either")
    t0 = time.monotonic()
    ada.json("publish", "about", "--name", "with file", "--passphrase-file", pw)
    unlock = time.monotonic() - t0
    check(seqs(ada) == n + 1, f"publish --passphrase-file works (unlock and publish in {unlock:.2f} s)")
    check(unlock < 5 * SCALE, "the unlock takes about a second, not more than 5 s here")
    rfd, wfd = os.pipe()
    os.write(wfd, b"correct horse battery staple\n")
    os.close(wfd)
    r = subprocess.run([A.seurone, "--home", ada.path, "publish", "about", "--name", "with fd", f"--passphrase-fd={rfd}"],
                       pass_fds=(rfd,), capture_output=True, text=True)
    os.close(rfd)
    check(r.returncode == 0 and seqs(ada) == n + 2, "publish --passphrase-fd N reads it from the descriptor")
    r = ada.run("publish", "about", "--name", "x", "--passphrase-fd", "97", check=False)
    check(r.returncode == 3 and "no such open file descriptor" in r.stderr, "a descriptor that is not open is named")
    loose = os.path.join(root, "loose")
    shutil.copy(pw, loose)
    os.chmod(loose, 0o644)
    r = ada.run("publish", "about", "--name", "x", "--passphrase-file", loose, check=False)
    check(r.returncode == 3 and "chmod 600" in r.stderr, "a passphrase file others may read is refused")

    # ---- never on the command line ----
    for argv in (["publish", "about", "--name", "x", "--passphrase", "correct horse battery staple"],
                 ["publish", "about", "--name", "x", "--passphrase=correct horse battery staple"],
                 ["--passphrase", "correct horse battery staple", "run"],
                 ["key", "passphrase", "--new-passphrase", "hunter2"],
                 ["key", "passphrase", "--new-passphrase=hunter2"]):
        r = ada.run(*argv, check=False)
        check(r.returncode == 2 and "never given as an argument" in r.stderr,
              f"refused, the passphrase is no argument: {' '.join(argv[:4])}")
    r = ada.run("publish", "about", "--name", "x", "--passphrase-fd", "correct horse", check=False)
    check(r.returncode == 2 and "file descriptor number" in r.stderr, "--passphrase-fd takes a number, not the passphrase")
    r = ada.run("publish", "about", "--name", "x", "--passphrase-file", "correct horse", check=False)
    check(r.returncode == 3 and "cannot open the passphrase file" in r.stderr,
          "--passphrase-file takes a file name, not the passphrase")
    check(seqs(ada) == n + 2, "none of them published")

    # ---- the terminal: no echo, asked again when wrong ----
    code, shown = on_pty([A.seurone, "--home", ada.path, "publish", "about", "--name", "on a tty"],
                         ["correct horse battery staple"])
    check(code == 0 and "passphrase of" in shown and "correct horse" not in shown,
          f"publish asks on the terminal, which does not echo the passphrase (exit {code})")
    code, shown = on_pty([A.seurone, "--home", ada.path, "publish", "about", "--name", "second try"],
                         ["nope", "correct horse battery staple"])
    check(code == 0 and "wrong passphrase; try again" in shown and "nope" not in shown,
          f"a mistyped passphrase is asked again (exit {code})")
    code, shown = on_pty([A.seurone, "--home", ada.path, "publish", "about", "--name", "three wrong"],
                         ["a", "b", "c", "d"])
    check(code == 4 and shown.count("wrong passphrase; try again") == 2 and "SR_EPASSPHRASE" in shown,
          f"three wrong ones end it, exit 4 (exit {code})")
    check(seqs(ada) == n + 4, "two published from the terminal, none from the failed tries")

    # ---- changing and removing it ----
    before = read(os.path.join(ada.path, "secret"))
    new = secret_file(os.path.join(root, "new"), "a new passphrase\n")
    r = ada.run("key", "passphrase", "--passphrase-file", wrong, "--new-passphrase-file", new, check=False)
    check(r.returncode == 4 and read(os.path.join(ada.path, "secret")) == before,
          "change with a wrong current passphrase: exit 4, the file byte for byte as it was")
    out = ada.json("key", "passphrase", "--passphrase-file", pw, "--new-passphrase-file", new)
    check(out["changed"] and out["id"] == me, "key passphrase changes it; the identity is unchanged")
    after = read(os.path.join(ada.path, "secret"))
    check(keyfile.parse(after)["salt"] != keyfile.parse(before)["salt"], "a new salt and nonce")
    r = ada.run("publish", "about", "--name", "old", "--passphrase-file", pw, check=False)
    check(r.returncode == 4, "the old passphrase no longer opens it")
    ada.json("publish", "about", "--name", "new", "--passphrase-file", new)
    # one descriptor, two lines: the current passphrase then the new one
    rfd, wfd = os.pipe()
    os.write(wfd, b"a new passphrase\nthe third one\n")
    os.close(wfd)
    r = subprocess.run([A.seurone, "--home", ada.path, "key", "passphrase", "--passphrase-fd", str(rfd),
                        "--new-passphrase-fd", str(rfd), "--json"], pass_fds=(rfd,), capture_output=True, text=True)
    os.close(rfd)
    check(r.returncode == 0 and keyfile.open_sealed(read(os.path.join(ada.path, "secret")), b"the third one") == plain["sk"],
          "current and new passphrase as two lines of one descriptor")
    code, shown = on_pty([A.seurone, "--home", ada.path, "key", "passphrase"],
                         ["the third one", "typed once", "typed twice", "on the tty", "on the tty"])
    check(code == 0 and "differ; once more" in shown and "on the tty" not in shown.replace("<answered>", ""),
          f"on a terminal the new passphrase is asked twice until both agree, without echo (exit {code})")
    check(keyfile.open_sealed(read(os.path.join(ada.path, "secret")), b"on the tty") == plain["sk"],
          "and it is the one sealed")
    tty_pw = secret_file(os.path.join(root, "ttypw"), "on the tty\n")
    out = ada.json("key", "passphrase", "--remove", "--passphrase-file", tty_pw)
    check(out == {"id": me, "sealed": False, "changed": True, "kdf": None}, "key passphrase --remove")
    back = keyfile.parse(read(os.path.join(ada.path, "secret")))
    check(not back["sealed"] and back["sk"] == plain["sk"], "the key file is plain again, the same key")
    ada.json("publish", "about", "--name", "plain again")
    check(ada.json("key", "passphrase", "--remove")["changed"] is False, "--remove on a plain key changes nothing")

    # ---- a file sealed elsewhere, and tampered files ----
    write_secret(ada, keyfile.seal(plain["sk"], b"from python"))
    py = secret_file(os.path.join(root, "py"), "from python\n")
    ada.json("publish", "about", "--name", "python sealed it", "--passphrase-file", py)
    check(ada.run("id").stdout.strip() == me, "the program opens a file the independent implementation sealed")
    good = read(os.path.join(ada.path, "secret"))
    line = keyfile.key_line(good)
    n = seqs(ada)
    at = line.index(" box=") + 10
    bad = good.replace(line, line[:at] + ("0" if line[at] != "0" else "1") + line[at + 1:])
    write_secret(ada, bad)
    r = ada.run("publish", "about", "--name", "x", "--passphrase-file", py, check=False)
    check(r.returncode == 3 and "damaged or changed" in r.stderr, "a changed box is refused as damaged (the sum)")
    r = ada.run("id", check=False)
    check(r.returncode == 3 and "does not match its sum" in r.stderr, "id refuses it too")
    k = keyfile.parse(good)
    resummed = keyfile.seal(plain["sk"], b"from python", k["ops"], k["mem"], k["salt"], k["nonce"])
    kl = keyfile.key_line(resummed)
    at = kl.index(" box=") + 10
    prefix = (kl[:at] + ("0" if kl[at] != "0" else "1") + kl[at + 1:]).rpartition(" sum=")[0]
    write_secret(ada, prefix + " sum=" + keyfile._line_sum(prefix) + "\n")
    r = ada.run("publish", "about", "--name", "x", "--passphrase-file", py, check=False)
    check(r.returncode == 4 and "wrong passphrase" in r.stderr, "a changed box with its sum made right does not open")
    other_sk, other_pk = keyfile.keypair(bytes([7]) * 32)
    prefix = kl.rpartition(" sum=")[0].replace(plain["pk"].hex(), other_pk.hex())
    write_secret(ada, prefix + " sum=" + keyfile._line_sum(prefix) + "\n")
    r = ada.run("publish", "about", "--name", "x", "--passphrase-file", py, check=False)
    check(r.returncode == 3 and "not the identity it names" in r.stderr,
          "a pk= naming another identity is refused once the box opens")
    write_secret(ada, good)  # (before counting: `log` finds its own log by the key file's pk)
    check(seqs(ada) == n, "nothing published from a tampered file")

    # ---- the node: sealed key through a descriptor, nothing in ps ----
    rfd, wfd = os.pipe()
    os.write(wfd, b"from python\n")
    os.close(wfd)
    node, log = start_node(ada, "--passphrase-fd", str(rfd), pass_fds=(rfd,), web="127.0.0.1:0")
    os.close(rfd)
    check(node.poll() is None, "run opens a sealed key from --passphrase-fd and runs")
    # the web app's invite accept signs with the node's key: the sealed file is not read again
    relay = Alone(A.seurone, root, "relay")
    relay.json("init")
    rnode, _ = start_node(relay, "--relay")
    code = relay.json("invite", "create")["code"]
    st, out = web_post(ada, "/api/invite/accept", {"code": code})
    check(st == 200 and out["ok"] and out["key"] == relay.run("id").stdout.strip(),
          f"the web app's invite accept works on a node whose key is sealed ({st} {out})")
    check(stop_node(rnode) == 0, "the relay stops cleanly")
    cmdline = open(f"/proc/{node.pid}/cmdline", "rb").read()
    environ = open(f"/proc/{node.pid}/environ", "rb").read()
    check(b"from python" not in cmdline and b"from python" not in environ,
          "the running node's command line and environment hold no passphrase")
    out = ada.json("publish", "about", "--name", "through the node")
    check(out["seq"] == n + 1, "publish through the node needs no passphrase (the node signs)")
    check(ada.json("status")["copied"] is False, "status: copied false")
    check(stop_node(node) == 0, "the node stops cleanly")
    r = ada.run("run", "--listen", "127.0.0.1:0", check=False)
    check(r.returncode == 4 and "--passphrase-fd" in r.stderr, "run with a sealed key and no passphrase exits 4")
    r = ada.run("invite", "accept", "seurone-invite:1:seurone://127.0.0.1:9/" + "ab" * 32 + ":" + "cd" * 32 + ":" +
                "ef" * 32, check=False)
    check(r.returncode == 4 and "sealed" in r.stderr, "invite accept needs the passphrase too")
    r = ada.run("init", check=False)
    check(r.returncode == 0, "init over a sealed key asks nothing and changes nothing")
    check(read(os.path.join(ada.path, "secret")) == good, "the sealed key file is as it was")
    ada.json("key", "passphrase", "--remove", "--passphrase-file", py)

    # ---- a copied home does not publish ----
    n = seqs(ada)
    copy = Alone(A.seurone, root, "ada-copy")
    shutil.copytree(ada.path, copy.path, symlinks=True)
    r = copy.run("publish", "about", "--name", "from the copy", check=False)
    check(r.returncode == 3 and "SR_ECOPIED" in r.stderr and "device claim" in r.stderr and ada.path in r.stderr,
          f"a copy in another directory refuses to publish, saying why and what to do: {r.stderr.strip()[:120]}")
    r = copy.run("device", "--json", check=False)
    st = json.loads(r.stdout)
    check(r.returncode == 1 and st["copied"] and "another one" in st["why"], "device --json: copied, exit 1")
    ada.json("publish", "about", "--name", "from the original")
    check(seqs(ada) == n + 1, "the original still publishes")
    # the same home on another machine
    r = ada.run("publish", "about", "--name", "x", check=False, env={"SEURONE_MACHINE_ID_FILE": MACHINE_B})
    check(r.returncode == 3 and "another machine" in r.stderr, "the same home under another machine id refuses")
    r = ada.run("publish", "about", "--name", "x", check=False, env={"SEURONE_MACHINE_ID_FILE": os.path.join(root, "none")})
    check(r.returncode == 3 and "another machine" in r.stderr, "and under none at all")
    check(seqs(ada) == n + 1 and seqs(copy) == n, "nothing published by the refused ones")
    r = copy.run("init", check=False)
    check(r.returncode == 0 and "warning" in r.stderr and "copy" in r.stderr, "init on the copy warns it will not publish")

    # a node on the copy runs and syncs but does not publish, until claimed
    os.unlink(os.path.join(copy.path, "web.token"))  # the copy's own web app, not a copied session
    node, log = start_node(copy, web="127.0.0.1:0")
    check(node.poll() is None, "a node runs on the copy")
    check(copy.json("status")["copied"] is True, "status: copied true")
    r = copy.run("publish", "about", "--name", "through a copied node", check=False)
    check(r.returncode == 3 and "SR_ECOPIED" in r.stderr, "the copy's node refuses the publish with SR_ECOPIED")
    st, out = web_post(copy, "/api/publish", {"type": "share", "text": "from the copy's web app"})
    check(st == 409 and out["code"] == "SR_ECOPIED" and "device claim" in out["error"],
          f"the copy's web app refuses it too: 409 SR_ECOPIED ({st})")
    out = copy.json("device", "claim")
    check(out["claimed"] and out["previous"]["path"] == os.path.realpath(ada.path) and
          out["record"]["device"] != out["previous"]["device"],
          "device claim: this copy is the one now, with a new device id; the one before is named")
    out = copy.json("publish", "about", "--name", "claimed")
    check(out["seq"] == n + 1, "the running node publishes once claimed, without a restart")
    check(copy.json("status")["copied"] is False, "status: copied false after the claim")
    check(stop_node(node) == 0, "the copy's node stops cleanly")
    check("publishes nothing" in read(log), "the node said at start that it publishes nothing")
    check(copy.json("device", "claim")["claimed"] is False, "a second claim has nothing to claim")
    # HOME/device gone while the store remembers it (the key and the store copied
    # alone look like this): refused until claimed. A home from before HOME/device
    # (no record, and a store that remembers none) is recorded as it is: unit_device.
    os.unlink(os.path.join(copy.path, "device"))
    r = copy.run("publish", "about", "--name", "no record", check=False)
    check(r.returncode == 3 and "without its HOME/device" in r.stderr and "device claim" in r.stderr,
          "a home whose HOME/device is gone but whose store remembers one refuses to publish")
    check(not os.path.exists(os.path.join(copy.path, "device")), "and writes no new record by itself")
    check(copy.json("device", "claim")["claimed"], "device claim makes it the copy that publishes")
    copy.json("publish", "about", "--name", "no record yet")
    check(os.path.exists(os.path.join(copy.path, "device")), "claimed, it publishes, and is recorded")
    # a move is no copy
    moved = Alone(A.seurone, root, "ada-moved")
    os.rename(copy.path, moved.path)
    moved.json("publish", "about", "--name", "moved")
    check(keyfile.device_line(read(os.path.join(moved.path, "device")))["path"] == os.path.realpath(moved.path),
          "a moved home publishes, and its record follows it")
    rec = keyfile.device_line(read(os.path.join(moved.path, "device")))
    check(rec["machine"] == keyfile.machine_hash(read(MACHINE_A)) and rec["inode"] == os.stat(moved.path).st_ino,
          "the record holds the keyed hash of the machine id and the home's inode (docs/storage.md)")
finally:
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()
finish(root)
