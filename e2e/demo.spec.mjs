// End-to-end tests of the demo pages as a person uses them, against the devserver serving the
// assembled site with short tokens (--ttl 6 in wdio.conf.mjs, pages told ?ahead=2), so that
// tokens expire and get refreshed while the test watches.
//
// For each of /plain/ and /react/, in one window of a fresh profile, step by step:
//   loaded          the page loads, logs in and answers its first request; no page error
//   requests        the automatic GET /api/me keep succeeding
//   revoke          "Revoke all tokens" → the next request is a 401 the client recovers from
//   expiry          past the token lifetime: timer refreshes, requests still succeed
//   refresh-failed  "Break /auth/refresh" + client.refresh() → a failed-refresh entry
// then with DPoP (RFC 9449), the devserver checking every proof:
//   dpop-switch     the DPoP switch reloads the page in DPoP mode (the namespace too), and a
//                   reload signs with the same key; key and first nonce challenge on the timeline
//   dpop-requests   proven requests accepted (the server saw this page's key, scheme DPoP, its
//                   nonce), a timer refresh at /oauth/token with a proof, the server's log on the
//                   page, expired nonces answered by one challenge and retry
//   dpop-replay     "Replay the token from elsewhere": as Bearer, as DPoP with no proof and with
//                   another key's proof, each refused by the server (and shown so on the page)
//   dpop-off        the switch back off: Bearer again, the namespace out of DPoP mode
// Each step saves test-output/e2e/<page>-<step>.png (webkit-<page>-<step>.png in WebKit) and
// checks the picture is not blank. In WebKit (classic WebDriver) the page-error and CSP
// listeners start once the page has loaded, and failed requests are not seen (e2e/support.mjs).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as devserver from "../www/shared/devserver.js";
import { check, engine, newProfile, origin, Page, sleep } from "./support.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TTL = 6; // seconds, the devserver's default for these tests
const AHEAD = 2; // the pages' refreshAheadSeconds
const shots = join(root, "test-output", "e2e");
mkdirSync(shots, { recursive: true });

const pages = [
  ["plain", "/plain/"],
  ["react", "/react/"],
];

// Chromium logs every non-2xx fetch as a console error; these are the ones the scenario
// causes on purpose (a revoked token, a broken refresh endpoint, a DPoP nonce challenge: 401 from
// the API, 400 from a token endpoint, and the replayed token's refusals).
const expectedConsole = /Failed to load resource: the server responded with a status of (400|401|503)\b/;

/** Whether a problem the page reported is one the scenario causes on purpose. */
function expected(problem) {
  if (problem.kind === "console") return expectedConsole.test(problem.text);
  // The client cancels the body of a 401 (or a token endpoint's 400 nonce challenge) it answers
  // with a retry: Chromium reports that response as aborted. Anything else failing is a problem.
  if (problem.kind === "requestfailed") return problem.errorText === "net::ERR_ABORTED" && [400, 401].includes(problem.status);
  return false;
}

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

function demoChecks([label, path]) {
  const ns = `e2e-${label}-${process.pid}-${Date.now()}`;
  const url = `${origin}${path}?ns=${ns}&ahead=${AHEAD}&every=1000&fail=15`;
  const shotPrefix = () => (engine() === "chromium" ? label : `${engine()}-${label}`);
  let page;
  let loadFailed = false;

  const stats = () => devserver.stats(origin, ns);
  const counter = async (key) => Number(await page.text(`[data-counter="${key}"] b`));
  const entriesSelector = (kind, what) => `#events li[data-kind="${kind}"]${what ? `[data-what="${what}"]` : ""}`;
  const entries = (kind, what) => page.count(entriesSelector(kind, what));
  const firstEntryText = (kind, what) => page.text(entriesSelector(kind, what));
  const left = () => page.text("#token-left");
  const waitFor = async (description, condition, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await condition()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
      await sleep(100);
    }
  };
  // The page after a load that the DPoP switch (or goto) started: its status once it has one,
  // with `?dpop=1` or without as `dpop` says (errors while the old page goes are waited out).
  const loaded = async (dpop) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = await page
        .evaluate((want) => {
          const status = document.body?.dataset.status;
          const on = new URLSearchParams(location.search).get("dpop") === "1";
          return on === want && status && status !== "loading…" ? status : null;
        }, dpop)
        .catch(() => null);
      if (status) return check(status === "ok", `status: ${status}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for the page to load with dpop ${dpop ? "on" : "off"}`);
      await sleep(100);
    }
  };
  const log = () => devserver.dpopLog(origin, ns);
  const thumbprint = () => page.attr("#chip-key", "data-jkt");
  const titles = (kind) => page.evaluate((k) => [...document.querySelectorAll(`#events li[data-kind="${k}"] strong`)].map((e) => e.textContent), kind);
  const nonceChallenges = async () => (await titles("dpop")).filter((t) => t.startsWith("Nonce challenge")).length;
  const noProblems = async () => {
    const problems = (await page.takeProblems()).filter((p) => !expected(p));
    check(problems.length === 0, problems.map((p) => `${p.kind}: ${p.text}`).join("\n  "));
  };
  const noVisibleError = async () => {
    const status = await page.text("#status");
    check(status === "ok", `status: ${status}`);
    check((await counter("requestsFailed")) === 0, `${await counter("requestsFailed")} request(s) failed on the page`);
  };
  const screenshot = async (step) => {
    const png = await page.screenshot();
    const file = join(shots, `${shotPrefix()}-${step}.png`);
    writeFileSync(file, png);
    const s = await checkNotBlank(page, png, file);
    console.log(`  ${shotPrefix()}-${step}.png: ${s.width}x${s.height}, ${s.colours} colours`);
  };

  const step = (name, run) =>
    it(`${path} ${name}`, async () => {
      check(!loadFailed, "not run: the page did not load");
      let failure = null;
      try {
        await run();
        await noProblems();
      } catch (err) {
        failure = err;
      }
      // A picture of every step, also (and especially) of a failed one.
      try {
        if (page) await screenshot(name);
      } catch (err) {
        failure ??= err;
      }
      if (failure && name === "loaded") loadFailed = true;
      if (failure) throw failure;
    });

  describe(path, () => {
    step("loaded", async () => {
      const csp = () => {
        window.cspViolations = [];
        document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
      };
      await newProfile({ viewport: { width: 1000, height: 900 }, init: [csp] });
      const res = await fetch(url);
      check(res.ok, `GET ${path} answered ${res.status}`);
      page = await Page.open(url);
      await page.waitFor(() => document.body.dataset.status && document.body.dataset.status !== "loading…", null, { timeout: 20_000, what: "the page's status" });
      check((await page.evaluate(() => document.body.dataset.status)) === "ok", `status: ${await page.text("#status")}`);
      check((await entries("token")) === 1, "no token-installed entry");
      // /react/ runs under the CSP the package README recommends ('wasm-unsafe-eval', no inline script).
      const violations = await page.evaluate(() => window.cspViolations);
      check(violations.length === 0, `CSP violations: ${violations.join("; ")}`);
      if (label === "react") {
        const csp = await page.attr('meta[http-equiv="Content-Security-Policy"]', "content");
        check(/script-src 'self' 'wasm-unsafe-eval';/.test(csp ?? ""), `unexpected CSP: ${csp}`);
      }
      await waitFor("the token's time left", async () => /s left/.test(await left()), 2_000);
    });

    step("requests", async () => {
      await waitFor("3 successful requests", async () => (await counter("requestsOk")) >= 3, 10_000);
      check((await entries("ok", "request")) >= 1, "no successful request on the timeline");
      // The countdown ticks.
      const before = await left();
      await sleep(300);
      check((await left()) !== before, `the countdown is stuck at ${before}`);
      const s = await stats();
      check(s.authorized >= 3, `the server saw ${s.authorized} authorized requests`);
      await noVisibleError();
    });

    step("revoke", async () => {
      // Revoke while the token is fresh, so that a request uses it before the timer replaces it.
      await waitFor("a fresh token", async () => parseFloat(await left()) >= TTL - 1.5, 10_000);
      const { unauthorized } = await stats();
      await page.click("#btn-revoke");
      await waitFor("a revoked-on-the-server entry", async () => (await entries("control")) >= 1, 5_000);
      await waitFor("a 401 recovered by a retry", async () => (await entries("recovered", "request")) >= 1, 10_000);
      check((await entries("recovered", "refresh")) >= 1, "no refresh-after-401 entry");
      const text = await firstEntryText("recovered", "request");
      check(/401 → retried → 200/.test(text), `recovered entry reads: ${text}`);
      const s = await stats();
      check(s.unauthorized > unauthorized, "the server answered no 401 after the revoke");
      await noVisibleError();
    });

    step("expiry", async () => {
      const proactive = await entries("proactive", "refresh");
      const ok = await counter("requestsOk");
      const { tokensIssued } = await stats();
      await sleep((TTL + 1.5) * 1000); // the token held at the start has expired by now
      const refreshed = (await entries("proactive", "refresh")) - proactive;
      check(refreshed >= 1, "no proactive refresh while the token ran out");
      check((await counter("requestsOk")) >= ok + 4, "requests stopped succeeding");
      const s = await stats();
      check(s.tokensIssued > tokensIssued, "the server issued no new token");
      check(!/expired|no token/.test(await left()), "the page shows an expired token");
      await noVisibleError();
      console.log(`  ${label}: ${refreshed} proactive refresh(es) in ${TTL + 1.5} s`);
    });

    step("refresh-failed", async () => {
      await page.click("#btn-break");
      await waitFor("the broken-refresh chip", async () => (await page.count("#chip-refresh.bad")) === 1, 5_000);
      await page.click("#btn-refresh");
      await waitFor("a failed-refresh entry", async () => (await entries("failed", "refresh")) >= 1, 10_000);
      const text = await firstEntryText("failed", "refresh");
      check(/refresh-url-status \(HTTP 503\)/.test(text), `failed-refresh entry reads: ${text}`);
      check((await counter("refreshesFailed")) >= 1, "the failed refresh is not counted");
      await devserver.reset(origin, ns);
    });

    step("dpop-switch", async () => {
      check((await page.evaluate(() => document.getElementById("dpop").checked)) === false, "the DPoP switch starts off");
      await page.click("#dpop");
      await loaded(true);
      const first = await thumbprint();
      check(/^[A-Za-z0-9_-]{43}$/.test(first ?? ""), `no key thumbprint on the page: ${first}`);
      const keyEntry = async () => (await titles("dpop")).find((t) => t.startsWith("DPoP key ready"));
      check(await keyEntry(), "no dpop-key entry on the timeline");
      // A reload (which also lets WebKit's page-problem capture start again) signs with the same
      // key when it was stored (dpop-key stored: true), and logs in again bound to it.
      await page.goto(await page.evaluate(() => location.href));
      await loaded(true);
      const stored = (await keyEntry()) === "DPoP key ready"; // else "… (memory only)"
      console.log(`  ${label}: key ${first.slice(0, 8)}…, ${stored ? "stored in IndexedDB" : "memory only"}; after the reload ${(await thumbprint()).slice(0, 8)}…`);
      if (stored) check((await thumbprint()) === first, "a reload signed with another key, though the key was stored");
      check(await page.evaluate(() => document.getElementById("dpop").checked), "the switch is not on after the reload");
      const l = await log();
      check(l.enabled && l.nonce === "required", `the namespace is not in DPoP mode with nonces: ${l.enabled} ${l.nonce}`);
      // The first API request had no nonce yet: one challenge, answered by the client.
      await waitFor("a nonce challenge on the timeline", async () => (await nonceChallenges()) >= 1, 5_000);
      await noVisibleError();
    });

    step("dpop-requests", async () => {
      const key = await thumbprint();
      const ok = await counter("requestsOk");
      await waitFor("3 more successful requests", async () => (await counter("requestsOk")) >= ok + 3, 10_000);
      let l = await log();
      const proven = l.entries.filter((e) => e.endpoint === "resource" && e.accepted && e.scheme === "DPoP" && e.jkt === key && e.nonceCheck === "current");
      check(proven.length >= 3, `the server accepted ${proven.length} proofs of this page's key with its nonce`);
      const refused = l.entries.filter((e) => !e.accepted && e.reason !== "use_dpop_nonce");
      check(refused.length === 0, `the server refused: ${refused.map((e) => `${e.route} ${e.reason}`).join(", ")}`);
      check((await page.count("#dpop-log li")) >= 1 && /accepted/.test(await page.text("#dpop-summary")), "the server's DPoP log is not on the page");
      // Past the token's lifetime: the timer's refresh is a refresh_token grant with a proof.
      await sleep((TTL + 1.5) * 1000);
      l = await log();
      const grants = l.entries.filter((e) => e.route === "/oauth/token" && e.accepted && e.jkt === key);
      check(grants.length >= 1, "no proven refresh grant at /oauth/token");
      check((await entries("proactive", "refresh")) >= 1, "no proactive refresh on the timeline");
      // Expired nonces: the next request meets a challenge, which the client answers itself.
      const challenges = await nonceChallenges();
      await page.click("#btn-nonce");
      await waitFor("a nonce challenge after the nonces expired", async () => (await nonceChallenges()) > challenges, 10_000);
      const after = await counter("requestsOk");
      await waitFor("requests after the challenge", async () => (await counter("requestsOk")) >= after + 2, 10_000);
      console.log(`  ${label}: ${proven.length} proven requests, ${grants.length} proven refresh grant(s), ${await nonceChallenges()} nonce challenge(s)`);
      await noVisibleError();
    });

    step("dpop-replay", async () => {
      const key = await thumbprint();
      const seq = (await log()).entries.at(-1)?.seq ?? 0;
      await page.click("#btn-replay");
      await waitFor("the replay's entry", async () => (await entries("replay")) >= 1, 10_000);
      const text = await firstEntryText("replay");
      check(/refused 3 of 3/.test(text), `replay entry reads: ${text}`);
      for (const reason of ["bearer_for_bound_token", "missing_proof", "jkt_mismatch"]) check(text.includes(`401 ${reason}`), `the page does not show ${reason}: ${text}`);
      const seen = (await log()).entries.filter((e) => e.seq > seq && !e.accepted);
      const reasons = seen.map((e) => e.reason);
      for (const reason of ["bearer_for_bound_token", "missing_proof", "jkt_mismatch"]) check(reasons.includes(reason), `the server did not refuse with ${reason}: ${reasons}`);
      const other = seen.find((e) => e.reason === "jkt_mismatch");
      check(other.jkt !== key && other.boundJkt === key, "the refused proof was not of another key than the token's");
      // The page's own client goes on as before.
      const ok = await counter("requestsOk");
      await waitFor("requests after the replay", async () => (await counter("requestsOk")) >= ok + 2, 10_000);
      await noVisibleError();
    });

    step("dpop-off", async () => {
      await page.click("#dpop");
      await loaded(false);
      await page.goto(await page.evaluate(() => location.href)); // WebKit's page-problem capture again
      await loaded(false);
      check((await log()).enabled === false, "the namespace is still in DPoP mode");
      check((await page.count("#chip-key:not([hidden])")) === 0, "a DPoP key is still shown");
      const ok = await counter("requestsOk");
      const { authorized } = await stats();
      await waitFor("requests in Bearer mode", async () => (await counter("requestsOk")) >= ok + 2, 10_000);
      const s = await stats();
      check(s.authorized > authorized && s.lastAuthScheme === "Bearer", `the server saw ${s.authorized - authorized} more authorized requests, last as ${s.lastAuthScheme}`);
      await noVisibleError();
    });
  });
}

describe("demo pages end to end", () => pages.forEach(demoChecks));
