# hearth connect custody over HTTPS with client certificates (acceptance 2 of issue 6, and TLS on
# every listener): curl posts custody JSON with an allowed agency certificate and gets 202 once
# the events are on Kafka, tagged with the certificate's CN; a batch with a bad record gets 400
# naming it, and nothing of that batch is taken; a certificate from the same CA whose CN is not
# allowed, and no certificate at all, are refused. The MLLP listener speaks the same TLS: the
# npm HL7 client sends over mutual TLS and gets AA. Plain TCP needs --insecure.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/tools/connect_lib.sh"
source "$ROOT/tests/tools/connect_certs.sh"
command -v curl >/dev/null || fail "curl is not installed"
command -v openssl >/dev/null || fail "openssl is not installed"
dk= cc_pid= ci_pid= cn_pid=
trap 'kill $cc_pid $ci_pid $cn_pid $dk 2>/dev/null || true; rm -rf "$WORK"' EXIT
start_devkafka 1
C=$WORK/certs
make_certs "$C"

# Without a certificate and without --insecure a listener does not start.
if "$HEARTH" connect custody --listen 127.0.0.1:0 --brokers "$B" 2>"$WORK/noTLS.err"; then
  fail "a listener without TLS should need --insecure"
fi
grep -q -- "--insecure" "$WORK/noTLS.err" || fail "the refusal should say how: $(cat "$WORK/noTLS.err")"

start_connect cc custody --listen 127.0.0.1:0 --brokers "$B" --cert "$C/server.pem" --key "$C/server.key" \
  --client-ca "$C/ca.pem" --allow HMPPS-CUSTODY
post() { # CERT FILE -> prints the HTTP status, body in $WORK/resp.json
  local cert=()
  [ -n "$1" ] && cert=(--cert "$C/$1.pem" --key "$C/$1.key")
  curl -sS --max-time 20 --cacert "$C/ca.pem" "${cert[@]}" -H 'Content-Type: application/json' \
    --data-binary @"$2" -o "$WORK/resp.json" -w '%{http_code}' "https://localhost:$PORT/v1/custody"
}
S=$SHARED/testdata/sample
[ -d "$S" ] || fail "no worked sample at $S"
# A batch: the sample's first three custody events as a JSON array; one event on its own.
python3 -c "
import json,sys
lines=[json.loads(l) for l in open(sys.argv[1]) if l.strip()][:3]
json.dump(lines, open(sys.argv[2],'w'), indent=2)
json.dump(lines[0], open(sys.argv[3],'w'))
bad=list(lines); bad[1]=dict(bad[1], occurredAt='2026-13-45T10:00:00Z')
json.dump(bad, open(sys.argv[4],'w'))" "$S/feeds/custody.jsonl" "$WORK/batch.json" "$WORK/one.json" "$WORK/bad.json"

code=$(post HMPPS-CUSTODY "$WORK/batch.json") || fail "curl could not post with an allowed certificate"
[ "$code" = 202 ] || fail "expected 202, got $code: $(cat "$WORK/resp.json")"
grep -q '"accepted":3' "$WORK/resp.json" || fail "202 should say 3 accepted: $(cat "$WORK/resp.json")"
[ "$(count hearth.events.v1)" -eq 3 ] || fail "the 3 events should be on Kafka when 202 is answered"
code=$(post HMPPS-CUSTODY "$WORK/one.json")
[ "$code" = 202 ] && [ "$(count hearth.events.v1)" -eq 4 ] || fail "one event: $code $(cat "$WORK/resp.json")"
kcat -C -b "$B" -t hearth.events.v1 -c 1 -e -q -f '%s' >"$WORK/ev.bin"
protoc --proto_path="$ROOT/schemas" --decode=hearth.v1.AgencyEvent hearth/v1/event.proto <"$WORK/ev.bin" |
  grep -q 'agency: "HMPPS-CUSTODY"' || fail "events should carry the certificate's agency identity"

code=$(post HMPPS-CUSTODY "$WORK/bad.json")
[ "$code" = 400 ] || fail "a batch with a bad record should get 400, got $code"
python3 -c "
import json,sys
r=json.load(open(sys.argv[1]))
assert r['accepted']==0 and len(r['errors'])==1, r
e=r['errors'][0]
assert e['index']==1 and e['reason']=='bad_time' and e['field']=='occurredAt', e" "$WORK/resp.json" ||
  fail "400 should name the record and its reason: $(cat "$WORK/resp.json")"
[ "$(count hearth.events.v1)" -eq 4 ] || fail "nothing of a refused batch may be taken"
printf '{"eventType":' >"$WORK/notjson.json"
[ "$(post HMPPS-CUSTODY "$WORK/notjson.json")" = 400 ] || fail "a body that is not JSON should get 400"

# Refused: a certificate from the same CA whose CN is not allowed; no certificate at all.
if code=$(post ROGUE "$WORK/one.json" 2>"$WORK/rogue.err") && [ "$code" = 202 ]; then fail "ROGUE was accepted"; fi
if code=$(post "" "$WORK/one.json" 2>"$WORK/nocert.err") && [ "$code" = 202 ]; then fail "no certificate was accepted"; fi
[ "$(count hearth.events.v1)" -eq 4 ] || fail "refused posts must not produce events"
grep -q "CN 'ROGUE' is not an allowed agency" "$WORK/cc.err" || fail "the refusal should be logged: $(tail -3 "$WORK/cc.err")"

# NRPF records in the same shape: objects keyed by the NRPF CSV columns (numbers allowed).
start_connect cn nrpf --listen 127.0.0.1:0 --brokers "$B" --cert "$C/server.pem" --key "$C/server.key" \
  --client-ca "$C/ca.pem" --allow HMPPS-CUSTODY
cat >"$WORK/nrpf.json" <<'JSON'
[{"record_id":"NRJ001","la_code":"E09000007","nhs_number":"9992028629","given_name":"CHLOE","family_name":"GREEN",
  "date_of_birth":"1987-01-28","postcode":"NW5 6SP","status":"nrpf","effective_date":"2026-09-23","dependants":2,
  "household_type":"family, \"with\" quotes","immigration_status":null},
 {"record_id":"NRJ002","status":"recourse","effective_date":"2026-10-01"}]
JSON
before=$(count hearth.events.v1)
code=$(curl -sS --max-time 20 --cacert "$C/ca.pem" --cert "$C/HMPPS-CUSTODY.pem" --key "$C/HMPPS-CUSTODY.key" \
  -H 'Content-Type: application/json' --data-binary @"$WORK/nrpf.json" -o "$WORK/resp.json" -w '%{http_code}' \
  "https://localhost:$PORT/v1/nrpf")
[ "$code" = 202 ] && grep -q '"accepted":2' "$WORK/resp.json" || fail "NRPF JSON: $code $(cat "$WORK/resp.json")"
[ "$(count hearth.events.v1)" -eq $((before + 2)) ] || fail "the 2 NRPF events should be on Kafka"
printf '{"record_id":"NRJ003","status":"maybe","effective_date":"2026-10-01"}' >"$WORK/nrpf_bad.json"
code=$(curl -sS --max-time 20 --cacert "$C/ca.pem" --cert "$C/HMPPS-CUSTODY.pem" --key "$C/HMPPS-CUSTODY.key" \
  -H 'Content-Type: application/json' --data-binary @"$WORK/nrpf_bad.json" -o "$WORK/resp.json" -w '%{http_code}' \
  "https://localhost:$PORT/")
[ "$code" = 400 ] && grep -q '"reason":"unknown_status","field":"status"' "$WORK/resp.json" ||
  fail "a bad NRPF status should get 400 naming it: $code $(cat "$WORK/resp.json")"
kill -TERM "$cn_pid"
wait "$cn_pid" || fail "nrpf connector exit status"

# MLLP over mutual TLS with the npm HL7 client.
need_hl7_client
start_connect ci inpatient --listen 127.0.0.1:0 --brokers "$B" --cert "$C/server.pem" --key "$C/server.key" \
  --client-ca "$C/ca.pem" --allow "RX1-PAS"
printf 'MSH|^~\\&|PAS|RX1|HEARTH|LA|202609240930||ADT^A01|TLS0001|P|2.4\rEVN|A01|202609240930\rPID|1||9993303828^^^NHS^NH||MORGAN^PRIYA||19880406|F\rPV1|1|I|W1|||||||710|||||||||V1\r' >"$WORK/one.hl7"
timeout 60 node "$ROOT/tests/tools/hl7_send.js" --port "$PORT" --file "$WORK/one.hl7" --ca "$C/ca.pem" \
  --cert "$C/RX1-PAS.pem" --key "$C/RX1-PAS.key" >"$WORK/acks.jsonl" || fail "the HL7 client failed over TLS"
grep -q '"control":"TLS0001","code":"AA","ack_control":"TLS0001"' "$WORK/acks.jsonl" || fail "TLS ACK: $(cat "$WORK/acks.jsonl")"
kcat -C -b "$B" -t hearth.events.v1 -e -q -f '%s\n' | grep -a -q "RX1-PAS" || fail "the MLLP event should carry RX1-PAS"
kill -TERM "$cc_pid" "$ci_pid"
wait "$cc_pid" || fail "custody connector exit status"
wait "$ci_pid" || fail "inpatient connector exit status"
cc_pid= ci_pid=
