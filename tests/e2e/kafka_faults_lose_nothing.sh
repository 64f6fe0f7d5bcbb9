# Broker faults (issue 3, acceptance 5): while a synthetic LA's events stream through
# `hearth ingest feeds` and `hearth run`, the mock cluster's own fault injection takes brokers
# down and up and makes produce and fetch requests fail. Both retry: every event reaches the
# events topic exactly once, run applies each exactly once, and the alerts on hearth.alerts.v1
# are exactly replay's.
#
# One request in flight per connection, here only: librdkafka rightly treats a batch that timed
# out or whose connection dropped as possibly written, and when a later batch of the same
# idempotent producer then succeeds it infers that the earlier one was written too (a real broker
# refuses the later one as out of sequence until the earlier one is in). The mock cluster does not
# check idempotent producers' sequences (librdkafka 2.0.2, and still on its main branch), so with
# several requests in flight that inference can lose a batch there, and only there.
source "$(dirname "$0")/lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed"
families=120
is_sanitized && families=60
d=$WORK/la
"$HEARTH" synth --out "$d" --families $families --seed 6 --no-expected 2>/dev/null
replay_dir "$d" "$WORK/replay.jsonl" --default-la E09000007 --quiet
alert_ids "$WORK/replay.jsonl" | sort -u >"$WORK/replay.ids"
want=$(wc -l <"$WORK/replay.ids")
[ "$want" -gt 20 ] || fail "only $want alerts: the test would prove little"

ctl=$WORK/control
start_devkafka 3 4 "$ctl"
run_pid=
ing=
trap 'kill $run_pid $dk $ing 2>/dev/null || true; rm -rf "$WORK"' EXIT
fault() {
  devkafka_fault "$ctl" "$1"
  echo "$(date +%T.%N | cut -c1-12) $1"
}

# Clients reconnect within half a second of a broker's return (librdkafka's default backoff
# grows to 10 s); the reorder grace covers the longest outage below (3 s) plus that.
fast="-X reconnect.backoff.max.ms=500 -X max.in.flight.requests.per.connection=1"
"$HEARTH" ingest register --brokers "$B" $fast "$d/register" 2>/dev/null
"$HEARTH" run --brokers "$B" --state "$WORK/state" --rules "$RULES" --default-la E09000007 --commit-ms 100 \
  --grace-ms 8000 $fast 2>"$WORK/run.err" &
run_pid=$!
sleep 1.5
events=$(($(wc -l <"$d/feeds/attendance.csv") + $(wc -l <"$d/feeds/custody.jsonl")))
rate=$((events / 15))
"$HEARTH" ingest feeds --brokers "$B" --rate $rate $fast --feed custody="$d/feeds/custody.jsonl" \
  --feed inpatient="$d/feeds/inpatient.hl7" --feed nrpf="$d/feeds/nrpf.csv" \
  --feed attendance="$d/feeds/attendance.csv" 2>"$WORK/ingest.err" &
ing=$!

sleep 1.5
fault "errors produce 6 NOT_LEADER_FOR_PARTITION"
fault "errors fetch 6 NOT_LEADER_FOR_PARTITION"
sleep 1.5
fault "down 2"
sleep 3
fault "up 2"
sleep 1.5
fault "errors produce 4 REQUEST_TIMED_OUT"
fault "errors fetch 4 _TRANSPORT"
sleep 1.5
fault "down 1"
sleep 2.5
fault "up 1"
fault "errors produce 3 NOT_ENOUGH_REPLICAS"
fault "errors produce 3 KAFKA_STORAGE_ERROR"
wait $ing || fail "ingest failed under faults: $(tail -5 "$WORK/ingest.err")"
ing=
total=$(grep -o '[0-9]* records' "$WORK/ingest.err" | head -1 | awk '{print $1}')
[ -n "$total" ] && [ "$total" -gt 1000 ] || fail "ingest reported no record count: $(cat "$WORK/ingest.err")"

# hearth run holds each event up to the grace period for ordering, and a graceful stop does not
# apply what it still holds (a restart reads it again): give it the grace period to finish.
ids() { kcat -C -b "$B" -t hearth.alerts.v1 -e -q -f '%S:%s' | python3 "$ROOT/tests/tools/kcat_alert_ids.py"; }
for _ in $(seq 200); do
  [ "$(ids | sort -u | wc -l)" -ge "$want" ] && break
  sleep 0.2
done
sleep 9
kill -TERM $run_pid
wait $run_pid || fail "hearth run exited non-zero: $(tail -5 "$WORK/run.err")"
run_pid=

# Nothing lost, nothing doubled, at every hop.
kcat -C -b "$B" -t hearth.events.v1 -e -q -f '%S:%s' | python3 "$ROOT/tests/tools/kcat_event_ids.py" | sort >"$WORK/events"
on_topic=$(wc -l <"$WORK/events")
dups=$(uniq -d "$WORK/events" | wc -l)
applied=$(grep -o 'hearth run: [0-9]* register records, [0-9]* events' "$WORK/run.err" | tail -1 | awk '{print $6}')
echo "ingest produced $total events; $on_topic on hearth.events.v1; run applied $applied"
[ "$dups" -eq 0 ] || fail "$dups events are on hearth.events.v1 twice: $(uniq -d "$WORK/events" | head -3)"
[ "$on_topic" -eq "$total" ] || fail "the events topic holds $on_topic messages for $total produced"
[ "$applied" -eq "$total" ] || fail "hearth run applied $applied events of $total"
grep -q 'consumer: .*retrying\|fail\|down\|Disconnected\|refused' "$WORK/run.err" "$WORK/ingest.err" ||
  echo "(note: the clients logged no error: the faults may have landed between requests)"
ids | sort >"$WORK/live.all"
sort -u "$WORK/live.all" >"$WORK/live.ids"
echo "$want expected alerts; $(wc -l <"$WORK/live.all") alert messages, $(wc -l <"$WORK/live.ids") unique ids"
diff "$WORK/replay.ids" "$WORK/live.ids" || fail "under broker faults the alerts differ from replay's"
[ "$(wc -l <"$WORK/live.all")" -eq "$want" ] || fail "alerts were produced more than once without a crash"
kill -TERM $dk
wait $dk || true
