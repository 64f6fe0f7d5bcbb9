# `hearth rules check` refuses hostile and mistaken packs with an error a person can act on
# (file:line:col and what to do), exit status 1, and accepts every pack the rule tests use.
source "$(dirname "$0")/lib.sh"
check_fails() { # FILE EXPECTED-TEXT
  set +e
  "$HEARTH" rules check "$1" >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  set -e
  [ $rc -eq 1 ] || fail "$1: expected exit 1, got $rc"
  grep -qF -- "$2" "$WORK/err" || fail "$1: expected '$2' in: $(cat "$WORK/err")"
}
head='rule r {\n severity high\n on attendance_mark\n alert per child\n route front_door\n'
printf "define a = b\ndefine b = not a\n$head when a\n}\n" >"$WORK/cycle.rules"
check_fails "$WORK/cycle.rules" "cycle.rules:2:16: definitions form a cycle: 'a' uses 'b' uses 'a'"
printf "$head when absence_rate(6 weeks, min 20 sessions) > 100%%\n}\n" >"$WORK/never.rules"
check_fails "$WORK/never.rules" "never.rules:1:1: rule 'r' can never fire"
python3 -c "print('rule r { severity high on attendance_mark alert per child route front_door when ' + '(' * 200 + 'nrpf_active' + ')' * 200 + ' }')" >"$WORK/deep.rules"
check_fails "$WORK/deep.rules" "nested more than 32 deep"
printf "$head when children >= 99999999999999999999999\n}\n" >"$WORK/huge.rules"
check_fails "$WORK/huge.rules" "huge.rules:6:19: number is longer than 15 characters"
python3 -c "print('rule r { description \"' + 'x' * 5000 + '\" }')" >"$WORK/longtext.rules"
check_fails "$WORK/longtext.rules" "longer than 4096 characters"
head -c 1100000 /dev/zero | tr '\0' '#' >"$WORK/big.rules"
check_fails "$WORK/big.rules" "larger than"
# The packs inside the language tests are valid packs.
for t in "$ROOT"/rules/tests/language_*.test; do
  awk '/^pack inline/{on=1;next} /^end pack/{on=0} on' "$t" >"$WORK/inline.rules"
  "$HEARTH" rules check "$WORK/inline.rules" >/dev/null || fail "the pack in $t does not check"
done
exit 0
