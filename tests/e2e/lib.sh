# Shared helpers of the end-to-end tests. HEARTH is the binary under test (tests/run.sh sets
# it); each test works in its own temporary directory, removed on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HEARTH=${HEARTH:-$ROOT/build/hearth}
SHARED=${HEARTH_SHARED:-$ROOT/../shared}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RULES=$ROOT/rules/packs/reference.rules

fail() { echo "FAIL: $*" >&2; exit 1; }

# Under sanitizers everything is several times slower: tests scale down there.
is_sanitized() { case "${HEARTH_BUILD:-}" in *asan*) return 0 ;; *) return 1 ;; esac; }

# replay_dir DIR OUT [extra args]: replays a synth-layout directory.
replay_dir() {
  local dir=$1 out=$2
  shift 2
  "$HEARTH" replay --register "$dir/register" --rules "$RULES" --out "$out" \
    --feed custody="$dir/feeds/custody.jsonl" --feed inpatient="$dir/feeds/inpatient.hl7" \
    --feed attendance="$dir/feeds/attendance.csv" --feed nrpf="$dir/feeds/nrpf.csv" "$@"
}

# alert_ids FILE: the alert_id of each alert in a JSON-lines file (hearth replay --out), in order.
alert_ids() { python3 -c "import json,sys;[print(json.loads(l)['alert_id']) for l in open(sys.argv[1])]" "$1"; }

# Kafka tests. start_devkafka [BROKERS [PARTITIONS [CONTROL_FIFO]]] (default 1 and 3): the mock
# cluster in the background; sets B (bootstrap servers) and dk (its pid). Its standard output,
# which also answers control commands, is $WORK/dk.out.
start_devkafka() {
  "$HEARTH" devkafka --brokers "${1:-1}" --partitions "${2:-3}" ${3:+--control "$3"} >"$WORK/dk.out" 2>"$WORK/dk.err" &
  dk=$!
  for _ in $(seq 100); do [ -s "$WORK/dk.out" ] && break; sleep 0.1; done
  B=$(head -1 "$WORK/dk.out")
  [[ "$B" == 127.0.0.1:* ]] || fail "devkafka printed no bootstrap servers: $(cat "$WORK/dk.err")"
}

# devkafka_fault FIFO COMMAND: one fault-injection command; waits for devkafka's "ok" answer.
devkafka_fault() {
  local before
  before=$(wc -l <"$WORK/dk.out")
  echo "$2" >"$1"
  for _ in $(seq 100); do
    [ "$(wc -l <"$WORK/dk.out")" -gt "$before" ] && break
    sleep 0.05
  done
  tail -1 "$WORK/dk.out" | grep -q '^ok ' || fail "devkafka refused '$2': $(tail -1 "$WORK/dk.out")"
}

# count TOPIC: messages on it now; wait_for TOPIC N SECONDS: until it holds at least N.
count() { kcat -C -b "$B" -t "$1" -e -q -f '%k\n' 2>/dev/null | wc -l; }
wait_for() {
  for _ in $(seq $(($3 * 5))); do [ "$(count "$1")" -ge "$2" ] && return 0; sleep 0.2; done
  return 1
}
