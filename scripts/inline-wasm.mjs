// Writes pkg/tokenfetch_wasm.js: `export default "<base64>"`, the .wasm gzip-compressed by zopfli
// (about 6% smaller than gzip -9 on this module), for index.js to bundle. The default init() then
// needs no second request: the module arrives inside index.js, and the browser's
// DecompressionStream inflates it.
//
//   node scripts/inline-wasm.mjs pkg/tokenfetch_bg.wasm pkg/tokenfetch_wasm.js
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { gzipAsync } from "@gfx/zopfli";

const [wasmPath, outPath] = process.argv.slice(2);
if (!wasmPath || !outPath) {
  console.error("usage: node scripts/inline-wasm.mjs WASM_FILE OUT_JS");
  process.exit(2);
}
const wasm = readFileSync(wasmPath);
const gzipped = Buffer.from(await gzipAsync(wasm, { numiterations: 15 }));
// zopfli's output is ordinary gzip: check that it inflates back to the same bytes.
if (!gunzipSync(gzipped).equals(wasm)) throw new Error("inline-wasm: zopfli output does not inflate to the .wasm");
writeFileSync(outPath, `export default "${gzipped.toString("base64")}";\n`);
console.log(`inline-wasm: ${wasmPath} ${wasm.length} B -> gzip (zopfli) ${gzipped.length} B -> base64 in ${outPath}`);
