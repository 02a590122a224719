// initSync(): the synchronous way to load the module (from bytes or a compiled Module), e.g. in
// a test setup that cannot await. Clients can be created right after it.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { expect, test } from "vitest";
import { AuthClient, initSync } from "tokenfetch";

test("initSync({ module: bytes }) loads the module; new AuthClient() works at once", async () => {
  const bytes = await readFile(createRequire(import.meta.url).resolve("tokenfetch/tokenfetch_bg.wasm"));
  expect(() => new AuthClient()).toThrow(/init\(\)/);
  const output = initSync({ module: bytes });
  expect(output).toHaveProperty("memory");
  const client = new AuthClient({ baseUrl: "http://127.0.0.1/" });
  expect(client.hasToken).toBe(false);
  client.free();
});
