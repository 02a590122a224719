#!/usr/bin/env bash
# Runs a crate's wasm-bindgen browser tests (wasm-bindgen-test with run_in_browser) in one engine:
#
#   scripts/browser-tests.sh CRATE_DIR chrome|firefox|webkit [cargo test args, e.g. --test '*']
#
# This is what `wasm-pack test --headless --chrome|--firefox|--safari` does, done directly:
# `cargo test --target wasm32-unknown-unknown` with wasm-bindgen-test-runner as cargo's runner
# and exactly one WebDriver named in the environment (the runner takes the first of GECKODRIVER,
# SAFARIDRIVER, CHROMEDRIVER it finds, so the others are cleared). Going straight to cargo lets
# `--no-fail-fast` through (wasm-pack also hands the extra args to `cargo build`, which refuses
# it), so one failing suite does not hide the others.
#
# WebKit: the runner's Safari path with SAFARIDRIVER=WebKitWebDriver (WebKitGTK's driver). That
# path sends empty capabilities and ignores webdriver.json; WebKitGTK then starts its own
# MiniBrowser in automation mode, the same browser the capabilities in scripts/lib/webdriver.mjs
# name. MiniBrowser needs a display: a private Xvfb is started here and stopped on exit. The
# runner's output says "Safari": it is WebKitGTK.
#
# Env: CHROMEDRIVER (default /usr/bin/chromedriver), GECKODRIVER (default geckodriver on PATH),
# WEBKITWEBDRIVER (default WebKitWebDriver on PATH), WASM_BINDGEN_TEST_TIMEOUT (seconds per
# test binary; the runner's default is 20). Each test binary prints cargo's usual
# "test result: ok. N passed; M failed" line; the exit status is cargo test's.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

(($# >= 2)) || die "usage: scripts/browser-tests.sh CRATE_DIR chrome|firefox|webkit [cargo test args]"
crate_dir=$1 engine=$2
shift 2
[[ -f "$crate_dir/Cargo.toml" ]] || die "$crate_dir has no Cargo.toml"

chromedriver="${CHROMEDRIVER:-/usr/bin/chromedriver}"
geckodriver="${GECKODRIVER:-$(command -v geckodriver || true)}"
webkitwebdriver="${WEBKITWEBDRIVER:-$(command -v WebKitWebDriver || true)}"
# Only the driver of this run may be visible to the runner (remote ones included).
for name in GECKODRIVER SAFARIDRIVER CHROMEDRIVER MSEDGEDRIVER; do
  unset "$name" "${name}_REMOTE"
done

xvfb_pid=""
stop_xvfb() {
  if [[ -n "$xvfb_pid" ]]; then
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
    xvfb_pid=""
  fi
}
trap stop_xvfb EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A private X server; -displayfd makes Xvfb pick a free display and write its number when ready;
# -noreset keeps it from resetting each time one test binary's MiniBrowser leaves (a MiniBrowser
# connecting during a reset may fail with "cannot open display"; see scripts/lib/webdriver.mjs).
start_xvfb() {
  command -v Xvfb >/dev/null || die "Xvfb not found: run scripts/install-tools.sh (apt xvfb)"
  local ready log i
  ready="$(mktemp)"
  log="$(mktemp)"
  Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -noreset 3>"$ready" 2>"$log" &
  xvfb_pid=$!
  for ((i = 0; i < 100; i++)); do
    [[ -s "$ready" ]] && break
    kill -0 "$xvfb_pid" 2>/dev/null || die "Xvfb exited before it was ready: $(tail -n 5 "$log")"
    sleep 0.1
  done
  [[ -s "$ready" ]] || die "Xvfb was not ready within 10 s: $(tail -n 5 "$log")"
  DISPLAY=":$(tr -dc 0-9 <"$ready")"
  export DISPLAY
  rm -f "$ready" "$log"
}

case "$engine" in
  chrome)
    [[ -x "$chromedriver" ]] || die "chromedriver not found at $chromedriver: run scripts/install-tools.sh"
    export CHROMEDRIVER="$chromedriver"
    ;;
  firefox)
    [[ -n "$geckodriver" ]] || die "geckodriver not found: run scripts/install-tools.sh"
    export GECKODRIVER="$geckodriver"
    ;;
  webkit)
    [[ -n "$webkitwebdriver" ]] || die "WebKitWebDriver not found: run scripts/install-tools.sh (apt webkit2gtk-driver)"
    [[ -n "$(webkit_minibrowser)" ]] || die "WebKitGTK's MiniBrowser not found: run scripts/install-tools.sh (apt libwebkit2gtk-4.1-0)"
    start_xvfb
    export SAFARIDRIVER="$webkitwebdriver"
    printf 'browser-tests: WebKit is WebKitGTK %s (MiniBrowser via %s, display %s)\n' \
      "$(dpkg-query -W -f='${Version}' libwebkit2gtk-4.1-0 2>/dev/null || echo '?')" "$webkitwebdriver" "$DISPLAY"
    ;;
  *) die "engine must be chrome, firefox or webkit (got $engine)" ;;
esac

export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_ONLY_WEB=1
# The runner reads webdriver.json from the current directory, which cargo sets to the crate's.
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="${WASM_BINDGEN_TEST_WEBDRIVER_JSON:-$ROOT/webdriver.json}"

cd "$crate_dir"
# Not exec: the EXIT trap stops Xvfb afterwards.
cargo test --target wasm32-unknown-unknown --no-fail-fast "$@"
