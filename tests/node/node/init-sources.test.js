// index.js's init() loads the module from whatever wasm-bindgen's init() takes: a Response
// (compiled as it streams when served as application/wasm, from its bytes otherwise), the bytes,
// a compiled WebAssembly.Module, or a promise of one; a failed download names its status. Each
// test imports its own copy of index.js (a fresh module: init() runs once per module).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "vitest";

const pkgDir = dirname(createRequire(import.meta.url).resolve("tokenfetch/package.json"));
const bytes = await readFile(join(pkgDir, "tokenfetch_bg.wasm"));
let copies = 0;
const freshEntry = () => import(`${pathToFileURL(join(pkgDir, "index.js")).href}?copy=${++copies}`);
const wasmResponse = (type, status = 200) => new Response(bytes, { status, headers: { "Content-Type": type } });

/** Loads `source` into a fresh copy of the entry and checks that a client works. */
async function loads(source) {
  const { default: init, AuthClient } = await freshEntry();
  const output = await init({ module_or_path: source });
  expect(output.memory).toBeInstanceOf(WebAssembly.Memory);
  const client = new AuthClient({ token: "abc" });
  expect(client.hasToken).toBe(true);
  client.free();
}

test("a Response served as application/wasm loads", () => loads(wasmResponse("application/wasm")));

test("a Response served with another type loads from its bytes", () => loads(wasmResponse("application/octet-stream")));

test("a promise of a Response, a WebAssembly.Module and the bare argument load", async () => {
  await loads(Promise.resolve(wasmResponse("application/wasm")));
  await loads(await WebAssembly.compile(bytes));
  const { default: init, AuthClient } = await freshEntry();
  await init(bytes); // wasm-bindgen's older form: the source itself, not { module_or_path }
  new AuthClient().free();
});

test("a failed download rejects with its status, and a later init() can still load", async () => {
  const { default: init, AuthClient } = await freshEntry();
  const failed = init({ module_or_path: wasmResponse("text/html", 404) });
  await expect(failed).rejects.toThrow(/tokenfetch: .*404/);
  expect(() => new AuthClient()).toThrow(/init\(\)/);
  await init({ module_or_path: bytes });
  new AuthClient().free();
});

test("where a synchronous compile is refused, the built-in module compiles asynchronously", async () => {
  const { default: init, AuthClient } = await freshEntry();
  const SyncModule = WebAssembly.Module;
  let refused = 0;
  // What Chromium once threw for modules over 4 KB on the main thread.
  WebAssembly.Module = function Module() {
    refused++;
    throw new RangeError("WebAssembly.Module is disallowed on the main thread");
  };
  WebAssembly.Module.prototype = SyncModule.prototype;
  try {
    await init();
  } finally {
    WebAssembly.Module = SyncModule;
  }
  expect(refused).toBe(1);
  new AuthClient({ token: "abc" }).free();
});
