#!/usr/bin/python3
"""Naming conventions of the C code, as a check (ctest `conventions`).

  conventions.py ROOT     fail on any line that breaks a rule below

Rules:
  names   A type made with typedef is named *_t (sr_store_t, sr_net_conn_t);
          a typedef of a function pointer is named *_fn or *_cb (sr_row_fn,
          sr_progress_cb). The struct tag, where there is one, is the name
          without _t (struct sr_net). One style, so a reader can tell a type
          from a function or a variable at a glance.

Only tracked files of core/, store/, net/, node/, tools/ and tests/ are read
(node_modules and the generated core/text_widths.h are skipped).
"""
import os
import re
import subprocess
import sys

FOLDERS = ("core", "store", "net", "node", "tools", "tests")
SKIP = ("node_modules/", "core/text_widths.h")


def strip_comments(text):
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    text = re.sub(r"/\*.*?\*/", blank, text, flags=re.S)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', blank, text)
    return re.sub(r"//[^\n]*", blank, text)


def c_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-co", "--exclude-standard", "--", "*.c", "*.h"],
                             check=True, capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        out = []
        for folder in FOLDERS:
            for dirpath, _, files in os.walk(os.path.join(root, folder)):
                out += [os.path.relpath(os.path.join(dirpath, f), root) for f in files if f.endswith((".c", ".h"))]
    for path in sorted(set(out)):
        if path.split("/")[0] in FOLDERS and not any(s in path for s in SKIP):
            yield path


# typedef <anything, possibly over lines> NAME;  where the body may hold braces.
TYPEDEF = re.compile(r"\btypedef\b")
FNPTR = re.compile(r"\(\s*\*\s*(?P<name>[A-Za-z_]\w*)\s*\)\s*\(")


def typedef_names(text):
    """Yield (offset, name, is_function_pointer) for each typedef in text."""
    for m in TYPEDEF.finditer(text):
        i, depth = m.end(), 0
        while i < len(text):
            c = text[i]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif c == ";" and depth == 0:
                break
            i += 1
        decl = text[m.end():i]
        outer = re.sub(r"\{.*\}", " ", decl, flags=re.S)
        fp = FNPTR.search(outer)
        if fp:
            yield m.start(), fp.group("name"), True
            continue
        names = re.findall(r"([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*$", outer.strip())
        if names:
            yield m.start(), names[-1], False


def check_names(root, path, text):
    bad = []
    for off, name, is_fn in typedef_names(text):
        line = text.count("\n", 0, off) + 1
        if is_fn and not re.search(r"_(fn|cb)$", name):
            bad.append(f"{path}:{line}: function pointer type {name} should end in _fn or _cb")
        elif not is_fn and not name.endswith("_t"):
            bad.append(f"{path}:{line}: type {name} should end in _t")
    return bad


def main(argv):
    root = argv[1] if len(argv) > 1 else "."
    bad = []
    n = 0
    for path in c_files(root):
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            text = strip_comments(f.read())
        n += 1
        bad += check_names(root, path, text)
    for b in bad:
        print(b)
    if bad:
        print(f"conventions: {len(bad)} problems in {n} files (rules: tools/dev/conventions.py)")
        return 1
    print(f"conventions ok ({n} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
