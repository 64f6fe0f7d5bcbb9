# The event archive keeps each record once: replaying the same feeds again adds nothing;
# archiving a run in two halves gives the same archive as one run; an archive whose tail was
# torn by a crash is repaired by the next run (the torn record cut off and written again), and
# backtests of all of them raise exactly the replay's alerts. A backtest from one date to another
# reports exactly the replay's alerts raised in that range.
source "$(dirname "$0")/lib.sh"
d=$WORK/la
families=600
is_sanitized && families=150
"$HEARTH" synth --out "$d" --families $families --seed 21 --no-expected 2>/dev/null
replay_dir "$d" "$WORK/replay.jsonl" --default-la E09000007 --archive "$WORK/a" 2>/dev/null
[ -s "$WORK/replay.jsonl" ] || fail "no alerts"
"$HEARTH" archive check "$WORK/a" >"$WORK/check1.txt"
counts() { sed -n 's/.* ok: [0-9]* segments with records, \([0-9]*\) events, \([0-9]*\) register.*/\1 \2/p' "$1"; }
[ -n "$(counts "$WORK/check1.txt")" ] || fail "archive check: $(cat "$WORK/check1.txt")"

backtest_equals_replay() { # ARCHIVE WHAT
  "$HEARTH" rules backtest --archive "$1" --rules "$RULES" --default-la E09000007 --alerts "$WORK/bt.jsonl" >/dev/null ||
    fail "$2: backtest failed"
  cmp "$WORK/replay.jsonl" "$WORK/bt.jsonl" || fail "$2: the backtest's alerts differ from the replay's"
}
backtest_equals_replay "$WORK/a" "one run"

# The same feeds again: nothing appended.
replay_dir "$d" /dev/null --default-la E09000007 --archive "$WORK/a" 2>"$WORK/again.err"
grep -q '^archive: 0 records appended' "$WORK/again.err" || fail "a second replay archived again: $(grep archive: "$WORK/again.err")"
"$HEARTH" archive check "$WORK/a" >"$WORK/check2.txt"
[ "$(counts "$WORK/check1.txt")" = "$(counts "$WORK/check2.txt")" ] || fail "the archive grew on a second replay"

# Two halves, then the whole again: the same records as one run.
mid=2026-10-15
replay_dir "$d" /dev/null --default-la E09000007 --archive "$WORK/b" --until $mid --quiet
replay_dir "$d" /dev/null --default-la E09000007 --archive "$WORK/b" --from $mid --quiet
replay_dir "$d" /dev/null --default-la E09000007 --archive "$WORK/b" --quiet
"$HEARTH" archive check "$WORK/b" >"$WORK/check3.txt"
[ "$(counts "$WORK/check1.txt")" = "$(counts "$WORK/check3.txt")" ] || fail "halves archived differently: $(cat "$WORK/check3.txt")"
backtest_equals_replay "$WORK/b" "two halves"

# A crash mid-write: the last record cut short. Readers stop before it; the next run cuts it
# off and writes it again.
cp -r "$WORK/a" "$WORK/c"
last=$(ls "$WORK/c"/*.seg | tail -1)
truncate -s -7 "$last"
"$HEARTH" archive check "$WORK/c" >/dev/null || fail "a torn tail made the archive unreadable"
replay_dir "$d" /dev/null --default-la E09000007 --archive "$WORK/c" 2>"$WORK/repair.err"
grep -q '^archive: 1 records appended' "$WORK/repair.err" || fail "repair: $(grep archive: "$WORK/repair.err")"
cmp "$WORK/a/$(basename "$last")" "$last" || fail "the repaired segment differs from the original"
backtest_equals_replay "$WORK/c" "after a torn tail"

# A date range: exactly the replay's alerts raised in it.
"$HEARTH" rules backtest --archive "$WORK/a" --rules "$RULES" --default-la E09000007 --from 2026-09-21 --to 2026-10-19 \
  --alerts "$WORK/range.jsonl" --json >"$WORK/range.json"
python3 - "$WORK/replay.jsonl" "$WORK/range.jsonl" "$WORK/range.json" <<'PY' || fail "the range backtest is not the replay's alerts in range"
import json, sys, datetime
lo = datetime.datetime(2026, 9, 21, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
hi = datetime.datetime(2026, 10, 19, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
want = [l for l in open(sys.argv[1]) if lo <= datetime.datetime.fromisoformat(json.loads(l)["raised_at"]) < hi]
got = open(sys.argv[2]).readlines()
assert want and got == want, (len(want), len(got))
rep = json.load(open(sys.argv[3]))
assert rep["alerts"] == len(want) and rep["from"] == "2026-09-21" and rep["to"] == "2026-10-19"
PY

# Mistakes are reported, not crashed on.
if "$HEARTH" rules backtest --archive "$WORK/a" --rules "$WORK/none.rules" 2>"$WORK/err.txt"; then fail "a missing pack was accepted"; fi
grep -q 'none.rules' "$WORK/err.txt" || fail "the error does not name the pack: $(cat "$WORK/err.txt")"
printf 'pack x\nrule r {\n  when absense_rate(6 weeks, min 20 sessions) >= 10%%\n}\n' >"$WORK/bad.rules"
if "$HEARTH" rules backtest --archive "$WORK/a" --rules "$WORK/bad.rules" 2>"$WORK/err.txt"; then fail "a bad pack was accepted"; fi
grep -q 'bad.rules:[0-9]*:[0-9]*:' "$WORK/err.txt" || fail "no file:line:col: $(cat "$WORK/err.txt")"
if "$HEARTH" rules backtest --archive "$WORK/nowhere" --rules "$RULES" 2>"$WORK/err.txt"; then fail "a missing archive was accepted"; fi
grep -q 'nowhere: cannot read the archive' "$WORK/err.txt" || fail "the error does not name the archive: $(cat "$WORK/err.txt")"
set +e
"$HEARTH" rules backtest --rules "$RULES" >/dev/null 2>&1
[ $? = 2 ] || fail "a backtest without --archive is not a usage error"
set -e
echo "ok"
