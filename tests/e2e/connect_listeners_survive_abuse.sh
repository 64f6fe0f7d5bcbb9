# Connector listeners under abuse (acceptance 6 of issue 6): random bytes, slowloris partial
# frames, a 100 MB frame, and TLS handshake garbage. The server closes the offenders (idle
# timeout, frame limit answered AR, bytes outside a frame, failed handshakes), its memory stays
# bounded, and a valid client is served AA (MLLP) and 202 (HTTPS) meanwhile and afterwards.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/tools/connect_lib.sh"
source "$ROOT/tests/tools/connect_certs.sh"
command -v curl >/dev/null || fail "curl is not installed"
need_hl7_client
dk= ci_pid= cc_pid= bg=
trap 'kill $bg $ci_pid $cc_pid $dk 2>/dev/null || true; rm -rf "$WORK"' EXIT
start_devkafka 1
make_certs "$WORK/certs"
C=$WORK/certs
start_connect ci inpatient --listen 127.0.0.1:0 --brokers "$B" --insecure --idle-ms 2000 --max-message 1048576
MP=$PORT
start_connect cc custody --listen 127.0.0.1:0 --brokers "$B" --cert "$C/server.pem" --key "$C/server.key" \
  --client-ca "$C/ca.pem" --allow HMPPS-CUSTODY --idle-ms 2000
HP=$PORT
abuse() { python3 "$ROOT/tests/tools/connect_abuse.py" "$@"; }
python3 "$ROOT/tests/tools/hl7_gen.py" 20 >"$WORK/valid.hl7"
valid_mllp() { # all 20 valid messages must get AA
  timeout 60 node "$ROOT/tests/tools/hl7_send.js" --port "$MP" --file "$WORK/valid.hl7" --conns 2 >"$WORK/v.acks" ||
    fail "the valid HL7 client failed ($1)"
  [ "$(grep -c '"code":"AA"' "$WORK/v.acks")" -eq 20 ] || fail "valid client not served ($1): $(head -2 "$WORK/v.acks")"
}
S=$SHARED/testdata/sample
head -1 "$S/feeds/custody.jsonl" >"$WORK/one.json"
valid_https() {
  local code
  code=$(curl -sS --max-time 20 --cacert "$C/ca.pem" --cert "$C/HMPPS-CUSTODY.pem" --key "$C/HMPPS-CUSTODY.key" \
    -H 'Content-Type: application/json' --data-binary @"$WORK/one.json" -o /dev/null -w '%{http_code}' \
    "https://localhost:$HP/") || true
  [ "$code" = 202 ] || fail "valid HTTPS client not served ($1): $code"
}
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

# Random bytes: every such connection is closed (bytes outside a frame).
r=$(abuse --port "$MP" --mode random --conns 50)
echo "$r"
[ "$(echo "$r" | python3 -c 'import json,sys; print(json.load(sys.stdin)["closed_by_server"])')" -eq 50 ] ||
  fail "random-byte connections should be closed: $r"
r=$(abuse --port "$HP" --mode random --conns 20)
echo "$r"

# Slowloris: 100 connections dribbling a frame for 6 s are closed by the 2 s idle timeout, while
# a valid client is served.
abuse --port "$MP" --mode slow --conns 100 --seconds 6 >"$WORK/slow.json" &
bg=$!
sleep 1
valid_mllp "during slowloris"
wait $bg
bg=
cat "$WORK/slow.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["closed_by_server"]==100, r' "$WORK/slow.json" ||
  fail "slowloris connections should be closed by the idle timeout: $(cat "$WORK/slow.json")"
grep -q "closing idle connection" "$WORK/ci.err" || fail "idle closes should be logged"

# 100 MB frame: answered AR at the 1 MiB limit and closed; memory stays bounded.
r=$(abuse --port "$MP" --mode big --mb 100)
echo "$r"
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["ack"]=="AR" and r["bytes_sent_before_close"] < (100<<20), r' "$r" ||
  fail "a 100 MB frame should be refused with AR before it is all sent: $r"
valid_mllp "after a 100 MB frame"

# TLS handshake garbage on the HTTPS listener; and a 100 MB body announced over HTTPS.
r=$(abuse --port "$HP" --mode tls --conns 25)
echo "$r"
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["closed_by_server"]==50, r' "$r" ||
  fail "TLS garbage connections should be closed: $r"
code=$(head -c 104857600 /dev/zero | curl -sS --max-time 30 --cacert "$C/ca.pem" --cert "$C/HMPPS-CUSTODY.pem" \
  --key "$C/HMPPS-CUSTODY.key" -H 'Content-Type: application/json' --data-binary @- -o /dev/null -w '%{http_code}' \
  "https://localhost:$HP/" 2>/dev/null) || true
[ "$code" = 413 ] || fail "a 100 MB body should get 413, got $code"
valid_https "after TLS garbage and a 100 MB body"

for p in "$ci_pid" "$cc_pid"; do
  kill -0 "$p" || fail "a connector died"
  h=$(hwm_kib "$p")
  echo "peak RSS of $p: $h KiB"
  [ "$h" -lt 150000 ] || fail "memory not bounded: peak RSS $h KiB"
done
kill -TERM "$ci_pid" "$cc_pid"
wait "$ci_pid" || fail "inpatient connector exit status"
wait "$cc_pid" || fail "custody connector exit status"
ci_pid= cc_pid=
