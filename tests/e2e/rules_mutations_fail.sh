# Acceptance 2 of issue 4: breaking any threshold of the reference pack makes a rule test fail.
# Each threshold occurrence is mutated on its own, one step up and one step down (10% -> 11% and
# 9%, 20 sessions -> 21 and 19, 90 days -> 89 and 91, 28 days -> 27 and 29, 6 weeks -> 5 and 7,
# children >= 1 -> 2 and 0, children = 0 -> 1, dependants > 0 -> > 1 and >= 0) into a copy of the
# pack, and `hearth rules test --rules COPY rules/tests/*.test` must then fail.
source "$(dirname "$0")/lib.sh"
python3 - "$RULES" "$WORK" <<'PY' >"$WORK/list"
import re, sys
src, work = sys.argv[1], sys.argv[2]
lines = open(src).read().split("\n")
# Each threshold moved one step up and one step down.
mutations = [(r">= 10%", ">= 11%"), (r">= 10%", ">= 9%"),
             (r"min 20 sessions", "min 21 sessions"), (r"min 20 sessions", "min 19 sessions"),
             (r"within 90 days", "within 89 days"), (r"within 90 days", "within 91 days"),
             (r"cooldown    28 days", "cooldown    27 days"), (r"cooldown    28 days", "cooldown    29 days"),
             (r"\(6 weeks", "(5 weeks"), (r"\(6 weeks", "(7 weeks"),
             (r"children >= 1", "children >= 2"), (r"children >= 1", "children >= 0"),
             (r"children = 0", "children = 1"), (r"dependants > 0", "dependants > 1"), (r"dependants > 0", "dependants >= 0")]
n = 0
for pat, rep in mutations:
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("#", "description", "explain")):
            continue
        for m in re.finditer(pat, line):
            n += 1
            out = list(lines)
            out[i] = line[:m.start()] + rep + line[m.end():]
            path = "%s/mut%03d.rules" % (work, n)
            open(path, "w").write("\n".join(out))
            print("%s\tline %d: %s -> %s" % (path, i + 1, m.group(0), rep))
PY
count=$(wc -l <"$WORK/list")
[ "$count" -ge 27 ] || fail "expected at least 27 threshold occurrences in the reference pack, found $count"
while IFS=$'\t' read -r pack what; do
  "$HEARTH" rules check "$pack" >/dev/null || fail "mutant does not compile: $what"
  if "$HEARTH" rules test --rules "$pack" "$ROOT"/rules/tests/*.test >"$WORK/out" 2>&1; then
    fail "no rule test fails when $what"
  fi
  echo "caught: $what ($(tail -1 "$WORK/out"))"
done <"$WORK/list"
exit 0
