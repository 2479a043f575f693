#!/usr/bin/python3
"""The install and the Debian package (issue 16, docs/operating.md).

From this build tree: `cmake --install` into a DESTDIR and `cpack -G DEB` into a temp
dir. The package holds the program, the web app, the systemd unit, the sysusers
file, the commented default config and the docs at the build's prefix; its control
part names the libraries, marks the config a conffile and carries postinst, prerm
and postrm (valid sh). The unit runs `seurone run` as the user seurone with the
sandbox docs/operating.md lists, and `systemd-analyze verify` accepts it (when
systemd-analyze exists; the program's path points at the extracted copy when the
prefix holds none). The default config is one the node starts with (relay mode on),
and it names every key the parser knows, so a key added to node/config.c without
a line there fails here."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, finish  # noqa: E402

# The unit's sandbox (docs/operating.md, "The unit's sandbox"): each line must be there.
UNIT_LINES = [
    "User=seurone", "Group=seurone", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
    "PrivateTmp=yes", "PrivateDevices=yes", "StateDirectory=seurone", "StateDirectoryMode=0700",
    "CapabilityBoundingSet=", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
    "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes", "LockPersonality=yes",
    "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectControlGroups=yes", "Restart=on-failure",
]


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seurone", required=True)
    p.add_argument("--build", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--sysconfdir", required=True)
    p.add_argument("--docdir", required=True)
    a = p.parse_args()
    root = tempfile.mkdtemp(prefix="sr-pkg-")
    pre, etc, doc = a.prefix.rstrip("/"), a.sysconfdir.rstrip("/"), a.docdir.rstrip("/")
    want = [f"{pre}/bin/seurone", f"{pre}/share/seurone/web/index.html", f"{pre}/lib/systemd/system/seurone.service",
            f"{pre}/lib/sysusers.d/seurone.conf", f"{etc}/seurone/config", f"{doc}/operating.md",
            f"{doc}/CHANGELOG.md", f"{doc}/config.md"]

    # cmake --install
    inst = os.path.join(root, "inst")
    r = run(["cmake", "--install", a.build], env=dict(os.environ, DESTDIR=inst))
    check(r.returncode == 0, f"cmake --install into a DESTDIR ({r.stderr.strip()[-300:]})")
    for path in want:
        check(os.path.isfile(inst + path), f"cmake --install puts {path}")

    # cpack -G DEB
    out = os.path.join(root, "pkg")
    r = run(["cpack", "-G", "DEB", "--config", os.path.join(a.build, "CPackConfig.cmake"), "-B", out])
    debs = [f for f in os.listdir(out) if f.endswith(".deb")] if os.path.isdir(out) else []
    check(r.returncode == 0 and len(debs) == 1, f"cpack -G DEB made one .deb ({r.stdout.strip()[-300:]} {r.stderr.strip()[-300:]})")
    if not debs:
        return finish(root)
    deb = os.path.join(out, debs[0])
    listing = run(["dpkg-deb", "-c", deb]).stdout
    paths = {line.split()[-1].lstrip(".") for line in listing.splitlines() if line.strip()}
    for path in want:
        check(path in paths, f"the .deb holds {path}")
    check(not any("/tests/" in x or "bench_" in x for x in paths), "no test or benchmark in the .deb")
    info = run(["dpkg-deb", "-I", deb]).stdout
    for lib in ("libsodium", "liblmdb", "libuv1", "libjansson", "libmicrohttpd", "libmsgpack", "passwd"):
        check(re.search(rf"Depends:.*\b{lib}", info) is not None, f"the package depends on {lib}")
    ctl = os.path.join(root, "control")
    check(run(["dpkg-deb", "-e", deb, ctl]).returncode == 0, "dpkg-deb -e extracts the control part")
    conffiles = os.path.join(ctl, "conffiles")
    got = open(conffiles).read().split() if os.path.exists(conffiles) else None
    check(got == [f"{etc}/seurone/config"], f"the config is the one conffile ({got})")
    for s in ("postinst", "prerm", "postrm"):
        path = os.path.join(ctl, s)
        check(os.access(path, os.X_OK), f"{s} is there and executable")
        check(run(["sh", "-n", path]).returncode == 0, f"{s} is valid sh")
    with open(os.path.join(ctl, "postinst")) as f:
        post = f.read()
    check(f"{etc}/seurone/config" in post and f"{pre}/lib/sysusers.d/seurone.conf" in post,
          "postinst names the package's own config and sysusers paths")

    # the unit
    ex = os.path.join(root, "x")
    check(run(["dpkg-deb", "-x", deb, ex]).returncode == 0, "dpkg-deb -x unpacks the package")
    with open(ex + f"{pre}/lib/systemd/system/seurone.service") as f:
        unit = f.read()
    lines = [ln.strip() for ln in unit.splitlines()]
    for w in UNIT_LINES:
        check(w in lines, f"the unit has {w}")
    check(f"ExecStart={pre}/bin/seurone --home /var/lib/seurone run" in lines, "the unit runs `seurone run` on /var/lib/seurone")
    check(any(ln.startswith("ExecReload=") and "reload" in ln for ln in lines), "the unit reloads with `seurone reload`")
    if shutil.which("systemd-analyze"):
        prog = f"{pre}/bin/seurone"
        text = unit if os.path.exists(prog) else unit.replace(prog, ex + prog)
        test_unit = os.path.join(root, "seurone.service")
        with open(test_unit, "w") as f:
            f.write(text)
        r = run(["systemd-analyze", "verify", test_unit])
        check(r.returncode == 0 and "seurone.service" not in r.stdout + r.stderr,
              f"systemd-analyze verify accepts the unit ({(r.stdout + r.stderr).strip()[:400]})")
    else:
        print("skip systemd-analyze verify: systemd-analyze is not installed (tools/deps.sh: systemd)")

    # the default config: the node starts with it, and it names every key
    home = os.path.join(root, "home")
    check(run([a.seurone, "--home", home, "init"]).returncode == 0, "init a home for the default config")
    with open(ex + f"{etc}/seurone/config") as f:
        default = f.read()
    with open(os.path.join(home, "config"), "w") as f:
        f.write(default)
    r = run([a.seurone, "--home", home, "status", "--json"])
    check(r.returncode == 3 and '"relay": true' in r.stdout.replace('"relay":true', '"relay": true'),
          f"status reads the default config: relay mode on, no node (exit {r.returncode}, {r.stderr.strip()[:200]})")
    with open(os.path.join(home, "config"), "w") as f:
        f.write("no_such_key = 1\n")
    r = run([a.seurone, "--home", home, "status"])
    m = re.search(r"known: ([a-z_, ]+);", r.stderr)
    check(m is not None, f"the parser lists the keys it knows ({r.stderr.strip()[:200]})")
    keys = [k.strip() for k in m.group(1).split(",")] if m else []
    check(len(keys) > 10, f"{len(keys)} keys known")
    for k in keys:
        check(re.search(rf"^#?{k} = ", default, re.M) is not None, f"the default config has a line for {k}")
    finish(root)


main()
