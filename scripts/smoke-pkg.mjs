// Smoke test of the built npm package in a real browser: serves www/ with pkg/ at /pkg/ from
// the devserver and checks that each demo page reports success, having loaded index.js alone
// from pkg/.
//
//   node scripts/smoke-pkg.mjs --server target/debug/tokenfetch-devserver [--engine chromium|webkit]
//
// Env: TF_SMOKE_PORT (default 8797; the second origin is the next port), CHROMIUM
// (default /usr/bin/chromium).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { check, engineFromArgs, runSuite, serverBinFromArgs } from "./lib/browser.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pages = ["/plain/"];

const serverBin = serverBinFromArgs("node scripts/smoke-pkg.mjs --server PATH_TO_TOKENFETCH_DEVSERVER [--engine chromium|webkit]");
const engine = engineFromArgs();
const port = Number(process.env.TF_SMOKE_PORT ?? 8797);

async function checkPage(browser, origin, path) {
  const context = await browser.newContext();
  const problems = [];
  try {
    const page = await context.newPage();
    const res = await fetch(origin + path);
    if (!res.ok) problems.push(`GET ${path} answered ${res.status}`);
    await page.goto(origin + path);
    const status = await page
      .waitFor(() => document.body?.dataset.status, null, { timeout: 30_000, what: "the page's status" })
      .catch(() => "no status after 30 s");
    if (status !== "ok") problems.push(`status: ${status}`);
    // The package is one request: the .wasm comes inside index.js.
    const fromPkg = await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((entry) => new URL(entry.name).pathname)
        .filter((path) => path.startsWith("/pkg/")),
    );
    if (fromPkg.join() !== "/pkg/index.js") problems.push(`requests to pkg/: ${fromPkg.join(", ")} (expected index.js alone)`);
    for (const p of await page.takeProblems()) {
      if (p.kind === "pageerror") problems.push(`page error: ${p.text}`);
      else console.log(`  ${p.kind} on ${path}: ${p.text}`);
    }
    // Each timeline entry as its pieces (time, title, count, detail) joined by " · ".
    const events = await page.evaluate(() =>
      [...document.querySelectorAll("#events li")].map((li) =>
        [...li.querySelectorAll("*")]
          .filter((el) => el.childElementCount === 0)
          .map((el) => el.textContent.trim())
          .filter(Boolean)
          .join(" · "),
      ),
    );
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
await runSuite("smoke", { serverBin, port, entries, engine }, ({ server, browser }) =>
  pages.map((path) => [path, () => checkPage(browser, server.origin, path)]),
);
