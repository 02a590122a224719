// Smoke test of the built npm package in a real browser: serves www/ with pkg/ at /pkg/ from
// the devserver and checks that each demo page reports success.
//
//   node scripts/smoke-pkg.mjs --server target/debug/tokenfetch-devserver
//
// Env: TF_SMOKE_PORT (default 8797; the second origin is the next port), CHROMIUM
// (default /usr/bin/chromium).
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pages = ["/plain/"];

const args = process.argv.slice(2);
const serverBin = args[args.indexOf("--server") + 1];
if (!args.includes("--server") || !serverBin) {
  console.error("usage: node scripts/smoke-pkg.mjs --server PATH_TO_TOKENFETCH_DEVSERVER");
  process.exit(2);
}
const port = Number(process.env.TF_SMOKE_PORT ?? 8797);
const origin = `http://127.0.0.1:${port}`;
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const chromiumArgs = [
  "--no-sandbox", // we may run as root
  "--disable-gpu",
  "--disable-dev-shm-usage",
  // The machine has no network: without these Chromium keeps dialing out and failing.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startServer(site) {
  const child = spawn(serverBin, ["--port", String(port), "--other-port", String(port + 1), "--static", site], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = null;
  child.on("exit", (code, signal) => (exited = signal ?? code));
  child.on("error", (err) => (exited = err.message));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`devserver exited (${exited}) before answering:\n${log}`);
    try {
      if ((await fetch(`${origin}/health`)).ok) return { child, log: () => log };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`devserver did not answer ${origin}/health within 60 s:\n${log}`);
    await sleep(250);
  }
}

async function checkPage(browser, path) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") console.log(`  console error on ${path}: ${msg.text()}`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400) console.log(`  ${res.request().method()} ${res.url()} answered ${res.status()}`);
  });
  try {
    const res = await page.goto(origin + path);
    if (!res || !res.ok()) problems.push(`GET ${path} answered ${res?.status()}`);
    const status = await page
      .waitForFunction(() => document.body?.dataset.status, null, { timeout: 30_000 })
      .then((h) => h.jsonValue())
      .catch(() => "no status after 30 s");
    if (status !== "ok") problems.push(`status: ${status}`);
    const events = await page.locator("#events li").allTextContents();
    for (const e of events) console.log(`  event: ${e}`);
  } finally {
    await context.close();
  }
  return problems;
}

let server;
let browser;
const site = mkdtempSync(join(tmpdir(), "tokenfetch-site-"));
let passed = 0;
let failed = 0;
try {
  cpSync(join(root, "www"), site, { recursive: true });
  cpSync(join(root, "pkg"), join(site, "pkg"), { recursive: true });
  server = await startServer(site);
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  for (const path of pages) {
    const problems = await checkPage(browser, path);
    if (problems.length === 0) {
      passed++;
      console.log(`smoke: ok ${path}`);
    } else {
      failed++;
      console.log(`smoke: FAILED ${path}\n  ${problems.join("\n  ")}`);
    }
  }
} catch (err) {
  failed++;
  console.log(`smoke: FAILED ${err?.stack ?? err}`);
} finally {
  await browser?.close().catch(() => {});
  server?.child.kill();
  rmSync(site, { recursive: true, force: true });
}
console.log(`smoke: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
