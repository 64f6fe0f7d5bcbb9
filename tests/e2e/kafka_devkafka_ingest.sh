# hearth devkafka + hearth ingest, checked with a real Kafka client (kcat): every record of the
# worked sample lands on its topic keyed by its identity, bad records land on the dead-letter
# topic, an unreachable cluster fails the ingest clearly, and devkafka stops on SIGTERM.
source "$(dirname "$0")/lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed (deploy/install-deps.sh installs it)"
S=$SHARED/testdata/sample
[ -d "$S" ] || fail "no worked sample at $S"

start_devkafka 1 3
trap 'kill $dk 2>/dev/null || true; rm -rf "$WORK"' EXIT


"$HEARTH" ingest register --brokers "$B" "$S/register" 2>"$WORK/ingest.err" || fail "register: $(cat "$WORK/ingest.err")"
persons=$(($(wc -l <"$S/register/persons.csv") - 1))
reg=$(count hearth.register.v1)
[ "$reg" -ge "$persons" ] || fail "register topic has $reg records, persons.csv alone has $persons"
kcat -C -b "$B" -t hearth.register.v1 -e -q -f '%k\n' >"$WORK/keys"
grep -q '^person|P00037$' "$WORK/keys" || fail "register keys are not record identities"
# A reviewer's decision (hearth review accept) goes on the register topic keyed by its case.
printf 'case_id,description,person_id,decision,decided_by,decided_at,note\r\nR0123456789ab,CHLOE|KNG|1990-03-04|NW57UD|F,P00037,accept,T. Lead,2026-11-20,"same person, checked"\r\n' \
  >"$WORK/link_decisions.csv"
"$HEARTH" ingest register --brokers "$B" "$WORK/link_decisions.csv" 2>"$WORK/ingest.err" || fail "decisions: $(cat "$WORK/ingest.err")"
[ "$(count hearth.register.v1)" -eq $((reg + 1)) ] || fail "the decision did not reach the register topic"
kcat -C -b "$B" -t hearth.register.v1 -e -q -f '%k\n' >"$WORK/keys2"
grep -q '^link_decision|R0123456789ab$' "$WORK/keys2" || fail "the decision is not keyed by its case"

"$HEARTH" ingest custody --brokers "$B" "$S/feeds/custody.jsonl" 2>"$WORK/ingest.err" || fail "custody: $(cat "$WORK/ingest.err")"
"$HEARTH" ingest nrpf --brokers "$B" <"$S/feeds/nrpf.csv" 2>"$WORK/ingest.err" || fail "nrpf from stdin: $(cat "$WORK/ingest.err")"
"$HEARTH" ingest inpatient --brokers "$B" "$S/feeds/inpatient.hl7" 2>"$WORK/ingest.err" || fail "inpatient: $(cat "$WORK/ingest.err")"
want=$(($(wc -l <"$S/feeds/custody.jsonl") + $(wc -l <"$S/feeds/nrpf.csv") - 1 + $(tr '\r' '\n' <"$S/feeds/inpatient.hl7" | grep -c '^MSH')))
got=$(count hearth.events.v1)
[ "$got" -eq "$want" ] || fail "events topic has $got records, the files have $want"
kcat -C -b "$B" -t hearth.events.v1 -e -q -f '%k\n' >"$WORK/keys"
grep -q '^noms|A8369BE$' "$WORK/keys" || fail "custody events are not keyed by prison number"

# Bad records go to the dead-letter topic; the good one beside them still goes through.
{ head -1 "$S/feeds/custody.jsonl"; echo '{"eventType": "nonsense"'; echo 'not json at all'; } >"$WORK/bad.jsonl"
"$HEARTH" ingest custody --brokers "$B" "$WORK/bad.jsonl" 2>"$WORK/ingest.err" || fail "a file with bad records must still succeed"
grep -q "1 records, 2 dead letters; 3 delivered" "$WORK/ingest.err" || fail "summary: $(cat "$WORK/ingest.err")"
[ "$(count hearth.deadletter.v1)" -eq 2 ] || fail "dead-letter topic should hold 2 records"
[ "$(count hearth.events.v1)" -eq $((want + 1)) ] || fail "the good record beside the bad ones was not produced"

# Unreachable cluster: exit 1 with a clear message, not a hang.
set +e
"$HEARTH" ingest custody --brokers 127.0.0.1:1 -X message.timeout.ms=1500 "$S/feeds/custody.jsonl" 2>"$WORK/ingest.err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "ingest to an unreachable cluster should exit 1, got $rc"
grep -q "not delivered" "$WORK/ingest.err" || fail "unclear error: $(cat "$WORK/ingest.err")"
"$HEARTH" ingest bogus --brokers "$B" x 2>/dev/null && fail "an unknown kind should fail" || true

kill -TERM $dk
for _ in $(seq 50); do kill -0 $dk 2>/dev/null || break; sleep 0.1; done
kill -0 $dk 2>/dev/null && fail "devkafka did not stop on SIGTERM"
wait $dk || fail "devkafka exited non-zero after SIGTERM"
