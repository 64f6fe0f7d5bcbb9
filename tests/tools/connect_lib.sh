# Helpers of the connector tests (tests/e2e/connect_*.sh), sourced after lib.sh.

# start_connect NAME ARGS...: a connector service in the background; waits for its address
# (sets PORT) when it listens. Its pid is in the variable named NAME_pid; stderr in $WORK/NAME.err.
start_connect() {
  local name=$1
  shift
  rm -f "$WORK/$name.ready"
  "$HEARTH" connect "$@" --ready-file "$WORK/$name.ready" 2>>"$WORK/$name.err" &
  eval "${name}_pid=$!"
  for _ in $(seq 100); do [ -s "$WORK/$name.ready" ] && break; sleep 0.1; done
  [ -s "$WORK/$name.ready" ] || fail "hearth connect $1 did not start listening: $(tail -3 "$WORK/$name.err")"
  PORT=$(cut -d: -f2 "$WORK/$name.ready")
}


# need_hl7_client: node-hl7-client from the npm registry, installed under the build directory
# (never vendored). Sets NODE_PATH. Fails clearly when the registry cannot be reached.
need_hl7_client() {
  command -v node >/dev/null || fail "node is not installed (deploy/install-deps.sh installs nodejs)"
  command -v npm >/dev/null || fail "npm is not installed (deploy/install-deps.sh installs it with nodejs)"
  local dir=${HEARTH_BUILD:-$ROOT/build}/npm
  if [ ! -f "$dir/node_modules/node-hl7-client/package.json" ]; then
    mkdir -p "$dir"
    (cd "$dir" && timeout 300 npm install --no-audit --no-fund --loglevel=error node-hl7-client@3 >"$WORK/npm.log" 2>&1) ||
      fail "npm could not install node-hl7-client from the npm registry (no network?): $(tail -5 "$WORK/npm.log")"
  fi
  export NODE_PATH=$dir/node_modules
}

