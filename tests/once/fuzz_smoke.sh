#!/usr/bin/env bash
# Fuzz smoke test: builds every libFuzzer target (tests/fuzz/fuzz_*.c) into build/fuzz and runs
# each for 10 seconds (FUZZ_SMOKE_SECONDS) from its seed corpus. Exits non-zero on any crash,
# sanitizer report or broken reader invariant. Skips (passes) when clang is not installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
  echo "skip: ${FUZZ_CC:-clang} not installed, fuzz targets not built"
  exit 0
fi
tests/fuzz/build.sh build/fuzz
tests/fuzz/run.sh build/fuzz "${FUZZ_SMOKE_SECONDS:-10}"
