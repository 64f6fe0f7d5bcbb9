# `hearth rules test rules/tests/*.test` passes: the reference pack's rule unit tests (and the
# tests of every language construct) hold against the engine. Also: a failing test exits 1 and
# prints a diff naming the expected line (-) and the alert raised instead (+).
source "$(dirname "$0")/lib.sh"
"$HEARTH" rules test "$ROOT"/rules/tests/*.test >"$WORK/out" 2>&1 || fail "rule tests failed: $(cat "$WORK/out")"
tail -1 "$WORK/out" | grep -Eq '^[0-9]+ passed, 0 failed$' || fail "unexpected summary: $(tail -1 "$WORK/out")"
n=$(tail -1 "$WORK/out" | cut -d' ' -f1)
[ "$n" -ge 80 ] || fail "only $n rule tests ran"

# A wrong expectation fails with a readable diff and exit status 1.
cat >"$WORK/wrong.test" <<T
pack $RULES
person M1 born 1985-01-01 la E09000007
person C1 born 2015-01-01 la E09000007
relationship M1 parent C1
test "wrong on purpose"
  at 2026-09-01 10:00 custody_start M1
  expect parental_custody at 2026-09-02 subject M1
end
T
set +e
"$HEARTH" rules test "$WORK/wrong.test" >"$WORK/out" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || fail "a failing rule test should exit 1, got $rc"
grep -q "^FAIL $WORK/wrong.test:5: wrong on purpose" "$WORK/out" || fail "no FAIL line: $(cat "$WORK/out")"
grep -q "^    - line 7: expect parental_custody at 2026-09-02 subject M1" "$WORK/out" || fail "no - line: $(cat "$WORK/out")"
grep -q "^    + parental_custody at 2026-09-01T10:00:00+01:00 children C1 subject M1" "$WORK/out" ||
  fail "no + line: $(cat "$WORK/out")"

# Mistakes in a test file are reported with file and line, and exit 1.
printf 'pack %s\ntest "x"\n  at 2026-13-01 custody_start M1\nend\n' "$RULES" >"$WORK/bad.test"
set +e
"$HEARTH" rules test "$WORK/bad.test" >"$WORK/out" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || fail "a broken test file should exit 1, got $rc"
grep -q "bad.test:3: expected a date" "$WORK/out" || fail "unclear error: $(cat "$WORK/out")"
"$HEARTH" rules test --help | grep -q "expected absent" || fail "rules test --help"
exit 0
