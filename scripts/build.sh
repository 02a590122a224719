#!/usr/bin/env bash
# npm run build: builds the npm package into pkg/.
#   1. cargo builds the crate for wasm32-unknown-unknown (release profile) and wasm-bindgen
#      (the Cargo.lock version, installed by scripts/install-tools.sh) writes the --target web
#      glue: the two steps `wasm-pack build --target web --no-pack --no-opt` runs, without
#      wasm-pack's check of crates.io for a newer wasm-pack (it warns "failed to get wasm-pack
#      version" wherever crates.io's API is unreachable, and has no switch to turn it off);
#   2. wasm-opt -O2 -Oz --converge (the npm `binaryen` package) shrinks the .wasm in place;
#   3. scripts/merge-pkg.mjs lays pkg-template/ over it and writes pkg/package.json.
# Set TF_SKIP_INSTALL=1 to skip scripts/install-tools.sh (the other scripts do, having run it).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

if [[ "${TF_SKIP_INSTALL:-}" != 1 ]]; then
  bash scripts/install-tools.sh --no-browsers
fi

rm -rf pkg
cargo build --lib --release --target wasm32-unknown-unknown -p tokenfetch
# --typescript: tokenfetch.d.ts. pkg/package.json, README and LICENSE come from pkg-template/.
wasm-bindgen "$(target_dir)/wasm32-unknown-unknown/release/tokenfetch.wasm" \
  --target web --typescript --out-dir pkg --out-name tokenfetch

# The features rustc enables by default for wasm32-unknown-unknown (LLVM's "generic" CPU).
# Listed explicitly: with `strip = true` the .wasm has no target_features section to detect
# them from, and --all-features lets binaryen emit encodings browsers reject (stringref).
wasm_features=(
  --enable-bulk-memory --enable-bulk-memory-opt --enable-call-indirect-overlong
  --enable-multivalue --enable-mutable-globals --enable-nontrapping-float-to-int
  --enable-reference-types --enable-sign-ext
)
wasm_opt="$ROOT/node_modules/.bin/wasm-opt"
[[ -x "$wasm_opt" ]] || die "node_modules/.bin/wasm-opt is missing: run scripts/install-tools.sh"
# -O2 then -Oz, repeated until nothing shrinks (--converge): measured ~370 B gz smaller than a
# single -Oz. The target_features section is only for tools; browsers ignore it.
wasm_opt_passes=(-O2 -Oz --converge)
printf 'build: %s %s\n' "$("$wasm_opt" --version)" "${wasm_opt_passes[*]}"
"$wasm_opt" "${wasm_opt_passes[@]}" "${wasm_features[@]}" --strip-debug --strip-producers --strip-target-features \
  pkg/tokenfetch_bg.wasm -o pkg/tokenfetch_bg.wasm

node scripts/merge-pkg.mjs

gz() { gzip -9 -c "$1" | wc -c | tr -d ' '; }
printf 'pkg: tokenfetch_bg.wasm %s B gz, tokenfetch.js %s B gz\n' \
  "$(gz pkg/tokenfetch_bg.wasm)" "$(gz pkg/tokenfetch.js)"
