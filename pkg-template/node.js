// The package entry under Node (the "node" export condition: Node itself, Vitest, Jest with the
// "node" condition, SSR builds). The same module as index.js, except that init() reads
// tokenfetch_bg.wasm from disk: Node's fetch() cannot load a file: URL. Browser builds never
// resolve this file, so they never see its node: import.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import browserInit from "./index.js";

export * from "./index.js";

/**
 * The .wasm beside this module. Bundlers rewrite the literal `new URL("…", import.meta.url)` to
 * the asset they emit (SSR builds); Vitest under jsdom rewrites it to a dev-server http: URL,
 * and then the file is found beside this module's own path (a path join, not `new URL(…)`, which
 * the same rewrite, or a minifier inlining the name into it, would turn into http: again). Paths
 * reach readFile as strings: under jsdom the global URL is jsdom's, which fs does not take.
 */
function wasmFile() {
  const asset = new URL("tokenfetch_bg.wasm", import.meta.url).href;
  const besideThisModule = join(dirname(fileURLToPath(import.meta.url)), "tokenfetch_bg.wasm");
  return readFile(asset.startsWith("file:") ? fileURLToPath(asset) : besideThisModule);
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
