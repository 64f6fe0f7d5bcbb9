# hearth run on the mock cluster: the worked sample ingested with hearth ingest gives on
# hearth.alerts.v1 exactly the alerts hearth replay raises (same content-derived ids); bad input
# on the wire (garbage, a truncated protobuf, an unknown feed) is dead-lettered and the consumer
# carries on; a restart resumes from the saved offsets and raises nothing again.
source "$(dirname "$0")/lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed"
S=$SHARED/testdata/sample
[ -d "$S" ] || fail "no worked sample at $S"

start_devkafka 1 3
run_pid=
trap 'kill $dk $run_pid 2>/dev/null || true; rm -rf "$WORK"' EXIT

alerts() { kcat -C -b "$B" -t hearth.alerts.v1 -e -q -f '%S:%s' | python3 "$ROOT/tests/tools/kcat_alert_ids.py"; }
start_run() {
  "$HEARTH" run --brokers "$B" --state "$WORK/state" --rules "$RULES" --commit-ms 100 2>>"$WORK/run.err" &
  run_pid=$!
}
stop_run() {
  kill -TERM "$run_pid"
  wait "$run_pid" || fail "hearth run exited non-zero on SIGTERM: $(tail -3 "$WORK/run.err")"
  run_pid=
}

replay_dir "$S" "$WORK/replay.jsonl" --quiet
alert_ids "$WORK/replay.jsonl" | sort >"$WORK/replay.ids"
want=$(wc -l <"$WORK/replay.ids")

# The register first, then the four feeds as a live system receives them: in event-time order.
"$HEARTH" ingest register --brokers "$B" "$S/register" 2>/dev/null
"$HEARTH" ingest feeds --brokers "$B" --feed custody="$S/feeds/custody.jsonl" --feed inpatient="$S/feeds/inpatient.hl7" \
  --feed nrpf="$S/feeds/nrpf.csv" --feed attendance="$S/feeds/attendance.csv" 2>>"$WORK/ingest.err" || fail "ingest feeds"
# Garbage at the end of partition 0's backlog: it waits behind the events held for ordering,
# is dead-lettered in its turn, and its offset passes (checked after the restart below).
printf 'garbage behind the backlog' | kcat -P -b "$B" -t hearth.events.v1 -p 0
start_run
wait_for hearth.alerts.v1 "$want" 60 || fail "only $(count hearth.alerts.v1) of $want alerts after 60 s: $(tail -3 "$WORK/run.err")"
sleep 1
alerts | sort >"$WORK/live.ids"
diff "$WORK/replay.ids" "$WORK/live.ids" || fail "the live alerts differ from hearth replay's"

# Bad input on the wire.
kcat -C -b "$B" -t hearth.events.v1 -c 1 -e -q -f '%s' >"$WORK/one.bin"
head -c 20 "$WORK/one.bin" >"$WORK/truncated.bin"
printf '\x08\x63' >"$WORK/unknown_feed.bin"
printf 'this is not protobuf at all \xff\xfe' >"$WORK/garbage.bin"
for f in truncated.bin unknown_feed.bin garbage.bin; do kcat -P -b "$B" -t hearth.events.v1 -p 0 "$WORK/$f"; done
wait_for hearth.deadletter.v1 4 20 || fail "bad messages were not dead-lettered: $(count hearth.deadletter.v1)"
kcat -C -b "$B" -t hearth.deadletter.v1 -e -q -f '%s\n' >"$WORK/dl.txt"
grep -q "not an AgencyEvent" "$WORK/dl.txt" || fail "dead letters should say why"
grep -q "no feed" "$WORK/dl.txt" || fail "the unknown feed should be dead-lettered as such"
grep -qF "this is not protobuf at all" "$WORK/dl.txt" || fail "a dead letter should keep the message's bytes"
# ... and the consumer carries on: a new reception of a sample carer raises a new alert.
sed -n 1p "$S/feeds/custody.jsonl" | sed 's/2026-10-01T10:13:27.830768+01:00/2026-12-20T10:00:00+00:00/; s/A8369BE/Z9999ZZ/g' >"$WORK/new.jsonl"
"$HEARTH" ingest custody --brokers "$B" "$WORK/new.jsonl" 2>/dev/null
wait_for hearth.alerts.v1 $((want + 1)) 20 || fail "the consumer did not carry on after bad input"

# A real client produces a custody record: kcat sends a canonical AgencyEvent written by protoc
# from text (no Hearth code on that path); the broker alerts and kcat reads the alert back.
before=$(count hearth.alerts.v1)
cat >"$WORK/custody.txt" <<'TXT'
feed: FEED_CUSTODY
event_time_us: 1797760800000000
source: "kcat"
position: 1
la_code: "E06000023"
subject { nhs_number: "9998889111" date_of_birth: "1975-02-24" family_name: "JONES" family_name_norm: "JONES" }
custody { event_type: "prison-offender-events.prisoner.received" kind: CUSTODY_KIND_RECEIVED reason: "ADMISSION"
          effect: CUSTODY_EFFECT_STARTS noms_number: "K1234KC" }
TXT
protoc --proto_path="$ROOT/schemas" --encode=hearth.v1.AgencyEvent hearth/v1/event.proto \
  <"$WORK/custody.txt" >"$WORK/custody.bin" || fail "protoc could not encode the custody event"
kcat -P -b "$B" -t hearth.events.v1 -k 'noms|K1234KC' "$WORK/custody.bin"
wait_for hearth.alerts.v1 $((before + 1)) 20 || fail "no alert for the custody record kcat produced"
kcat -C -b "$B" -t hearth.alerts.v1 -e -q -f '%S:%s' | python3 "$ROOT/tests/tools/kcat_alert_ids.py" --summary >"$WORK/last.txt"
# The sample already raised one such alert (its own reception in October): this is the second.
[ "$(grep -c "^E06000023 parental_custody P00033,P00034$" "$WORK/last.txt")" -eq 2 ] ||
  fail "kcat did not read back the parental_custody alert for P00032's children: $(cat "$WORK/last.txt")"
stop_run

# Restart, this time from a configuration file (with a librdkafka property passed through):
# resumes from the saved offsets, raises nothing again.
before=$(count hearth.alerts.v1)
printf 'brokers = %s\nstate_dir = %s\nrules = %s\ncommit_ms = 100\nkafka.fetch.wait.max.ms = 20\n' \
  "$B" "$WORK/state" "$RULES" >"$WORK/hearth.conf"
"$HEARTH" run --config "$WORK/hearth.conf" 2>>"$WORK/run.err" &
run_pid=$!
sleep 3
stop_run
[ "$(count hearth.alerts.v1)" -eq "$before" ] || fail "a restart raised alerts again"
[ "$(count hearth.deadletter.v1)" -eq 4 ] || fail "a restart dead-lettered bad messages again: $(count hearth.deadletter.v1)"
kcat -C -b "$B" -t hearth.deadletter.v1 -e -q -f '%s\n' | grep -qF "garbage behind the backlog" ||
  fail "the dead letter of a message held for ordering should keep its bytes"
grep -q "register loaded (0 records)" "$WORK/run.err" || fail "the restart did not resume from saved offsets"
kill -TERM $dk
wait $dk || true
