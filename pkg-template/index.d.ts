export * from "./tokenfetch.js";
import type { InitInput, InitOutput } from "./tokenfetch.js";

/**
 * Loads the WebAssembly module (next to this file by default: fetched in browsers, read from disk
 * in Node). Idempotent: every call returns the same promise, so calling it from several
 * components is harmless. `new AuthClient()` throws until it has settled.
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
