// End-to-end tests of the demo pages as a person uses them, in headless Chromium against the
// devserver serving the assembled site with short tokens (--ttl 6, pages told ?ahead=2), so
// that tokens expire and get refreshed while the test watches.
//
// For each of /plain/ and /react/, in one tab, step by step:
//   loaded          the page loads, logs in and answers its first request; no page error
//   requests        the automatic GET /api/me keep succeeding
//   revoke          "Revoke all tokens" → the next request is a 401 the client recovers from
//   expiry          past the token lifetime: timer refreshes, requests still succeed
//   refresh-failed  "Break /auth/refresh" + client.refresh() → a failed-refresh entry
// Each step saves test-output/e2e/<page>-<step>.png and checks the picture is not blank.
//
//   node e2e/demo.e2e.mjs --server target/debug/tokenfetch-devserver --site target/e2e-site
//
// --site is a folder laid out as scripts/common.sh's assemble_site makes it (/, /plain/,
// /react/, /shared/, /pkg/). Env: TF_E2E_PORT (default 8900; the second origin is the next
// port), CHROMIUM (default /usr/bin/chromium). Prints `e2e: N passed, M failed` last.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { check, runSuite, serverBinFromArgs, sleep } from "../scripts/lib/browser.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const usage = "node e2e/demo.e2e.mjs --server PATH_TO_TOKENFETCH_DEVSERVER --site ASSEMBLED_SITE_DIR";
const serverBin = serverBinFromArgs(usage);
const siteIndex = process.argv.indexOf("--site");
const site = siteIndex >= 0 ? process.argv[siteIndex + 1] : undefined;
if (!site) {
  console.error(`usage: ${usage}`);
  process.exit(2);
}
const port = Number(process.env.TF_E2E_PORT ?? 8900);
const TTL = 6; // seconds, the devserver's default for these tests
const AHEAD = 2; // the pages' refreshAheadSeconds
const shots = join(root, "test-output", "e2e");
mkdirSync(shots, { recursive: true });

const pages = [
  ["plain", "/plain/"],
  ["react", "/react/"],
];

// The browser logs every non-2xx fetch as a console error; these are the ones the scenario
// causes on purpose (a revoked token, a broken refresh endpoint).
const expectedConsole = /Failed to load resource: the server responded with a status of (401|503)\b/;

/** Pixels of a PNG, decoded by the page itself: fails if the picture is (nearly) one colour. */
async function checkNotBlank(page, png, name) {
  const stats = await page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    const counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const pixels = data.length / 4;
    return { width: bitmap.width, height: bitmap.height, colours: counts.size, dominant: Math.max(...counts.values()) / pixels };
  }, png.toString("base64"));
  check(stats.width > 0 && stats.height > 0, `${name}: empty picture`);
  check(stats.colours >= 50 && stats.dominant < 0.97, `${name} looks blank: ${stats.colours} colours, ${(stats.dominant * 100).toFixed(1)}% one colour`);
  return stats;
}

function demoChecks(browser, origin, [label, path]) {
  const ns = `e2e-${label}-${process.pid}-${Date.now()}`;
  const url = `${origin}${path}?ns=${ns}&ahead=${AHEAD}&every=1000&fail=15`;
  const problems = [];
  let context;
  let page;
  let loadFailed = false;

  const stats = async () => (await fetch(`${origin}/control/stats?ns=${ns}`)).json();
  const counter = async (key) => Number(await page.locator(`[data-counter="${key}"] b`).textContent());
  const entries = (kind, what) => page.locator(`#events li[data-kind="${kind}"]${what ? `[data-what="${what}"]` : ""}`);
  const waitFor = async (description, condition, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await condition()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
      await sleep(100);
    }
  };
  const noProblems = () => check(problems.length === 0, problems.splice(0).join("\n  "));
  const noVisibleError = async () => {
    check((await page.locator("#status").textContent()) === "ok", `status: ${await page.locator("#status").textContent()}`);
    check((await counter("requestsFailed")) === 0, `${await counter("requestsFailed")} request(s) failed on the page`);
  };
  const screenshot = async (step) => {
    const png = await page.screenshot({ fullPage: true });
    const file = join(shots, `${label}-${step}.png`);
    writeFileSync(file, png);
    const s = await checkNotBlank(page, png, file);
    console.log(`  ${label}-${step}.png: ${s.width}x${s.height}, ${s.colours} colours`);
  };

  const step = (name, run, { last = false } = {}) => [
    `${path} ${name}`,
    async () => {
      check(!loadFailed, "not run: the page did not load");
      let failure = null;
      try {
        await run();
        noProblems();
      } catch (err) {
        failure = err;
      }
      // A picture of every step, also (and especially) of a failed one.
      try {
        if (page) await screenshot(name);
      } catch (err) {
        failure ??= err;
      }
      if (last) await context?.close().catch(() => {});
      if (failure && name === "loaded") loadFailed = true;
      if (failure) throw failure;
    },
  ];

  return [
    step("loaded", async () => {
      context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.addInitScript(() => {
        window.cspViolations = [];
        document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
      page.on("console", (msg) => {
        if (msg.type() === "error" && !expectedConsole.test(msg.text())) problems.push(`console error: ${msg.text()}`);
      });
      page.on("requestfailed", async (req) => {
        // The client cancels the body of a 401 it answers with a retry: Chromium reports that
        // response as aborted. Anything else failing is a problem.
        const status = (await req.response().catch(() => null))?.status();
        if (req.failure()?.errorText === "net::ERR_ABORTED" && status === 401) return;
        problems.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText} (status ${status ?? "none"})`);
      });
      const res = await page.goto(url);
      check(res?.ok(), `GET ${path} answered ${res?.status()}`);
      await page.waitForFunction(() => document.body.dataset.status && document.body.dataset.status !== "loading…", null, { timeout: 20_000 });
      check((await page.evaluate(() => document.body.dataset.status)) === "ok", `status: ${await page.locator("#status").textContent()}`);
      check((await entries("token").count()) === 1, "no token-installed entry");
      // /react/ runs under the CSP the package README recommends ('wasm-unsafe-eval', no inline script).
      const violations = await page.evaluate(() => window.cspViolations);
      check(violations.length === 0, `CSP violations: ${violations.join("; ")}`);
      if (label === "react") {
        const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
        check(/script-src 'self' 'wasm-unsafe-eval';/.test(csp ?? ""), `unexpected CSP: ${csp}`);
      }
      await waitFor("the token's time left", async () => /s left/.test(await page.locator("#token-left").textContent()), 2_000);
    }),

    step("requests", async () => {
      await waitFor("3 successful requests", async () => (await counter("requestsOk")) >= 3, 10_000);
      check((await entries("ok", "request").count()) >= 1, "no successful request on the timeline");
      // The countdown ticks.
      const before = await page.locator("#token-left").textContent();
      await sleep(300);
      check((await page.locator("#token-left").textContent()) !== before, `the countdown is stuck at ${before}`);
      const s = await stats();
      check(s.authorized >= 3, `the server saw ${s.authorized} authorized requests`);
      await noVisibleError();
    }),

    step("revoke", async () => {
      // Revoke while the token is fresh, so that a request uses it before the timer replaces it.
      await waitFor("a fresh token", async () => parseFloat(await page.locator("#token-left").textContent()) >= TTL - 1.5, 10_000);
      const { unauthorized } = await stats();
      await page.click("#btn-revoke");
      await waitFor("a revoked-on-the-server entry", async () => (await entries("control").count()) >= 1, 5_000);
      await waitFor("a 401 recovered by a retry", async () => (await entries("recovered", "request").count()) >= 1, 10_000);
      check((await entries("recovered", "refresh").count()) >= 1, "no refresh-after-401 entry");
      const text = await entries("recovered", "request").first().textContent();
      check(/401 → retried → 200/.test(text), `recovered entry reads: ${text}`);
      const s = await stats();
      check(s.unauthorized > unauthorized, "the server answered no 401 after the revoke");
      await noVisibleError();
    }),

    step("expiry", async () => {
      const proactive = await entries("proactive", "refresh").count();
      const ok = await counter("requestsOk");
      const { tokensIssued } = await stats();
      await sleep((TTL + 1.5) * 1000); // the token held at the start has expired by now
      const refreshed = (await entries("proactive", "refresh").count()) - proactive;
      check(refreshed >= 1, "no proactive refresh while the token ran out");
      check((await counter("requestsOk")) >= ok + 4, "requests stopped succeeding");
      const s = await stats();
      check(s.tokensIssued > tokensIssued, "the server issued no new token");
      check(!/expired|no token/.test(await page.locator("#token-left").textContent()), "the page shows an expired token");
      await noVisibleError();
      console.log(`  ${label}: ${refreshed} proactive refresh(es) in ${TTL + 1.5} s`);
    }),

    step("refresh-failed", async () => {
      await page.click("#btn-break");
      await waitFor("the broken-refresh chip", async () => (await page.locator("#chip-refresh.bad").count()) === 1, 5_000);
      await page.click("#btn-refresh");
      await waitFor("a failed-refresh entry", async () => (await entries("failed", "refresh").count()) >= 1, 10_000);
      const text = await entries("failed", "refresh").first().textContent();
      check(/refresh-url-status \(HTTP 503\)/.test(text), `failed-refresh entry reads: ${text}`);
      check((await counter("refreshesFailed")) >= 1, "the failed refresh is not counted");
      await fetch(`${origin}/control/reset?ns=${ns}`, { method: "POST" });
    }, { last: true }),
  ];
}

await runSuite("e2e", { serverBin, port, entries: [[site, "."]], serverArgs: ["--ttl", String(TTL)] }, ({ server, browser }) =>
  pages.flatMap((p) => demoChecks(browser, server.origin, p)),
);
