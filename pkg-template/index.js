// The package entry (browsers, bundlers and Node; node.js builds on this file for Node).
//
// - init(): loads the WebAssembly module once and hands out the same promise every time
//   (wasm-bindgen's generated init() is an async function, so every call would return a new one),
//   forgetting a failed attempt so that a later call can try again. By default the module comes
//   from inside this file (gzip in base64, put there by the build), so a page makes one request
//   for the package, not two one after the other.
// - AuthClient: the generated class, with a constructor that says "call init() first" instead of
//   failing inside the glue ("Cannot read properties of undefined") before the module is loaded,
//   and toJSON() (JSON.stringify(client) shows its state, never the token), which costs a line of
//   JS here and a few hundred bytes in the wasm.
//
// Importing this file touches no browser global (window, document, location): it only defines
// functions and classes.
// Written by scripts/inline-wasm.mjs during the build and bundled into this file; imported first
// so that the bundle holds it ahead of all the code, which then compresses as one piece.
import builtInModule from "./tokenfetch_wasm.js";
import { AuthClient as WasmAuthClient, initSync as wasmBindgenInitSync } from "./tokenfetch.js";

export * from "./tokenfetch.js";

let ready;
let loaded = false;

/**
 * Compiles the module from what init() was given: a path, URL or Request to fetch, a Response,
 * its bytes, or a compiled module (any of them behind a promise); nothing means the built-in one. wasm-bindgen's own loader does
 * the same, but ships its console warnings with it; this one compiles and leaves the instance
 * to wasm-bindgen's initSync(), so the page downloads one loader (measured: 227 B gzip less).
 */
async function compile(source) {
  source = await (source ?? inflate(builtInModule));
  if (typeof source === "string" || source instanceof URL || (typeof Request === "function" && source instanceof Request)) {
    source = await fetch(source);
  }
  if (typeof Response === "function" && source instanceof Response) {
    if (!source.ok) throw new Error(`tokenfetch: fetching the WebAssembly module failed: ${source.status} ${source.url}`);
    // Streaming compilation needs the application/wasm type; without it the bytes are compiled.
    return WebAssembly.compileStreaming && /^application\/wasm\b/i.test(source.headers.get("Content-Type"))
      ? WebAssembly.compileStreaming(source)
      : WebAssembly.compile(await source.arrayBuffer());
  }
  return source instanceof WebAssembly.Module ? source : WebAssembly.compile(source);
}

/**
 * The module built into this file, compiled: base64 → gzip → the .wasm. Compiled synchronously
 * once inflated (a millisecond for this module, without the background tasks of an asynchronous
 * compile, which a busy machine delays); where a browser refuses synchronous compiles of this
 * size, asynchronously.
 */
async function inflate(base64) {
  let gzipped = Uint8Array.fromBase64?.(base64);
  if (gzipped === undefined) {
    const text = atob(base64);
    gzipped = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) gzipped[i] = text.charCodeAt(i);
  }
  const bytes = await new Response(new Response(gzipped).body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
  try {
    return new WebAssembly.Module(bytes);
  } catch {
    return WebAssembly.compile(bytes);
  }
}

/** Loads the WebAssembly module once; every call returns the same promise. */
export default function init(moduleOrPath) {
  if (ready === undefined) {
    const source =
      moduleOrPath !== undefined && Object.getPrototypeOf(moduleOrPath) === Object.prototype
        ? moduleOrPath.module_or_path
        : moduleOrPath;
    ready = compile(source).then(
      (module) => {
        const output = wasmBindgenInitSync({ module });
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
