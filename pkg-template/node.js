// The package entry under Node (the "node" export condition: Node itself, Vitest, Jest with the
// "node" condition, SSR builds). The same module as index.js, except that init() reads
// tokenfetch_bg.wasm from disk: Node's fetch() cannot load a file: URL. Browser builds never
// resolve this file, so they never see its node: import.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import browserInit from "./index.js";

export * from "./index.js";

const WASM = "tokenfetch_bg.wasm";

/**
 * The .wasm beside this module. Bundlers rewrite the literal `new URL("…", import.meta.url)` to
 * the asset they emit (SSR builds); Vitest under jsdom rewrites it to a dev-server http: URL,
 * and then the file is found from this module's own URL. Paths reach readFile as strings: under
 * jsdom the global URL is jsdom's, which fs does not take.
 */
function wasmFile() {
  const asset = new URL("tokenfetch_bg.wasm", import.meta.url).href;
  return readFile(fileURLToPath(asset.startsWith("file:") ? asset : new URL(WASM, import.meta.url).href));
}

/** A `file:` URL (a URL object or a string) becomes the file's bytes; anything else passes through. */
function fromDisk(source) {
  const href = typeof source === "string" ? source : typeof source?.href === "string" ? source.href : "";
  return href.startsWith("file:") ? readFile(fileURLToPath(href)) : source;
}

let ready;

/** Loads the WebAssembly module once (from disk by default); every call returns the same promise. */
export default function init(moduleOrPath) {
  if (ready === undefined) {
    const source =
      moduleOrPath !== undefined && Object.getPrototypeOf(moduleOrPath) === Object.prototype
        ? moduleOrPath.module_or_path
        : moduleOrPath;
    ready = browserInit({ module_or_path: source === undefined ? wasmFile() : fromDisk(source) }).catch((error) => {
      ready = undefined;
      throw error;
    });
  }
  return ready;
}
