# hearth run --archive on the mock cluster: the live broker archives every register record and
# event it applies; a backtest of that archive raises exactly the alerts the broker raised (same
# ids); a restart archives nothing again, and neither does a restart that has lost its saved
# offsets, so that Kafka delivers everything again (as after a crash before the first save).
source "$(dirname "$0")/lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed"
S=$SHARED/testdata/sample
[ -d "$S" ] || fail "no worked sample at $S"

start_devkafka 1 3
run_pid=
trap 'kill $dk $run_pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
start_run() {
  "$HEARTH" run --brokers "$B" --state "$WORK/state" --rules "$RULES" --commit-ms 100 --archive "$WORK/archive" \
    2>>"$WORK/run.err" &
  run_pid=$!
}
stop_run() {
  kill -TERM "$run_pid"
  wait "$run_pid" || fail "hearth run exited non-zero on SIGTERM: $(tail -3 "$WORK/run.err")"
  run_pid=
}
settle() { # waits until the run has applied N events (its log line on stop says so) or 60 s
  for _ in $(seq 300); do [ "$(count hearth.alerts.v1)" -ge "$1" ] && break; sleep 0.2; done
  sleep 1
}
archived() { "$HEARTH" archive check "$WORK/archive" | sed -n 's/.* ok: [0-9]* segments with records, \(.*\); events.*/\1/p'; }

replay_dir "$S" "$WORK/replay.jsonl" --quiet
want=$(wc -l <"$WORK/replay.jsonl")
"$HEARTH" ingest register --brokers "$B" "$S/register" 2>/dev/null
"$HEARTH" ingest feeds --brokers "$B" --feed custody="$S/feeds/custody.jsonl" --feed inpatient="$S/feeds/inpatient.hl7" \
  --feed nrpf="$S/feeds/nrpf.csv" --feed attendance="$S/feeds/attendance.csv" 2>/dev/null || fail "ingest feeds"
start_run
settle "$want"
stop_run
kcat -C -b "$B" -t hearth.alerts.v1 -e -q -f '%S:%s' | python3 "$ROOT/tests/tools/kcat_alert_ids.py" | sort >"$WORK/live.ids"
[ "$(wc -l <"$WORK/live.ids")" -ge "$want" ] || fail "only $(wc -l <"$WORK/live.ids") of $want alerts live"
first=$(archived)
[ -n "$first" ] || fail "the archive does not check"

"$HEARTH" rules backtest --archive "$WORK/archive" --rules "$RULES" --alerts "$WORK/bt.jsonl" >/dev/null || fail "backtest"
alert_ids "$WORK/bt.jsonl" | sort >"$WORK/bt.ids"
diff "$WORK/live.ids" "$WORK/bt.ids" || fail "the backtest of the live archive differs from the live alerts"

# A restart: nothing new. A restart without saved offsets: everything delivered again.
start_run
sleep 3
stop_run
[ "$(archived)" = "$first" ] || fail "a restart archived again: $(archived) vs $first"
rm -rf "$WORK/state"
start_run
for _ in $(seq 100); do grep -q 'consuming' "$WORK/run.err" && break; sleep 0.2; done
events=${first%% events*}
for _ in $(seq 150); do
  kill -0 "$run_pid" 2>/dev/null || break
  [ "$(count hearth.alerts.v1)" -ge $((2 * want)) ] && break # the alerts raised again (same ids)
  sleep 0.2
done
sleep 2
stop_run
again=$(tail -1 "$WORK/run.err" | sed -n 's/^hearth run: [0-9]* register records, \([0-9]*\) events.*/\1/p')
[ "${again:-0}" -ge "$events" ] || fail "the run without offsets applied ${again:-0} of $events events: not a redelivery"
[ "$(archived)" = "$first" ] || fail "redelivered events were archived again: $(archived) vs $first"
echo "ok: $first; $(wc -l <"$WORK/bt.ids") alerts equal"
