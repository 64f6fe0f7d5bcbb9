#!/usr/bin/env bash
# The deterministic core stays pure (STYLE.md, DESIGN.md): broker/core, rules/src, connectors and
# broker/common include no librdkafka, libuv, LMDB, OpenSSL, h2o or curl header, and read no
# clock and no randomness. Drivers include the core, never the reverse.
set -euo pipefail
cd "$(dirname "$0")/../.."
core="broker/core rules/src connectors broker/common"
bad=$(grep -rnE '#include *[<"](librdkafka/|uv\.h|lmdb\.h|openssl/|h2o|curl/)' $core || true)
[ -z "$bad" ] || { echo "the core includes a driver library:"; echo "$bad"; exit 1; }
bad=$(grep -rnE '(^|[^A-Za-z0-9_.>])(time|clock_gettime|gettimeofday|rand|srand|random|getrandom)\(' $core --include='*.c' || true)
[ -z "$bad" ] || { echo "the core reads a clock or randomness:"; echo "$bad"; exit 1; }
echo "core is pure: $(ls $core | grep -c '\.c$') C files checked"
