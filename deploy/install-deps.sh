#!/bin/sh
# Installs the Debian 12 packages Hearth needs to build, test and run, when any is missing.
# As root it runs apt-get itself; otherwise it prints the command to run. Safe to run often:
# it does nothing when everything is present.
set -eu

# Why each package is needed (README.md "Dependencies" lists the same):
#   build-essential, pkg-config   the C toolchain (gcc, make, libasan/libubsan for sanitizer runs)
#   protobuf-c-compiler           protoc-c: generates the C code of schemas/*.proto at build time
#   libprotobuf-c-dev             protobuf-c runtime: the canonical event, alert and dead letter
#   liblmdb-dev                   LMDB: the embedded, crash-safe state store
#   librdkafka-dev                librdkafka and its mock cluster: Kafka drivers
#   libuv1-dev                    libuv: the event loop of the live broker and connectors
#   libssl-dev                    OpenSSL: TLS on listeners and hashing
#   clang, libclang-rt-14-dev     libFuzzer targets (make fuzz) and LeakSanitizer runtime
#   clang-format                  make format-check (part of make test)
#   python3                       the independent test oracle and alert comparison tool
#   kcat                          a real Kafka client used by the integration tests
#   protobuf-compiler             protoc --encode: tests write canonical events by hand for kcat
#   nodejs, npm                   a real HL7 client from the npm registry (node-hl7-client, installed
#                                 by the tests under the build directory) for the MLLP connector tests
#   curl, openssl                 HTTPS posts with client certificates; throwaway test certificates
PKGS="build-essential pkg-config protobuf-c-compiler libprotobuf-c-dev liblmdb-dev librdkafka-dev \
libuv1-dev libssl-dev clang libclang-rt-14-dev clang-format python3 kcat protobuf-compiler nodejs curl openssl"
# npm: Debian packages it apart from nodejs; a nodejs from elsewhere (NodeSource) bundles it and
# conflicts with Debian's npm package, so it is asked for only when the command is missing.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "hearth: missing Debian packages:$missing" >&2
  echo "hearth: run as root:  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi
echo "hearth: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
