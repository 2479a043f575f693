#!/bin/sh
# run_external.sh PYTHON make_entries.py test_external
# Generates entries with the independent Python implementation (two seeds and
# sizes) and checks them with the C library. Leaves nothing behind.
set -eu
py=$1
gen=$2
bin=$3
tmp=$(mktemp -d /tmp/seurone-external-XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$py" "$gen" --out "$tmp/good.jsonl" --tampered "$tmp/bad.jsonl"
"$bin" "$tmp/good.jsonl" "$tmp/bad.jsonl"
"$py" "$gen" --out "$tmp/good2.jsonl" --tampered "$tmp/bad2.jsonl" --authors 5 --per-author 30 --seed 7
"$bin" "$tmp/good2.jsonl" "$tmp/bad2.jsonl"
