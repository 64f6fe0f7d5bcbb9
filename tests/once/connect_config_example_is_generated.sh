#!/usr/bin/env bash
# deploy/connect.conf.example is exactly what `hearth config example connect` generates from the
# connector settings table (broker/connect/connect_config.c), so it cannot drift.
set -euo pipefail
cd "$(dirname "$0")/../.."
"$HEARTH" config example connect | diff -u deploy/connect.conf.example - || {
  echo "deploy/connect.conf.example is stale: run build/hearth config example connect > deploy/connect.conf.example"
  exit 1
}
# The deployment examples in deploy/connect/ load: every key they use exists and every value is valid
# (the services then stop at the first thing this machine lacks: the certificates, the folder).
for f in deploy/connect/*.conf; do
  kind=$(basename "$f" .conf)
  out=$(timeout 20 "$HEARTH" connect "$kind" --config "$f" --once 2>&1 || true)
  if echo "$out" | grep -q "unknown setting\|invalid value\|expected 'key = value'"; then
    echo "$f does not load: $out"
    exit 1
  fi
done
