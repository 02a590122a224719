// Lays pkg-template/ over the wasm-pack output in pkg/ (wasm-pack never merges a package.json
// template, so this is our own step): copies every template file but package.json, and writes
// pkg/package.json from pkg-template/package.json with the crate's version and the file list.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "pkg");
const template = join(root, "pkg-template");

function fail(message) {
  console.error(`merge-pkg: error: ${message}`);
  process.exit(1);
}

// The crate's version as cargo resolves it (workspace inheritance included).
function crateVersion() {
  const manifest = join(root, "Cargo.toml");
  let metadata;
  try {
    metadata = JSON.parse(
      execFileSync("cargo", ["metadata", "--no-deps", "--format-version", "1", "--manifest-path", manifest], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
  } catch (err) {
    fail(`cargo metadata failed: ${err.message}`);
  }
  const crate = metadata.packages.find((p) => p.name === "tokenfetch");
  if (!crate) fail(`cargo metadata lists no tokenfetch package in ${manifest}`);
  return crate.version;
}

if (!existsSync(join(pkg, "tokenfetch_bg.wasm"))) fail("pkg/ has no tokenfetch_bg.wasm: run wasm-pack first");

// wasm-bindgen writes pkg/package.json only to carry npm dependencies of JS snippets.
const generated = existsSync(join(pkg, "package.json"))
  ? JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"))
  : {};

// wasm-bindgen 0.2.130 (cli-support's generate_esm_cjs_imports) writes one `import * as importN`
// per function the .wasm imports straight from a snippet, not one per module, and lists each
// under the same key of the import object: `"./snippets/…/requests.js": import1, … : import2`,
// a duplicate key (esbuild warns) naming the same module namespace. Keep one per module.
const glue = join(pkg, "tokenfetch.js");
const firstOf = new Map();
const js = readFileSync(glue, "utf8")
  .replace(/^import \* as (import\d+) from "([^"]+)"\n/gm, (line, name, module) =>
    firstOf.has(module) ? "" : (firstOf.set(module, name), line),
  )
  .replace(/^\s*"([^"]+)": (import\d+),\n/gm, (line, module, name) => (!firstOf.has(module) || firstOf.get(module) === name ? line : ""));
writeFileSync(glue, js);

for (const name of readdirSync(template)) {
  if (name === "package.json") continue;
  cpSync(join(template, name), join(pkg, name), { recursive: true });
}
rmSync(join(pkg, ".gitignore"), { force: true });
// Types of the raw wasm exports (all `any`-typed internals): nothing imports them with
// --target web, and the package's `./tokenfetch_bg.wasm` export is the file's URL, not them.
rmSync(join(pkg, "tokenfetch_bg.wasm.d.ts"), { force: true });

const required = [
  "index.js",
  "index.d.ts",
  "node.js",
  "react.js",
  "react.d.ts",
  "tokenfetch_bg.wasm",
  "tokenfetch.d.ts",
  "README.md",
  "LICENSE",
];
for (const name of required) {
  if (!existsSync(join(pkg, name))) fail(`pkg/${name} is missing`);
}
const files = [...required];
// wasm-bindgen's snippets/ (the crate's JS modules) are bundled into index.js by build.sh.

// The template's own version and files, if any, are ignored: both are derived here.
const { name, version: _version, files: _files, ...rest } = JSON.parse(
  readFileSync(join(template, "package.json"), "utf8"),
);
const manifest = { name, version: crateVersion(), ...rest, files };
if (generated.dependencies && Object.keys(generated.dependencies).length > 0) {
  manifest.dependencies = { ...generated.dependencies, ...(rest.dependencies ?? {}) };
}
writeFileSync(join(pkg, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`merge-pkg: pkg/package.json ${manifest.name}@${manifest.version}, files: ${files.join(" ")}`);
