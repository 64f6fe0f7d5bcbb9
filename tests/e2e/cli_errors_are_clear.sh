# The command line explains itself and fails clearly.
source "$(dirname "$0")/lib.sh"
"$HEARTH" --help | grep -q "replay" || fail "hearth --help does not list replay"
"$HEARTH" replay --help | grep -q -- "--feed KIND=FILE" || fail "replay --help does not explain --feed"
set +e
"$HEARTH" replay --register /nonexistent --rules "$RULES" --out "$WORK/x" 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] || fail "a missing register should exit 1, got $rc"
grep -q "/nonexistent/persons.csv" "$WORK/err" || fail "the error should name the missing file: $(cat "$WORK/err")"
[ ! -e "$WORK/x" ] && [ ! -e "$WORK/x.partial" ] || fail "a failed replay must leave no output file behind"
mkdir -p "$WORK/reg" && printf 'person_id,la_code\nP1,E09000007\n' >"$WORK/reg/persons.csv" && printf 'person_id,related_person_id,relationship\n' >"$WORK/reg/relationships.csv"
"$HEARTH" replay --register "$WORK/reg" --rules "$RULES" --out "$WORK/x" --feed custody=/nonexistent.jsonl 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] && grep -q "/nonexistent.jsonl" "$WORK/err" || fail "a missing feed should exit 1 naming it: $(cat "$WORK/err")"
[ ! -e "$WORK/x" ] && [ ! -e "$WORK/x.partial" ] || fail "a failed replay must leave no output file behind"
# A device or pipe as output is written, never renamed over (think of /dev/null).
mkfifo "$WORK/fifo"
cat "$WORK/fifo" >"$WORK/from-fifo" &
"$HEARTH" replay --register "$WORK/reg" --rules "$RULES" --out "$WORK/fifo" --quiet || fail "replay to a FIFO failed"
wait
[ -p "$WORK/fifo" ] || fail "the FIFO given as --out was replaced by a file"
[ ! -e "$WORK/fifo.partial" ] || fail "a .partial file was left beside a FIFO output"
"$HEARTH" replay --register /tmp --rules "$RULES" --out "$WORK/x" --feed bogus=x 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] || fail "an unknown feed kind should exit 2, got $rc"
printf 'rule r {\n  on attendance_mark\n  when absense_rate(6 weeks) >= 10%%\n}\n' >"$WORK/bad.rules"
"$HEARTH" rules check "$WORK/bad.rules" 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] || fail "a bad rule file should exit 1"
grep -q "bad.rules:3:8: unknown fact 'absense_rate' (did you mean 'absence_rate'?)" "$WORK/err" || fail "rule error: $(cat "$WORK/err")"
"$HEARTH" rules check "$RULES" >/dev/null || fail "the reference pack should check clean"
"$HEARTH" frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "an unknown command should exit 2"
exit 0
