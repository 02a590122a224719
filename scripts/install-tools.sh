#!/usr/bin/env bash
# Installs what building and testing tokenfetch needs, and only what is missing; quick when
# everything is there, one line per tool.
#
#   scripts/install-tools.sh                 everything npm test needs
#   scripts/install-tools.sh --no-browsers   what npm run build and npm start need
#   scripts/install-tools.sh --bench         what npm run build and npm run bench need
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# cargo-installed tools live here; CI shells do not always have it on PATH. Nothing waits for a terminal.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" DEBIAN_FRONTEND=noninteractive

say() { printf 'install-tools: %s\n' "$*"; }
die() {
  printf 'install-tools: error: %s\n' "$*" >&2
  exit 1
}
case "${1:-}" in
  "") mode=test ;;
  --no-browsers) mode=build ;;
  --bench) mode=bench ;;
  *) die "unknown argument: $1 (see the top of $0)" ;;
esac

# --- Rust's wasm target and wasm-bindgen-cli at exactly the Cargo.lock version ------------------
command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first (https://rustup.rs)"
if [[ -d "$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null)" ]]; then
  say "found rust target wasm32-unknown-unknown"
else
  command -v rustup >/dev/null || die "the wasm32-unknown-unknown target is missing and rustup is not installed"
  rustup target add wasm32-unknown-unknown
fi
wb_id="$(cargo pkgid --quiet wasm-bindgen)" || die "cargo pkgid found no single wasm-bindgen in Cargo.lock"
wb_version="${wb_id##*[@#]}" # registry+https://…crates.io-index#wasm-bindgen@0.2.130
if [[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $wb_version" &&
  "$(wasm-bindgen-test-runner --version 2>/dev/null)" == "wasm-bindgen-test-runner $wb_version" ]]; then
  say "found wasm-bindgen-cli $wb_version"
else
  say "installing wasm-bindgen-cli $wb_version (takes a few minutes)"
  # No --locked: the lockfile shipped in wasm-bindgen-cli pins crate versions the registry lacks.
  cargo install --quiet wasm-bindgen-cli --version "=$wb_version"
fi
if [[ $mode == test ]]; then
  for tool in wasm-pack geckodriver; do
    if command -v "$tool" >/dev/null; then
      say "found $("$tool" --version 2>/dev/null | head -n 1)"
    else
      say "installing $tool (takes a minute)"
      cargo install --quiet "$tool"
    fi
  done
fi

# --- Debian's browsers and WebDriver servers (never downloaded ones) ----------------------------
# WebKitGTK (Safari's engine): its WebDriver and MiniBrowser, which draws into Xvfb (xvfb-run).
case $mode in
  test) packages=(chromium chromium-driver firefox-esr webkit2gtk-driver libwebkit2gtk-4.1-0 xvfb xauth) ;;
  bench) packages=(chromium) ;;
  build) packages=() ;;
esac
missing=()
for p in "${packages[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  cmd="apt-get update && apt-get install -y ${missing[*]}"
  command -v apt-get >/dev/null || die "missing ${missing[*]} and there is no apt-get: install them by hand"
  ((EUID == 0)) || die "missing ${missing[*]}; as root, run: $cmd
then run this again"
  say "installing ${missing[*]} with apt-get"
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" </dev/null >/dev/null
elif ((${#packages[@]})); then
  say "found ${packages[*]}"
fi

# --- Node.js and the npm dependencies of each folder that has its own package.json ---------------
command -v node >/dev/null || die "node not found: install Node.js 20 or newer"
(($(node -p 'process.versions.node.split(".")[0]') >= 20)) || die "Node.js $(node --version) is too old: 20 or newer is needed"
# Installs DIR's dependencies unless node_modules is newer than package.json and its lockfile
# (npm rewrites node_modules/.package-lock.json on each install).
npm_deps() {
  local stamp="$1/node_modules/.package-lock.json"
  if [[ -f "$stamp" && "$stamp" -nt "$1/package.json" && "$stamp" -nt "$1/package-lock.json" ]]; then
    say "found $1/node_modules"
  else
    say "npm ci in $1"
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
  fi
}
case $mode in
  test) dirs=(. www/react tests/node examples/ts) ;;
  bench) dirs=(. bench) ;;
  build) dirs=(. www/react) ;;
esac
for dir in "${dirs[@]}"; do npm_deps "$dir"; done
