# Shared helpers of the end-to-end tests. HEARTH is the binary under test (tests/run.sh sets
# it); each test works in its own temporary directory, removed on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HEARTH=${HEARTH:-$ROOT/build/hearth}
SHARED=${HEARTH_SHARED:-$ROOT/../shared}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RULES=$ROOT/rules/packs/reference.rules

fail() { echo "FAIL: $*" >&2; exit 1; }

# Under sanitizers everything is several times slower: tests scale down there.
is_sanitized() { case "${HEARTH_BUILD:-}" in *asan*) return 0 ;; *) return 1 ;; esac; }

# replay_dir DIR OUT [extra args]: replays a synth-layout directory.
replay_dir() {
  local dir=$1 out=$2
  shift 2
  "$HEARTH" replay --register "$dir/register" --rules "$RULES" --out "$out" \
    --feed custody="$dir/feeds/custody.jsonl" --feed inpatient="$dir/feeds/inpatient.hl7" \
    --feed attendance="$dir/feeds/attendance.csv" --feed nrpf="$dir/feeds/nrpf.csv" "$@"
}
