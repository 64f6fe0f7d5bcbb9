# On synthetic LAs of 2,000 families (several seeds), replay raises exactly the alerts the
# independent oracle (tests/oracle/reference_oracle.py) expects: none missing, none extra,
# and dead-letters exactly the records synth wrote to be bad.
source "$(dirname "$0")/lib.sh"
seeds="1 2 3"
is_sanitized && seeds="4"
for seed in $seeds; do
  d=$WORK/s$seed
  "$HEARTH" synth --out "$d" --families 2000 --seed "$seed" 2>"$WORK/synth.err" || { cat "$WORK/synth.err"; fail "synth seed $seed"; }
  bad=$(sed -n 's/.*(\([0-9]*\) deliberately bad).*/\1/p' "$WORK/synth.err")
  replay_dir "$d" "$WORK/alerts$seed.jsonl" --default-la E09000007 --deadletter "$WORK/dl$seed.jsonl" 2>"$WORK/replay.err"
  cat "$WORK/replay.err"
  echo "seed $seed:"
  python3 "$ROOT/tests/tools/alerts_equal.py" "$d/expected.jsonl" "$WORK/alerts$seed.jsonl" || fail "seed $seed: alerts differ from the oracle's"
  n=$(wc -l <"$d/expected.jsonl")
  [ "$n" -gt 200 ] || fail "seed $seed: only $n expected alerts; the synthetic data should exercise every rule"
  for rule in parental_custody parental_mh_inpatient nrpf_absence adversity_then_absence unknown_dependants; do
    grep -q "\"$rule\"" "$d/expected.jsonl" || fail "seed $seed: rule $rule never fires"
  done
  dl=$(wc -l <"$WORK/dl$seed.jsonl")
  [ "$dl" -eq "$bad" ] || fail "seed $seed: synth wrote $bad bad records, replay dead-lettered $dl"
done
