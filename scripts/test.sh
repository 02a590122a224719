#!/usr/bin/env bash
# npm test: everything CI checks, in order, stopping at the first failure.
#
# Env (all optional):
#   TF_TEST_PORT        devserver port for the browser tests (default 8787)
#   TF_TEST_OTHER_PORT  its second origin (default TF_TEST_PORT + 1)
#   TF_SMOKE_PORT       devserver port for the package smoke test (default 8797; +1 too)
#   TF_TABS_PORT        devserver port for the cross-tab test (default 8940; +1 too)
#   TF_E2E_PORT         devserver port for the demo pages' end-to-end test (default 8900; +1 too)
#   CHROMEDRIVER, GECKODRIVER   WebDriver clients (default /usr/bin/chromedriver, geckodriver on PATH)
#   WASM_BINDGEN_TEST_TIMEOUT   seconds per browser test run (default 300)
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

step_chrome() {
  wasm-pack test --mode no-install --headless --chrome --chromedriver "${CHROMEDRIVER:-/usr/bin/chromedriver}" -- --test '*'
}

step_firefox() {
  local gecko="${GECKODRIVER:-$(command -v geckodriver || true)}"
  [[ -n "$gecko" ]] || die "geckodriver not found: run scripts/install-tools.sh"
  wasm-pack test --mode no-install --headless --firefox --geckodriver "$gecko" -- --test '*'
}

step_build() { TF_SKIP_INSTALL=1 bash scripts/build.sh; }

step_tabs() {
  node tests/tabs/tabs.e2e.mjs --server "$server_bin"
}

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

step_e2e() {
  local p site
  for p in "$e2e_port" "$((e2e_port + 1))"; do
    if port_in_use "$p"; then
      die "something already listens on 127.0.0.1:$p; pick free ports with TF_E2E_PORT=N"
    fi
  done
  site="$(target_dir)/e2e-site"
  assemble_site "$site"
  TF_E2E_PORT="$e2e_port" node e2e/demo.e2e.mjs --server "$server_bin" --site "$site"
  echo "screenshots: test-output/e2e/"
}

steps=(
  "install tools:step_install"
  "cargo test --workspace:step_cargo_test"
  "cargo clippy (native, wasm32):step_clippy"
  "start devserver:step_devserver"
  "browser tests in Chromium:step_chrome"
  "browser tests in Firefox:step_firefox"
  "npm run build:step_build"
  "package smoke test (Chromium):step_smoke"
  "shareAcrossTabs in 4 Chromium tabs:step_tabs"
  "TypeScript checks (examples/ts):step_typescript"
  "React demo (vite build):step_react"
  "demo pages end to end (Chromium):step_e2e"
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
    [[ "${results[$i]}" == ok ]] || step_failed=1
  done
  for ((i = ${#names[@]}; i < ${#steps[@]}; i++)); do
    printf '  %-7s %s\n' "-" "${steps[$i]%%:*} (not run)"
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
for entry in "${steps[@]}"; do
  current="${entry%%:*}"
  printf '\n==> [%d/%d] %s\n' "$((${#names[@]} + 1))" "${#steps[@]}" "$current"
  started="$(now_ms)"
  # Process substitution, not a pipe: the step runs in this shell and keeps its variables.
  "${entry#*:}" > >(tee "$out/step-$((${#names[@]} + 1)).log") 2>&1
  names+=("$current")
  results+=("ok")
  durations+=("$(($(now_ms) - started))")
  current=""
done
printf '\nall steps passed in %.1f s\n' "$(awk "BEGIN{print ($(now_ms) - $run_started)/1000}")"
