// npm test: every check CI makes, in order, stopping at the first failure. Each runner reports
// for itself (libtest's "test result:" lines from cargo and wasm-pack, JUnit XML from Vitest and
// WebdriverIO, check.mjs's closing line); count() adds them up for the last line,
// `tests: N passed, M failed`.
//
// Env (all optional): TF_TEST_PORT (the devserver for the browser tests, default 8787; its second
// origin TF_TEST_OTHER_PORT, default the next port), TF_E2E_PORT (WebdriverIO's, default 8900),
// TF_NODE_PORT (tests/node's devservers: it and the next three ports; default 9200),
// TF_WDIO_ENGINES (default "chromium firefox webkit"), TF_SKIP_STEPS (step ids not to run, e.g. "webkit firefox").
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, devserverBin, geckodriver, root, spawnDevserver, webkit, withDisplay } from "./lib/setup.mjs";

const env = process.env;
const port = Number(env.TF_TEST_PORT ?? 8787);
const otherPort = Number(env.TF_TEST_OTHER_PORT ?? port + 1);
const out = join(root, "test-output");
mkdirSync(out, { recursive: true });
if (env.TF_TEST_PORT || env.TF_TEST_OTHER_PORT) {
  // Read by the browser tests when they compile; unset, they use 127.0.0.1:8787 and :8788.
  env.TOKENFETCH_TEST_SERVER = `http://127.0.0.1:${port}`;
  env.TOKENFETCH_TEST_OTHER_ORIGIN = `http://127.0.0.1:${otherPort}`;
}
if (!process.stdout.isTTY) Object.assign(env, { NO_COLOR: "1", CARGO_TERM_COLOR: "never" });
const drivers = ["CHROMEDRIVER", "GECKODRIVER", "SAFARIDRIVER"]; // the runner takes the first it finds
for (const name of drivers) delete env[name];

let child = null; // the command running now
let output = ""; // what the current step printed

/** Runs `command args` in `cwd`, printing and keeping its output; rejects unless it exits 0. */
function run(command, args, { cwd = root, extraEnv = {} } = {}) {
  return new Promise((resolve, reject) => {
    child = spawn(command, args, { cwd, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const keep = (d) => ((output += d), process.stdout.write(d));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.on("close", (code, signal) => {
      child = null;
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${signal ?? code}`));
    });
  });
}

const wasmPack = (crate, browser, driver) => () =>
  run("wasm-pack", ["test", "--headless", `--${browser}`, ...driver], { cwd: join(root, crate) });
const chromeDriver = ["--chromedriver", chromium.driver];
const firefoxDriver = ["--geckodriver", geckodriver];
const reports = (id) => join(out, "reports", id);
const vitest = (id, projects) => () =>
  run("node_modules/.bin/vitest", ["run", ...projects.flatMap((p) => ["--project", p]), "--reporter=default", "--reporter=junit", `--outputFile.junit=${reports(id)}/junit.xml`], {
    cwd: join(root, "tests/node"),
    extraEnv: { TF_DEVSERVER: devserverBin(), TF_NODE_PORT: env.TF_NODE_PORT ?? "9200" },
  });
const wdio = (id, suites) => () =>
  run("node_modules/.bin/wdio", ["run", "wdio.conf.mjs", ...suites.flatMap((s) => ["--suite", s])], { extraEnv: { TF_REPORT_DIR: reports(id) } });

let server = null;
const steps = [
  ["install", "install tools", () => run("bash", ["scripts/install-tools.sh"])],
  ["fmt", "cargo fmt --check", () => run("cargo", ["fmt", "--all", "--check", "--", "--color", "never"])],
  ["cargo_test", "cargo test (native)", () => run("cargo", ["test", "--workspace"])],
  ["clippy", "cargo clippy (native, wasm32)", async () => {
    await run("cargo", ["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]);
    await run("cargo", ["clippy", "--target", "wasm32-unknown-unknown", "--lib", "--tests", "-p", "tokenfetch", "--", "-D", "warnings"]);
  }],
  ["devserver", "start devserver", async () => {
    await run("cargo", ["build", "-p", "tokenfetch-devserver"]);
    server = await spawnDevserver(devserverBin(), port, [], { otherPort });
    console.log(`devserver answers on ${server.origin} and :${otherPort}`);
  }],
  ["chrome", "browser tests in Chromium (wasm-pack)", wasmPack(".", "chrome", chromeDriver)],
  ["firefox", "browser tests in Firefox (wasm-pack)", wasmPack(".", "firefox", firefoxDriver)],
  ["webkit", "browser tests in WebKit (cargo test)", () =>
    run(...withDisplay("cargo", ["test", "--target", "wasm32-unknown-unknown"]), { extraEnv: { SAFARIDRIVER: webkit.driver } })],
  ["rust_app_chrome", "Rust app example in Chromium (wasm-pack)", wasmPack("examples/rust-app", "chrome", chromeDriver)],
  ["rust_app_firefox", "Rust app example in Firefox (wasm-pack)", wasmPack("examples/rust-app", "firefox", firefoxDriver)],
  ["build", "npm run build", () => run("bash", ["scripts/build.sh"], { extraEnv: { TF_SKIP_INSTALL: "1" } })],
  ["size", "size budget (size-limit)", () => run("node_modules/.bin/size-limit", [])],
  ["smoke", "package smoke test (WebdriverIO)", wdio("smoke", ["smoke"])],
  ["typescript", "TypeScript checks (examples/ts)", () => run("node", ["check.mjs"], { cwd: join(root, "examples/ts") })],
  ["node", "Node, SSR and oidc-provider interop (Vitest)", vitest("node", ["node", "ssr", "interop"])],
  ["react_tests", "React Testing Library (Vitest)", vitest("react_tests", ["react"])],
  ["react", "React demo (vite build)", () => run("node_modules/.bin/vite", ["build", "--logLevel", "warn"], { cwd: join(root, "www/react") })],
  ["e2e", "tabs and demo pages end to end (WebdriverIO)", wdio("e2e", ["tabs", "demo"])],
];

/** Tests passed and failed as the runners report them: libtest and check.mjs lines, JUnit files. */
function count(text, reportDir) {
  const c = { passed: 0, failed: 0 };
  for (const m of text.matchAll(/^(?:test result: \w+\. (\d+) passed; (\d+) failed|[a-z][\w-]*: (\d+) passed, (\d+) failed$)/gm)) {
    c.passed += Number(m[1] ?? m[3]);
    c.failed += Number(m[2] ?? m[4]);
  }
  for (const file of (existsSync(reportDir) ? readdirSync(reportDir) : []).filter((f) => f.endsWith(".xml"))) {
    for (const [testcase] of readFileSync(join(reportDir, file), "utf8").matchAll(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g)) {
      if (/<(failure|error)\b/.test(testcase)) c.failed++;
      else if (!/<skipped\b/.test(testcase)) c.passed++;
    }
  }
  return c;
}

const done = [];
const started = Date.now();
const skip = (env.TF_SKIP_STEPS ?? "").split(/\s+/).filter(Boolean);

async function finish(code) {
  if (child) process.kill(-child.pid, "SIGTERM");
  if (server) writeFileSync(join(out, "devserver.log"), server.log());
  await server?.stop();
  const total = { passed: 0, failed: 0 };
  console.log("\n==> summary");
  for (const s of done) {
    if (s.result === "running") Object.assign(s, { result: "FAILED", ms: Date.now() - s.started, failed: s.failed || 1 });
    total.passed += s.passed;
    total.failed += s.failed;
    const tests = s.passed + s.failed > 0 ? `${s.passed} passed, ${s.failed} failed` : "";
    console.log(`  ${s.result.padEnd(7)} ${s.title.padEnd(44)} ${(s.ms / 1000).toFixed(1).padStart(6)} s  ${tests}`);
  }
  for (const [, title] of steps.slice(done.length)) console.log(`  ${"-".padEnd(7)} ${title} (not run)`);
  console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s; logs: test-output/steps/)`);
  console.log(`tests: ${total.passed} passed, ${total.failed} failed`);
  process.exit(code);
}
process.on("SIGINT", () => finish(130));
process.on("SIGTERM", () => finish(143));

rmSync(join(out, "reports"), { recursive: true, force: true });
mkdirSync(join(out, "steps"), { recursive: true });
for (const [i, [id, title, fn]] of steps.entries()) {
  const step = { title, result: "running", started: Date.now(), ms: 0, passed: 0, failed: 0 };
  done.push(step);
  if (skip.includes(id)) {
    step.result = "skipped";
    console.log(`\n==> [${i + 1}/${steps.length}] ${title}: skipped (TF_SKIP_STEPS)`);
    continue;
  }
  console.log(`\n==> [${i + 1}/${steps.length}] ${title}`);
  output = "";
  let error = null;
  try {
    await fn();
  } catch (err) {
    error = err;
    console.log(`\n${id}: ${err.message}`);
  }
  Object.assign(step, { result: "ok", ms: Date.now() - step.started }, count(output, reports(id)));
  writeFileSync(join(out, "steps", `${String(i + 1).padStart(2, "0")}-${id}.log`), output);
  if (error) {
    step.result = "FAILED";
    step.failed ||= 1; // a step that fails counts as a failed test even when its runner said none
    await finish(1);
  }
}
await finish(0);
