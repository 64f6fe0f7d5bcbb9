# hearth connect inpatient (acceptance 1 of issue 6): a real HL7 client from the npm registry
# (node-hl7-client) sends the worked sample's ADT messages over MLLP and gets AA for each, with
# MSA-2 echoing its control id; a malformed message gets AE with the reason; the events carry
# the agency identity; hearth run turns them into exactly the alerts hearth replay raises from
# the same register and inpatient file, on hearth.alerts.v1.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/tools/connect_lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed"
S=$SHARED/testdata/sample
[ -d "$S" ] || fail "no worked sample at $S"
need_hl7_client

run_pid= ci_pid= dk=
trap 'kill $dk $run_pid $ci_pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
start_devkafka 1

# What replay raises from the register and the inpatient feed alone.
"$HEARTH" replay --register "$S/register" --rules "$RULES" --out "$WORK/replay.jsonl" --quiet \
  --feed inpatient="$S/feeds/inpatient.hl7"
alert_ids "$WORK/replay.jsonl" |
  sort >"$WORK/replay.ids"
want=$(wc -l <"$WORK/replay.ids")
[ "$want" -ge 1 ] || fail "the sample's inpatient feed should raise at least one alert"

"$HEARTH" ingest register --brokers "$B" "$S/register" 2>/dev/null
"$HEARTH" run --brokers "$B" --state "$WORK/state" --rules "$RULES" --commit-ms 100 2>>"$WORK/run.err" &
run_pid=$!
start_connect ci inpatient --listen 127.0.0.1:0 --brokers "$B" --insecure --agency RX1-PAS

# The sample's messages, then one with an impossible date of birth.
python3 - "$S/feeds/inpatient.hl7" >"$WORK/send.hl7" <<'PY'
import re, sys
segs = [s for s in re.split(r'\r\n|\r|\n', open(sys.argv[1], encoding='utf-8').read()) if s.strip()]
msgs, cur = [], []
for s in segs:
    if s.startswith('MSH') and cur:
        msgs.append(cur); cur = []
    cur.append(s)
msgs.append(cur)
bad = ['MSH|^~\\&|PAS|RX1|HEARTH|LA|202611200930||ADT^A01|BADDOB01|P|2.4', 'EVN|A01|202611200930',
       'PID|1||9993303828^^^NHS^NH||MORGAN^PRIYA||19881399|F',
       '|'.join(['PV1', '1', 'I', 'W1'] + [''] * 6 + ['710'] + [''] * 8 + ['V777'])]  # PV1-10 710, PV1-19 V777
sys.stdout.write(''.join('\r'.join(m) + '\r' for m in msgs + [bad]))
PY
nmsg=$(grep -c '^MSH' <(tr '\r' '\n' <"$WORK/send.hl7"))
timeout 120 node "$ROOT/tests/tools/hl7_send.js" --port "$PORT" --file "$WORK/send.hl7" >"$WORK/acks.jsonl" ||
  fail "the HL7 client failed"
[ "$(wc -l <"$WORK/acks.jsonl")" -eq "$nmsg" ] || fail "expected $nmsg ACKs: $(cat "$WORK/acks.jsonl")"
python3 - "$WORK/acks.jsonl" <<'PY' || fail "wrong ACKs: $(cat "$WORK/acks.jsonl")"
import json, sys
acks = [json.loads(l) for l in open(sys.argv[1])]
for a in acks:
    assert a['ack_control'] == a['control'], a           # MSA-2 echoes MSH-10
    if a['control'] == 'BADDOB01':
        assert a['code'] == 'AE' and 'bad_date' in a['text'] and 'PID-7' in a['text'], a
    else:
        assert a['code'] == 'AA', a
PY
# The accepted events are on Kafka, tagged with the agency; the bad one is dead-lettered.
[ "$(count hearth.events.v1)" -eq $((nmsg - 1)) ] || fail "expected $((nmsg - 1)) events, got $(count hearth.events.v1)"
[ "$(count hearth.deadletter.v1)" -eq 1 ] || fail "the malformed message should be dead-lettered once"
kcat -C -b "$B" -t hearth.events.v1 -c 1 -e -q -f '%s' >"$WORK/one.bin"
protoc --proto_path="$ROOT/schemas" --decode=hearth.v1.AgencyEvent hearth/v1/event.proto <"$WORK/one.bin" |
  grep -q 'agency: "RX1-PAS"' || fail "events should carry the agency identity"

wait_for hearth.alerts.v1 "$want" 60 || fail "only $(count hearth.alerts.v1) of $want alerts: $(tail -3 "$WORK/run.err")"
sleep 1
kcat -C -b "$B" -t hearth.alerts.v1 -e -q -f '%S:%s' | python3 "$ROOT/tests/tools/kcat_alert_ids.py" | sort >"$WORK/live.ids"
diff "$WORK/replay.ids" "$WORK/live.ids" || fail "the alerts from MLLP differ from hearth replay's"

kill -TERM "$ci_pid"
wait "$ci_pid" || fail "hearth connect exited non-zero on SIGTERM: $(tail -3 "$WORK/ci.err")"
ci_pid=
grep -q "answered $((nmsg - 1)) accepted, 1 errors" "$WORK/ci.err" || fail "summary: $(tail -2 "$WORK/ci.err")"
kill -TERM "$run_pid"
wait "$run_pid" || true
run_pid=
