#!/usr/bin/env bash
# The design lives in the repository (docs/): no tracked file may cite a document
# outside it. What the project took from the brief it started from is in
# docs/format.md, protocol.md, storage.md and architecture.md; a citation of a page
# kept beside the repository would send a reader to a page a clone does not have.
# Binary files (-I) are skipped.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "citations: $root is not a git checkout; nothing to check"
  exit 0
fi
# The names are built from pieces so that this file names neither itself.
brief="DES""IGN"
hits=$(git grep -nIE "${brief}\\.md|\\.\\./sha""red" -- . ':!tests/check_citations.sh')
if [ -n "$hits" ]; then
  echo "$hits"
  echo "citations: the lines above cite a document outside the repository; cite docs/ (format.md, protocol.md, storage.md, architecture.md) instead"
  exit 1
fi
echo "citations ok"
