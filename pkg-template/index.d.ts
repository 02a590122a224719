export * from "./tokenfetch.js";
import type { InitInput, InitOutput } from "./tokenfetch.js";

/**
 * Loads the WebAssembly module (next to this file by default). Idempotent: every call returns
 * the same promise, so calling it from several components is harmless.
 */
export default function init(
  moduleOrPath?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<InitOutput>;
