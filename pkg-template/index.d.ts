export * from "./tokenfetch.js";
import type { InitInput, InitOutput } from "./tokenfetch.js";

/**
 * Compiles and instantiates the WebAssembly module: by default the copy inside this package's JS
 * (no request, no file access), or the one given as a URL, `Request`, `Response`, bytes or
 * `WebAssembly.Module`. Idempotent: every call returns the same promise, so calling it from
 * several components is harmless. `new AuthClient()` throws until it has settled.
 */
export default function init(
  moduleOrPath?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<InitOutput>;

declare module "./tokenfetch.js" {
  interface AuthClient {
    /** What `JSON.stringify(client)` shows: its state, never the token. */
    toJSON(): { hasToken: boolean; expiresAt: number | null };
  }
}

declare global {
  // wasm-bindgen declares `AuthClient[Symbol.dispose]` (for `using`), which TypeScript's lib
  // files know only from "esnext.disposable" / "es2026" on. The same declaration as theirs (and
  // @types/node's) keeps `lib: ["dom", "es2022"]` projects compiling without skipLibCheck.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}
