"""harness.py: drive real `seurone run` processes on 127.0.0.1 for the multi-node tests.

Every node listens on port 0 (ephemeral); its address comes from HOME/run.json.
Every process started here is killed when the test ends, whatever happens:
try/finally in run_test(), atexit, and PR_SET_PDEATHSIG (a node dies with its
parent even when the test itself is SIGKILLed by ctest). On failure the stderr
log of every node is printed.

Timeouts are generous but bounded, and multiplied by SCALE: 3 when the seurone
binary is built with AddressSanitizer or ThreadSanitizer (detected from the
binary), else 1, or $SR_TIMEOUT_SCALE when set.

A test file:

    import harness as h
    def main(c):                       # c: Cluster
        a, b = c.node("a"), c.node("b")
        a.follow(b); b.follow(a)       # offline, before run
        a.start(); b.start()
        b.peer_add(a)
        h.wait_until(lambda: b.has(a_id), 30, "b has a's entry")
    h.run_test(main)
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "sim"))
# The simulator's child processes: each dies with its parent and all are killed at exit.
from procs import PROCS, child_setup, kill_all  # noqa: E402
DEFAULT_NETKEY = "894171733106407826eea36a97fe986070c395a6d2a91e4880f00ac3f60f8d0c"

SCALE = 1.0
ARGS = None
_CLUSTERS = []


class TestFailure(AssertionError):
    pass


def check(cond, what):
    """Fail the test at once (later steps depend on earlier ones)."""
    if not cond:
        raise TestFailure(what)
    print(f"ok   {what}", flush=True)


def check_eq(got, want, what):
    if got != want:
        raise TestFailure(f"{what}: got {got!r}, want {want!r}")
    shown = repr(want)
    if len(shown) > 100:
        shown = f"{type(want).__name__} of {len(want)}" if hasattr(want, "__len__") else shown[:100] + "..."
    print(f"ok   {what} ({shown})", flush=True)


def note(msg):
    print(f"--   {msg}", flush=True)


def wait_until(pred, timeout, what, interval=0.1):
    """Polls pred() until it returns a truthy value (returned) or timeout*SCALE
    seconds pass (TestFailure naming `what` and the last value seen)."""
    deadline = time.monotonic() + timeout * SCALE
    last = None
    while True:
        try:
            last = pred()
        except TestFailure:
            raise
        except Exception as e:  # a CLI call failing while the node starts, etc.
            last = f"exception: {e}"
            ok = False
        else:
            ok = bool(last)
        if ok:
            return last
        if time.monotonic() >= deadline:
            raise TestFailure(f"timed out after {timeout * SCALE:.0f} s waiting for: {what} (last: {str(last)[:500]})")
        time.sleep(interval)


def wait_gone(pred, timeout, what, interval=0.2):
    """Polls pred() until it returns an empty (falsy) value, e.g. a dict of what
    is still missing; on timeout the last non-empty value is in the failure."""
    box = {}

    def done():
        box["last"] = pred()
        return not box["last"]

    try:
        wait_until(done, timeout, what, interval)
    except TestFailure as e:
        raise TestFailure(f"{e} -- still missing: {str(box.get('last'))[:800]}")


def popen(argv, **kw):
    p = subprocess.Popen(argv, preexec_fn=child_setup, **kw)
    PROCS.append(p)
    return p


def _on_signal(signum, frame):
    kill_all()
    sys.exit(128 + signum)


def is_sanitized(binary):
    """True when the binary is built with ASan or TSan: both slow it several-fold."""
    try:
        with open(binary, "rb") as f:
            data = f.read()
        return b"__asan_init" in data or b"__tsan_init" in data
    except OSError:
        return False


def parse_args(extra=None):
    global ARGS, SCALE
    p = argparse.ArgumentParser()
    p.add_argument("--seurone", required=True)
    p.add_argument("--hostile-peer")
    p.add_argument("--bench-ingest")
    p.add_argument("--keep", action="store_true", help="keep the temp dir")
    if extra:
        extra(p)
    ARGS = p.parse_args()
    ARGS.seurone = os.path.abspath(ARGS.seurone)
    if os.environ.get("SR_TIMEOUT_SCALE"):
        SCALE = float(os.environ["SR_TIMEOUT_SCALE"])
    elif is_sanitized(ARGS.seurone):
        SCALE = 3.0
    return ARGS


class CliError(Exception):
    """A `seurone` command failed. Not a TestFailure, so that wait_until keeps
    polling through transient failures (and reports the last one on timeout)."""


class Node:
    """One node home (temp dir) and, when started, its `seurone run` process."""

    def __init__(self, cluster, name, config=None, netkey=None):
        self.cluster = cluster
        self.name = name
        self.home = os.path.join(cluster.root, name)
        self.proc = None
        self.stderr_path = os.path.join(cluster.root, f"{name}.stderr")
        self.stdout_path = os.path.join(cluster.root, f"{name}.stdout")
        self.starts = 0
        self.run_info = None
        # `seurone run` is started as run_prefix + [seurone, ...] (e.g. `ip netns
        # exec NS`), and its address must name host (test_lan: a veth address).
        self.run_prefix = []
        self.host = "127.0.0.1"
        r = self.cli_json("init")
        self.id = r["id"]
        check(len(self.id) == 64, f"{name}: init gives a 64-hex id")
        self.config = {
            "listen": "127.0.0.1:0",
            # the web app on a free port (its default, 8737, would be one node's only)
            "web": "127.0.0.1:0",
            "network_key": netkey or DEFAULT_NETKEY,
        }
        if config:
            self.config.update(config)
        self.write_config()

    # ---- configuration ----
    def write_config(self, **more):
        self.config.update(more)
        lines = ["# written by tests/multi/harness.py"]
        for k, v in self.config.items():
            if v is None:
                continue
            vals = v if isinstance(v, list) else [v]
            for x in vals:
                if isinstance(x, bool):
                    x = "yes" if x else "no"
                lines.append(f"{k} = {x}")
        with open(os.path.join(self.home, "config"), "w") as f:
            f.write("\n".join(lines) + "\n")

    # ---- the CLI ----
    def cli(self, *argv, check=True, timeout=60, input=None):
        cmd = [ARGS.seurone, "--home", self.home] + [str(a) for a in argv]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * SCALE, input=input)
        except subprocess.TimeoutExpired:
            raise CliError(f"{' '.join(cmd)} did not finish in {timeout * SCALE:.0f} s")
        if check and r.returncode != 0:
            raise CliError(f"{' '.join(cmd)} exited {r.returncode}\nstdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}")
        return r

    def cli_json(self, *argv, **kw):
        r = self.cli(*argv, "--json", **kw)
        try:
            return json.loads(r.stdout)
        except ValueError:
            raise CliError(f"seurone {' '.join(map(str, argv))} --json printed no JSON: {r.stdout[:500]!r}")

    def publish(self, type_, *flags):
        """`publish TYPE FLAGS --json` -> {"id", "seq"} (through the node when it runs)."""
        return self.cli_json("publish", type_, *flags)

    def share(self, text):
        return self.publish("share", "--text", text)

    def about(self, name):
        return self.publish("about", "--name", name)

    def contact(self, who, state):
        key = who.id if isinstance(who, Node) else who
        return self.publish("contact", "--who", key, "--state", state)

    def follow(self, who):
        return self.contact(who, "follow")

    def block(self, who):
        return self.contact(who, "block")

    def log(self, author=None):
        """Entries held: every author (default) or one author; dicts of docs/cli.md."""
        if author is None:
            return self.cli_json("log", "--all", timeout=120)
        key = author.id if isinstance(author, Node) else author
        return self.cli_json("log", key, timeout=120)

    def ids(self, author=None):
        return {e["id"] for e in self.log(author) if not e.get("fork_proof")}

    def has(self, entry_id, author=None):
        return entry_id in self.ids(author)

    def heads(self):
        """{author hex: seq held} from `graph --json` (cheap for big stores)."""
        g = self.cli_json("graph", timeout=120)
        return {p["id"]: p["seq"] for p in g["people"]}

    def status(self):
        """`status --json`: exit 0 while the node runs, 3 with {"running": false} when it does not."""
        r = self.cli("status", "--json", check=False, timeout=30)
        try:
            s = json.loads(r.stdout)
        except ValueError:
            raise CliError(f"{self.name}: status --json printed no JSON (exit {r.returncode}): {r.stderr}")
        if r.returncode != (0 if s.get("running") else 3):
            raise CliError(f"{self.name}: status --json exited {r.returncode} with running {s.get('running')}")
        return s

    def peers(self):
        return self.cli_json("peers", timeout=30)

    def peer_add(self, other, check=True):
        addr = other.address if isinstance(other, Node) else other
        return self.cli("peer", "add", addr, check=check)

    def export_jsonl(self, path):
        with open(path, "w") as f:
            r = subprocess.run([ARGS.seurone, "--home", self.home, "export", "entries"], stdout=f,
                               stderr=subprocess.PIPE, text=True, timeout=120 * SCALE)
        if r.returncode != 0:
            raise CliError(f"{self.name}: export entries exited {r.returncode}: {r.stderr}")

    def import_jsonl(self, path):
        r = self.cli_json("import", path, timeout=300)
        check(not r.get("rejected"), f"{self.name}: import {os.path.basename(path)}: nothing rejected")
        return r

    def verify(self):
        r = self.cli("verify", "--json", check=False, timeout=300)
        try:
            return json.loads(r.stdout)
        except ValueError:
            raise CliError(f"{self.name}: verify --json printed no JSON (exit {r.returncode}): {r.stderr}")

    # ---- the daemon ----
    def start(self, *extra, relay=False, wait=True, env=None):
        check(self.proc is None or self.proc.poll() is not None, f"{self.name}: not already running")
        try:
            os.unlink(os.path.join(self.home, "run.json"))  # stale after a SIGKILL
        except FileNotFoundError:
            pass
        self.starts += 1
        argv = self.run_prefix + [ARGS.seurone, "--home", self.home, "run"] + (["--relay"] if relay else []) + [str(a) for a in extra]
        e = dict(os.environ)
        e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
        e.update(env or {})
        err = open(self.stderr_path, "a")
        out = open(self.stdout_path, "a")
        err.write(f"==== harness: start #{self.starts}: {' '.join(argv)} at {time.time():.3f}\n")
        err.flush()
        self.proc = popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=e)
        err.close()
        out.close()
        self.run_info = None
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=30):
        path = os.path.join(self.home, "run.json")

        def ready():
            if self.proc.poll() is not None:
                raise TestFailure(f"{self.name}: `seurone run` exited {self.proc.returncode} before listening")
            try:
                with open(path) as f:
                    info = json.load(f)
            except (OSError, ValueError):
                return None
            return info if info.get("pid") == self.proc.pid else None

        info = wait_until(ready, timeout, f"{self.name}: run.json written by pid {self.proc.pid}", interval=0.05)
        for k in ("pid", "address", "listen", "control"):
            check(k in info, f"{self.name}: run.json has {k!r}")
        m = re.fullmatch(rf"seurone://{re.escape(self.host)}:(\d+)/([0-9a-f]{{64}})", info["address"])
        check(m is not None, f"{self.name}: address {info['address']} is seurone://{self.host}:PORT/KEY")
        check(int(m.group(1)) != 0, f"{self.name}: listens on an ephemeral port, not 0")
        check(m.group(2) == self.id, f"{self.name}: address names the node's key")
        self.run_info = info
        note(f"{self.name} running, pid {self.proc.pid}, {info['address']}")
        return info

    @property
    def address(self):
        check(self.run_info is not None, f"{self.name}: is running (has an address)")
        return self.run_info["address"]

    @property
    def port(self):
        return int(self.address.rsplit(":", 1)[1].split("/")[0])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self, what=""):
        check(self.alive(), f"{self.name}: still running{(' ' + what) if what else ''}")

    def stop(self, timeout=30):
        """SIGTERM; the node must exit 0 and remove run.json."""
        check(self.alive(), f"{self.name}: running before SIGTERM")
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout * SCALE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise TestFailure(f"{self.name}: did not stop within {timeout * SCALE:.0f} s of SIGTERM")
        check_eq(rc, 0, f"{self.name}: exit code after SIGTERM")
        check(not os.path.exists(os.path.join(self.home, "run.json")), f"{self.name}: run.json removed on clean stop")
        self.run_info = None

    def kill9(self):
        check(self.alive(), f"{self.name}: running before SIGKILL")
        self.proc.kill()
        self.proc.wait()
        self.run_info = None
        note(f"{self.name} killed with SIGKILL")

    # ---- its log lines ----
    def stderr_text(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_lines(self, pattern):
        rx = re.compile(pattern)
        return [ln for ln in self.stderr_text().splitlines() if rx.search(ln)]

    def wait_log(self, pattern, timeout, what=None):
        return wait_until(lambda: self.log_lines(pattern), timeout,
                          what or f"{self.name}: a log line matching /{pattern}/")


class Cluster:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="sr-multi-")
        self.nodes = []
        _CLUSTERS.append(self)

    def node(self, name, config=None, netkey=None):
        n = Node(self, name, config=config, netkey=netkey)
        self.nodes.append(n)
        return n

    def path(self, name):
        return os.path.join(self.root, name)

    def dump_logs(self):
        for n in self.nodes:
            print(f"\n======== {n.name} ({n.id[:16]}) stderr: {n.stderr_path}", flush=True)
            text = n.stderr_text()
            lines = text.splitlines()
            if len(lines) > 400:
                print(f"[... {len(lines) - 400} earlier lines ...]")
                lines = lines[-400:]
            print("\n".join(lines), flush=True)

    def cleanup(self, keep=False):
        for n in self.nodes:
            if n.alive():
                n.proc.kill()
                n.proc.wait()
        if keep:
            print(f"kept {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)


def hostile(address, *mode, netkey=None, wait_ms=15000, timeout=60):
    """Runs tests/multi/hostile_peer; returns (its JSON result, stdout)."""
    check(ARGS.hostile_peer is not None, "--hostile-peer given")
    argv = [ARGS.hostile_peer, address] + [str(m) for m in mode] + ["--wait", str(int(wait_ms))]
    if netkey:
        argv += ["--netkey", netkey]
    p = popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout * SCALE + wait_ms / 1000)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise TestFailure(f"hostile_peer {' '.join(argv[2:])} did not finish:\n{out}\n{err}")
    print("     hostile_peer: " + out.strip().replace("\n", "\n     hostile_peer: "), flush=True)
    check_eq(p.returncode, 0, f"hostile_peer {' '.join(mode)} exit code (connected)")
    last = out.strip().splitlines()[-1]
    return json.loads(last), out


def hostile_start(address, *mode, netkey=None, wait_ms=15000):
    """Starts hostile_peer in the background; finish with hostile_finish(p)."""
    argv = [ARGS.hostile_peer, address] + [str(m) for m in mode] + ["--wait", str(int(wait_ms))]
    if netkey:
        argv += ["--netkey", netkey]
    return popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def hostile_finish(p, timeout=120):
    try:
        out, err = p.communicate(timeout=timeout * SCALE)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise TestFailure(f"hostile_peer did not finish:\n{out}\n{err}")
    print("     hostile_peer: " + out.strip().replace("\n", "\n     hostile_peer: "), flush=True)
    check_eq(p.returncode, 0, "hostile_peer exit code (connected)")
    return json.loads(out.strip().splitlines()[-1]), out


def control(node, req, timeout_s=30):
    """One request on node's control socket (node/control.h): the reply as a dict,
    or None when the connection ends before a whole reply (a node killed)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout_s * SCALE)
    try:
        s.connect(os.path.join(node.home, "control.sock"))
        s.sendall((json.dumps(req) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    return json.loads(buf) if buf.endswith(b"\n") else None


def entry_of(node, entry_id):
    """The log entry (dict) with this id in node's store, or None."""
    for e in node.log():
        if e["id"] == entry_id:
            return e
    return None


def make_contacts(home, targets, state="follow", out=None):
    """Signs contact entries for home's key (appended after its current head)
    with tools/sim/contacts.py; returns the JSON Lines path."""
    out = out or os.path.join(os.path.dirname(home), os.path.basename(home) + f"-{state}.jsonl")
    argv = ["/usr/bin/python3", os.path.join(HERE, "..", "..", "tools", "sim", "contacts.py"), "--home", home, "--seurone", ARGS.seurone,
            "--state", state, "--out", out]
    tf = out + ".targets"
    with open(tf, "w") as f:
        f.write("\n".join(targets) + "\n")
    argv += ["--who-file", tf]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300 * SCALE)
    if r.returncode != 0:
        raise TestFailure(f"contacts.py failed: {r.stderr}")
    return out


def write_bench_jsonl(path, entries, authors, seed=7):
    check(ARGS.bench_ingest is not None, "--bench-ingest given")
    r = subprocess.run([ARGS.bench_ingest, "--write-jsonl", path, "--entries", str(entries), "--authors",
                        str(authors), "--seed", str(seed)], capture_output=True, text=True, timeout=300 * SCALE)
    if r.returncode != 0:
        raise TestFailure(f"bench_ingest --write-jsonl failed: {r.stderr}")
    ids, auth = set(), set()
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            ids.add(d["id"])
            auth.add(d["author"])
    check_eq(len(ids), entries, f"bench_ingest wrote {entries} distinct entries")
    return ids, sorted(auth)


def run_test(main, extra_args=None):
    """Parses the common flags, runs main(cluster), cleans up; exit 0/1."""
    parse_args(extra_args)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _on_signal)
    c = Cluster()
    t0 = time.monotonic()
    ok = False
    try:
        note(f"home root {c.root}; timeout scale {SCALE:g}")
        main(c)
        ok = True
    except Exception as e:
        print(f"\nFAIL {e}", flush=True)
        if not isinstance(e, (TestFailure, CliError)):
            traceback.print_exc()
        c.dump_logs()
    finally:
        c.cleanup(keep=ARGS.keep or (not ok and os.environ.get("SR_KEEP_FAILED") == "1"))
        kill_all()
    note(f"{time.monotonic() - t0:.1f} s")
    if ok:
        print("all checks passed", flush=True)
        sys.exit(0)
    sys.exit(1)


# ---- shared fixtures for the hostile-peer tests ----

def good_pair(c, config=None):
    """Target node `a` and a well-behaved peer `b` that follow each other, run,
    are connected (b dialled a) and have synced their first entries."""
    a = c.node("a", config=config)
    b = c.node("b", config=config)
    a.follow(b)
    b.follow(a)
    a.start()
    b.start()
    b.peer_add(a)
    wait_until(lambda: b.ids(b) <= a.ids(b) and a.ids(a) <= b.ids(a), 30, "a and b synced")
    return a, b


def check_serves(a, b, what):
    """a is alive, still has b as a session, and entries flow both ways now."""
    a.check_alive(what)
    b.check_alive(what)
    r1 = b.share(f"b after {what}")["id"]
    r2 = a.share(f"a after {what}")["id"]
    wait_until(lambda: a.has(r1, b), 15, f"a gets b's live entry after {what}")
    wait_until(lambda: b.has(r2, a), 15, f"b gets a's live entry after {what}")
    check(any(p["key"] == b.id for p in a.status()["peers"]), f"a: session with b still up after {what}")


def check_dropped(node, result, codes, within_s, what):
    """The hostile peer saw the node close the connection within within_s
    (scaled) seconds, and node logged one line naming the peer's key (first 16
    hex digits) and one of codes (a regex alternation of SR_E names)."""
    check(result["closed"], f"{what}: the node closed the connection")
    check(result["closed_after_ms"] <= within_s * 1000 * SCALE,
          f"{what}: closed after {result['closed_after_ms']} ms <= {within_s * SCALE:g} s")
    key16 = result["key"][:16]
    rx = rf"{key16}.*\b({codes})\b|\b({codes})\b.*{key16}"
    lines = node.wait_log(rx, 10, f"{node.name}: a log line naming {key16} and {codes}")
    note(f"{node.name} logged: {lines[0]}")
    check_eq(len(node.log_lines(rx)), 1, f"{what}: exactly one log line for the drop")
    return lines[0]
