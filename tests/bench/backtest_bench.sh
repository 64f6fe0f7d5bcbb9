#!/usr/bin/env bash
# Backtest throughput (issue 4, acceptance 4): a synthetic LA of BACKTEST_FAMILIES families
# (default 4,000: about 1.1 million events) is replayed once into the event archive; then
# `hearth rules backtest` replays the archive through the core on one core (taskset -c 0), with
# one rule pack and with two (a threshold change against the reference pack). Every archived
# event is read, checked, decoded and applied: none is skipped. The better of two runs is
# reported, as warm caches are the steady state. One JSON line per figure.
#
#   tests/bench/backtest_bench.sh BUILD_DIR   (BACKTEST_FAMILIES=N, BACKTEST_BENCH_DIR=where data is kept)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
hearth=$build/hearth
families=${BACKTEST_FAMILIES:-4000}
base=${BACKTEST_BENCH_DIR:-$build/bench}
data=$base/backtest-la-$families
rules=rules/packs/reference.rules

if [ ! -f "$data/.complete" ]; then
  echo "bench: generating $families families and their archive in $data (once)..." >&2
  rm -rf "$data"
  "$hearth" synth --out "$data" --families "$families" --seed 1 --clean --no-expected >&2
  "$hearth" replay --register "$data/register" --rules "$rules" --out /dev/null --default-la E09000007 --quiet \
    --feed custody="$data/feeds/custody.jsonl" --feed inpatient="$data/feeds/inpatient.hl7" \
    --feed attendance="$data/feeds/attendance.csv" --feed nrpf="$data/feeds/nrpf.csv" --archive "$data/archive"
  touch "$data/.complete"
fi
awk '/^rule adversity_then_absence/{r=1} r&&/absence_rate.*10%/{sub(/10%/,"15%"); r=0} {print}' "$rules" >"$data/new.rules"

run() { # name extra-args...
  local name=$1
  shift
  taskset -c 0 "$hearth" rules backtest --archive "$data/archive" --default-la E09000007 --json "$@" >"$base/bt-$name.json"
}
mkdir -p "$base"
run one1 --rules "$rules"
run one2 --rules "$rules"
run two1 --rules "$data/new.rules" --baseline "$rules"
run two2 --rules "$data/new.rules" --baseline "$rules"
archive_bytes=$(cat "$data"/archive/*.seg | wc -c)

python3 - "$base" "$families" "$archive_bytes" <<'PY'
import json, sys
d, families, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def best(a, b):
    runs = [json.load(open(f"{d}/bt-{n}.json"))["figures"] for n in (a, b)]
    return max(runs, key=lambda r: r["events_per_s"])
one, two = best("one1", "one2"), best("two1", "two2")
def line(metric, value, unit, **extra):
    print(json.dumps(dict(bench="backtest", metric=metric, value=value, unit=unit, families=families, **extra)))
line("events_per_s", round(one["events_per_s"]), "events/s", events=one["events"], target=1000000,
     note="one rule pack, one core, every archived event read, checked, decoded and applied")
line("events_per_cpu_s", round(one["events"] / one["cpu_seconds"]), "events/s",
     note="the same run by CPU time: what the core does when no other process shares it")
line("two_packs_events_per_s", round(two["events_per_s"]), "events/s", events=two["events"],
     note="new pack and baseline: each event decoded once and applied once, the rules run for each pack")
line("archive_bytes_per_event", round(nbytes / one["records"]), "bytes")
PY
