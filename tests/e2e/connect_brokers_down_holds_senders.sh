# hearth connect inpatient with the mock cluster's brokers down for 10 seconds (acceptance 4 of
# issue 6): MLLP senders get no ACK while Kafka cannot take their messages (the connector holds
# them, within its bound, instead of answering early or dropping them), and are acknowledged AA
# once the brokers are back; every message is on hearth.events.v1 exactly once.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/tools/connect_lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed"
need_hl7_client
dk= ci_pid= snd=
trap 'kill $snd $ci_pid $dk 2>/dev/null || true; rm -rf "$WORK"' EXIT
ctl=$WORK/control
start_devkafka 1 3 "$ctl"
fault() { devkafka_fault "$ctl" "$1"; }
# Reconnect within half a second of the brokers' return (librdkafka's backoff grows to 10 s). A
# bound of 10 records awaiting Kafka: 20 senders reach it while the brokers are down, and every
# connection must then stop reading (back-pressure) rather than buffer.
start_connect ci inpatient --listen 127.0.0.1:0 --brokers "$B" --insecure -X reconnect.backoff.max.ms=500 \
  --max-outstanding 10

python3 "$ROOT/tests/tools/hl7_gen.py" 41 >"$WORK/all.hl7"
python3 - "$WORK/all.hl7" "$WORK/first.hl7" "$WORK/rest.hl7" <<'PY'
import sys
msgs = ['MSH' + m for m in open(sys.argv[1], newline='').read().split('MSH') if m]
open(sys.argv[2], 'w', newline='').write(msgs[0])
open(sys.argv[3], 'w', newline='').write(''.join(msgs[1:]))
PY
send() { timeout 120 node "$ROOT/tests/tools/hl7_send.js" --port "$PORT" --timeout-ms 60000 "$@"; }
send --file "$WORK/first.hl7" >"$WORK/first.acks" || fail "the first message"
grep -q '"code":"AA"' "$WORK/first.acks" || fail "the first message should be accepted: $(cat "$WORK/first.acks")"

fault "down 1"
t_down=$(date +%s%N)
send --file "$WORK/rest.hl7" --conns 20 >"$WORK/rest.acks" &
snd=$!
sleep 5
[ ! -s "$WORK/rest.acks" ] || fail "ACKs were sent while Kafka was down: $(head -2 "$WORK/rest.acks")"
kill -0 "$snd" 2>/dev/null || fail "the senders should still be waiting for their ACKs"
grep -q "10 records awaiting Kafka: every connection stops reading" "$WORK/ci.err" ||
  fail "the listener should stop reading at the bound: $(tail -3 "$WORK/ci.err")"
sleep 5
fault "up 1"
t_up=$(date +%s%N)
wait "$snd" || fail "the senders failed"
snd=
[ "$(grep -c '"code":"AA"' "$WORK/rest.acks")" -eq 40 ] || fail "every held message should get AA: $(sort "$WORK/rest.acks" | uniq -c | head)"
# The first ACK came after the brokers' return, i.e. the senders were held for the whole outage.
python3 - "$WORK/rest.acks" $(((t_up - t_down) / 1000000)) <<'PY' || fail "ACK times: $(head -3 "$WORK/rest.acks")"
import json, sys
acks = [json.loads(l) for l in open(sys.argv[1])]
outage_ms = int(sys.argv[2])
first = min(a['acked_ms'] for a in acks)
assert first >= outage_ms - 1500, (first, outage_ms)  # the sender started ~0.1 s after "down"
print(f'held {first} ms of a {outage_ms} ms outage; {len(acks)} AA')
PY
grep -q "Kafka caught up .*: reading again" "$WORK/ci.err" || fail "the listener should read again"
wait_for hearth.events.v1 41 20 || fail "only $(count hearth.events.v1) of 41 events"
sleep 1
[ "$(count hearth.events.v1)" -eq 41 ] || fail "expected exactly 41 events, got $(count hearth.events.v1)"
kill -TERM "$ci_pid"
wait "$ci_pid" || fail "connector exit status"
ci_pid=
