"""netlab.py: a switched LAN of network namespaces for the multi-node tests.

One "switch" namespace holds a Linux bridge; every node gets a namespace of its
own, joined to the bridge by a veth pair (eth0 inside, PORT(i) on the bridge).
The switch shapes and cuts each node's link: nftables rules in a bridge-family
table (partitions, loss), tbf on a veth (bandwidth), link down/up (flapping),
and netem when the kernel has it. Where it has not, delay comes from a userspace
TCP forwarder run in the switch namespace (`python3 netlab.py forward ...`, the
`__main__` below): each node is also reachable through it, and it holds every
chunk it relays for a delay drawn per chunk, in order.

Everything is made by setup() and removed by cleanup(), registered with atexit
(so also after a failure or SIGTERM; harness.py turns signals into sys.exit); the
namespaces of an earlier run that was SIGKILLed are swept at the next setup (their
names carry the pid). Needs root; setup() exits 77 (skipped) where the kernel
refuses network namespaces, as test_lan.py does.
"""
import asyncio
import atexit
import json
import os
import random
import re
import signal
import subprocess
import sys

SUBNET = "10.214.0"
SWITCH_IP = SUBNET + ".254"
FORWARD_BASE = 20000  # the forwarder listens on SWITCH_IP:FORWARD_BASE+i for node i


def run(argv, timeout=30, input=None):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input)


def ip(*args):
    return run(["ip", *map(str, args)])


class LabError(Exception):
    pass


class Lab:
    """n node namespaces on one bridge. Names carry tag (a few letters, then the
    test's pid), so that interface names stay under 16 bytes."""

    def __init__(self, tag, n):
        if not re.fullmatch(r"[a-z]{2,4}", tag):
            raise LabError(f"tag {tag!r}: two to four lowercase letters")
        self.prefix = tag
        self.tag = f"{tag}{os.getpid()}"
        self.n = n
        self.switch = self.tag + "s"
        self.made = []
        self.shaped = set()
        self.netem = None  # None: not probed yet

    # ---- names ----
    def ns(self, i):
        return f"{self.tag}n{i}"

    def port(self, i):
        """The switch-side end of node i's veth pair (a bridge port)."""
        return f"{self.tag}p{i}"

    def addr(self, i):
        return f"{SUBNET}.{i + 1}"

    def prefix_for(self, i):
        """`seurone run` as run_prefix + [...]: inside node i's namespace."""
        return ["ip", "netns", "exec", self.ns(i)]

    # ---- setup and cleanup ----
    def _must(self, *args):
        r = ip(*args)
        if r.returncode != 0:
            raise LabError(f"ip {' '.join(map(str, args))}: {r.stderr.strip()}")
        return r

    def sweep_leftovers(self):
        """Namespaces of an earlier run that was SIGKILLed (its pid is gone)."""
        rx = re.compile(rf"({re.escape(self.prefix)}(\d+)(s|n\d+))\b")
        for line in ip("netns", "list").stdout.splitlines():
            m = rx.match(line)
            if m and not m.group(1).startswith(self.tag) and not os.path.exists(f"/proc/{m.group(2)}"):
                ip("netns", "del", m.group(1))

    def setup(self, what):
        """Makes the switch and the node namespaces; exits 77 with a message naming
        `what` (the test's need) where the kernel refuses or cannot enter them."""
        self.sweep_leftovers()
        r = ip("netns", "add", self.switch)
        if r.returncode != 0:
            print(f"SKIP: the kernel refuses network namespaces here (`ip netns add` as uid {os.geteuid()}: "
                  f"{r.stderr.strip()}); {what}", flush=True)
            sys.exit(77)
        self.made.append(self.switch)
        atexit.register(self.cleanup)
        # Entering a namespace remounts /sys inside it, which fails where / is not
        # a mount point (a chroot): the namespace exists but cannot be used.
        r = ip("-n", self.switch, "link", "show")
        if r.returncode != 0:
            print(f"SKIP: network namespaces cannot be entered here (`ip -n {self.switch} link show`: "
                  f"{r.stderr.strip()}; a chroot whose / is not a mount point does this); {what}", flush=True)
            sys.exit(77)
        sw = self.switch
        self._must("-n", sw, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0")
        self._must("-n", sw, "addr", "add", SWITCH_IP + "/24", "dev", "br0")
        self._must("-n", sw, "link", "set", "br0", "up")
        self._must("-n", sw, "link", "set", "lo", "up")
        for i in range(self.n):
            ns, p, e = self.ns(i), self.port(i), f"{self.tag}e{i}"
            self._must("netns", "add", ns)
            self.made.append(ns)
            self._must("link", "add", p, "type", "veth", "peer", "name", e)
            self._must("link", "set", p, "netns", sw)
            self._must("link", "set", e, "netns", ns)
            self._must("-n", ns, "link", "set", e, "name", "eth0")
            self._must("-n", ns, "addr", "add", self.addr(i) + "/24", "dev", "eth0")
            self._must("-n", ns, "link", "set", "eth0", "up")
            self._must("-n", ns, "link", "set", "lo", "up")
            self._must("-n", sw, "link", "set", p, "master", "br0")
            self._must("-n", sw, "link", "set", p, "up")
        # The table every condition writes its rules into (flushed between them).
        self.nft_switch("add table bridge netlab\n"
                        "add chain bridge netlab pass { type filter hook forward priority 0; policy accept; }\n")

    def cleanup(self):
        for ns in reversed(self.made):
            ip("netns", "del", ns)  # its veth ends go with it
        self.made = []

    # ---- nftables ----
    def nft(self, ns, script):
        r = run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=script)
        if r.returncode != 0:
            raise LabError(f"nft in {ns}: {r.stderr.strip()}\n{script}")

    def nft_switch(self, script):
        self.nft(self.switch, script)

    def set_switch_rules(self, rules):
        """Replaces the bridge's forward rules (frames between two nodes) by rules,
        a list of nft rule texts; [] passes everything."""
        script = "flush chain bridge netlab pass\n" + "".join(f"add rule bridge netlab pass {r}\n" for r in rules)
        self.nft_switch(script)

    def switch_rules(self):
        return run(["ip", "netns", "exec", self.switch, "nft", "list", "chain", "bridge", "netlab", "pass"]).stdout

    def ports(self, nodes):
        return "{ " + ", ".join(f'"{self.port(i)}"' for i in nodes) + " }"

    def partition_rules(self, side_a, side_b):
        pa, pb = self.ports(side_a), self.ports(side_b)
        return [f"iifname {pa} oifname {pb} drop", f"iifname {pb} oifname {pa} drop"]

    @staticmethod
    def loss_rules(percent):
        """Each IPv4 frame between two nodes is dropped with this chance, in both
        directions (every frame crosses the bridge once)."""
        return [f"ether type ip numgen random mod 100 < {int(percent)} drop"]

    def reject_direct_tcp(self, i, on):
        """In node i's namespace: every TCP segment from another node's address
        (not the switch's) is answered with a reset, so that sessions and dials
        between nodes end at once and go through the forwarder. (The reset is
        made on the receiving side: one made in the sender's own output hook
        does not reach the sending socket, which then waits for its timeout.)"""
        ns = self.ns(i)
        if on:
            self.nft(ns, "add table inet netlab\n"
                         "add chain inet netlab in { type filter hook input priority 0; policy accept; }\n"
                         # the resets the other nodes send back must get in
                         "add rule inet netlab in tcp flags & rst == rst accept\n"
                         f"add rule inet netlab in meta l4proto tcp ip saddr {SUBNET}.0/24 "
                         f"ip saddr != {SWITCH_IP} reject with tcp reset\n")
        else:
            self.nft(ns, "delete table inet netlab\n")

    # ---- links ----
    def link(self, i, up):
        self._must("-n", self.switch, "link", "set", self.port(i), "up" if up else "down")

    def tbf(self, i, rate, burst="8kb", latency="400ms"):
        """Node i's uplink (its eth0's egress) limited to rate by a token bucket."""
        r = run(["ip", "netns", "exec", self.ns(i), "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf",
                 "rate", rate, "burst", burst, "latency", latency])
        if r.returncode != 0:
            raise LabError(f"tc qdisc tbf on {self.ns(i)} eth0: {r.stderr.strip()}")
        self.shaped.add(("node", i))

    def unshape(self, i):
        run(["ip", "netns", "exec", self.ns(i), "tc", "qdisc", "del", "dev", "eth0", "root"])
        self.shaped.discard(("node", i))

    def qdisc(self, i):
        return run(["ip", "netns", "exec", self.ns(i), "tc", "qdisc", "show", "dev", "eth0"]).stdout.strip()

    def has_netem(self):
        """Whether the kernel has netem: tried once on a switch port, then removed."""
        if self.netem is None:
            r = run(["ip", "netns", "exec", self.switch, "tc", "qdisc", "add", "dev", self.port(0), "root", "netem",
                     "delay", "1ms"])
            self.netem = r.returncode == 0
            self.netem_error = r.stderr.strip()
            if self.netem:
                run(["ip", "netns", "exec", self.switch, "tc", "qdisc", "del", "dev", self.port(0), "root"])
        return self.netem

    def netem_ports(self, *spec):
        """netem SPEC on the egress of every switch port (towards each node): a
        frame from one node to another crosses one of them, so SPEC applies once
        per direction. No spec: removed."""
        for i in range(self.n):
            argv = ["ip", "netns", "exec", self.switch, "tc", "qdisc"]
            if spec:
                r = run(argv + ["replace", "dev", self.port(i), "root", "netem", *spec])
                if r.returncode != 0:
                    raise LabError(f"tc qdisc netem {' '.join(spec)} on {self.port(i)}: {r.stderr.strip()}")
            else:
                run(argv + ["del", "dev", self.port(i), "root"])

    # ---- the delaying forwarder ----
    def forward_address(self, i, key):
        return f"seurone://{SWITCH_IP}:{FORWARD_BASE + i}/{key}"

    def forwarder_argv(self, targets, delay_ms, jitter_ms, stats_path, seed):
        """targets: {i: (host, port)} of the nodes to make reachable through it."""
        spec = [f"{FORWARD_BASE + i}={h}:{p}" for i, (h, p) in sorted(targets.items())]
        return ["ip", "netns", "exec", self.switch, "/usr/bin/python3", os.path.abspath(__file__), "forward",
                "--delay-ms", str(delay_ms), "--jitter-ms", str(jitter_ms), "--stats", stats_path,
                "--seed", str(seed), "--host", SWITCH_IP] + spec


# ---- the forwarder (runs in the switch namespace) ----

class Stats:
    def __init__(self, path):
        self.path = path
        self.conns = self.open = self.chunks = self.bytes = 0
        self.hold_sum = 0.0
        self.hold_min = None
        self.hold_max = 0.0

    def held(self, secs, n):
        self.chunks += 1
        self.bytes += n
        self.hold_sum += secs
        self.hold_min = secs if self.hold_min is None else min(self.hold_min, secs)
        self.hold_max = max(self.hold_max, secs)

    def write(self):
        d = {"conns": self.conns, "open": self.open, "chunks": self.chunks, "bytes": self.bytes,
             "hold_ms_mean": round(1000 * self.hold_sum / self.chunks, 1) if self.chunks else None,
             "hold_ms_min": round(1000 * self.hold_min, 1) if self.hold_min is not None else None,
             "hold_ms_max": round(1000 * self.hold_max, 1)}
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(d, f)
        os.replace(tmp, self.path)


async def _pump(reader, writer, rng, delay, jitter, stats):
    """Copies reader to writer, each chunk written once its hold (delay + gaussian
    jitter, never below 0) has passed since it was read; a chunk never overtakes
    the one before it (one TCP stream stays in order). EOF is passed on as a
    half-close, so that a goodbye and its answer still cross."""
    loop = asyncio.get_running_loop()
    q = asyncio.Queue()

    async def out():
        while True:
            due, read_at, data = await q.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()
            stats.held(loop.time() - read_at, len(data))

    task = asyncio.ensure_future(out())
    last = 0.0
    try:
        while True:
            data = await reader.read(65536)
            now = loop.time()
            due = max(last, now + max(0.0, rng.gauss(delay, jitter)))
            last = due
            await q.put((due, now, data))
            if not data:
                break
        await task
    finally:
        task.cancel()


async def _serve(args):
    rng = random.Random(args.seed)
    stats = Stats(args.stats)
    delay, jitter = args.delay_ms / 1000.0, args.jitter_ms / 1000.0

    def handler_for(dst):
        async def handle(cr, cw):
            stats.conns += 1
            stats.open += 1
            sw = None
            try:
                sr, sw = await asyncio.open_connection(*dst)
                await asyncio.gather(_pump(cr, sw, rng, delay, jitter, stats),
                                     _pump(sr, cw, rng, delay, jitter, stats))
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                stats.open -= 1
                for w in (cw, sw):
                    if w is not None:
                        w.close()
        return handle

    servers = []
    for spec in args.targets:
        lport, dst = spec.split("=")
        host, port = dst.rsplit(":", 1)
        servers.append(await asyncio.start_server(handler_for((host, int(port))), args.host, int(lport)))
    stats.write()
    print("forwarding", flush=True)
    while True:
        await asyncio.sleep(0.25)
        stats.write()


def _forward_main(argv):
    import argparse
    p = argparse.ArgumentParser(prog="netlab.py forward")
    p.add_argument("--delay-ms", type=float, required=True)
    p.add_argument("--jitter-ms", type=float, required=True)
    p.add_argument("--stats", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--host", required=True)
    p.add_argument("targets", nargs="+", help="LISTENPORT=HOST:PORT")
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(_serve(args))


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "forward":
    _forward_main(sys.argv[2:])
