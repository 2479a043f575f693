#!/usr/bin/env bash
# tests/tsan.sh: the multi-threaded tests under ThreadSanitizer (tests/run calls it;
# it runs alone too). Builds in build/ci-tsan with -DSR_SANITIZE=thread:
#  - test_store_grow (the transaction gate: a map resize while other threads
#    read; two threads failing at once on one handle) and test_store (ingest on
#    the verify pool);
#  - the `seurone` program, hostile_peer and bench_ingest, and runs the multi-node
#    tests below against them: real nodes whose libuv loop thread and worker
#    threads (gossip ingest batches, fork proofs, publish, flow-report counts, import, the
#    scope, the peer records and invites, the verify pool) share the store; and the web
#    API's test (tests/api), whose server threads read the store beside them.
# A race makes the process exit 66 (halt_on_error), which the harness's exit-code
# checks catch; the report also goes to a file (log_path), so a report from a
# process whose exit code no check looks at (a node that is SIGKILLed) still fails
# the test. Nothing is suppressed: libuv and LMDB gave no reports.
# Last line: "tsan: P passed, F failed"; exit 0 when none failed.
# Environment: SR_JOBS (default nproc) for the build; SR_TSAN_MULTI, another list of
# multi-node tests (names without test_ and .py).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${SR_JOBS:-$(nproc)}
ts="$root/build/ci-tsan"
# test_metrics: PageRank, betweenness and harmonic closeness on 1, 2, 3 and 7
# threads (core/metrics_pr.c, core/metrics_bc.c), run through run_metrics.sh with
# its NetworkX oracle.
unit_tests="test_store_grow test_store test_metrics"
# Chosen to cover each worker: two_nodes, chain and small_world (sync: ingest
# batches committed on workers, through the verify pool), import_running
# (import through the node's worker), flow_reports (the count on a worker),
# kill9_resume and full_disk (ingest retry after a failed commit), notes_flood
# and duplicates (many batches at once), sessions (publish on a worker while
# syncing), peer_table and invite_race (the queue of small writes: peer records,
# invites created and redeemed at once; the scope computed on a worker after a
# redemption), forks (fork proofs checked and stored on a worker beside the
# batches), metrics (the endpoint's thread reading the counters the loop and
# the workers bump), quota (the quotas read on the ingest worker), purge (a purge on a
# worker of its own beside the ingest), write_policy (the program asked from the
# ingest worker). About three minutes on 2 cores after the build.
multi_tests=${SR_TSAN_MULTI:-"two_nodes chain small_world import_running flow_reports kill9_resume full_disk notes_flood duplicates sessions peer_table invite_race forks metrics quota purge write_policy"}
passed=0
failed=0
failures=()
mkdir -p "$root/build"

echo "== tsan: configure and build in $ts"
# shellcheck disable=SC2086
if ! { cmake -S "$root" -B "$ts" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSR_SANITIZE=thread >"$ts.configure.log" 2>&1 &&
       cmake --build "$ts" -j"$jobs" --target $unit_tests seurone hostile_peer bench_ingest >"$ts.build.log" 2>&1; }; then
  cat "$ts.configure.log" "$ts.build.log" 2>/dev/null | tail -n 60
  echo "FAILED: tsan: build"
  echo "tsan: 0 passed, 1 failed"
  exit 1
fi

reports="$ts/reports"
run_one() { # name, command...
  local name=$1 log="$ts.$1.log"
  shift
  rm -rf "$reports" && mkdir -p "$reports"
  echo "== tsan: $name"
  local rc=0
  TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:log_path=$reports/report" \
    timeout 600 "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 77 ]; then
    echo "   skipped: $(tail -n 1 "$log")"
  elif [ "$rc" -eq 0 ] && [ -z "$(ls -A "$reports")" ]; then
    passed=$((passed + 1)); tail -n 1 "$log"
  else
    tail -n 60 "$log"
    for r in "$reports"/*; do [ -f "$r" ] && { echo "---- $r"; head -n 80 "$r"; }; done
    failed=$((failed + 1)); failures+=("tsan: $name")
  fi
  rm -rf "$reports"
}

for t in $unit_tests; do
  if [ "$t" = test_metrics ]; then
    run_one "$t" sh "$root/tests/unit/run_metrics.sh" /usr/bin/python3 "$root/tests/unit/metrics_oracle.py" \
      "$root/tests/data/karate.csv" "$ts/tests/unit/$t"
  else
    run_one "$t" "$ts/tests/unit/$t"
  fi
done
for t in $multi_tests; do
  run_one "multi_$t" /usr/bin/python3 "$root/tests/multi/test_$t.py" --seurone "$ts/tools/seurone" \
    --hostile-peer "$ts/tests/multi/hostile_peer" --bench-ingest "$ts/tools/bench_ingest"
done

# The web server: libmicrohttpd's threads read the store and hand changes to the
# loop thread (node/web_loop.c) while gossip and publish run (tests/api).
run_one web_api /usr/bin/python3 "$root/tests/api/test_api.py" --seurone "$ts/tools/seurone"

for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "tsan: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
