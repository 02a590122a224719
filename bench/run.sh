#!/usr/bin/env bash
# npm run bench: installs what is missing, builds pkg/ (when it is missing or older than its
# sources) and the release devserver, then runs bench/bench.mjs, which prints the table and
# writes bench/results.json. Not part of npm test. See BENCHMARKS.md. Arguments go to bench.mjs
# (`npm run bench -- --profile`: where the per-request time goes, instead of the benchmark).
#
# Env: BENCH_BUILD=auto (default) | always | never   when to run `npm run build` first
#      BENCH_PORT (default 8910), CHROMIUM (default /usr/bin/chromium), BENCH_QUICK=1 (small
#      counts to try the harness; its figures are not the benchmark's)
set -euo pipefail
script_name=bench # the prefix of die's messages
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
cd "$ROOT"

say() { printf 'bench: %s\n' "$*"; }

command -v node >/dev/null || die "node not found: install Node.js 20 or newer"
command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first"

# --- bench/node_modules: the clients compared, esbuild, playwright-core ------------------------
npm_deps "$ROOT/bench"

# --- Chromium (Debian's; never a downloaded browser) -------------------------------------------
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  [[ -z "${CHROMIUM:-}" ]] || die "CHROMIUM=$CHROMIUM is not an executable"
  apt_install chromium
fi

# --- pkg/ ---------------------------------------------------------------------------------------
build_mode="${BENCH_BUILD:-auto}"
wasm=pkg/tokenfetch_bg.wasm
case "$build_mode" in
  always) build=1 ;;
  never)
    build=0
    [[ -f "$wasm" ]] || die "BENCH_BUILD=never but pkg/ is not built"
    ;;
  auto)
    build=0
    if [[ ! -f "$wasm" || ! -f pkg/index.js ]]; then
      build=1
    else
      newer="$(find src pkg-template Cargo.toml Cargo.lock scripts/build.sh scripts/merge-pkg.mjs \
        -newer "$wasm" -type f -print -quit 2>/dev/null || true)"
      [[ -z "$newer" ]] || build=1
    fi
    ;;
  *) die "BENCH_BUILD must be auto, always or never (got $build_mode)" ;;
esac
if ((build)); then
  say "building pkg/ (npm run build)"
  npm run --silent build
else
  say "using pkg/ as built ($(date -r "$wasm" '+%Y-%m-%d %H:%M:%S'); BENCH_BUILD=always rebuilds it)"
fi

# --- the release devserver (cargo rebuilds it only when its sources changed) --------------------
say "building the release devserver (cargo build --release -p tokenfetch-devserver)"
cargo build --quiet --release -p tokenfetch-devserver

exec node bench/bench.mjs --server "$(target_dir)/release/tokenfetch-devserver" "$@"
