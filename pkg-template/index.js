// The package entry (browsers and bundlers; Node gets node.js, which builds on this file).
//
// - init(): wasm-bindgen's generated init() is an async function, so every call returns a new
//   promise; this one hands out the same promise every time (and forgets a failed attempt so that
//   a later call can try again).
// - AuthClient: the generated class, with a constructor that says "call init() first" instead of
//   failing inside the glue ("Cannot read properties of undefined") before the module is loaded,
//   and toJSON() (JSON.stringify(client) shows its state, never the token), which costs a line of
//   JS here and a few hundred bytes in the wasm.
//
// Importing this file touches no browser global (window, document, location): it only defines
// functions and classes.
import wasmBindgenInit, { AuthClient as WasmAuthClient, initSync as wasmBindgenInitSync } from "./tokenfetch.js";

export * from "./tokenfetch.js";

let ready;
let loaded = false;

/** Loads the WebAssembly module once; every call returns the same promise. */
export default function init(moduleOrPath) {
  if (ready === undefined) {
    ready = wasmBindgenInit(moduleOrPath).then(
      (output) => {
        loaded = true;
        return output;
      },
      (error) => {
        ready = undefined;
        throw error;
      },
    );
  }
  return ready;
}

/** Instantiates the module synchronously from its bytes or a compiled `WebAssembly.Module`. */
export function initSync(module) {
  const output = wasmBindgenInitSync(module);
  loaded = true;
  return output;
}

export class AuthClient extends WasmAuthClient {
  constructor(options) {
    if (!loaded) {
      throw new Error("tokenfetch: the WebAssembly module is not loaded yet: await init() before new AuthClient()");
    }
    super(options);
  }

  toJSON() {
    return { hasToken: this.hasToken, expiresAt: this.expiresAt };
  }
}
