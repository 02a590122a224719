#!/usr/bin/env bash
# npm test: everything CI checks, in order, stopping at the first failure.
#
# Env (all optional):
#   TF_TEST_PORT        devserver port for the browser tests (default 8787)
#   TF_TEST_OTHER_PORT  its second origin (default TF_TEST_PORT + 1)
#   TF_SMOKE_PORT       devserver port for the package smoke test (default 8797; +1 too)
#   TF_TABS_PORT        devserver port for the cross-tab test (default 8940; +1 too)
#   TF_E2E_PORT         devserver port for the demo pages' end-to-end test (default 8900; +1 too)
#   TF_NODE_PORT        devserver port for tests/node (default 9200; +1 too)
#   CHROMEDRIVER, GECKODRIVER, WEBKITWEBDRIVER   WebDriver servers (default /usr/bin/chromedriver,
#                               geckodriver and WebKitWebDriver on PATH)
#   WASM_BINDGEN_TEST_TIMEOUT   seconds per browser test binary (default 300)
#   TF_SKIP_STEPS       steps not to run, by their function's name without step_ (e.g.
#                       "fmt webkit e2e_webkit"); for local runs: they show as skipped
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

port="${TF_TEST_PORT:-8787}"
other_port="${TF_TEST_OTHER_PORT:-$((port + 1))}"
smoke_port="${TF_SMOKE_PORT:-8797}"
e2e_port="${TF_E2E_PORT:-8900}"
out="$ROOT/test-output"
mkdir -p "$out"

# Read by the browser tests at compile time (option_env!), so set before anything compiles.
export TOKENFETCH_TEST_SERVER="http://127.0.0.1:$port"
export TOKENFETCH_TEST_OTHER_ORIGIN="http://127.0.0.1:$other_port"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"
export TF_SMOKE_PORT="$smoke_port"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

server_pid=""
server_bin=""

step_install() { bash scripts/install-tools.sh; }

step_fmt() {
  cargo fmt --all --check -- --color never || die "the code above is not formatted: run cargo fmt --all"
}

# Every native test: libraries, binaries, integration and doc tests. The browser tests and the
# crates without native tests are `test = false` in their manifests (Cargo.toml says why).
step_cargo_test() { cargo test --workspace; }

step_clippy() {
  cargo clippy --workspace --all-targets -- -D warnings
  cargo clippy --target wasm32-unknown-unknown --lib --tests -p tokenfetch -- -D warnings
}

step_devserver() {
  local p
  for p in "$port" "$other_port"; do
    if port_in_use "$p"; then
      die "something already listens on 127.0.0.1:$p; stop it, or pick free ports with TF_TEST_PORT=N (and TF_TEST_OTHER_PORT)"
    fi
  done
  cargo build -p tokenfetch-devserver
  server_bin="$(target_dir)/debug/tokenfetch-devserver"
  "$server_bin" --port "$port" --other-port "$other_port" >"$out/devserver.log" 2>&1 &
  server_pid=$!
  wait_for_health "http://127.0.0.1:$port/health" "$server_pid" "$out/devserver.log" 60
  echo "devserver (pid $server_pid) answers on http://127.0.0.1:$port and :$other_port; log: test-output/devserver.log"
}

step_chrome() { bash scripts/browser-tests.sh . chrome --test '*'; }
step_firefox() { bash scripts/browser-tests.sh . firefox --test '*'; }
step_webkit() { bash scripts/browser-tests.sh . webkit --test '*'; }

# examples/rust-app: tokenfetch as a Rust library (default features, no JS class) in a downstream
# crate of its own, against the same devserver.
step_rust_app_chrome() { bash scripts/browser-tests.sh examples/rust-app chrome --test '*'; }
step_rust_app_firefox() { bash scripts/browser-tests.sh examples/rust-app firefox --test '*'; }

# tests/node (Vitest): the built package in Node as an app's unit tests meet it, server-side
# rendering (projects node and ssr), and tokenfetch/react under React Testing Library (react).
# Two steps, so that the summary shows the React tests on their own line.
step_node() {
  local p node_port="${TF_NODE_PORT:-9200}"
  for p in "$node_port" "$((node_port + 1))"; do
    if port_in_use "$p"; then die "something already listens on 127.0.0.1:$p; pick free ports with TF_NODE_PORT=N"; fi
  done
  npm_deps "$ROOT/tests/node"
  (cd tests/node && TF_DEVSERVER="$server_bin" TF_NODE_PORT="$node_port" node_modules/.bin/vitest run --project node --project ssr </dev/null)
}
step_react_tests() {
  npm_deps "$ROOT/tests/node"
  (cd tests/node && node_modules/.bin/vitest run --project react </dev/null)
}

step_build() { TF_SKIP_INSTALL=1 bash scripts/build.sh; }

# The size budget (.size-limit.json): size-limit's file plugin gzips what a page downloads
# (index.js, the .wasm inside) and what a React app downloads (react.js too) with Node's zlib at
# level 9, which differs from GNU gzip -9 by a few dozen bytes (30,879 B against the 30,928 B
# build.sh prints); each limit is set just above what size-limit measures, so any growth fails.
step_size() { node_modules/.bin/size-limit; }

step_tabs() { node tests/tabs/tabs.e2e.mjs --server "$server_bin" --engine chromium; }
step_tabs_webkit() { node tests/tabs/tabs.e2e.mjs --server "$server_bin" --engine webkit; }

step_smoke() {
  if port_in_use "$smoke_port"; then
    die "something already listens on 127.0.0.1:$smoke_port; pick a free port with TF_SMOKE_PORT=N"
  fi
  node scripts/smoke-pkg.mjs --server "$server_bin"
}

step_typescript() {
  npm_deps "$ROOT/examples/ts"
  (cd examples/ts && node check.mjs)
}

step_react() { build_react_demo; }

e2e_site=""
# e2e ENGINE: the demo pages end to end; the site is assembled once for both engines.
e2e() {
  local p
  for p in "$e2e_port" "$((e2e_port + 1))"; do
    if port_in_use "$p"; then
      die "something already listens on 127.0.0.1:$p; pick free ports with TF_E2E_PORT=N"
    fi
  done
  if [[ -z "$e2e_site" ]]; then
    e2e_site="$(target_dir)/e2e-site"
    assemble_site "$e2e_site"
  fi
  TF_E2E_PORT="$e2e_port" node e2e/demo.e2e.mjs --server "$server_bin" --site "$e2e_site" --engine "$1"
  echo "screenshots: test-output/e2e/"
}
step_e2e() { e2e chromium; }
step_e2e_webkit() { e2e webkit; }

steps=(
  "install tools:step_install"
  "cargo fmt --check:step_fmt"
  "cargo test (native):step_cargo_test"
  "cargo clippy (native, wasm32):step_clippy"
  "start devserver:step_devserver"
  "browser tests in Chromium:step_chrome"
  "browser tests in Firefox:step_firefox"
  "browser tests in WebKit:step_webkit"
  "Rust app example in Chromium:step_rust_app_chrome"
  "Rust app example in Firefox:step_rust_app_firefox"
  "npm run build:step_build"
  "size budget (size-limit):step_size"
  "package smoke test (Chromium):step_smoke"
  "shareAcrossTabs in 4 Chromium tabs:step_tabs"
  "shareAcrossTabs in 4 WebKit windows:step_tabs_webkit"
  "TypeScript checks (examples/ts):step_typescript"
  "Node and SSR (tests/node):step_node"
  "React Testing Library (tests/node):step_react_tests"
  "React demo (vite build):step_react"
  "demo pages end to end (Chromium):step_e2e"
  "demo pages end to end (WebKit):step_e2e_webkit"
)

names=()
results=()
durations=()
current=""
started=""

now_ms() { date +%s%3N; }

finish() {
  local rc=$?
  set +e
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  if [[ -n "$current" ]]; then
    names+=("$current")
    results+=("FAILED")
    durations+=("$(($(now_ms) - started))")
  fi
  local i passed=0 failed=0 step_failed=0 counts p f
  printf '\n==> summary\n'
  for i in "${!names[@]}"; do
    # Tests counted from the runners' own result lines (cargo/wasm-bindgen-test, smoke).
    counts="$(test_counts "$out/step-$((i + 1)).log")"
    p="${counts% *}" f="${counts#* }"
    passed=$((passed + p)) failed=$((failed + f))
    printf '  %-7s %-36s %7.1f s  %s\n' "${results[$i]}" "${names[$i]}" \
      "$(awk "BEGIN{print ${durations[$i]}/1000}")" "$( ((p + f > 0)) && echo "$p passed, $f failed")"
    [[ "${results[$i]}" == ok || "${results[$i]}" == skipped ]] || step_failed=1
  done
  for ((i = ${#names[@]}; i < ${#steps[@]}; i++)); do
    printf '  %-7s %s\n' "-" "${steps[$i]%:*} (not run)"
  done
  if ((rc != 0 || step_failed)) && ((failed == 0)); then failed=1; fi
  printf 'tests: %d passed, %d failed\n' "$passed" "$failed"
  exit "$rc"
}
# "P F": tests passed and failed according to the result lines in a step's log.
test_counts() {
  [[ -f "$1" ]] || { echo "0 0"; return; }
  # cargo/wasm-bindgen-test's "test result: ok. N passed; M failed", and our Node runners'
  # closing "<label>: N passed, M failed" (smoke, tabs, e2e, typescript, ...).
  sed -nE 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p; s/^[a-z][a-z0-9-]*: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$1" |
    awk '{ p += $1; f += $2 } END { print p + 0, f + 0 }'
}

trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

run_started="$(now_ms)"
# Vitest and size-limit colour their output whenever CI is set; a log file gets plain text.
[[ -t 1 ]] || export NO_COLOR=1
skipped=()
for entry in "${steps[@]}"; do
  # "Title:function"; titles may contain colons, function names do not.
  current="${entry%:*}"
  fn="${entry##*:}"
  if [[ " ${TF_SKIP_STEPS:-} " == *" ${fn#step_} "* ]]; then
    printf '\n==> [%d/%d] %s: skipped (TF_SKIP_STEPS)\n' "$((${#names[@]} + 1))" "${#steps[@]}" "$current"
    : >"$out/step-$((${#names[@]} + 1)).log"
    names+=("$current") results+=("skipped") durations+=(0) skipped+=("${fn#step_}")
    current=""
    continue
  fi
  printf '\n==> [%d/%d] %s\n' "$((${#names[@]} + 1))" "${#steps[@]}" "$current"
  started="$(now_ms)"
  # Process substitution, not a pipe: the step runs in this shell and keeps its variables.
  "$fn" > >(tee "$out/step-$((${#names[@]} + 1)).log") 2>&1
  names+=("$current")
  results+=("ok")
  durations+=("$(($(now_ms) - started))")
  current=""
done
printf '\nall steps passed in %.1f s%s\n' "$(awk "BEGIN{print ($(now_ms) - $run_started)/1000}")" \
  "$( ((${#skipped[@]})) && echo " (skipped: ${skipped[*]})")"
