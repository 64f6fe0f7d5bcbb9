#!/usr/bin/env bash
# Runs every fuzz target built in OUTDIR for SECONDS each, starting from its seed corpus
# tests/fuzz/corpus/<target>/ (not modified: new inputs go to OUTDIR/corpus/<target>/). A crash
# leaves its input as OUTDIR/crash-<target>-* and makes the script exit 1. One summary line per
# target.
#
#   tests/fuzz/run.sh OUTDIR SECONDS [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: tests/fuzz/run.sh OUTDIR SECONDS [TARGET...]}
secs=${2:-30}
shift 2 || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for b in "$out"/fuzz_*; do [ -x "$b" ] && targets+=("$(basename "$b")"); done
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets in $out (run tests/fuzz/build.sh $out)" >&2; exit 2; }

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=0
for t in "${targets[@]}"; do
  work="$out/corpus/$t"
  mkdir -p "$work"
  seeds=()
  [ -d "tests/fuzz/corpus/$t" ] && seeds+=("tests/fuzz/corpus/$t")
  log="$out/$t.log"
  "$out/$t" -max_total_time="$secs" -max_len="${FUZZ_MAX_LEN:-16384}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/crash-$t-" "$work" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  if [ $rc -ne 0 ]; then
    failed=1
    echo "FAIL $t after $runs runs (exit $rc); log $log"
    grep -m5 -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | sed 's/^/     | /'
  else
    echo "ok   $t: $runs runs in ${secs}s, coverage $cov, corpus $(ls "$work" | wc -l)"
  fi
done
exit $failed
