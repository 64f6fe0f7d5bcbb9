# hearth link train --register DIR --events FILE: learns m and u from agency records linked to a
# synthetic register (messy copies made here with known error rates), and refuses to learn from
# a register alone, whose pairs are households rather than duplicates.
source "$(dirname "$0")/lib.sh"
"$HEARTH" synth --out "$WORK/la" --families 1000 --seed 5 --no-expected >/dev/null 2>&1 || fail "synth"
python3 - "$WORK/la/register/persons.csv" "$WORK/events.csv" <<'PY'
import csv, random, sys
random.seed(5)
rows = list(csv.DictReader(open(sys.argv[1])))
out = csv.writer(open(sys.argv[2], "w", newline=""))
out.writerow(["ref", "forename", "surname", "birth", "postcode", "sex", "truth"])
for i, r in enumerate(random.sample(rows, 2000)):
    f = r["family_name"]
    if i % 10 == 0 and len(f) > 3:  # 10% of surnames mistyped
        j = random.randrange(1, len(f) - 1)
        f = f[:j] + f[j + 1:]
    out.writerow([f"E{i}", r["given_name"], f, r["date_of_birth"], r["postcode"], r["sex"], r["person_id"]])
PY
"$HEARTH" link train --register "$WORK/la/register" --events "$WORK/events.csv" --map forename=given \
  --map surname=family --map birth=dob --map postcode=postcode --map sex=sex --out "$WORK/params" 2>"$WORK/err" ||
  fail "train with events: $(cat "$WORK/err")"
python3 - "$WORK/params" <<'PY' || fail "implausible estimates: $(grep -E '^m (family|dob) exact' "$WORK/params")"
import sys
m = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 4 and f[0] == "m":
        m[(f[1], f[2])] = float(f[3])
print("m family exact %.3f (10%% mistyped), m dob exact %.3f" % (m[("family", "exact")], m[("dob", "exact")]))
sys.exit(0 if 0.85 <= m[("family", "exact")] <= 0.95 and m[("dob", "exact")] >= 0.95 else 1)
PY
# The same people linked to the register with the trained parameters; the files name their
# columns differently (--right-map, --right-id).
"$HEARTH" link --left "$WORK/events.csv" --id ref --map forename=given --map surname=family --map birth=dob \
  --map postcode=postcode --map sex=sex --right "$WORK/la/register/persons.csv" --right-id person_id \
  --right-map given_name=given --right-map family_name=family --right-map date_of_birth=dob \
  --right-map postcode=postcode --right-map sex=sex --params "$WORK/params" --out "$WORK/pairs.csv" 2>/dev/null ||
  fail "link events to the register"
python3 - "$WORK/events.csv" "$WORK/pairs.csv" <<'PY' || fail "events linked to the wrong people"
import csv, sys
truth = {r["ref"]: r["truth"] for r in csv.DictReader(open(sys.argv[1]))}
links = [r for r in csv.DictReader(open(sys.argv[2])) if r["decision"] == "link"]
right = sum(truth[r["left_id"]] == r["right_id"] for r in links)
print(f"events linked: {len(links)} of {len(truth)}, {right} to the right person")
sys.exit(0 if right == len(links) and len(links) >= 0.99 * len(truth) else 1)
PY
set +e
"$HEARTH" link train --register "$WORK/la/register" --out "$WORK/p2" 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] && grep -q "not plausible" "$WORK/err" && [ ! -e "$WORK/p2" ] ||
  fail "a register alone should be refused: rc $rc, $(cat "$WORK/err")"
exit 0
