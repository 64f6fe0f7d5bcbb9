#!/usr/bin/env bash
# Probabilistic identity resolution speed: lookups of messy copies (typos, nicknames' initials,
# swapped day and month, moved postcodes, missing fields) against a synthetic register of
# LINK_BENCH_PERSONS persons (default 1,000,000) on one core, with the candidate set sizes.
# One JSON line per figure; target: 100,000 lookups/s. The better of two runs is reported (warm
# caches are the steady state); the register is rebuilt in memory each run (about 5 s).
#
#   tests/bench/link_bench.sh BUILD_DIR      (LINK_BENCH_PERSONS=N, LINK_BENCH_LOOKUPS=N)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
persons=${LINK_BENCH_PERSONS:-1000000}
lookups=${LINK_BENCH_LOOKUPS:-300000}
mkdir -p "$build/bench"
for run in 1 2; do
  taskset -c 0 "$build/hearth" link bench --persons "$persons" --lookups "$lookups" --seed 1 >"$build/bench/link$run.jsonl"
done
python3 - "$build/bench/link1.jsonl" "$build/bench/link2.jsonl" <<'PY'
import json, sys
runs = [[json.loads(l) for l in open(p)] for p in sys.argv[1:]]
rate = lambda r: next(x["value"] for x in r if x["metric"] == "lookups_per_s")
for line in max(runs, key=rate):
    print(json.dumps(line))
PY
