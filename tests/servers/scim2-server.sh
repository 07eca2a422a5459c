#!/usr/bin/env bash
# Start PyPI scim2-server (pinned in scim2-server.requirements.txt) on 127.0.0.1 for
# tests/sync_live.rs and docs/sync.md's walk-through. Source it:
#
#   . tests/servers/scim2-server.sh      # installs into target/scim2-venv once, starts the server
#   cargo test --features scim-tests --test sync_live
#   scim2_server_stop
#
# It exports ENTRAMAP_SCIM2_URL (each test adds its own tenant path: --dynamic-tenants) and
# ENTRAMAP_SCIM2_TOKEN (the bearer token the server accepts). The server keeps everything in
# memory and forgets it when it stops. (Sourced: it leaves the caller's shell options alone.)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${ENTRAMAP_SCIM2_VENV:-$root/target/scim2-venv}"
if [ ! -x "$venv/bin/scim2-server" ]; then
  python3 -m venv "$venv" &&
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      -r "$root/tests/servers/scim2-server.requirements.txt" ||
    { echo "cannot install scim2-server into $venv" >&2; return 1 2>/dev/null || exit 1; }
fi
mkdir -p "$root/target"
port="${ENTRAMAP_SCIM2_PORT:-18431}"
export ENTRAMAP_SCIM2_TOKEN="entramap-test-token-$RANDOM$RANDOM"
export ENTRAMAP_SCIM2_URL="http://127.0.0.1:$port"
"$venv/bin/scim2-server" --hostname 127.0.0.1 --port "$port" \
  --bearer-token "$ENTRAMAP_SCIM2_TOKEN" --dynamic-tenants \
  >"$root/target/scim2-server.log" 2>&1 &
SCIM2_SERVER_PID=$!
scim2_server_stop() { kill "$SCIM2_SERVER_PID" 2>/dev/null || true; wait "$SCIM2_SERVER_PID" 2>/dev/null || true; }
# Ready when it answers (401 without the token is an answer).
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request,sys
try: urllib.request.urlopen('$ENTRAMAP_SCIM2_URL/ServiceProviderConfig', timeout=1)
except urllib.error.HTTPError: pass
except Exception: sys.exit(1)" 2>/dev/null; then
    echo "scim2-server $("$venv/bin/pip" show scim2-server | sed -n 's/^Version: //p') on $ENTRAMAP_SCIM2_URL (pid $SCIM2_SERVER_PID)"
    return 0 2>/dev/null || exit 0
  fi
  sleep 0.2
done
echo "scim2-server did not start; its log:" >&2
cat "$root/target/scim2-server.log" >&2
scim2_server_stop
return 1 2>/dev/null || exit 1
