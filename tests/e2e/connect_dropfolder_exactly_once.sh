# hearth connect attendance --watch (acceptance 3 of issue 6): attendance CSVs dropped in a
# folder while the connector is killed with SIGKILL mid-file and restarted, again and again: in
# the end every valid mark is on hearth.events.v1 exactly once (compared by file and line), every
# bad line is on hearth.deadletter.v1 and in its file's report, finished files are in done/ and
# the file with bad lines in failed/.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/tools/connect_lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed"
dk= cw_pid=
trap 'kill -9 $cw_pid 2>/dev/null || true; kill $dk 2>/dev/null || true; rm -rf "$WORK"' EXIT
start_devkafka 1

"$HEARTH" synth --out "$WORK/la" --families 60 --seed 3 --no-expected --clean 2>/dev/null
A=$WORK/la/feeds/attendance.csv
mkdir -p "$WORK/drop" "$WORK/stage"
# Four files of consecutive marks; the third gets two bad lines (an impossible date, an unknown code).
python3 - "$A" "$WORK/stage" <<'PY'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
head, rows = lines[0], lines[1:]
n = min(len(rows), 16000) // 4
for i in range(4):
    part = rows[i * n:(i + 1) * n]
    if i == 2:
        part.insert(100, 'M202200024000,100003,E09000007,2026-02-30,AM,/,,,')
        part.insert(2000, 'M202200024000,100003,E09000007,2026-09-01,PM,ZZ,,,')
    with open(f'{sys.argv[2]}/marks{i}.csv', 'w', encoding='utf-8') as f:
        f.write(head + '\n' + '\n'.join(part) + '\n')
PY
# The files are moved in (rename: whole files appear at once) between and during the runs.
# exec: the background job is the connector itself, so that SIGKILL reaches it.
run_connector() { exec "$HEARTH" connect attendance --watch "$WORK/drop" --brokers "$B" --settle-ms 0 --batch 300 \
  "$@" 2>>"$WORK/cw.err"; }
kills=0
for round in 1 2 3 4 5 6 7 8; do
  [ $round -le 4 ] && mv "$WORK/stage/marks$((round - 1)).csv" "$WORK/drop/"
  run_connector &
  cw_pid=$!
  sleep "0.$((RANDOM % 4 + 2))"
  if kill -9 "$cw_pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$cw_pid" 2>/dev/null || true
  cw_pid=
done
grep -q "resuming at line" "$WORK/cw.err" || fail "no run was killed mid-file (nothing resumed): $(tail -5 "$WORK/cw.err")"
# A second connector on the same folder is refused (it would produce the same files again).
mkdir -p "$WORK/lockdir"
"$HEARTH" connect attendance --watch "$WORK/lockdir" --brokers "$B" --settle-ms 0 2>"$WORK/first.err" &
first=$!
sleep 1
if "$HEARTH" connect attendance --watch "$WORK/lockdir" --brokers "$B" --once 2>"$WORK/second.err"; then
  fail "a second connector on the same folder should be refused"
fi
grep -q "already watching this folder" "$WORK/second.err" || fail "the refusal should say why: $(cat "$WORK/second.err")"
kill -TERM $first
wait $first || fail "the watcher should stop cleanly on SIGTERM: $(tail -2 "$WORK/first.err")"
# Finish: process what is left, then exit.
(run_connector --once) || fail "the last run failed: $(tail -3 "$WORK/cw.err")"
echo "killed $kills times; $(grep -c 'resuming at line' "$WORK/cw.err") resumes; $(grep -c 'already on Kafka' "$WORK/cw.err") recoveries"

[ "$(ls "$WORK/drop/done" | sort | tr '\n' ' ')" = "marks0.csv marks1.csv marks3.csv " ] ||
  fail "done/ should hold the three clean files: $(ls "$WORK/drop/done")"
[ -f "$WORK/drop/failed/marks2.csv" ] || fail "the file with bad lines should be in failed/"
[ "$(wc -l <"$WORK/drop/failed/marks2.csv.report.jsonl")" -eq 2 ] || fail "the report should name the two bad lines"
grep -q '"position":102,.*"reason_code":"bad_date"' "$WORK/drop/failed/marks2.csv.report.jsonl" ||
  fail "report: $(cat "$WORK/drop/failed/marks2.csv.report.jsonl")"
grep -q '"reason_code":"unknown_code"' "$WORK/drop/failed/marks2.csv.report.jsonl" || fail "report: unknown code"

# Every valid line exactly once, by file and line.
python3 - "$WORK/drop" >"$WORK/want.txt" <<'PY'
import os, sys
d = sys.argv[1]
for sub in ('done', 'failed'):
    for name in sorted(os.listdir(os.path.join(d, sub))):
        if not name.endswith('.csv'):
            continue
        for i, line in enumerate(open(os.path.join(d, sub, name), encoding='utf-8').read().splitlines()[1:], start=2):
            if '2026-02-30' in line or ',ZZ,' in line:
                continue
            print(f'3 {name} {i}')  # feed 3 = attendance
PY
kcat -C -b "$B" -t hearth.events.v1 -e -q -f '%S:%s' | python3 "$ROOT/tests/tools/kcat_event_ids.py" | sort >"$WORK/got.txt"
sort "$WORK/want.txt" >"$WORK/want.sorted"
dups=$(uniq -d "$WORK/got.txt" | wc -l)
[ "$dups" -eq 0 ] || fail "$dups marks are on the topic more than once: $(uniq -d "$WORK/got.txt" | head -3)"
diff <(sort -u "$WORK/got.txt") "$WORK/want.sorted" >"$WORK/diff.txt" ||
  fail "marks missing or extra: $(head -5 "$WORK/diff.txt") ($(wc -l <"$WORK/want.sorted") wanted, $(wc -l <"$WORK/got.txt") got)"
[ "$(count hearth.deadletter.v1)" -eq 2 ] || fail "expected 2 dead letters, got $(count hearth.deadletter.v1)"

# The register drop folder: files named after the register CSVs are produced to the compacted
# register topic; a file with any other name is refused whole with a report.
S=$SHARED/testdata/sample
mkdir -p "$WORK/reg"
cp "$S/register/persons.csv" "$WORK/reg/2026-11-23-persons.csv"
echo "a,b" >"$WORK/reg/notes.csv"
"$HEARTH" connect register --watch "$WORK/reg" --brokers "$B" --settle-ms 0 --once 2>>"$WORK/cw.err" ||
  fail "register drop folder: $(tail -3 "$WORK/cw.err")"
persons=$(($(grep -c . "$S/register/persons.csv") - 1))
[ "$(count hearth.register.v1)" -eq "$persons" ] || fail "expected $persons register records, got $(count hearth.register.v1)"
[ -f "$WORK/reg/done/2026-11-23-persons.csv" ] || fail "persons file not in done/"
grep -q '"reason_code":"unknown_file"' "$WORK/reg/failed/notes.csv.report.jsonl" || fail "notes.csv should be refused"
