#!/usr/bin/env bash
# Start the SCIMMY server (tests/servers/scimmy: npm scimmy, scimmy-routers and express, pinned
# by its package-lock.json; the storage in server.mjs is ours) on 127.0.0.1 for
# tests/sync_live.rs. Source it:
#
#   . tests/servers/scimmy.sh            # npm ci once, starts the server
#   cargo test --features scim-tests --test sync_live
#   scimmy_server_stop
#
# It exports ENTRAMAP_SCIMMY_URL (each test adds its own tenant path) and
# ENTRAMAP_SCIMMY_TOKEN. (Sourced: it leaves the caller's shell options alone.)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$root/tests/servers/scimmy"
if [ ! -d "$dir/node_modules/scimmy" ]; then
  (cd "$dir" && npm ci --silent --no-audit --no-fund) ||
    { echo "cannot install SCIMMY (npm ci in $dir)" >&2; return 1 2>/dev/null || exit 1; }
fi
mkdir -p "$root/target"
port="${ENTRAMAP_SCIMMY_PORT:-18432}"
export ENTRAMAP_SCIMMY_TOKEN="entramap-scimmy-token-$RANDOM$RANDOM"
export ENTRAMAP_SCIMMY_URL="http://127.0.0.1:$port"
SCIMMY_PORT="$port" SCIMMY_TOKEN="$ENTRAMAP_SCIMMY_TOKEN" node "$dir/server.mjs" \
  >"$root/target/scimmy-server.log" 2>&1 &
SCIMMY_SERVER_PID=$!
scimmy_server_stop() { kill "$SCIMMY_SERVER_PID" 2>/dev/null || true; wait "$SCIMMY_SERVER_PID" 2>/dev/null || true; }
for _ in $(seq 1 100); do
  if grep -q "SCIMMY on" "$root/target/scimmy-server.log" 2>/dev/null; then
    echo "SCIMMY $(node -p "require('$dir/node_modules/scimmy/package.json').version") on $ENTRAMAP_SCIMMY_URL (pid $SCIMMY_SERVER_PID)"
    return 0 2>/dev/null || exit 0
  fi
  sleep 0.2
done
echo "the SCIMMY server did not start; its log:" >&2
cat "$root/target/scimmy-server.log" >&2
scimmy_server_stop
return 1 2>/dev/null || exit 1
