// Type checks of the built package, as a TypeScript user meets it (`tokenfetch` resolved through
// node_modules, a `file:` dependency on ../../pkg):
//
//   1. uses-every-option.ts and uses-react.tsx (tokenfetch/react's provider and hooks) compile
//      under tsconfig.json (strict, lib dom + es2022, skipLibCheck off, so the package's .d.ts
//      files are checked too);
//   2. wrong-option-type.ts and wrong-react.tsx fail, on exactly the lines marked
//      `// error TSxxxx` with those codes;
//   3. the package's .d.ts files say `any` nowhere but in wasm-bindgen's raw `InitOutput`;
//   4. the members `AuthClient` declares are the members the contract names and the ones the
//      built class has at run time (the .wasm instantiated in Node with initSync).
//
//   cd examples/ts && npm ci && node check.mjs
//
// Prints `typescript: N passed, M failed` last (counted by npm test); exits 1 on a failure.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runChecks } from "../../scripts/lib/checks.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(here, "node_modules", ".bin", "tsc");

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Runs tsc on a project file; returns its exit status and diagnostics `{ file, line, code, text }`. */
function runTsc(project) {
  const run = spawnSync(tsc, ["-p", project, "--noEmit", "--strict", "--pretty", "false"], { cwd: here, encoding: "utf8" });
  if (run.error) throw new Error(`cannot run ${tsc}: ${run.error.message} (run npm ci in examples/ts)`);
  const output = `${run.stdout}${run.stderr}`;
  const diagnostics = [];
  for (const line of output.split("\n")) {
    const m = line.match(/^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/);
    if (m) diagnostics.push({ file: m[1], line: Number(m[2]), code: m[4], text: m[5] });
  }
  return { status: run.status, output: output.trim(), diagnostics };
}

function compilesCleanly() {
  const run = runTsc("tsconfig.json");
  check(run.status === 0 && run.diagnostics.length === 0, `tsc failed on uses-every-option.ts or uses-react.tsx:\n${run.output}`);
}

// The files that must fail, each line marked `// error TSxxxx` with the code it must fail with.
const WRONG = ["wrong-option-type.ts", "wrong-react.tsx"];

function failsForTheRightReasons() {
  const expected = new Map(); // "file:line" -> code
  for (const file of WRONG) {
    let marked = 0;
    readFileSync(join(here, file), "utf8")
      .split("\n")
      .forEach((text, i) => {
        const m = text.match(/\/\/ error (TS\d+)\s*$/);
        if (m) {
          expected.set(`${file}:${i + 1}`, m[1]);
          marked++;
        }
      });
    check(marked > 0, `${file} marks no expected error`);
  }
  const run = runTsc("tsconfig.wrong.json");
  check(run.status !== 0, `tsc accepted ${WRONG.join(" and ")}: the types let every mistake through`);
  const problems = [];
  const seen = new Map();
  for (const d of run.diagnostics) {
    if (!WRONG.includes(d.file)) {
      problems.push(`unexpected error outside ${WRONG.join(", ")}: ${d.file}(${d.line}) ${d.code} ${d.text}`);
      continue;
    }
    const at = `${d.file}:${d.line}`;
    seen.set(at, [...(seen.get(at) ?? []), d.code]);
  }
  for (const [at, code] of expected) {
    const codes = seen.get(at) ?? [];
    if (!codes.includes(code)) problems.push(`${at}: expected ${code}, got ${codes.join(", ") || "no error"}`);
  }
  for (const [at, codes] of seen) {
    if (!expected.has(at)) problems.push(`${at}: unexpected ${codes.join(", ")}`);
  }
  check(problems.length === 0, `${WRONG.join(", ")} did not fail as marked:\n  ${problems.join("\n  ")}\n${run.output}`);
  console.log(`typescript:   ${expected.size} marked mistakes in ${WRONG.join(", ")}, each rejected with its code`);
}

const packageDir = realpathSync(join(here, "node_modules", "tokenfetch"));
const declarationFiles = () => readdirSync(packageDir).filter((f) => f.endsWith(".d.ts"));

/** Declaration text without comments (doc comments hold prose and examples, not types). */
const withoutComments = (text) => text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " ")).replace(/\/\/.*$/gm, "");

function noAny() {
  const problems = [];
  let tolerated = 0;
  for (const name of declarationFiles()) {
    const lines = withoutComments(readFileSync(join(packageDir, name), "utf8")).split("\n");
    let inInitOutput = false;
    lines.forEach((line, i) => {
      if (/^export interface InitOutput\b/.test(line)) inInitOutput = true;
      const loose = /\bany\b/.test(line) || /:\s*Function\b/.test(line) || /:\s*object\b/.test(line);
      if (loose && inInitOutput) tolerated++;
      else if (loose) problems.push(`${name}:${i + 1}: ${line.trim()}`);
      if (inInitOutput && /^}/.test(line)) inInitOutput = false;
    });
  }
  check(problems.length === 0, `loose types in the package's declarations:\n  ${problems.join("\n  ")}`);
  console.log(
    `typescript:   ${declarationFiles().join(", ")}: no any; ${tolerated} in wasm-bindgen's InitOutput (the raw wasm exports that init() resolves to)`,
  );
}

// The contract's members, plus what wasm-bindgen adds (toJSON is ours too: JSON.stringify(client)).
const CONTRACT_MEMBERS = ["fetch", "setToken", "refresh", "clear", "free", "hasToken", "expiresAt", "toJSON"];

async function membersMatch() {
  const dts = withoutComments(readFileSync(join(packageDir, "tokenfetch.d.ts"), "utf8"));
  const body = dts.match(/export class AuthClient \{([\s\S]*?)\n\}/);
  check(body, "tokenfetch.d.ts declares no class AuthClient");
  // index.d.ts merges what index.js adds to the class (toJSON) into the same declaration.
  const merged = withoutComments(readFileSync(join(packageDir, "index.d.ts"), "utf8")).match(/interface AuthClient \{([\s\S]*?)\n  \}/);
  const declared = new Set();
  for (const text of [body[1], merged?.[1] ?? ""]) {
    for (const m of text.matchAll(/^\s+(?:readonly\s+)?(\[?[\w.]+\]?)\s*[(:]/gm)) declared.add(m[1]);
  }
  declared.delete("constructor");

  const mod = await import(pathToFileURL(join(packageDir, "index.js")).href);
  mod.initSync({ module: readFileSync(join(packageDir, "tokenfetch_bg.wasm")) });
  // The exported class and the generated one it extends.
  const runtime = new Set();
  for (let proto = mod.AuthClient.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const n of Object.getOwnPropertyNames(proto)) if (n !== "constructor" && !n.startsWith("__")) runtime.add(n);
  }

  const problems = [];
  for (const name of CONTRACT_MEMBERS) {
    if (!declared.has(name)) problems.push(`${name}: in the contract, not declared`);
    if (!runtime.has(name)) problems.push(`${name}: in the contract, missing at run time`);
  }
  for (const name of declared) {
    if (name === "[Symbol.dispose]") continue;
    if (!runtime.has(name)) problems.push(`${name}: declared, missing at run time`);
  }
  for (const name of runtime) if (!declared.has(name)) problems.push(`${name}: at run time, not declared`);
  check(problems.length === 0, `AuthClient's declared and real members differ:\n  ${problems.join("\n  ")}`);
  console.log(`typescript:   AuthClient members: ${[...declared].join(", ")}`);
}

const checks = [
  ["uses-every-option.ts and uses-react.tsx pass tsc --noEmit --strict", compilesCleanly],
  ["wrong-option-type.ts and wrong-react.tsx fail with the marked errors only", failsForTheRightReasons],
  [`no any in the package's .d.ts (${relative(here, packageDir) || packageDir})`, noAny],
  ["AuthClient's declared members = contract = run time", membersMatch],
];

const ok = await runChecks("typescript", checks);
process.exitCode = ok ? 0 : 1;
