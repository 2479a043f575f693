"""Helpers for the CLI end-to-end tests: run `seurone` on temp homes, check results."""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

FAILS = []


def args():
    p = argparse.ArgumentParser()
    p.add_argument("--seurone", required=True)
    p.add_argument("--bench-ingest", required=True)
    p.add_argument("--make-entries")
    return p.parse_args()


class Home:
    """A node home directory in a temp dir, removed at exit."""

    def __init__(self, seurone, root, name):
        self.seurone = seurone
        self.path = os.path.join(root, name)

    def run(self, *argv, check=True, stdin=None, env=None):
        cmd = [self.seurone, "--home", self.path] + list(argv)
        e = dict(os.environ)
        e.update(env or {})
        r = subprocess.run(cmd, capture_output=True, text=True, input=stdin, env=e)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
        return r

    def json(self, *argv, **kw):
        r = self.run(*argv, "--json", **kw)
        return json.loads(r.stdout)


def load_make_entries(path):
    """tests/data/make_entries.py, the independent entry signer, as a module."""
    spec = importlib.util.spec_from_file_location("make_entries", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def check(cond, what):
    if cond:
        print(f"ok   {what}")
    else:
        print(f"FAIL {what}")
        FAILS.append(what)


def tempdir():
    d = tempfile.mkdtemp(prefix="sr-cli-")
    return d


def finish(root):
    shutil.rmtree(root, ignore_errors=True)
    if FAILS:
        print(f"{len(FAILS)} check(s) failed:")
        for f in FAILS:
            print("  -", f)
        sys.exit(1)
    print("all checks passed")
