// The package entry. wasm-bindgen's generated init() is an async function, so every call returns
// a new promise; this one hands out the same promise every time (and forgets a failed attempt so
// that a later call can try again).
import wasmBindgenInit from "./tokenfetch.js";

export * from "./tokenfetch.js";

let ready;

/** Loads the WebAssembly module once; every call returns the same promise. */
export default function init(moduleOrPath) {
  if (ready === undefined) {
    ready = wasmBindgenInit(moduleOrPath).catch((error) => {
      ready = undefined;
      throw error;
    });
  }
  return ready;
}
