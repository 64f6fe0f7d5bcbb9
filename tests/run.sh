#!/usr/bin/env bash
# Runs Hearth's test suite against one or more build directories (build, build/asan) and ends
# with the line "N passed, N failed". Each unit test runs in its own process with a timeout, so
# a crash fails one test, not the run. End-to-end tests (tests/e2e/*.sh) get HEARTH=<dir>/hearth.
#
#   tests/run.sh [--only PATTERN] BUILD_DIR...
#
# PATTERN selects the tests whose name (suite/test, e.g. e2e/kafka_faults_lose_nothing) contains
# it; a PATTERN with a slash may also name the build (asan/e2e/demo matches build/suite/test). A
# plain word never matches the build directory's own name (h-link, asan, ...).
set -u
cd "$(dirname "$0")/.."

only=""
if [ "${1:-}" = "--only" ]; then only="$2"; shift 2; fi
[ $# -ge 1 ] || { echo "usage: tests/run.sh [--only PATTERN] BUILD_DIR..." >&2; exit 2; }

passed=0
failed=0
failures=()
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

selected() { # full name: build/suite/test, or once/test
  [ -z "$only" ] || [[ "${1#*/}" == *"$only"* ]] || { [[ "$only" == */* ]] && [[ "$1" == *"$only"* ]]; }
}

record() { # name status logfile
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
    echo "ok   $1"
  else
    failed=$((failed + 1))
    failures+=("$1")
    echo "FAIL $1 (exit $2)"
    sed 's/^/     | /' "$3" | tail -40
  fi
}

for build in "$@"; do
  tag=$(basename "$build")
  export HEARTH="$PWD/$build/hearth" HEARTH_BUILD="$PWD/$build"
  # LeakSanitizer is part of ASan on Linux; make sure leaks fail the run.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  for bin in "$build"/tests/test_*; do
    [ -x "$bin" ] || continue
    suite=$(basename "$bin")
    while IFS= read -r name; do
      [ -n "$name" ] || continue
      full="$tag/$suite/$name"
      selected "$full" || continue
      timeout 120 "$bin" "$name" >"$log/out" 2>&1
      record "$full" $? "$log/out"
    done < <("$bin" --list)
  done
  for t in tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    [ "$(basename "$t")" != lib.sh ] || continue # shared helpers, not a test
    full="$tag/e2e/$(basename "$t" .sh)"
    selected "$full" || continue
    timeout 900 bash "$t" >"$log/out" 2>&1
    record "$full" $? "$log/out"
  done
done

# Tests that need one run, not one per build: the oracle's own edge cases, fuzz smoke runs.
export HEARTH="$PWD/$1/hearth" HEARTH_BUILD="$PWD/$1"
if [ -f tests/oracle/test_oracle_edges.py ] && selected "once/oracle_edges"; then
  timeout 300 python3 tests/oracle/test_oracle_edges.py >"$log/out" 2>&1
  record "once/oracle_edges" $? "$log/out"
fi
for t in tests/once/*.sh; do
  [ -f "$t" ] || continue
  full="once/$(basename "$t" .sh)"
  selected "$full" || continue
  timeout 900 bash "$t" >"$log/out" 2>&1
  record "$full" $? "$log/out"
done

if [ ${#failures[@]} -gt 0 ]; then
  echo
  echo "Failed:"
  printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
