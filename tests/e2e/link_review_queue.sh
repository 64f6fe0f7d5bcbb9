# The probabilistic tier's review queue end to end: a replay with --state opens review cases,
# `hearth review list` shows them, `hearth review accept|reject` records decisions in the
# register's link_decisions.csv, and the next replay applies them: accepted records link (and
# their alerts say so), rejected candidates are passed over. `hearth link explain --alert`
# explains an alert's links in words. (issue 5: review queue, link evidence, explain)
source "$(dirname "$0")/lib.sh"
families=600
is_sanitized && families=250
"$HEARTH" synth --out "$WORK/la" --families $families --seed 11 --messy --no-expected >/dev/null 2>&1 || fail "synth"
# A link weight of 16 (the default is 6) sends many of the messy records to review.
printf 'link_weight 16\n' >"$WORK/review.params"
run() { # register state out
  "$HEARTH" replay --register "$1" --rules "$RULES" --state "$2" --out "$3" --link-params "$WORK/review.params" \
    --feed custody="$WORK/la/feeds/custody.jsonl" --feed inpatient="$WORK/la/feeds/inpatient.hl7" \
    --feed attendance="$WORK/la/feeds/attendance.csv" --feed nrpf="$WORK/la/feeds/nrpf.csv"
}
run "$WORK/la/register" "$WORK/s1" "$WORK/a1.jsonl" 2>"$WORK/err1" || fail "replay: $(cat "$WORK/err1")"
grep "probabilistic tier:" "$WORK/err1"
opened=$(sed -n 's/.* \([0-9]*\) review cases opened.*/\1/p' "$WORK/err1")
[ "${opened:-0}" -ge 5 ] || fail "only ${opened:-0} review cases opened"

# list: every open case, highest weight first, with what was compared.
"$HEARTH" review list --state "$WORK/s1" >"$WORK/list" 2>"$WORK/lerr" || fail "review list: $(cat "$WORK/lerr")"
cat "$WORK/lerr"
listed=$(grep -c '^R[0-9a-f]\{12\}  open  weight' "$WORK/list")
[ "$listed" -eq "$opened" ] || fail "list shows $listed cases, the replay opened $opened"
[ "$(grep -c '^    compared:  given ' "$WORK/list")" -eq "$listed" ] || fail "a case without its comparisons"
python3 - "$WORK/list" <<'PY' || fail "cases are not listed highest weight first"
import re, sys
w = [float(m.group(1)) for m in re.finditer(r"open  weight ([+-][0-9.]+)", open(sys.argv[1]).read())]
sys.exit(0 if w == sorted(w, reverse=True) else 1)
PY

# Decide: accept the first case between the review and the link weight, reject another.
accept=$(awk '/^R/ {id=$1} /why: +the weight is between/ {print id; exit}' "$WORK/list")
reject=$(awk -v a="$accept" '/^R/ && $1 != a {print $1; exit}' "$WORK/list")
[ -n "$accept" ] || fail "no case between the review and the link weight to accept"
cp -r "$WORK/la/register" "$WORK/reg2"
"$HEARTH" review accept "$accept" --state "$WORK/s1" --register "$WORK/reg2" --by "T. Lead" \
  --note 'checked with the school, same child, same mother' >"$WORK/acc" || fail "review accept"
grep -q "^accepted $accept" "$WORK/acc" || fail "accept said: $(cat "$WORK/acc")"
if [ -n "$reject" ]; then
  "$HEARTH" review reject "$reject" --state "$WORK/s1" --register "$WORK/reg2" >/dev/null || fail "review reject"
fi
head -1 "$WORK/reg2/link_decisions.csv" | grep -q '^case_id,description,person_id,decision,decided_by,decided_at,note' ||
  fail "link_decisions.csv has no header"
grep -q "^$accept,.*,accept,T. Lead,[0-9-]*,\"checked with the school, same child, same mother\"" \
  "$WORK/reg2/link_decisions.csv" || fail "the decision row: $(cat "$WORK/reg2/link_decisions.csv")"
# Decided cases leave the open list (--all shows them, marked).
"$HEARTH" review list --state "$WORK/s1" --register "$WORK/reg2" >"$WORK/list2" 2>/dev/null
! grep -q "^$accept " "$WORK/list2" || fail "an accepted case is still listed as open"
"$HEARTH" review list --state "$WORK/s1" --register "$WORK/reg2" --all >"$WORK/list3" 2>/dev/null
grep -q "^$accept  accepted" "$WORK/list3" || fail "--all does not show the accepted case"

# The next replay applies the decisions: the accepted description links to its candidate, and
# every alert raised through it names the case in its evidence.
run "$WORK/reg2" "$WORK/s2" "$WORK/a2.jsonl" 2>"$WORK/err2" || fail "replay with decisions: $(cat "$WORK/err2")"
grep "probabilistic tier:" "$WORK/err2"
by_decision=$(sed -n 's/.*linked (\([0-9]*\) by a reviewer.*/\1/p' "$WORK/err2")
[ "${by_decision:-0}" -ge 1 ] || fail "no record linked by the accepted decision"
if [ -n "$reject" ]; then
  passed=$(sed -n 's/.* \([0-9]*\) candidates passed over as rejected.*/\1/p' "$WORK/err2")
  [ "${passed:-0}" -ge 1 ] || fail "the rejected candidate was not passed over"
fi
"$HEARTH" review list --state "$WORK/s2" --register "$WORK/reg2" --all >"$WORK/list4" 2>/dev/null
! grep -q "^$accept " "$WORK/list4" || fail "a case was opened again for an accepted description"
python3 - "$WORK/a2.jsonl" "$accept" <<'PY' || fail "an alert through a decided link does not name its case"
import json, sys
for line in open(sys.argv[1]):
    for ev in json.loads(line)["evidence"]:
        link = ev.get("link") or {}
        if link.get("method") == "review_decision":
            assert link["review_case"] == sys.argv[2], link
PY

# link explain --alert: in words, for a probabilistically linked alert and for an exact one.
read -r prob exact < <(python3 - "$WORK/a1.jsonl" <<'PY'
import json, sys
prob = exact = None
for line in open(sys.argv[1]):
    a = json.loads(line)
    if not a["subject"]:
        continue
    linked = any(ev.get("link") for ev in a["evidence"])
    if linked and not prob:
        prob = a["alert_id"]
    if not linked and not exact and a["evidence"][0]["feed"] == "custody":
        exact = a["alert_id"]
print(prob, exact)
PY
)
"$HEARTH" link explain --alert "$prob" --alerts "$WORK/a1.jsonl" >"$WORK/ex1" || fail "explain $prob"
cat "$WORK/ex1"
grep -q "by comparing" "$WORK/ex1" || fail "explain does not say the link came from comparing details"
grep -Eq '^ +[+-][0-9]+\.[0-9]  Family name ' "$WORK/ex1" || fail "explain gives no family-name contribution"
grep -q "starting point" "$WORK/ex1" || fail "explain gives no starting point"
"$HEARTH" link explain --alert "$exact" --alerts "$WORK/a1.jsonl" >"$WORK/ex2" || fail "explain $exact"
grep -q "exact rules" "$WORK/ex2" || fail "explain of an exact match: $(cat "$WORK/ex2")"
set +e
"$HEARTH" link explain --alert 0000 --alerts "$WORK/a1.jsonl" 2>"$WORK/e"; rc=$?
[ $rc -eq 1 ] && grep -q "no alert 0000" "$WORK/e" || fail "unknown alert: rc $rc $(cat "$WORK/e")"
"$HEARTH" review accept R000000000000 --state "$WORK/s1" --register "$WORK/reg2" 2>"$WORK/e"; rc=$?
[ $rc -eq 1 ] && grep -q "no case R000000000000" "$WORK/e" || fail "unknown case: rc $rc $(cat "$WORK/e")"
"$HEARTH" review list 2>"$WORK/e"; rc=$?
[ $rc -eq 2 ] && grep -q "state DIR is required" "$WORK/e" || fail "list without --state: rc $rc"
"$HEARTH" review list --state "$WORK/nowhere" 2>"$WORK/e"; rc=$?
[ $rc -eq 1 ] && grep -q "not a state directory" "$WORK/e" || fail "list of a missing state: rc $rc"
exit 0
