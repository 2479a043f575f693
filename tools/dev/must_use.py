#!/usr/bin/python3
"""The functions of the layers' public headers that return an error code (int)
and do not carry SR_MUST_USE (core/err.h: __attribute__((warn_unused_result))).

  must_use.py check   ROOT   fail for an unannotated one not in tests/must_use_known.txt
  must_use.py list    ROOT   print the unannotated ones, one name a line
  must_use.py annotate ROOT  add SR_MUST_USE to every one of them (except the
                             "keep:" names of the known list), add #include "core/err.h"
                             where a header lacks it, and empty the known list

A public header is any *.h of core/, store/, net/ or node/ except *_internal.h.
The known list names functions, not files, so a function that moves to another
header stays known. A "keep: NAME" line marks an int that is not an error code
(a count, a yes/no): it is never annotated and never reported.
"""
import os
import re
import sys

LAYERS = ("core", "store", "net", "node")
KNOWN = os.path.join("tests", "must_use_known.txt")
# A declaration or inline definition at the start of a line returning int.
DECL = re.compile(r"^(?P<pre>[ \t]*)(?P<quals>(?:(?:static|inline|extern)\s+)*)(?P<must>SR_MUST_USE\s+)?"
                  r"(?P<quals2>(?:(?:static|inline|extern)\s+)*)int\s+(?P<name>[A-Za-z_]\w*)\s*\(", re.M)


def strip_comments(text):
    # Keep newlines so that offsets into the stripped text map to the same lines.
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    text = re.sub(r"/\*.*?\*/", blank, text, flags=re.S)
    return re.sub(r"//[^\n]*", blank, text)


def headers(root):
    for layer in LAYERS:
        d = os.path.join(root, layer)
        if not os.path.isdir(d):
            continue
        for dirpath, _, files in os.walk(d):
            for f in sorted(files):
                if f.endswith(".h") and not f.endswith("_internal.h"):
                    yield os.path.join(dirpath, f)


def in_macro(text, pos):
    # Inside a #define continued with backslashes: not a declaration.
    start = text.rfind("\n", 0, pos) + 1
    prev = start - 2
    while prev >= 0:
        ls = text.rfind("\n", 0, prev) + 1
        line = text[ls:prev + 1]
        if not line.rstrip().endswith("\\"):
            return False
        if line.lstrip().startswith("#"):
            return True
        prev = ls - 2
    return False


def unannotated(root):
    for h in headers(root):
        text = open(h, encoding="utf-8").read()
        code = strip_comments(text)
        for m in DECL.finditer(code):
            if m.group("must") or in_macro(code, m.start()):
                continue
            yield h, code.count("\n", 0, m.start()) + 1, m.group("name")


def read_known(root):
    todo, keep = set(), set()
    path = os.path.join(root, KNOWN)
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            line = line.split("#", 1)[0].strip()
            if line.startswith("keep:"):
                keep.add(line[5:].strip())
            elif line:
                todo.add(line)
    return todo, keep


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "list", "annotate"):
        sys.exit(__doc__)
    cmd, root = sys.argv[1], sys.argv[2]
    todo, keep = read_known(root)
    found = [(h, n, name) for h, n, name in unannotated(root) if name not in keep]
    if cmd == "list":
        for name in sorted({name for _, _, name in found}):
            print(name)
        return
    if cmd == "check":
        new = [(h, n, name) for h, n, name in found if name not in todo]
        for h, n, name in new:
            print(f"must_use: {os.path.relpath(h, root)}:{n}: {name} returns int without SR_MUST_USE "
                  f"(add it before the return type; an int that is no error code: 'keep: {name}' in {KNOWN})")
        gone = todo - {name for _, _, name in found}
        for name in sorted(gone):
            print(f"must_use: {name} is annotated or gone: remove it from {KNOWN}")
        print(f"must_use: {len(found) - len(new)} known unannotated, {len(new)} new")
        sys.exit(1 if new else 0)
    # annotate
    by_file = {}
    for h, n, name in found:
        by_file.setdefault(h, set()).add(name)
    for h, names in by_file.items():
        text = open(h, encoding="utf-8").read()
        code = strip_comments(text)
        out, last = [], 0
        for m in DECL.finditer(code):
            if m.group("must") or m.group("name") not in names or in_macro(code, m.start()):
                continue
            at = m.start() + len(m.group("pre"))
            out.append(text[last:at])
            out.append("SR_MUST_USE ")
            last = at
        out.append(text[last:])
        text = "".join(out)
        if '#include "core/err.h"' not in text and not h.endswith(os.path.join("core", "err.h")):
            # After the include guard's #define, or the first #include.
            m = re.search(r"^#define [A-Z0-9_]+_H\b.*\n", text, re.M) or re.search(r"^#include.*\n", text, re.M)
            at = m.end() if m else 0
            text = text[:at] + '#include "core/err.h"\n' + text[at:]
        open(h, "w", encoding="utf-8").write(text)
        print(f"annotated {len(names)} in {os.path.relpath(h, root)}")
    path = os.path.join(root, KNOWN)
    head = [l for l in open(path, encoding="utf-8")] if os.path.exists(path) else []
    kept = [l for l in head if l.startswith("#") or l.startswith("keep:") or not l.strip()]
    open(path, "w", encoding="utf-8").write("".join(kept))


if __name__ == "__main__":
    main()
