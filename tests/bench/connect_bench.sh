#!/usr/bin/env bash
# Connector services (issue 6, acceptance 5), on the mock cluster on loopback. Prints JSON lines:
#   MLLP: 20,000 HL7 ADT messages from the npm client node-hl7-client over 20 concurrent
#         connections, each waiting for its ACK (AA only once Kafka has the event): messages/s
#         and ACK latency p50/p99 (targets: >= 2,000 msg/s, p99 < 100 ms);
#   drop folder: an attendance CSV of ~400,000 marks dropped in a watched folder, produced with
#         the exactly-once checkpointing on (target: >= 200,000 marks/s).
# Usage: tests/bench/connect_bench.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HEARTH=$ROOT/$build/hearth
[ -x "$HEARTH" ] || HEARTH=$build/hearth
WORK=$(mktemp -d)
dk= ci=
trap 'kill $ci $dk 2>/dev/null || true; rm -rf "$WORK"' EXIT
fail() { echo "connect_bench: $*" >&2; exit 1; }

"$HEARTH" devkafka --brokers 1 --partitions 6 >"$WORK/dk.out" 2>"$WORK/dk.err" &
dk=$!
for _ in $(seq 100); do [ -s "$WORK/dk.out" ] && break; sleep 0.1; done
B=$(head -1 "$WORK/dk.out")

# MLLP with the real npm client (installed under the build directory, never vendored).
case $build in /*) npmdir=$build/npm ;; *) npmdir=$ROOT/$build/npm ;; esac
if [ ! -f "$npmdir/node_modules/node-hl7-client/package.json" ]; then
  mkdir -p "$npmdir"
  (cd "$npmdir" && npm install --no-audit --no-fund --loglevel=error node-hl7-client@3 >/dev/null 2>&1) ||
    fail "npm could not install node-hl7-client from the registry: the MLLP figure is missing"
fi
python3 "$ROOT/tests/tools/hl7_gen.py" 20000 >"$WORK/load.hl7"
"$HEARTH" connect inpatient --listen 127.0.0.1:0 --brokers "$B" --insecure --ready-file "$WORK/ready" 2>"$WORK/ci.err" &
ci=$!
for _ in $(seq 100); do [ -s "$WORK/ready" ] && break; sleep 0.1; done
port=$(cut -d: -f2 "$WORK/ready")
NODE_PATH=$npmdir/node_modules node "$ROOT/tests/tools/hl7_send.js" --port "$port" --file "$WORK/load.hl7" \
  --conns 20 --summary 1 >"$WORK/mllp.json" || fail "the HL7 client failed"
kill -TERM $ci
wait $ci || true
ci=
python3 - "$WORK/mllp.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["codes"].get("AA") == r["messages"], r
common = dict(bench="connect_mllp", messages=r["messages"], connections=r["connections"], client="node-hl7-client")
print(json.dumps(dict(common, metric="messages_per_s", value=r["msg_per_s"], unit="msg/s", target=2000)))
print(json.dumps(dict(common, metric="ack_p50_ms", value=r["ack_p50_ms"], unit="ms")))
print(json.dumps(dict(common, metric="ack_p99_ms", value=r["ack_p99_ms"], unit="ms", target_below=100)))
PY

# Drop folder: the synthetic LA's attendance marks, best of two runs.
"$HEARTH" synth --out "$WORK/la" --families 1500 --seed 5 --clean --no-expected 2>/dev/null
marks=$(($(wc -l <"$WORK/la/feeds/attendance.csv") - 1))
best=0
for run in 1 2; do
  rm -rf "$WORK/drop"
  mkdir -p "$WORK/drop"
  cp "$WORK/la/feeds/attendance.csv" "$WORK/drop/marks.csv"
  t0=$(date +%s%N)
  "$HEARTH" connect attendance --watch "$WORK/drop" --brokers "$B" --once --settle-ms 0 2>"$WORK/cw.err" ||
    fail "the drop folder run failed: $(tail -2 "$WORK/cw.err")"
  t1=$(date +%s%N)
  [ -f "$WORK/drop/done/marks.csv" ] || fail "the file was not finished"
  rate=$((marks * 1000000000 / (t1 - t0)))
  [ $rate -gt $best ] && best=$rate
done
printf '{"bench":"connect_dropfolder","metric":"marks_per_s","value":%d,"unit":"marks/s","marks":%d,"target":200000,"note":"process start to file in done/, checkpoints fsynced"}\n' \
  "$best" "$marks"
