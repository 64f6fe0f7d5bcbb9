# The LMDB state store: a replay split in two at an instant, the second half resuming from the
# state the first half saved, raises exactly the alerts of one uninterrupted replay. A damaged
# store is refused with a clear error, not trusted.
source "$(dirname "$0")/lib.sh"
d=$WORK/la
families=500
is_sanitized && families=150
"$HEARTH" synth --out "$d" --families $families --seed 21 --no-expected 2>/dev/null
replay_dir "$d" "$WORK/full.jsonl" --default-la E09000007 --quiet
for cut in 2026-10-01 2026-10-26T01:30:00+00:00 2026-11-20T13:30:00+00:00; do
  rm -rf "$WORK/state"
  replay_dir "$d" "$WORK/part1.jsonl" --default-la E09000007 --quiet --state "$WORK/state" --until "$cut"
  replay_dir "$d" "$WORK/part2.jsonl" --default-la E09000007 --quiet --state "$WORK/state" --from "$cut"
  cat "$WORK/part1.jsonl" "$WORK/part2.jsonl" >"$WORK/joined.jsonl"
  [ -s "$WORK/part1.jsonl" ] && [ -s "$WORK/part2.jsonl" ] || fail "cut $cut: a half raised nothing; the test proves nothing"
  cmp "$WORK/full.jsonl" "$WORK/joined.jsonl" || fail "cut $cut: resumed replay differs from the uninterrupted one"
done
# Replaying everything again on the saved state: every event was processed, so nothing new.
replay_dir "$d" "$WORK/again.jsonl" --default-la E09000007 --quiet --state "$WORK/state"
[ ! -s "$WORK/again.jsonl" ] || fail "replaying processed events over saved state raised $(wc -l <"$WORK/again.jsonl") alerts"
# A damaged store: refused, exit 1, with advice.
python3 - "$WORK/state/data.mdb" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
for i in range(8192, len(b), 97):
    b[i] ^= 0x5A
open(p, "wb").write(b)
PY
set +e
replay_dir "$d" "$WORK/bad.jsonl" --default-la E09000007 --quiet --state "$WORK/state" 2>"$WORK/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "a damaged state store should exit 1, got $rc"
grep -qi "state" "$WORK/err" || fail "the error should say the state store is the problem: $(cat "$WORK/err")"
