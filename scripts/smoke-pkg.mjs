// Smoke test of the built npm package in a real browser: serves www/ with pkg/ at /pkg/ from
// the devserver and checks that each demo page reports success.
//
//   node scripts/smoke-pkg.mjs --server target/debug/tokenfetch-devserver
//
// Env: TF_SMOKE_PORT (default 8797; the second origin is the next port), CHROMIUM
// (default /usr/bin/chromium).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { check, launchChromium, makeSite, runChecks, startDevserver } from "./lib/browser.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pages = ["/plain/"];

const args = process.argv.slice(2);
const serverBin = args[args.indexOf("--server") + 1];
if (!args.includes("--server") || !serverBin) {
  console.error("usage: node scripts/smoke-pkg.mjs --server PATH_TO_TOKENFETCH_DEVSERVER");
  process.exit(2);
}
const port = Number(process.env.TF_SMOKE_PORT ?? 8797);

async function checkPage(browser, origin, path) {
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
  check(problems.length === 0, problems.join("\n  "));
}

const site = makeSite([
  [join(root, "www"), "."],
  [join(root, "pkg"), "pkg"],
]);
let server;
let browser;
let ok = false;
try {
  server = await startDevserver(serverBin, port, site.dir);
  browser = await launchChromium();
  ok = await runChecks(
    "smoke",
    pages.map((path) => [path, () => checkPage(browser, server.origin, path)]),
  );
} catch (err) {
  console.log(`smoke: FAILED ${err?.stack ?? err}\nsmoke: 0 passed, 1 failed`);
} finally {
  await browser?.close().catch(() => {});
  server?.stop();
  site.dispose();
}
process.exitCode = ok ? 0 : 1;
