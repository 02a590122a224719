#!/usr/bin/env bash
# npm run build: builds the npm package into pkg/.
#   1. cargo builds npm/ for wasm32-unknown-unknown (release profile) and wasm-bindgen
#      (the Cargo.lock version, installed by scripts/install-tools.sh) writes the --target web
#      glue: the two steps `wasm-pack build --target web --no-pack --no-opt` runs, without
#      wasm-pack's check of crates.io for a newer wasm-pack (it warns "failed to get wasm-pack
#      version" wherever crates.io's API is unreachable, and has no switch to turn it off);
#   2. wasm-opt (the npm `binaryen` package; passes below) shrinks the .wasm in place;
#   3. scripts/merge-pkg.mjs lays pkg-template/ over it and writes pkg/package.json;
#   4. esbuild bundles the JS a plain page downloads (the glue and the .wasm into index.js), terser
#      minifies it, and the gzip total is printed.
# Set TF_SKIP_INSTALL=1 to skip scripts/install-tools.sh (the other scripts do, having run it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

if [[ "${TF_SKIP_INSTALL:-}" != 1 ]]; then
  bash scripts/install-tools.sh --no-browsers
fi

rm -rf pkg
# The package's wasm module is the npm/ crate (the library with the `js` feature, a small
# allocator and a trapping panic handler: see npm/src/lib.rs).
# LLVM's inlining threshold: -Oz's default (5) leaves calls that cost more than they save here,
# and larger values duplicate code. Measured on this crate (wasm gzip -9, same code): 5 -> 30,823 B,
# 20 -> 30,556, 25 -> 30,364, 30 -> 30,245, 35 -> 30,455, 50 -> 31,945. `-C llvm-args` is a stable
# rustc option; the value is re-measured when the code changes much.
RUSTFLAGS="${RUSTFLAGS:-} -C llvm-args=-inline-threshold=30" \
  cargo build --lib --release --target wasm32-unknown-unknown -p tokenfetch-npm
# --typescript: tokenfetch.d.ts. pkg/package.json, README and LICENSE come from pkg-template/.
wasm-bindgen "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/tokenfetch_npm.wasm" \
  --target web --typescript --out-dir pkg --out-name tokenfetch

# The features rustc enables by default for wasm32-unknown-unknown (LLVM's "generic" CPU).
# Listed explicitly: with `strip = true` the .wasm has no target_features section to detect
# them from, and --all-features lets binaryen emit encodings browsers reject (stringref).
wasm_features=(
  --enable-bulk-memory --enable-bulk-memory-opt --enable-call-indirect-overlong
  --enable-multivalue --enable-mutable-globals --enable-nontrapping-float-to-int
  --enable-reference-types --enable-sign-ext
)
wasm_opt=node_modules/.bin/wasm-opt
# Flatten and re-loop the control flow, then -O2 and -Oz, functions ordered by use, repeated until
# nothing shrinks (--converge). Measured (wasm gzip -9): -Oz 29,797+; -O2 -Oz --converge 29,797;
# with --flatten --rereloop 29,680; and --reorder-functions 29,569. All are ordinary binaryen
# optimizations, none assumes traps never happen or memory is unused. The target_features section
# is only for tools; browsers ignore it.
wasm_opt_passes=(--flatten --rereloop -O2 -Oz --reorder-functions --converge)
printf 'build: %s %s\n' "$("$wasm_opt" --version)" "${wasm_opt_passes[*]}"
"$wasm_opt" "${wasm_opt_passes[@]}" "${wasm_features[@]}" --strip-debug --strip-producers --strip-target-features \
  pkg/tokenfetch_bg.wasm -o pkg/tokenfetch_bg.wasm

node scripts/merge-pkg.mjs
# The module a default init() loads travels inside index.js (bundled below): one request, not two.
node scripts/inline-wasm.mjs pkg/tokenfetch_bg.wasm pkg/tokenfetch_wasm.js

# What a page loads is one module: index.js with wasm-bindgen's glue and the .wasm bundled in, minified
# (the module's exports and the wasm's import names stay; only local names and whitespace go). The separate glue file is then dead weight and goes. The Node and React entries
# are minified too; their readable sources are in pkg-template/.
# esbuild bundles; terser minifies (measured 75 B gz smaller than esbuild's own minifier here).
# The built-in .wasm (base64) joins last, as the bundle's first statement: terser would otherwise
# inline it into the middle of the code, which then compresses as two pieces (+240 B gz).
esbuild=node_modules/.bin/esbuild
"$esbuild" pkg/index.js --bundle --format=esm --log-level=warning --external:./tokenfetch_wasm.js \
  --allow-overwrite --outfile=pkg/index.js
for js in pkg/index.js pkg/node.js pkg/react.js; do
  node_modules/.bin/terser "$js" --module --compress passes=3 --mangle --output "$js"
done
"$esbuild" pkg/index.js --bundle --format=esm --log-level=warning --minify-whitespace \
  --allow-overwrite --outfile=pkg/index.js
rm -r pkg/tokenfetch.js pkg/tokenfetch_wasm.js pkg/snippets

# Everything a browser downloads from pkg/, gzip -9: a page importing tokenfetch loads index.js,
# the .wasm included; a React app also loads react.js. node.js is only ever loaded by Node, and
# tokenfetch_bg.wasm only when an app passes it to init() or initSync() itself. The budget
# (.size-limit.json) covers the page and the React app.
gz() { gzip -9 -c "$1" | wc -c | tr -d ' '; }
page="$(gz pkg/index.js)"
react="$(gz pkg/react.js)"
printf 'pkg: index.js (the .wasm inside) gzip -9 %s B: what a page importing tokenfetch downloads\n' "$page"
printf 'pkg: a React app adds react.js %s B: %s B\n' "$react" "$((page + react))"
