# hearth demo (make demo): with nothing set up, it streams a synthetic LA through an in-process
# Kafka mock cluster and the live broker, prints alerts as they are raised, and ends with a
# summary; with its reorder grace the live alerts agree with hearth replay on the same LA.
source "$(dirname "$0")/lib.sh"
families=40
ls -d /tmp/hearth-demo-* 2>/dev/null | sort >"$WORK/before" || true
timeout 120 "$HEARTH" demo --families $families --seed 3 --speed 20000 >"$WORK/demo.out" 2>"$WORK/demo.err" ||
  fail "hearth demo failed: $(tail -5 "$WORK/demo.err" "$WORK/demo.out")"
grep -q "^Summary" "$WORK/demo.out" || fail "no summary"
shown=$(grep -cE '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T' "$WORK/demo.out" || true)
[ "$shown" -gt 5 ] || fail "only $shown alerts shown"
"$HEARTH" synth --out "$WORK/la" --families $families --seed 3 --no-expected 2>/dev/null
replay_dir "$WORK/la" "$WORK/replay.jsonl" --default-la E09000007 --quiet
want=$(wc -l <"$WORK/replay.jsonl")
grep -q "events, $want alerts" "$WORK/demo.out" || fail "the demo raised other than replay's $want alerts: $(grep 'hearth run:' "$WORK/demo.out")"
[ "$shown" -eq "$want" ] || fail "$shown alert lines shown, $want raised"
ls -d /tmp/hearth-demo-* 2>/dev/null | sort >"$WORK/after" || true
cmp -s "$WORK/before" "$WORK/after" || fail "the demo left its work directory behind: $(comm -13 "$WORK/before" "$WORK/after")"
