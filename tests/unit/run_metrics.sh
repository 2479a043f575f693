#!/bin/sh
# run_metrics.sh PYTHON metrics_oracle.py KARATE_CSV test_metrics
# NetworkX (the oracle) writes graphs and its values to a temp dir, then the C
# metrics are compared with them. Leaves nothing behind.
set -eu
py=$1
oracle=$2
karate=$3
bin=$4
tmp=$(mktemp -d /tmp/seurone-metrics-XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$py" "$oracle" "$karate" "$tmp"
"$bin" "$tmp"
