// Smoke test of the built npm package in a real browser: serves www/ with pkg/ at /pkg/ from
// the devserver and checks that each demo page reports success.
//
//   node scripts/smoke-pkg.mjs --server target/debug/tokenfetch-devserver
//
// Env: TF_SMOKE_PORT (default 8797; the second origin is the next port), CHROMIUM
// (default /usr/bin/chromium).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { check, runSuite, serverBinFromArgs } from "./lib/browser.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pages = ["/plain/"];

const serverBin = serverBinFromArgs("node scripts/smoke-pkg.mjs --server PATH_TO_TOKENFETCH_DEVSERVER");
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

const entries = [
  [join(root, "www"), "."],
  [join(root, "pkg"), "pkg"],
];
await runSuite("smoke", { serverBin, port, entries }, ({ server, browser }) =>
  pages.map((path) => [path, () => checkPage(browser, server.origin, path)]),
);
