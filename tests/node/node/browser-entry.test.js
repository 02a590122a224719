// The entry browsers and bundlers get (index.js, the "default" export condition), imported in
// Node by its path: it must stay free of Node-only imports, and its init() must hand out one
// promise and forget a failed attempt. (Fed the .wasm bytes, since Node's fetch cannot read a
// file: URL; that is what node.js does for Node.)
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { expect, test } from "vitest";

const pkgDir = dirname(createRequire(import.meta.url).resolve("tokenfetch/package.json"));
const manifest = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8"));

test("package.json: Node resolves node.js, everything else index.js; tokenfetch/react resolves", () => {
  expect(manifest.exports["."]).toEqual({ types: "./index.d.ts", node: "./node.js", default: "./index.js" });
  expect(manifest.exports["./react"]).toMatchObject({ types: "./react.d.ts", default: "./react.js" });
  expect(manifest.peerDependenciesMeta?.react?.optional).toBe(true);
});

test("the browser entry and the React entry import nothing from node:", async () => {
  for (const file of ["index.js", "react.js"]) {
    const source = await readFile(join(pkgDir, file), "utf8");
    expect(source, file).not.toMatch(/\b(?:from|import)\s*\(?\s*["']node:|\brequire\(/);
  }
});

test("index.js: init() returns one promise; a failed attempt is forgotten and the next one loads", async () => {
  const { default: init, AuthClient } = await import(join(pkgDir, "index.js"));
  const bytes = await readFile(join(pkgDir, "tokenfetch_bg.wasm"));

  const broken = init({ module_or_path: new Uint8Array([0, 97, 115, 109, 1, 0, 0]) });
  expect(init()).toBe(broken); // while pending, every call gets the same promise
  await expect(broken).rejects.toThrow();
  expect(() => new AuthClient()).toThrow(/init\(\)/);

  const loading = init({ module_or_path: bytes });
  expect(loading).not.toBe(broken);
  expect(init({ module_or_path: bytes })).toBe(loading);
  await loading;
  expect(init()).toBe(loading);
  new AuthClient({ baseUrl: "http://127.0.0.1/" }).free();
});

/** Every file path named in `exports` and `imports` (conditions included). */
function targets(map) {
  const found = new Set();
  const walk = (value) => {
    if (typeof value === "string") found.add(value.replace(/^\.\//, ""));
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(map);
  return found;
}

test("npm pack publishes every file that exports and imports point at", () => {
  const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: pkgDir, encoding: "utf8" });
  expect(pack.status, pack.stderr).toBe(0);
  const packed = new Set(JSON.parse(pack.stdout)[0].files.map((f) => f.path));
  const missing = [...new Set([...targets(manifest.exports), ...targets(manifest.imports)])].filter((f) => !packed.has(f));
  expect(missing, `not in package.json "files": ${missing.join(", ")}`).toEqual([]);
});
