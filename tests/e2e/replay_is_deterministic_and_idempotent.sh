# Replaying the same inputs twice gives byte-identical alerts; delivering every feed twice gives
# the same alerts as once; a feed out of event-time order gives the same alerts as sorted.
source "$(dirname "$0")/lib.sh"
d=$WORK/la
families=600
is_sanitized && families=200
"$HEARTH" synth --out "$d" --families $families --seed 11 --no-expected 2>/dev/null
replay_dir "$d" "$WORK/a1.jsonl" --default-la E09000007 --quiet
replay_dir "$d" "$WORK/a2.jsonl" --default-la E09000007 --quiet
[ -s "$WORK/a1.jsonl" ] || fail "no alerts at all"
cmp "$WORK/a1.jsonl" "$WORK/a2.jsonl" || fail "two replays of the same inputs differ"

# Every event delivered twice.
replay_dir "$d" "$WORK/twice.jsonl" --default-la E09000007 --quiet \
  --feed custody="$d/feeds/custody.jsonl" --feed inpatient="$d/feeds/inpatient.hl7" \
  --feed attendance="$d/feeds/attendance.csv" --feed nrpf="$d/feeds/nrpf.csv"
cmp "$WORK/a1.jsonl" "$WORK/twice.jsonl" || fail "redelivering every feed changed the alerts"

# The custody feed reversed (out of event-time order): replay sorts it.
tac "$d/feeds/custody.jsonl" >"$WORK/custody-reversed.jsonl"
"$HEARTH" replay --register "$d/register" --rules "$RULES" --out "$WORK/rev.jsonl" --default-la E09000007 \
  --feed custody="$WORK/custody-reversed.jsonl" --feed inpatient="$d/feeds/inpatient.hl7" \
  --feed attendance="$d/feeds/attendance.csv" --feed nrpf="$d/feeds/nrpf.csv" --quiet
python3 "$ROOT/tests/tools/alerts_equal.py" "$WORK/a1.jsonl" "$WORK/rev.jsonl" >/dev/null || fail "a reversed custody feed changed the alerts"

# Alert ids are unique and stable.
python3 - "$WORK/a1.jsonl" <<'PY'
import json, sys
ids = [json.loads(l)["alert_id"] for l in open(sys.argv[1])]
assert len(ids) == len(set(ids)), "duplicate alert ids"
assert all(len(i) == 32 for i in ids), "alert ids must be 32 hex digits"
PY
