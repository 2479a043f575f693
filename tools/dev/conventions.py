#!/usr/bin/python3
"""Naming conventions of the C code, as a check (ctest `conventions`).

  conventions.py ROOT     fail on any line that breaks a rule below

Rules:
  names   A type made with typedef is named *_t (sr_store_t, sr_net_conn_t);
          a typedef of a function pointer is named *_fn or *_cb (sr_row_fn,
          sr_progress_cb). The struct tag, where there is one, is the name
          without _t (struct sr_net). One style, so a reader can tell a type
          from a function or a variable at a glance.
  sizes   A byte size is spelled by its name, not as 32 or 64: a public key is
          SR_KEY_BYTES, an entry id SR_ID_BYTES, a key-or-id SR_KEY_LEN, a
          secret key SR_SECRET_BYTES, a network key SR_NET_NETKEY_BYTES, an
          invite secret SR_INVITE_SECRET_BYTES / SR_FRAME_SECRET_BYTES, SHS and
          Box Stream sizes SR_SHS_* / SR_BOX_*, a hex buffer SR_HEX_KEY_LEN + 1
          (grep 'define SR_.*BYTES' core store net node). Outside tests/, a
          literal 32 or 64 fails
            - inside [...] (an array size or an index: `uint8_t pk[32]`,
              `hex[2 * 32 + 1]`, `buf[6 + 32]`);
            - in the arguments of a call that takes a length: mem{cpy,move,
              cmp,set}, sodium_mem{cmp,zero}, crypto_*, randombytes_buf,
              msgpack_pack_bin*, sr_key_find, sr_realloc_n, qsort, and any
              function with "hex" in its name (sr_hex_encode, cli_json_hex);
            - compared with a length (`len != 32`, `mv_size == 32`).
          In tests/ the same holds for `[32]`, `[64]` and a last argument
          `, 32)` / `, 64)` of those calls and of T_MEMEQ and t_mp_bin. (Tests
          that pin the wire format to the byte may still say 32 elsewhere:
          `T_EQ(body[3], 32)` checks the format, not a buffer.)
          Where 32 or 64 is right as a number (a text buffer sized by hand, a
          count), give it a name (#define SPAN_TEXT_MAX 32) or, rarely, mark
          the line with a comment that starts `size:` and says why, e.g.
            char pad[64]; /* size: a cache line, not a key */
          The marker must be on the line of the literal or of the call it is
          in; a bare `/* size: */` without a reason does not count. #define
          lines are free: that is where a name gets its number.

Only tracked files of core/, store/, net/, node/, tools/ and tests/ are read
(node_modules and the generated core/text_widths.h are skipped).
"""
import bisect
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


# ---- sizes ----

SIZE_NUM = re.compile(r"(?<![\w.])(32|64)(?![\w.])")
MARKER = re.compile(r"/\*\s*size:\s*\S[^*]*\*/|//\s*size:\s*\S")
LEN_CALLS = re.compile(r"\b(mem(?:cpy|move|cmp|set)|sodium_mem(?:cmp|zero)|crypto_\w+|randombytes_buf|"
                       r"msgpack_pack_bin\w*|sr_key_find|sr_realloc_n|qsort|\w*hex\w*|T_MEMEQ|t_mp_bin)\s*\(")
BRACKETS = re.compile(r"\[([^\[\]\n]*)\]")
LEN_COMPARE = re.compile(r"\b\w*(?:len|size|bytes)\w*\s*(?:[!=]=|[<>]=?)\s*(32|64)(?![\w.])", re.I)
TEST_BRACKET = re.compile(r"\[\s*(32|64)\s*\]")


def call_args(code, open_paren):
    """The end offset of the call whose '(' is at open_paren (its matching ')')."""
    depth, i = 0, open_paren
    while i < len(code):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(code)


def check_sizes(path, raw, code):
    """Literal 32/64 byte sizes (the `sizes` rule of the docstring)."""
    in_tests = path.startswith("tests/")
    raw_lines = raw.split("\n")
    code_lines = code.split("\n")
    line_starts = [0]
    for ln in code_lines:
        line_starts.append(line_starts[-1] + len(ln) + 1)

    def line_of(off):
        return bisect.bisect_right(line_starts, off)

    def marked(*lines):
        return any(0 < n <= len(raw_lines) and MARKER.search(raw_lines[n - 1]) for n in lines)

    def is_define(n):
        return code_lines[n - 1].lstrip().startswith("#")

    hits = {}  # line -> what
    # [...] anywhere in the line: array sizes and indexes
    pat = TEST_BRACKET if in_tests else BRACKETS
    for m in pat.finditer(code):
        if in_tests or SIZE_NUM.search(m.group(1)):
            n = line_of(m.start())
            if not is_define(n) and not marked(n):
                hits.setdefault(n, f"literal {SIZE_NUM.search(m.group(0)).group(1)} in {m.group(0).strip()}")
    # arguments of length-taking calls
    for m in LEN_CALLS.finditer(code):
        start = m.end() - 1
        end = call_args(code, start)
        args = code[start + 1:end]
        call_line = line_of(m.start())
        if is_define(call_line):
            continue
        if in_tests:
            last = re.search(r",\s*(32|64)\s*$", args)
            nums = [(start + 1 + last.start(1), last.group(1))] if last else []
        else:
            nums = [(start + 1 + x.start(), x.group(1)) for x in SIZE_NUM.finditer(args)]
        for off, num in nums:
            n = line_of(off)
            if not marked(n, call_line):
                hits.setdefault(n, f"literal {num} in a {m.group(1)}() argument")
    # a length compared with 32/64
    if not in_tests:
        for m in LEN_COMPARE.finditer(code):
            n = line_of(m.start(1))
            if not is_define(n) and not marked(n):
                hits.setdefault(n, f"literal {m.group(1)} compared with a length")
    return [f"{path}:{n}: {what}: name the size (SR_KEY_BYTES, SR_ID_BYTES...) or mark it /* size: why */"
            for n, what in sorted(hits.items())]


def main(argv):
    root = argv[1] if len(argv) > 1 else "."
    bad = []
    n = 0
    for path in c_files(root):
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            raw = f.read()
        text = strip_comments(raw)
        n += 1
        bad += check_names(root, path, text)
        bad += check_sizes(path, raw, text)
    for b in bad:
        print(b)
    if bad:
        print(f"conventions: {len(bad)} problems in {n} files (rules: tools/dev/conventions.py)")
        return 1
    print(f"conventions ok ({n} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
