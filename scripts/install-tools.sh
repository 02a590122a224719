#!/usr/bin/env bash
# Installs what building and testing tokenfetch needs, and only what is missing.
# Idempotent and quick when everything is there; prints one line per tool.
#
#   scripts/install-tools.sh                 everything (build, browser tests)
#   scripts/install-tools.sh --no-browsers   only what `npm run build` / `npm start` need
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

browsers=1
for arg in "$@"; do
  case "$arg" in
    --no-browsers) browsers=0 ;;
    -h | --help)
      sed -n '2,7p' "$0"
      exit 0
      ;;
    *) die "unknown argument: $arg (try --help)" ;;
  esac
done

say() { printf 'install-tools: %s\n' "$*"; }

# --- Rust toolchain and the wasm target --------------------------------------------------------
command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first (https://rustup.rs)"
wasm_libdir="$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null || true)"
if [[ -n "$wasm_libdir" && -d "$wasm_libdir" ]]; then
  say "found rust target wasm32-unknown-unknown"
else
  command -v rustup >/dev/null || die "the wasm32-unknown-unknown target is missing and rustup is not installed"
  say "installing rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# --- wasm-bindgen-cli, at exactly the version in Cargo.lock -----------------------------------
if [[ ! -f Cargo.lock ]]; then
  say "no Cargo.lock yet: generating it"
  cargo generate-lockfile --quiet
fi
# cargo's own package id, e.g. registry+https://github.com/rust-lang/crates.io-index#wasm-bindgen@0.2.130
wb_id="$(cargo pkgid --quiet wasm-bindgen)" || die "cargo pkgid found no single wasm-bindgen in Cargo.lock"
wb_version="${wb_id##*[@#]}"
have_wb="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
have_runner="$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have_wb" == "$wb_version" && "$have_runner" == "$wb_version" ]]; then
  say "found wasm-bindgen-cli $wb_version"
else
  say "installing wasm-bindgen-cli $wb_version (found: ${have_wb:-none}; takes a few minutes)"
  # No --locked: the lockfile shipped in wasm-bindgen-cli pins crate versions the registry lacks.
  cargo install --quiet wasm-bindgen-cli --version "=$wb_version"
fi

# --- browsers and their WebDriver clients -----------------------------------------------------
if ((browsers)); then
  # wasm-pack: not used by npm run build or npm test (they call cargo and wasm-bindgen directly),
  # but it is how wasm-bindgen crates are usually tested by hand (`wasm-pack test --headless
  # --chrome`, as examples/rust-app's README shows), so test machines get it; npm start does not.
  if command -v wasm-pack >/dev/null; then
    say "found $(wasm-pack --version)"
  else
    say "installing wasm-pack (takes a minute)"
    cargo install --quiet wasm-pack
  fi

  if command -v geckodriver >/dev/null; then
    say "found $(geckodriver --version 2>/dev/null | head -n 1)"
  else
    say "installing geckodriver (takes a minute)"
    cargo install --quiet geckodriver
  fi

  # Debian's Chromium, ChromeDriver and Firefox ESR; WebKitGTK (Safari's engine) with its
  # WebDriver and MiniBrowser, and Xvfb for MiniBrowser to draw into.
  missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  command -v firefox-esr >/dev/null || command -v firefox >/dev/null || missing+=(firefox-esr)
  command -v WebKitWebDriver >/dev/null || missing+=(webkit2gtk-driver)
  [[ -x "$(webkit_minibrowser)" ]] || missing+=(libwebkit2gtk-4.1-0)
  command -v Xvfb >/dev/null || missing+=(xvfb)
  if ((${#missing[@]} == 0)); then
    say "found chromium, chromedriver, firefox, WebKitWebDriver, MiniBrowser and Xvfb"
  else
    apt_install "${missing[@]}"
  fi
fi

# --- Node.js and the npm devDependencies ------------------------------------------------------
command -v node >/dev/null || die "node not found: install Node.js 20 or newer"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= 20)) || die "Node.js $(node --version) is too old: 20 or newer is needed"

npm_deps "$ROOT"
