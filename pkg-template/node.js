// The package entry under Node (the "node" export condition: Node itself, Vitest, Jest with the
// "node" condition, SSR builds). The same module as index.js, whose built-in WebAssembly module
// needs no file access, except that a `file:` URL given to init() is read from disk: Node's
// fetch() cannot load one. Browser builds never resolve this file, so they never see its node:
// imports.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import browserInit from "./index.js";

export * from "./index.js";

/** A `file:` URL (a URL object or a string) becomes the file's bytes; anything else passes through. */
function fromDisk(source) {
  const href = typeof source === "string" ? source : typeof source?.href === "string" ? source.href : "";
  return href.startsWith("file:") ? readFile(fileURLToPath(href)) : source;
}

let ready;

/** Loads the WebAssembly module once; every call returns the same promise. */
export default function init(moduleOrPath) {
  if (ready === undefined) {
    const source =
      moduleOrPath !== undefined && Object.getPrototypeOf(moduleOrPath) === Object.prototype
        ? moduleOrPath.module_or_path
        : moduleOrPath;
    ready = browserInit({ module_or_path: fromDisk(source) }).catch((error) => {
      ready = undefined;
      throw error;
    });
  }
  return ready;
}
