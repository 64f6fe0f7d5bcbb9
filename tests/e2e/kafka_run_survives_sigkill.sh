# Crash safety (issue 3): hearth run is killed with SIGKILL at random moments (12 times) while a
# synthetic LA's events stream in, and restarted each time. At the end every alert hearth replay
# raises on the same inputs is on hearth.alerts.v1, and no other: exactly the same set of alert
# ids (a batch replayed after a crash produces the same ids again; consumers de-duplicate on it).
source "$(dirname "$0")/lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed"
RANDOM=20261123 # reproducible kill times
families=120
is_sanitized && families=60
d=$WORK/la
"$HEARTH" synth --out "$d" --families $families --seed 5 --no-expected 2>/dev/null
replay_dir "$d" "$WORK/replay.jsonl" --default-la E09000007 --quiet
alert_ids "$WORK/replay.jsonl" | sort -u >"$WORK/replay.ids"
want=$(wc -l <"$WORK/replay.ids")
[ "$want" -gt 20 ] || fail "only $want alerts: the test would prove little"

start_devkafka 1 4
run_pid=
ing=
trap 'kill -9 $run_pid 2>/dev/null || true; kill $dk $ing 2>/dev/null || true; rm -rf "$WORK"' EXIT

# The reorder grace (1 s): a partition that has caught up may yet receive an event earlier than
# one held elsewhere (the producer sends each partition's batch on its own), and the state can
# only equal replay's if events are applied in replay's order.
start_run() {
  "$HEARTH" run --brokers "$B" --state "$WORK/state" --rules "$RULES" --default-la E09000007 --commit-ms 50 \
    --grace-ms 1000 2>>"$WORK/run.err" &
  run_pid=$!
}
ids() { kcat -C -b "$B" -t hearth.alerts.v1 -e -q -f '%S:%s' | python3 "$ROOT/tests/tools/kcat_alert_ids.py"; }

"$HEARTH" ingest register --brokers "$B" "$d/register" 2>/dev/null
events=$(($(wc -l <"$d/feeds/attendance.csv") + $(wc -l <"$d/feeds/custody.jsonl")))
rate=$((events / 16)) # about sixteen seconds of flow, across all the kills
"$HEARTH" ingest feeds --brokers "$B" --rate $rate --feed custody="$d/feeds/custody.jsonl" \
  --feed inpatient="$d/feeds/inpatient.hl7" --feed nrpf="$d/feeds/nrpf.csv" \
  --feed attendance="$d/feeds/attendance.csv" 2>"$WORK/ingest.err" &
ing=$!

kills=0
for i in $(seq 12); do
  start_run
  # A restart needs about a second before its first events (consumer start-up); kill between
  # 0.9 and 2 s so that each run may do and save some work, or die in the middle of it.
  sleep "$((RANDOM % 2)).$((RANDOM % 10))$((RANDOM % 10))"
  sleep 0.9
  kill -9 $run_pid 2>/dev/null && kills=$((kills + 1))
  wait $run_pid 2>/dev/null || true
done
wait $ing || fail "ingest failed: $(cat "$WORK/ingest.err")"
[ $kills -ge 10 ] || fail "only $kills kills landed"

start_run
for _ in $(seq 150); do
  [ "$(ids | sort -u | wc -l)" -ge "$want" ] && break
  sleep 0.2
done
sleep 1
kill -TERM $run_pid
wait $run_pid || fail "hearth run exited non-zero on SIGTERM"
run_pid=
# The killed runs must have done work that was saved: the last run applies only the rest.
final=$(grep -o 'hearth run: [0-9]* register records, [0-9]* events' "$WORK/run.err" | tail -1 | awk '{print $6}')
total=$(grep -o '[0-9]* records' "$WORK/ingest.err" | head -1 | awk '{print $1}')
echo "the last run applied $final of $total events"
[ "$final" -lt "$total" ] || fail "the killed runs saved no progress: the kills proved nothing"
ids | sort >"$WORK/live.all"
sort -u "$WORK/live.all" >"$WORK/live.ids"
echo "$kills kills; $want expected alerts; $(wc -l <"$WORK/live.all") alert messages, $(wc -l <"$WORK/live.ids") unique ids"
diff "$WORK/replay.ids" "$WORK/live.ids" || fail "after $kills kills the alerts differ from an uninterrupted replay"

# ... and the state equals an uninterrupted run's: the same entries, byte for byte.
replay_dir "$d" /dev/null --default-la E09000007 --quiet --state "$WORK/replay-state"
"$HEARTH" state dump "$WORK/state" >"$WORK/live.state"
"$HEARTH" state dump "$WORK/replay-state" >"$WORK/replay.state"
[ -s "$WORK/live.state" ] || fail "no state was saved"
cmp "$WORK/live.state" "$WORK/replay.state" || fail "after $kills kills the saved state differs from an uninterrupted run's ($(diff "$WORK/live.state" "$WORK/replay.state" | wc -l) lines)"
kill -TERM $dk
wait $dk || true
