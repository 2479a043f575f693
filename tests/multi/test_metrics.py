#!/usr/bin/python3
"""The metrics endpoint and the log lines (issue 16, docs/monitoring.md).

Two real nodes with `metrics_listen = 127.0.0.1:0` exchange entries; a real
Prometheus server (Debian's package `prometheus`) scrapes both on loopback every
second, and its HTTP API (/api/v1/query) must give the counts of what happened:
the shares and the about each node took in, one session each, handshakes done.
Bad requests to the endpoint get plain answers (404, 405, 400 or a close) and
never stop the node. The logs are fields, one event a line, and name no peer's
127.0.0.1 address until the operator turns `log_addresses` on (then they do, as
JSON objects with `seurone run --json-log`)."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import harness as h
from harness import check, check_eq

SHARES = 5
# The node's own listening lines name its own address, which is the operator's
# to see; every other line must not name 127.0.0.1.
OWN_EVENTS = {"node_start", "node_address", "metrics_start", "web_start", "listen_resolved"}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url, method="GET", data=None):
    req = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def sample(text, series):
    m = re.search(r"^" + re.escape(series) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def raw(port, data):
    """Sends bytes to the endpoint; what came back before it closed (or 5 s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        got = b""
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    break
                got += b
        except socket.timeout:
            pass
    return got


def prom_query(base, q):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    status, _, body = get(url)
    check_eq(status, 200, f"prometheus answers {q}")
    doc = json.loads(body)
    check_eq(doc["status"], "success", f"query {q}")
    return doc["data"]["result"]


def prom_value(base, q, instance):
    for r in prom_query(base, q):
        if r["metric"].get("instance") == instance:
            return float(r["value"][1])
    return None


def log_records(node):
    """Each line of node's log as fields (logfmt or JSON), harness lines left out."""
    out = []
    for line in node.stderr_text().splitlines():
        if line.startswith("===="):
            continue
        if line.startswith("{"):
            out.append((line, json.loads(line)))
            continue
        fields = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', line))
        out.append((line, {k: v.strip('"') for k, v in fields.items()}))
    return out


def check_log_shape(node):
    recs = log_records(node)
    check(recs, f"{node.name} logged")
    for line, f in recs:
        for k in ("ts", "level", "event", "msg"):
            check(k in f, f"{node.name}: the line has {k}: {line}")
        check(f["level"] in ("debug", "info", "warn", "error"), f"{node.name}: a known level: {line}")
    return recs


def check_no_addresses(node):
    for line, f in log_records(node):
        if f.get("event") in OWN_EVENTS:
            continue
        check("127.0.0.1" not in line, f"{node.name}: no peer address in the log: {line}")


def main(c):
    prometheus = shutil.which("prometheus")
    if not prometheus:
        print("SKIP: no prometheus (apt-get install prometheus; tools/deps.sh lists it)")
        sys.exit(77)
    a = c.node("a", config={"metrics_listen": "127.0.0.1:0"})
    b = c.node("b", config={"metrics_listen": "127.0.0.1:0"})
    a.follow(b)
    b.follow(a)
    b.about("bea")
    for i in range(SHARES):
        b.share(f"share {i}")
    a.start()
    b.start()
    b.peer_add(a)
    h.wait_until(lambda: b.ids(b) <= a.ids(b) and a.ids(a) <= b.ids(a), 60, "a and b synced")
    ma, mb = a.run_info.get("metrics"), b.run_info.get("metrics")
    check(ma and ma.startswith("http://127.0.0.1:") and ma.endswith("/metrics"), f"run.json names a's endpoint: {ma}")
    # What b sent a: its about, its shares and its contact (a's follow is a's own).
    want_in = {"share": SHARES, "about": 1, "contact": 1}

    # ---- the endpoint itself ----
    status, headers, text = get(ma)
    check_eq(status, 200, "GET /metrics")
    check(headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"), f"text format: {headers}")
    for t, n in want_in.items():
        check_eq(sample(text, f'seurone_entries_in_total{{type="{t}"}}'), n, f"a took in {n} {t} entries")
    check_eq(sample(text, "seurone_sessions"), 1, "a has one session")
    check(sample(text, "seurone_handshakes_total") >= 1, "a counted the handshake")
    check(sample(text, "seurone_ingest_batch_duration_seconds_count") >= 1, "a timed its ingest batches")
    check(sample(text, "seurone_store_size_bytes") > 0, "the store's size")
    check(b.id not in text and a.id not in text and "127.0.0.1" not in text, "no key and no address in the metrics")
    mport = int(urllib.parse.urlparse(ma).port)
    check_eq(get(ma.replace("/metrics", "/nope"))[0], 404, "another path is 404")
    st, hd, body = get(ma, method="POST", data=b"x=1")
    check_eq(st, 405, "POST is 405")
    check_eq(hd.get("Allow"), "GET, HEAD", "405 says what is allowed")
    check("GET /metrics" in body, f"405 says what to do: {body}")
    bad = raw(mport, b"GET /metrics HTTP/9.9\r\n\r\n")
    check(bad == b"" or re.match(rb"HTTP/1\.[01] (400|505) ", bad), f"a bad version: an error or a close ({bad[:40]!r})")
    for junk in (b"\x00\x01\x02garbage\r\n\r\n", b"GET " + b"A" * 20000 + b" HTTP/1.1\r\n\r\n", os.urandom(3000)):
        got = raw(mport, junk)
        check(got == b"" or re.match(rb"HTTP/1\.[01] [45]\d\d ", got), f"garbage gets an error or a close ({got[:40]!r})")
    a.check_alive("after bad requests to /metrics")
    check_eq(get(ma)[0], 200, "the endpoint still answers")

    # ---- a real Prometheus scrapes both ----
    work = tempfile.mkdtemp(prefix="prom-", dir=c.root)
    pport = free_port()
    with open(os.path.join(work, "prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: seurone\n    static_configs:\n"
                f"      - targets: ['{urllib.parse.urlparse(ma).netloc}', '{urllib.parse.urlparse(mb).netloc}']\n")
    plog = open(os.path.join(c.root, "prometheus.stderr"), "w")
    p = h.popen([prometheus, f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/data",
                 f"--web.listen-address=127.0.0.1:{pport}"], stdout=plog, stderr=plog)
    base = f"http://127.0.0.1:{pport}"
    try:
        def ready():
            check(p.poll() is None, "prometheus runs (see prometheus.stderr)")
            try:
                return get(f"{base}/-/ready")[0] == 200
            except OSError:
                return False
        h.wait_until(ready, 60, "prometheus is ready")
        ia, ib = urllib.parse.urlparse(ma).netloc, urllib.parse.urlparse(mb).netloc
        h.wait_until(lambda: prom_value(base, "up", ia) == 1 and prom_value(base, "up", ib) == 1, 60,
                     "prometheus scraped both nodes")
        for t, n in want_in.items():
            q = f'seurone_entries_in_total{{type="{t}"}}'
            check_eq(prom_value(base, q, ia), n, f"prometheus: a took in {n} {t}")
        check_eq(prom_value(base, "seurone_sessions", ia), 1, "prometheus: a has one session")
        check_eq(prom_value(base, "seurone_sessions", ib), 1, "prometheus: b has one session")
        check(prom_value(base, 'seurone_entries_out_total{type="share"}', ib) >= SHARES, "prometheus: b sent its shares")
        check(prom_value(base, "seurone_handshakes_total", ia) >= 1, "prometheus: a's handshake")
        check(prom_value(base, "seurone_received_bytes_total", ia) > 0, "prometheus: bytes in")
        check(prom_value(base, "seurone_ingest_batch_duration_seconds_count", ia) >= 1, "prometheus: the histogram")
        # A new share from b, seen through Prometheus once scraped again.
        b.share("one more")
        q = 'seurone_entries_in_total{type="share"}'
        h.wait_until(lambda: prom_value(base, q, ia) == SHARES + 1, 60, "prometheus sees the new share arrive")
    finally:
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
        plog.close()

    # ---- a name for metrics_listen is refused, saying what to write ----
    d = c.node("d", config={"metrics_listen": "localhost:9464"})
    d.start(wait=False)
    h.wait_until(lambda: d.proc.poll() is not None, 30, "d refuses to start")
    check(d.proc.returncode != 0, "d exits non-zero")
    check(re.search(r"metrics_listen must be off or IP:PORT with an IP address, not a name .*got 'localhost:9464'",
                    d.stderr_text()), f"d says why: {d.stderr_text()[-300:]}")

    # ---- the logs ----
    for n in (a, b):
        recs = check_log_shape(n)
        check(any(f["event"] == "session_start" and f.get("peer") for _, f in recs),
              f"{n.name}: a session_start line naming the peer by its short key")
        check_no_addresses(n)

    # log_addresses on: the addresses appear (as JSON objects with --json-log).
    a.stop()
    a.write_config(log_addresses=True)
    before = len(a.stderr_text().splitlines())
    a.start("--json-log")
    b.peer_add(a)
    h.wait_until(lambda: any(f.get("event") == "session_start" and "addr" in f
                             for _, f in log_records(a)[before:]), 60, "a logs a session with its address")
    recs = [(l, f) for l, f in log_records(a)[before:] if not l.startswith("====")]
    check(all(l.startswith("{") for l, _ in recs), "with --json-log every line is a JSON object")
    check(any(f.get("event") == "session_start" and f.get("addr", "").startswith("127.0.0.1:") for _, f in recs),
          "the session line names the peer's address when log_addresses is on")
    check_log_shape(a)
    a.check_alive("at the end")


if __name__ == "__main__":
    h.run_test(main)
