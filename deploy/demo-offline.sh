#!/usr/bin/env bash
# make demo (offline edition): builds a small synthetic LA, replays it through Hearth's core and
# prints each alert as one readable line, then the run summary. The live demo on Kafka
# (`hearth demo`) replaces this when the broker is on Kafka.
set -euo pipefail
cd "$(dirname "$0")/.."
hearth=${HEARTH:-build/hearth}
out=build/demo
families=${DEMO_FAMILIES:-300}
rm -rf "$out" && mkdir -p "$out"
echo "Generating a synthetic LA of $families families..."
"$hearth" synth --out "$out/la" --families "$families" --seed 42 --no-expected 2>/dev/null
echo "Replaying its register and four agency feeds through the reference rules..."
echo
"$hearth" replay --register "$out/la/register" --rules rules/packs/reference.rules \
  --feed custody="$out/la/feeds/custody.jsonl" --feed inpatient="$out/la/feeds/inpatient.hl7" \
  --feed attendance="$out/la/feeds/attendance.csv" --feed nrpf="$out/la/feeds/nrpf.csv" \
  --default-la E09000007 --out "$out/alerts.jsonl" --deadletter "$out/deadletters.jsonl" 2>"$out/summary.txt"
python3 - "$out/alerts.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    route = a["route"]
    to = ("key worker " + route["key_worker_id"]) if "key_worker_id" in route else ("front door of " + str(route.get("front_door")))
    who = ", ".join(a["children"]) or "no known child"
    print("%s  %-6s %-23s %s -> %-22s children: %s\n    %s" % (
        a["raised_at"][:16].replace("T", " "), a["severity"].upper(), a["rule_id"], a["la_code"], to, who, a["explanation"]))
PY
echo
cat "$out/summary.txt"
echo
echo "Alerts: $out/alerts.jsonl   Dead letters: $out/deadletters.jsonl"
