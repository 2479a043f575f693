#!/usr/bin/env bash
# The design lives in the repository (docs/): no tracked file may cite a document
# outside it. The founding brief the project started from (DESIGN.md, kept beside
# the repository in ../shared) was moved into docs/format.md, protocol.md,
# storage.md and architecture.md; a citation of it would send a reader to a page a
# clone does not have. Binary files (-I) are skipped.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "citations: $root is not a git checkout; nothing to check"
  exit 0
fi
# The pattern is split so that this file does not match itself.
hits=$(git grep -nIE 'DESIGN''\.md|\.\./shared' -- . ':!tests/check_citations.sh')
if [ -n "$hits" ]; then
  echo "$hits"
  echo "citations: the lines above cite a document outside the repository; cite docs/ (format.md, protocol.md, storage.md, architecture.md) instead"
  exit 1
fi
echo "citations ok"
