#!/usr/bin/env bash
# Builds every libFuzzer target (tests/fuzz/fuzz_*.c) into OUTDIR with clang and
# -fsanitize=fuzzer,address,undefined, straight from the sources they need: broker/common,
# connectors, the rule compiler, the core with its linkage tier (broker/link), the event
# archive, the MLLP framing (broker/connect/mllp.c) and the protobuf-c code generated from
# schemas/ (taken from $GEN, else OUTDIR/../gen as `make fuzz-build` leaves it, else generated
# here into OUTDIR/gen).
#
#   tests/fuzz/build.sh OUTDIR
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: tests/fuzz/build.sh OUTDIR}
mkdir -p "$out/obj"
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (install clang)" >&2; exit 2; }

gen=${GEN:-$(dirname "$out")/gen}
if [ ! -f "$gen/hearth/v1/event.pb-c.h" ]; then
  gen="$out/gen"
  mkdir -p "$gen"
  for p in schemas/hearth/v1/*.proto; do protoc-c --proto_path=schemas --c_out="$gen" "$p"; done
fi

SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -fno-omit-frame-pointer -I$gen -Ibroker/common -Iconnectors -Irules/src -Ibroker/core -Ibroker/link -Ibroker/archive -Ibroker/backtest -Ibroker/connect"

# The library code goes into an archive, so each target links only the objects it uses.
objs=()
for src in broker/common/*.c connectors/*.c rules/src/*.c broker/core/*.c broker/link/*.c broker/archive/*.c broker/connect/mllp.c; do
  o="$out/obj/$(echo "$src" | tr / _).o"
  $CC $CFLAGS ${SAN/fuzzer,/fuzzer-no-link,} -Wall -Wextra -c "$src" -o "$o"
  objs+=("$o")
done
for src in "$gen"/hearth/v1/*.pb-c.c; do
  o="$out/obj/$(basename "$src").o"
  $CC $CFLAGS -w -c "$src" -o "$o"
  objs+=("$o")
done
rm -f "$out/libfuzzdeps.a"
ar rcs "$out/libfuzzdeps.a" "${objs[@]}"

for t in tests/fuzz/fuzz_*.c; do
  name=$(basename "$t" .c)
  $CC $CFLAGS $SAN -Wall -Wextra -Itests/fuzz "$t" "$out/libfuzzdeps.a" -lprotobuf-c -lm -o "$out/$name"
  echo "built $out/$name"
done
