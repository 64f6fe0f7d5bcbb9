# The worked sample (../shared/testdata/sample): replay raises exactly its expected alerts.
source "$(dirname "$0")/lib.sh"
S=$SHARED/testdata/sample
[ -d "$S" ] || fail "no worked sample at $S (set HEARTH_SHARED to the shared/ directory)"
replay_dir "$S" "$WORK/alerts.jsonl" --deadletter "$WORK/dl.jsonl"
python3 "$SHARED/tools/compare_alerts.py" "$S/expected.jsonl" "$WORK/alerts.jsonl" 1.0
[ ! -s "$WORK/dl.jsonl" ] || fail "the sample has no bad records, but some were dead-lettered: $(head -3 "$WORK/dl.jsonl")"
