#!/usr/bin/python3
"""Friends nearby: two network namespaces joined by a veth pair are one local
network. Node a runs in one, b and c in the other, each a real `seurone run`
with `lan = yes`; all three follow each other, c holds another network key.
With no `peer add` and no address typed:
  - a and b find each other from their announcements, connect and sync (old
    and live entries); the nearby address is in `peers` while it holds, is
    forgotten once b stops announcing, and is never in the store: after the
    stop the peer table and the store file hold no trace of it; b restarted
    is found again;
  - c hears the packets but opens none, and no one connects to or from it;
  - an independent decoder written from docs/protocol.md (PyNaCl + hashlib)
    opens a's and b's packets with the network key, finds their keys and
    ports, fails with c's key; every packet is 128 bytes;
  - a copied packet sent again is refused as a replay, a flipped bit as
    foreign, an announcement sealed from the doc with an old timestamp as
    stale, a fresh one for a stranger's key is not dialled;
  - no friends-nearby log line names an address.
Needs root for the namespaces; exits 77 (skipped) when the kernel refuses them."""
import atexit
import hashlib
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time

import harness as h
from harness import check, check_eq

from nacl.bindings import crypto_secretbox, crypto_secretbox_open
from nacl.exceptions import CryptoError

TAG = f"srl{os.getpid()}"  # at most 7 digits: interface names stay under 16 bytes
NS_A, NS_B = TAG + "a", TAG + "b"
IP_A, IP_B = "10.213.0.1", "10.213.0.2"
GROUP, LAN_PORT = "239.192.87.8", 8708
INTERVAL = 1  # lan_interval, seconds: quick rounds for the test


def ip(*args):
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)


def ns_cleanup():
    for ns in (NS_A, NS_B):
        ip("netns", "del", ns)  # the veth pair goes with its namespaces


def sweep_leftovers():
    """Namespaces of an earlier run that was SIGKILLed (its pid is gone)."""
    for line in ip("netns", "list").stdout.splitlines():
        m = re.match(r"(srl(\d+)[ab])\b", line)
        if m and m.group(1) not in (NS_A, NS_B) and not os.path.exists(f"/proc/{m.group(2)}"):
            ip("netns", "del", m.group(1))


def setup_netns():
    sweep_leftovers()
    r = ip("netns", "add", NS_A)
    if r.returncode != 0:
        print(f"SKIP: the kernel refuses network namespaces here (`ip netns add` as uid {os.geteuid()}: "
              f"{r.stderr.strip()}); friends nearby needs two of them joined by a veth pair", flush=True)
        sys.exit(77)
    atexit.register(ns_cleanup)  # also after a failure, SIGTERM (harness: sys.exit) or an exception
    # Entering a namespace (`ip -n`, `ip netns exec`) remounts /sys inside it, which
    # fails where / is not a mount point, as in a chroot (fresh-debian's):
    # "mount --make-rslave / failed: Invalid argument". The namespaces exist but
    # cannot be used, so the test cannot run there.
    r = ip("-n", NS_A, "link", "show")
    if r.returncode != 0:
        print(f"SKIP: network namespaces cannot be entered here (`ip -n {NS_A} link show`: {r.stderr.strip()}; "
              "a chroot whose / is not a mount point does this); friends nearby needs two of them joined by a "
              "veth pair", flush=True)
        sys.exit(77)
    steps = [("netns", "add", NS_B),
             ("link", "add", TAG + "x", "type", "veth", "peer", "name", TAG + "y"),
             ("link", "set", TAG + "x", "netns", NS_A), ("link", "set", TAG + "y", "netns", NS_B),
             ("-n", NS_A, "addr", "add", IP_A + "/24", "dev", TAG + "x"),
             ("-n", NS_B, "addr", "add", IP_B + "/24", "dev", TAG + "y"),
             ("-n", NS_A, "link", "set", TAG + "x", "up"), ("-n", NS_B, "link", "set", TAG + "y", "up"),
             ("-n", NS_A, "link", "set", "lo", "up"), ("-n", NS_B, "link", "set", "lo", "up")]
    for s in steps:
        r = ip(*s)
        check(r.returncode == 0, f"ip {' '.join(s)}" + (f": {r.stderr.strip()}" if r.returncode else ""))


def lan_key(netkey_hex):
    """docs/protocol.md: BLAKE2b-256 of "seurone lan v1" keyed with the network key."""
    return hashlib.blake2b(b"seurone lan v1", digest_size=32, key=bytes.fromhex(netkey_hex)).digest()


def open_packet(key, pkt):
    """docs/protocol.md's receiver: 128 bytes, nonce || secretbox; version 1, flags 0, zero padding."""
    if len(pkt) != 128:
        return None
    try:
        plain = crypto_secretbox_open(pkt[24:], pkt[:24], key)
    except CryptoError:
        return None
    if len(plain) != 88 or plain[0] != 1 or plain[1] != 0 or any(plain[44:]):
        return None
    port, ts = struct.unpack(">HQ", plain[2:12])
    return {"key": plain[12:44].hex(), "port": port, "ts": ts}


def seal_packet(key, node_key_hex, port, ts_ms):
    plain = bytes([1, 0]) + struct.pack(">HQ", port, ts_ms) + bytes.fromhex(node_key_hex) + bytes(44)
    nonce = os.urandom(24)
    return nonce + crypto_secretbox(plain, nonce, key)


# Runs inside a namespace: hears the group on one interface for some seconds
# and prints what came, as {"src", "hex"} lines; or sends the packets given.
LISTENER = r"""
import json, socket, struct, sys, time
grp, port, iface, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack("4s4s", socket.inet_aton(grp), socket.inet_aton(iface)))
end = time.monotonic() + secs
while time.monotonic() < end:
    s.settimeout(max(0.05, end - time.monotonic()))
    try:
        data, src = s.recvfrom(4096)
    except socket.timeout:
        continue
    print(json.dumps({"src": src[0], "hex": data.hex()}), flush=True)
"""
SENDER = r"""
import socket, sys
grp, port, iface = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface))
for hx in sys.argv[4:]:
    s.sendto(bytes.fromhex(hx), (grp, port))
"""


def in_ns(ns, code, *args, timeout=60):
    r = subprocess.run(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", code, *map(str, args)],
                       capture_output=True, text=True, timeout=timeout * h.SCALE)
    check(r.returncode == 0, f"python in {ns} ran" + (f": {r.stderr[-500:]}" if r.returncode else ""))
    return r.stdout


def lan(node):
    return node.status()["lan"]


def session_keys(node):
    return {p["key"] for p in node.status()["peers"]}


def main(c):
    setup_netns()
    other_key = os.urandom(32).hex()
    a = c.node("a", config={"listen": f"{IP_A}:0", "lan_interval": INTERVAL})  # `run --lan` turns it on
    b = c.node("b", config={"listen": f"{IP_B}:0", "lan": True, "lan_interval": INTERVAL})
    cc = c.node("c", config={"listen": f"{IP_B}:0", "lan": True, "lan_interval": INTERVAL}, netkey=other_key)
    for n, ns, host in ((a, NS_A, IP_A), (b, NS_B, IP_B), (cc, NS_B, IP_B)):
        n.run_prefix = ["ip", "netns", "exec", ns]
        n.host = host
    # Everyone follows everyone: only the network key keeps c apart.
    for x in (a, b, cc):
        for y in (a, b, cc):
            if x is not y:
                x.follow(y)
    old = {a: a.share("a, written before the meeting")["id"], b: b.share("b, written before the meeting")["id"]}
    for n in (a, b, cc):
        check_eq(n.peers(), [], f"{n.name}: the peer table is empty before the start (nothing typed)")

    t0 = time.monotonic()
    a.start("--lan")
    b.start()
    cc.start()
    h.wait_until(lambda: old[b] in a.ids(b) and old[a] in b.ids(a), 30, "a and b found each other and synced")
    h.note(f"found and synced {time.monotonic() - t0:.1f} s after the start (lan_interval {INTERVAL} s)")
    for src, dst in ((a, b), (b, a)):
        r = src.share(f"live from {src.name}")["id"]
        h.wait_until(lambda: dst.has(r, src), 15, f"{dst.name} gets {src.name}'s live entry")

    # The dial may come from the first packet either side heard: wait until
    # each has heard the other too.
    h.wait_until(lambda: lan(a)["nearby"] == 1 and lan(b)["nearby"] == 1, 15, "a and b each hear the other")
    sa, sb = a.status(), b.status()
    check(b.id in {p["key"] for p in sa["peers"]}, "a has a session with b")
    for s, n in ((sa, a), (sb, b)):
        la = s["lan"]
        check(la["enabled"] and la["announcing"], f"{n.name}: lan enabled and announcing")
        check_eq(la["interfaces"], 1, f"{n.name}: announces on its one veth interface")
        check(la["sent"] > 0 and la["accepted"] > 0, f"{n.name}: sent and accepted announcements ({la})")
        check_eq(la["nearby"], 1, f"{n.name}: one friend nearby (c does not count)")
    text = a.cli("status").stdout
    check("nearby    1 friend on this local network (friends nearby announcing)" in text,
          "a: `seurone status` says one friend is nearby" + ("" if "nearby    1" in text else f": {text}"))
    pa = {p["key"]: p for p in a.peers()}
    check(b.id in pa, "a's peers list b")
    check_eq(pa[b.id].get("nearby"), f"seurone://{IP_B}:{b.port}/{b.id}",
             "a: b's nearby address is its datagram's source IP and its announced port")
    check_eq(pa[b.id]["source"], "lan", "a: b is known from an announcement alone (source lan)")
    check_eq(pa[b.id]["addresses"], [], "a: b's address list (the one the store keeps) is empty")

    # c: same LAN, other network key. Give it several rounds.
    time.sleep(4 * INTERVAL * h.SCALE)
    lc = lan(cc)
    h.note(f"c's lan counters: {lc}")
    check(lc["received"] > 0, "c hears packets on the LAN")
    check_eq(lc["accepted"], 0, "c opens none of them")
    check(lc["foreign"] > 0, "c counts them as foreign")
    check_eq(lc["nearby"], 0, "c has no friend nearby")
    for n in (a, b):
        check(lan(n)["foreign"] > 0, f"{n.name} hears c's packets and cannot open them")
        check(cc.id not in session_keys(n), f"{n.name} has no session with c")
        check(cc.id not in {p["key"] for p in n.peers()}, f"{n.name}'s peer table has no c")
        check(not n.log_lines(cc.id[:16]), f"{n.name}'s log never names c")
    check_eq(session_keys(cc), set(), "c has no session at all")
    check_eq(cc.ids(a) | cc.ids(b), set(), "c holds none of a's or b's entries")
    check(not cc.log_lines(r"friend nearby|dialing"), "c logs no friend nearby and dials no one")

    # An independent receiver, written from docs/protocol.md, in b's namespace.
    out = in_ns(NS_B, LISTENER, GROUP, LAN_PORT, IP_B, 3 * INTERVAL * h.SCALE + 1)
    pkts = [json.loads(x) for x in out.splitlines()]
    check(len(pkts) >= 3, f"the listener heard {len(pkts)} packets")
    check_eq({len(bytes.fromhex(p["hex"])) for p in pkts}, {128}, "every packet is 128 bytes")
    k_net, k_other = lan_key(h.DEFAULT_NETKEY), lan_key(other_key)
    seen, seen_other = {}, {}
    for p in pkts:
        raw = bytes.fromhex(p["hex"])
        d, d2 = open_packet(k_net, raw), open_packet(k_other, raw)
        check(d is None or d2 is None, "no packet opens under both keys")
        check(open_packet(bytes.fromhex(h.DEFAULT_NETKEY), raw) is None, "no packet opens under the raw network key")
        if d:
            seen[d["key"]] = (p["src"], d["port"], d["ts"], raw)
        if d2:
            seen_other[d2["key"]] = (p["src"], d2["port"])
    check_eq(set(seen), {a.id, b.id}, "the doc's decoder opens a's and b's announcements with the network key")
    check_eq(seen[a.id][:2], (IP_A, a.port), "a's announcement: from a's address, a's port")
    check_eq(seen[b.id][:2], (IP_B, b.port), "b's announcement: from b's address, b's port")
    check(abs(seen[a.id][2] - time.time() * 1000) < 30000, "a's timestamp is its clock (ms)")
    check_eq(seen_other, {cc.id: (IP_B, cc.port)}, "with c's network key only c's announcement opens")
    check(all(n.id not in "".join(p["hex"] for p in pkts) for n in (a, b, cc)), "no node key appears in any packet")

    # Replays and forgeries, sent into the group from a's namespace; b counts
    # each exactly once (c stopped first, so that no other foreign packet comes).
    cc.stop()
    time.sleep(0.5)
    before = lan(b)
    raw_a = seen[a.id][3]
    flipped = bytearray(raw_a)
    flipped[60] ^= 1
    stale = seal_packet(k_net, a.id, a.port, int(time.time() * 1000) - 120000)
    stranger = os.urandom(32).hex()
    fresh_stranger = seal_packet(k_net, stranger, 9, int(time.time() * 1000))
    in_ns(NS_A, SENDER, GROUP, LAN_PORT, IP_A, raw_a.hex(), bytes(flipped).hex(), stale.hex(), fresh_stranger.hex())

    kinds = {"replayed": "the copied packet", "foreign": "the flipped bit", "stale": "the old timestamp",
             "not_in_scope": "the stranger's announcement"}

    def counted():
        now = lan(b)
        return all(now[k] > before[k] for k in kinds) and now

    after = h.wait_until(counted, 10, "b counts the replay, the flipped bit, the stale and the stranger's packet")
    h.note(f"b's lan counters after the forgeries: {after}")
    for k, what in kinds.items():
        check_eq(after[k] - before[k], 1, f"b: {what} counted once as {k}")
    time.sleep(2 * INTERVAL * h.SCALE)
    check(stranger not in {p["key"] for p in b.peers()}, "b keeps no entry for the stranger's announcement")
    check(not b.log_lines(stranger[:16]), "b never dials or names the stranger")

    # No friends-nearby line names an address (the connection lines do, as always).
    for n in (a, b, cc):
        bad = [ln for ln in n.log_lines(r"nearby") if re.search(r"\b10\.213\.", ln)]
        check_eq(bad, [], f"{n.name}: no friends-nearby log line names an address")
        check(n.log_lines(r"friends nearby: announcing"), f"{n.name}: says it announces")

    # b goes away: its nearby address expires (3.5 rounds) and a forgets it,
    # which was in memory only; b comes back: they meet again, nothing typed.
    b.stop()
    h.wait_until(lambda: b.id not in {p["key"] for p in a.peers()}, 10 * INTERVAL, "a forgets b once b stops announcing")
    check_eq(lan(a)["nearby"], 0, "a: no friend nearby while b is away")
    b.start()
    back = b.share("b is back")["id"]
    h.wait_until(lambda: a.has(back, b), 30, "b is back: a and b meet again and sync")

    for n in (a, b):
        n.stop()
    # Nothing of the meeting on disk: no peer record, no LAN address in the store.
    for n, other in ((a, b), (b, a)):
        check(other.id not in {p["key"] for p in n.peers()}, f"{n.name}: the stored peer table has no {other.name}")
        with open(os.path.join(n.home, "store", "data.mdb"), "rb") as f:
            data = f.read()
        check(b"10.213.0." not in data, f"{n.name}: the store holds no LAN address")
        check(old[other] in n.ids(other), f"{n.name}: {other.name}'s entries are kept")


h.run_test(main)
