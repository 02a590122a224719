# Shared helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# Tools installed with `cargo install` live here; CI shells do not always have it on PATH.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# Never wait for a terminal: apt, npm and cargo run unattended.
export DEBIAN_FRONTEND=noninteractive

# die MESSAGE: prints "<script>: error: MESSAGE" and exits (script_name overrides the prefix).
die() {
  printf '%s: error: %s\n' "${script_name:-$(basename "$0" .sh)}" "$*" >&2
  exit 1
}

# apt_install PACKAGE...: installs Debian packages. Run as another user than root it names the
# exact apt-get command to run first and fails.
apt_install() {
  local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $*"
  command -v apt-get >/dev/null || die "missing $* and there is no apt-get: install them by hand"
  ((EUID == 0)) || die "missing $*; run this as root, then run this script again:
    $cmd"
  printf '%s: installing %s with apt-get\n' "${script_name:-$(basename "$0" .sh)}" "$*"
  apt-get update -qq
  apt-get install -y -qq "$@" </dev/null >/dev/null
}

# The cargo target directory (honours CARGO_TARGET_DIR and .cargo/config).
target_dir() {
  if [[ -n "${CARGO_TARGET_DIR:-}" ]]; then
    printf '%s\n' "$CARGO_TARGET_DIR"
  else
    cargo metadata --no-deps --format-version 1 --manifest-path "$ROOT/Cargo.toml" |
      node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))'
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_for_health URL PID LOG SECONDS: poll URL until it answers 200, fail early if PID dies.
wait_for_health() {
  local url=$1 pid=$2 log=$3 max=$4 waited=0
  while ! node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      printf 'devserver exited before %s answered; its log (%s):\n' "$url" "$log" >&2
      tail -n 40 "$log" >&2 || true
      return 1
    fi
    if (( waited >= max * 2 )); then
      printf 'devserver did not answer %s within %s s; its log (%s):\n' "$url" "$max" "$log" >&2
      tail -n 40 "$log" >&2 || true
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
}

# npm_deps DIR: installs the npm dependencies of DIR (which has its own package.json), unless
# node_modules is newer than package.json and the lockfile (npm rewrites its stamp each install).
npm_deps() {
  local dir=$1 stamp="$1/node_modules/.package-lock.json" name
  name="${dir#"$ROOT"}"
  name="${name#/}"
  name="${name:-.}"
  if [[ -f "$stamp" && "$stamp" -nt "$dir/package.json" && (! -f "$dir/package-lock.json" || "$stamp" -nt "$dir/package-lock.json") ]]; then
    printf 'npm: %s/node_modules is up to date\n' "$name"
  elif [[ -f "$dir/package-lock.json" ]]; then
    printf 'npm: npm ci in %s\n' "$name"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
  else
    printf 'npm: npm install in %s\n' "$name"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error </dev/null)
  fi
}

# build_react_demo: the React demo's production build, www/react/dist (vite build, base /react/).
# Its `tokenfetch` dependency is a link to pkg/, so pkg/ must be built first.
build_react_demo() {
  [[ -f "$ROOT/pkg/tokenfetch_bg.wasm" ]] || die "pkg/ is not built: run npm run build"
  npm_deps "$ROOT/www/react"
  (cd "$ROOT/www/react" && node_modules/.bin/vite build --logLevel warn </dev/null)
  [[ -f "$ROOT/www/react/dist/index.html" ]] || die "vite build wrote no www/react/dist/index.html"
  printf 'react demo: www/react/dist built\n'
}

# assemble_site DIR: the demo site: www/* at the root (landing page, /plain/, /shared/), the
# React demo's build at /react/ and the built package at /pkg/.
assemble_site() {
  local site=$1 entry
  [[ -f "$ROOT/pkg/tokenfetch_bg.wasm" ]] || die "pkg/ is not built: run npm run build"
  [[ -f "$ROOT/www/react/dist/index.html" ]] || die "www/react/dist is not built: run build_react_demo"
  rm -rf "$site"
  mkdir -p "$site"
  for entry in "$ROOT"/www/*; do
    [[ "$(basename "$entry")" == react ]] && continue # sources and node_modules: only dist/ is served
    cp -R "$entry" "$site/"
  done
  cp -R "$ROOT/www/react/dist" "$site/react"
  cp -R "$ROOT/pkg" "$site/pkg"
}

# WebKitGTK's MiniBrowser, which Debian keeps out of PATH (MINIBROWSER overrides); prints
# nothing when it is not installed.
webkit_minibrowser() {
  if [[ -n "${MINIBROWSER:-}" ]]; then
    printf '%s\n' "$MINIBROWSER"
    return
  fi
  local f
  for f in /usr/lib/*/webkit2gtk-4.1/MiniBrowser /usr/libexec/webkit2gtk-4.1/MiniBrowser; do
    if [[ -x "$f" ]]; then
      printf '%s\n' "$f"
      return
    fi
  done
}
