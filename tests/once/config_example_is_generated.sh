#!/usr/bin/env bash
# deploy/hearth.conf.example is exactly what `hearth config example` generates from the settings
# table, so the documented keys and defaults cannot drift from what the loader accepts.
set -euo pipefail
cd "$(dirname "$0")/../.."
"$HEARTH" config example | diff -u deploy/hearth.conf.example - || {
  echo "deploy/hearth.conf.example is stale: run build/hearth config example > deploy/hearth.conf.example"
  exit 1
}
