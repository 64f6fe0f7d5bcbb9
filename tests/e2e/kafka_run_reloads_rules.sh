# Live rule changes (issue 4, acceptance 5): hearth run reloads its pack on SIGHUP and, with
# --watch-rules, when the file changes. A broken pack is refused with its line and column and the
# old pack keeps raising alerts; a good one takes effect from the next event (its rule version on
# the alerts); every event is applied exactly once across the reloads and a restart.
source "$(dirname "$0")/lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed"
S=$SHARED/testdata/sample
[ -d "$S" ] || fail "no worked sample at $S"

start_devkafka 1 3
run_pid=
trap 'kill $dk $run_pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$HEARTH" ingest register --brokers "$B" "$S/register" 2>/dev/null
pack=$WORK/rules/pack.rules
mkdir -p "$WORK/rules"
cp "$RULES" "$pack"

start_run() {
  : >"$WORK/run.err"
  "$HEARTH" run --brokers "$B" --state "$WORK/state" --rules "$pack" --commit-ms 100 "$@" 2>"$WORK/run.err" &
  run_pid=$!
  said "register loaded" || fail "hearth run did not start: $(cat "$WORK/run.err")"
}
stop_run() {
  kill -TERM "$run_pid"
  wait "$run_pid" || fail "hearth run exited non-zero: $(tail -3 "$WORK/run.err")"
  run_pid=
}
said() { # PATTERN: waits up to 20 s for hearth run to log it
  for _ in $(seq 100); do grep -q "$1" "$WORK/run.err" && return 0; sleep 0.2; done
  return 1
}
# custody NOMS DAY: a new reception of the sample's first carer (children P00033, P00034) on
# 2026-12-DAY, produced by hearth ingest; waits for the parental_custody alert it raises and
# prints that alert's rule version.
produced=0
custody() {
  sed -n 1p "$S/feeds/custody.jsonl" |
    sed "s/2026-10-01T10:13:27.830768+01:00/2026-12-$2T10:00:00+00:00/; s/A8369BE/$1/g" >"$WORK/c.jsonl"
  "$HEARTH" ingest custody --brokers "$B" "$WORK/c.jsonl" 2>/dev/null || fail "ingest custody"
  produced=$((produced + 1))
  wait_for hearth.alerts.v1 "$produced" 20 || fail "no alert for the custody event $1"
  kcat -C -b "$B" -t hearth.alerts.v1 -e -q -f '%S:%s' | python3 "$ROOT/tests/tools/kcat_alert_ids.py" --versions |
    tail -1 | awk '{print $2}'
}
version_of() { # VERSION: the pack with parental_custody at that version
  awk -v v="$1" '/^rule parental_custody/ {r = 1} r && /^  version/ {sub(/[0-9]+/, v); r = 0} {print}' "$RULES"
}

# SIGHUP.
start_run
[ "$(custody Z1111AA 10)" = 1 ] || fail "the first alert should come from version 1"
sed '0,/when        children >= 1/s//when        childern >= 1/' "$RULES" >"$pack"
kill -HUP "$run_pid"
said "rules not reloaded (SIGHUP)" || fail "a broken pack was not refused: $(tail -3 "$WORK/run.err")"
grep -q "pack.rules:[0-9]*:[0-9]*: unknown fact 'childern' (did you mean 'children'?)" "$WORK/run.err" ||
  fail "the refusal should name the line and column: $(grep 'not reloaded' "$WORK/run.err")"
[ "$(custody Z2222AA 11)" = 1 ] || fail "after a refused reload the old pack should still run"
version_of 2 >"$pack"
kill -HUP "$run_pid"
said "rules reloaded (SIGHUP)" || fail "a good pack was not loaded: $(tail -3 "$WORK/run.err")"
[ "$(custody Z3333AA 12)" = 2 ] || fail "the next event after a reload should see the new pack"
stop_run
grep -q "3 events, 3 alerts, 0 dead letters, [0-9]* saves, 1 rule reloads (1 refused)" "$WORK/run.err" ||
  fail "the first run's figures: $(tail -1 "$WORK/run.err")"

# A watched file: editors replace it (write elsewhere, rename over it) or write it in place.
start_run --watch-rules
[ "$(custody Z4444AA 13)" = 2 ] || fail "a restart should run the pack in the file"
sed '0,/when        children >= 1/s//when        childern >= 1/' "$RULES" >"$WORK/rules/.pack.tmp"
mv "$WORK/rules/.pack.tmp" "$pack"
said "rules not reloaded (file changed)" || fail "a broken pack written over the watched one was not refused"
[ "$(custody Z5555AA 14)" = 2 ] || fail "after a refused reload the old pack should still run"
version_of 3 >"$pack"
said "rules reloaded (file changed)" || fail "a good pack written in place was not loaded: $(tail -3 "$WORK/run.err")"
[ "$(custody Z6666AA 15)" = 3 ] || fail "the next event after a reload should see the new pack"
stop_run
grep -q "3 events, 3 alerts, 0 dead letters, [0-9]* saves, 1 rule reloads (1 refused)" "$WORK/run.err" ||
  fail "the second run's figures (3 events: none applied twice after the restart): $(tail -1 "$WORK/run.err")"
[ "$(count hearth.alerts.v1)" -eq 6 ] || fail "$(count hearth.alerts.v1) alerts for 6 receptions"
kill -TERM $dk
wait $dk || true
