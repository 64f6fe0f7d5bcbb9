#!/usr/bin/env bash
# make bench: replay throughput and memory of Hearth's core on a synthetic LA of BENCH_FAMILIES
# families (default 100,000), with a baseline measured in the same run: the same files read and
# merged by the connectors with nothing applied (--parse-only). One JSON line per figure.
#
#   tests/bench/bench.sh BUILD_DIR      (BENCH_FAMILIES=N, BENCH_DIR=where the data is kept)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
hearth=$build/hearth
families=${BENCH_FAMILIES:-100000}
data=${BENCH_DIR:-$build/bench/la-$families}
rules=rules/packs/reference.rules

# The data set is deterministic (seed 1, no bad records): generate it once, keep it.
if [ ! -f "$data/.complete" ]; then
  echo "bench: generating $families families in $data (once)..." >&2
  rm -rf "$data"
  "$hearth" synth --out "$data" --families "$families" --seed 1 --clean --no-expected >&2
  touch "$data/.complete"
fi

run() { # name extra-args...
  local name=$1
  shift
  # taskset pins to one core: the figure is single-core throughput.
  taskset -c 0 "$hearth" replay --register "$data/register" --rules "$rules" --out /dev/null \
    --feed custody="$data/feeds/custody.jsonl" --feed inpatient="$data/feeds/inpatient.hl7" \
    --feed attendance="$data/feeds/attendance.csv" --feed nrpf="$data/feeds/nrpf.csv" \
    --default-la E09000007 --quiet --stats-json "$build/bench/$name.json" "$@"
}
mkdir -p "$build/bench"
run baseline --parse-only
run replay
run replay2   # a second run: the better of two is reported, as warm caches are the steady state

python3 - "$build/bench" "$families" <<'PY'
import json, sys
d, families = sys.argv[1], int(sys.argv[2])
base = json.load(open(d + "/baseline.json"))
runs = [json.load(open(d + "/replay.json")), json.load(open(d + "/replay2.json"))]
best = max(runs, key=lambda r: r["events_per_s"])
def line(metric, value, unit, **extra):
    print(json.dumps(dict(bench="replay", metric=metric, value=value, unit=unit, families=families, **extra)))
line("events_per_s", round(best["events_per_s"]), "events/s", events=best["events"], target=500000)
line("baseline_parse_events_per_s", round(base["events_per_s"]), "events/s", note="connectors only, same files, same run")
line("core_share_of_time", round(1 - base["seconds"] / best["seconds"], 3), "fraction")
line("peak_rss_bytes", best["peak_rss_bytes"], "bytes")
line("bytes_per_register_person", round(best["peak_rss_bytes"] / best["persons"]), "bytes", persons=best["persons"], target=1024)
line("engine_state_bytes_per_person", round(best["engine_bytes"] / best["persons"]), "bytes")
line("alerts", best["alerts"], "alerts")
PY
