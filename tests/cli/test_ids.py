#!/usr/bin/python3
"""test_ids.py: keys and ids as people type them (docs/cli.md, "Keys and ids").

Other people's entries are signed in Python with tests/data/make_entries.py and
imported; the real `seurone` CLI then takes them by 8- and 16-digit prefixes
(the 16 digits are what `log` prints), by name (Chinese too), refuses a 7-digit
prefix, lists the candidates of an ambiguous prefix or name (escaped), and
`publish` refuses the impossible targets and warns about the unknown ones —
once on a stopped node (the store) and once through a running node.

Two people whose keys share 8 hex digits would take ~2^16 ed25519 keys to find
by chance; instead an imported author follows two chosen 32-byte values that
share them (each contact target is a person the node knows), which is what a
prefix lookup sees.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "multi"))
import harness as h  # noqa: E402
from harness import check, check_eq  # noqa: E402
from common import load_make_entries  # noqa: E402

ME = None  # make_entries module
K1 = "abcdef01" + "00" * 28
K2 = "abcdef01" + "ff" * 28
# Match nothing the node knows; each is used in one role only (a followed
# key becomes a person, a membership's project a project).
UNKNOWN = "5a" * 32
UNKNOWN_ENTRY = "6b" * 32
UNKNOWN_PROJECT = "7c" * 32



def world(path):
    """Writes the imported entries; returns {name: key or id hex}."""
    bob, chen, ana1, ana2, eve1, eve2, x, cafe = (ME.Author(1010, i) for i in range(8))
    lines, ts, out = [], ME.TS0, {}

    def add(who, type_, content):
        nonlocal ts
        ts += 1000
        lines.append(ME.append(who, ts, type_, content))
        return lines[-1]["id"]

    add(bob, "about", {"name": "Bob"})
    out["share"] = add(bob, "share", {"text": "hello"})
    out["project"] = add(bob, "project", {"name": "Garden 花园"})
    add(chen, "about", {"name": "周六昆明"})
    add(ana1, "about", {"name": "Ana"})
    add(ana2, "about", {"name": "Ana"})
    add(eve1, "about", {"name": "Eve\x1b[2J"})
    add(eve2, "about", {"name": "Eve\x1b[2J"})
    add(cafe, "about", {"name": "cafe"})  # hex, and shorter than a prefix may be
    add(x, "contact", {"who": bytes.fromhex(K1), "state": "follow"})
    add(x, "contact", {"who": bytes.fromhex(K2), "state": "follow"})
    with open(path, "w") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")
    for name, a in (("bob", bob), ("chen", chen), ("ana1", ana1), ("ana2", ana2), ("cafe", cafe)):
        out[name] = a.pk.hex()
    return out


def fails(n, argv, code, *texts, what):
    """Runs the CLI, expecting exit code and every text in stderr."""
    r = n.cli(*argv, check=False)
    check(r.returncode == code and all(t in r.stderr for t in texts),
          f"{what}: exit {code} saying {texts!r} (got {r.returncode}: {r.stderr.strip()[:400]!r})")
    return r


def typed_lookups(m, w):
    bob = w["bob"]
    for digits in (16, 8):
        log = m.cli_json("log", bob[:digits])
        check(log and all(e["author"] == bob for e in log), f"log with {digits} hex digits of a key shows that author")
    check(m.cli_json("log", bob.upper())[0]["author"] == bob, "log takes the 64 digits in capitals")
    fails(m, ["log", bob[:7]], 2, "at least 8 hex digits", what="log with a 7-digit prefix is refused")
    r = fails(m, ["log", "abcdef01"], 2, "ambiguous", "abcdef0100000000", "abcdef01ffffffff", "more hex digits",
              what="an ambiguous prefix lists both keys")
    check(m.cli("log", "abcdef01f", check=False).returncode == 0, "one more hex digit picks one of them")
    r = fails(m, ["log", "Ana"], 2, "ambiguous", "people have that name", w["ana1"][:16], w["ana2"][:16],
              what="an ambiguous name lists both people")
    check(r.stderr.count("Ana") >= 3, "the candidates show their names")
    r = fails(m, ["log", "Eve\x1b[2J"], 2, "ambiguous", "Eve\\x1b[2J", what="candidates' names are escaped")
    check("\x1b" not in r.stderr, "no raw ESC from a candidate's name reaches the terminal")
    log = m.cli_json("log", "周六昆明")
    check(log and log[0]["author"] == w["chen"], "log takes a person's name (Chinese)")
    check(m.cli_json("log", "Bob")[0]["author"] == bob, "log takes a person's name")
    check(m.cli_json("log", "cafe")[0]["author"] == w["cafe"], "a name made of hex digits, shorter than 8, is a name")
    fails(m, ["log", "bob"], 2, "nor the name of a person", "case included", what="a name must match exactly")
    fails(m, ["log", "abcdef03"], 2, "matches no person", what="a prefix that matches no one fails")
    fails(m, ["log", w["project"][:8]], 2, "matches no person", "a project id",
          what="a project id's prefix given as a person says what it is")

    e = m.cli_json("flow", "entry", w["share"][:8])
    check_eq(e["id"], w["share"], "flow entry takes 8 hex digits of an entry id")
    fails(m, ["flow", "entry", w["share"][:7]], 2, "at least 8", what="flow entry with 7 digits is refused")
    a = m.cli_json("flow", "author", bob[:8])
    check(a["entries"] >= 3, "flow author takes 8 hex digits of a key")
    check(m.cli_json("flow", "author", "Bob")["entries"] == a["entries"], "flow author takes a name")
    p = m.cli_json("flow", "project", w["project"][:8])
    check_eq(p["project"], w["project"], "flow project takes 8 hex digits of a project id")
    check_eq(m.cli_json("flow", "project", "Garden 花园")["project"], w["project"], "flow project takes a project name")
    out = m.cli("export", "entries", "--author", bob[:8]).stdout.splitlines()
    check(out and all(json.loads(l)["author"] == bob for l in out), "export entries --author takes a prefix")


def content_of(m, entry_id):
    return next((e["content"] for e in m.log() if e["id"] == entry_id), {})


def publish_checks(m, w, where):
    """The publish rules of docs/cli.md; the same on a stopped and a running node."""
    bob, me = w["bob"], m.id
    count = len(m.log(me))

    r = m.publish("contact", "--who", bob[:8], "--state", "follow")
    check_eq(r.get("warnings"), [], f"{where}: --who by 8 hex digits of a known person: no warning")
    check_eq(content_of(m, r["id"]).get("who"), bob, f"{where}: the contact names the whole key")
    r = m.publish("contact", "--who", "周六昆明", "--state", "follow")
    check_eq(content_of(m, r["id"]).get("who"), w["chen"], f"{where}: --who by name")
    count += 2

    fails(m, ["publish", "contact", "--who", me, "--state", "follow"], 2, "your own key",
          what=f"{where}: following yourself is refused")
    fails(m, ["publish", "contact", "--who", me[:8], "--state", "block"], 2, "your own key",
          what=f"{where}: blocking yourself by prefix is refused")
    fails(m, ["publish", "contact", "--who", w["project"], "--state", "follow"], 2, "a project id",
          what=f"{where}: a project id as a person is refused")
    fails(m, ["publish", "contact", "--who", w["share"], "--state", "follow"], 2, "the id of an entry",
          what=f"{where}: an entry id as a person is refused")
    fails(m, ["publish", "contact", "--who", "abcdef01", "--state", "follow"], 2, "ambiguous",
          what=f"{where}: an ambiguous --who is refused")
    fails(m, ["publish", "contact", "--who", bob[:7], "--state", "follow"], 2, "at least 8",
          what=f"{where}: a 7-digit --who is refused")

    r = m.cli("publish", "contact", "--who", UNKNOWN, "--state", "follow")
    check("warning" in r.stderr and "holds no entry by that key" in r.stderr,
          f"{where}: an unknown --who warns on stderr ({r.stderr.strip()[:200]!r})")
    r = m.publish("contact", "--who", UNKNOWN, "--state", "unfollow")
    check(len(r.get("warnings") or []) == 1 and "no entry by that key" in r["warnings"][0],
          f"{where}: ... and in --json's warnings, published all the same")
    count += 2

    r = m.publish("share", "--reshare", w["share"][:8])
    check_eq(r.get("warnings"), [], f"{where}: --reshare of a held entry by prefix: no warning")
    check_eq(content_of(m, r["id"]).get("reshare"), w["share"], f"{where}: the reshare names the whole id")
    r = m.publish("share", "--reshare", UNKNOWN_ENTRY, "--text", "seen elsewhere")
    check(len(r.get("warnings") or []) == 1 and "does not hold that entry" in r["warnings"][0],
          f"{where}: --reshare of an entry not held warns")
    fails(m, ["publish", "share", "--reshare", bob], 2, "a person's key", what=f"{where}: --reshare of a key is refused")
    count += 2

    r = m.publish("membership", "--project", w["project"][:8], "--role", "member")
    check_eq(r.get("warnings"), [], f"{where}: --project by prefix of a held project: no warning")
    r = m.publish("membership", "--project", "Garden 花园", "--role", "supporter")
    check_eq(content_of(m, r["id"]).get("project"), w["project"], f"{where}: --project by name")
    r = m.publish("membership", "--project", UNKNOWN_PROJECT, "--role", "member")
    check(len(r.get("warnings") or []) == 1 and "no project entry" in r["warnings"][0],
          f"{where}: a membership in an unknown project warns")
    r = m.publish("share", "--text", "hi", "--project", UNKNOWN_PROJECT)
    check(len(r.get("warnings") or []) == 1 and "no project entry" in r["warnings"][0],
          f"{where}: a share for an unknown project warns")
    fails(m, ["publish", "membership", "--project", bob, "--role", "member"], 2, "a person's key",
          what=f"{where}: a person's key as a project is refused")
    fails(m, ["publish", "membership", "--project", w["share"], "--role", "member"], 2, "share entry",
          what=f"{where}: a share's id as a project is refused")
    count += 4
    check_eq(len(m.log(me)), count, f"{where}: every refusal published nothing, every warning published")


def main(c):
    global ME
    ME = load_make_entries(h.ARGS.make_entries)
    m = c.node("m")
    path = c.path("world.jsonl")
    w = world(path)
    m.import_jsonl(path)
    typed_lookups(m, w)
    publish_checks(m, w, "stopped node")
    m.start()
    publish_checks(m, w, "running node")
    m.stop()


def extra(p):
    p.add_argument("--make-entries", required=True)


if __name__ == "__main__":
    h.run_test(main, extra)
