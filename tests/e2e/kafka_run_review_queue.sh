# The probabilistic tier and its review queue in hearth run: on a `synth --messy` set ingested
# onto the mock cluster (one partition, so the order is replay's), hearth run with link_params
# raises exactly the alerts hearth replay raises with --link-params and opens exactly the same
# review cases; a decision put on the register topic (hearth ingest register link_decisions.csv)
# is taken into the running broker's state. (issue 5: review queue; issue 3: run equals replay)
source "$(dirname "$0")/lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed"
families=80
is_sanitized && families=60
"$HEARTH" synth --out "$WORK/la" --families $families --seed 11 --messy --no-expected >/dev/null 2>&1 || fail "synth"
L=$WORK/la
"$HEARTH" replay --register "$L/register" --rules "$RULES" --out "$WORK/replay.jsonl" --state "$WORK/replay-state" \
  --link-params default --feed custody="$L/feeds/custody.jsonl" --feed inpatient="$L/feeds/inpatient.hl7" \
  --feed attendance="$L/feeds/attendance.csv" --feed nrpf="$L/feeds/nrpf.csv" --quiet || fail "replay"
alert_ids "$WORK/replay.jsonl" | sort >"$WORK/replay.ids"
want=$(wc -l <"$WORK/replay.ids")
"$HEARTH" review list --state "$WORK/replay-state" >"$WORK/replay.cases" 2>/dev/null || fail "review list (replay)"
[ -s "$WORK/replay.cases" ] || fail "the replay opened no review case"

start_devkafka 1 1
run_pid=
trap 'kill $dk $run_pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$HEARTH" ingest register --brokers "$B" "$L/register" 2>/dev/null || fail "ingest register"
"$HEARTH" ingest feeds --brokers "$B" --feed custody="$L/feeds/custody.jsonl" --feed inpatient="$L/feeds/inpatient.hl7" \
  --feed nrpf="$L/feeds/nrpf.csv" --feed attendance="$L/feeds/attendance.csv" 2>/dev/null || fail "ingest feeds"
printf 'brokers = %s\nstate_dir = %s\nrules = %s\nlink_params = default\ncommit_ms = 100\n' "$B" "$WORK/state" \
  "$RULES" >"$WORK/run.conf"
start_run() {
  "$HEARTH" run --config "$WORK/run.conf" 2>>"$WORK/run.err" &
  run_pid=$!
}
stop_run() {
  kill -TERM "$run_pid"
  wait "$run_pid" || fail "hearth run exited non-zero on SIGTERM: $(tail -3 "$WORK/run.err")"
  run_pid=
}
start_run
wait_for hearth.alerts.v1 "$want" 120 || fail "only $(count hearth.alerts.v1) of $want alerts: $(tail -3 "$WORK/run.err")"
sleep 1
stop_run
kcat -C -b "$B" -t hearth.alerts.v1 -e -q -f '%S:%s' | python3 "$ROOT/tests/tools/kcat_alert_ids.py" | sort >"$WORK/live.ids"
diff "$WORK/replay.ids" "$WORK/live.ids" >/dev/null || fail "hearth run's alerts differ from replay's with the tier"
"$HEARTH" review list --state "$WORK/state" >"$WORK/run.cases" 2>/dev/null || fail "review list (run)"
cmp -s "$WORK/replay.cases" "$WORK/run.cases" || fail "hearth run opened other review cases than replay"

# A decision on the register topic reaches the running broker's state.
case_id=$(awk '/^R/ {print $1; exit}' "$WORK/run.cases")
mkdir -p "$WORK/decisions"
"$HEARTH" review accept "$case_id" --state "$WORK/state" --register "$WORK/decisions" --by "T. Lead" >/dev/null ||
  fail "review accept"
"$HEARTH" ingest register --brokers "$B" "$WORK/decisions/link_decisions.csv" 2>/dev/null || fail "ingest the decision"
start_run
for _ in $(seq 100); do
  "$HEARTH" review list --state "$WORK/state" --all 2>/dev/null | grep -q "^$case_id  accepted" && break
  sleep 0.2
done
stop_run
"$HEARTH" review list --state "$WORK/state" --all 2>/dev/null | grep -q "^$case_id  accepted" ||
  fail "the running broker did not take the decision into its state"
"$HEARTH" review list --state "$WORK/state" 2>/dev/null | grep -q "^$case_id " && fail "a decided case is still open"
exit 0
