#!/usr/bin/env bash
# npm start: builds the package, the React demo (www/react, vite build) and the devserver, and
# serves the demo site until Ctrl-C: / (landing page), /plain/, /react/.
#
# Env: PORT (default 8080; the devserver's second origin is the next port), TOKEN_TTL (token
# lifetime in seconds, the devserver's default when unset).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

port="${PORT:-8080}"

bash scripts/install-tools.sh --no-browsers
TF_SKIP_INSTALL=1 bash scripts/build.sh
build_react_demo
cargo build --release -p tokenfetch-devserver

site="$(target_dir)/site"
assemble_site "$site"

if port_in_use "$port"; then
  die "something already listens on 127.0.0.1:$port: stop it or choose another port with PORT=N"
fi

args=(--port "$port" --static "$site")
[[ -n "${TOKEN_TTL:-}" ]] && args+=(--ttl "$TOKEN_TTL")

"$(target_dir)/release/tokenfetch-devserver" "${args[@]}" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
wait_for_health "http://127.0.0.1:$port/health" "$server_pid" /dev/null 60
printf '\ntokenfetch demo: http://127.0.0.1:%s/\n  plain page:    http://127.0.0.1:%s/plain/\n  React + Vite:  http://127.0.0.1:%s/react/\n  second origin: http://127.0.0.1:%s/ (the same server, for cross-origin requests)\n(Ctrl-C to stop)\n\n' "$port" "$port" "$port" "$((port + 1))"
wait "$server_pid"
