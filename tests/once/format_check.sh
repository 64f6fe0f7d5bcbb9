#!/usr/bin/env bash
# The C sources are clang-formatted (.clang-format): `make format` fixes what this reports.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v clang-format >/dev/null || { echo "clang-format is not installed"; exit 1; }
make --no-print-directory format-check
