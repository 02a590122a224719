// shareAcrossTabs in real browser windows of one profile: four windows holding the same expired
// token refresh once (counted on the server), logout in one logs out all, a window opened later
// gets the token, and without Web Locks the client works as if the option were off. With DPoP:
// four windows that start together (and a reload) sign with one key, a token refreshed in one is
// used by the others with proofs the devserver accepts, and signing out deletes the key, so that
// the next login binds a new one (the devserver's DPoP log shows each key it verified).
//
// WebDriver drives one window at a time: the requests that must overlap are started in every
// window first and awaited afterwards. The page is tests/tabs/index.html, served at /tabs/.
import { check, newProfile, origin, Page, sleep } from "../../e2e/support.mjs";
import { dpopLog, enableDpop, mintToken, stats, uniqueNs } from "../../www/shared/devserver.js";

const tabUrl = (query) => `${origin}/tabs/?${new URLSearchParams(query)}`;
const ready = (page) => page.waitFor(() => document.body.dataset.ready === "1", null, { what: "the tab page to be ready" });

/** Opens `n` windows of the current profile on the test page and waits until each is ready. */
async function openTabs(n, query) {
  const pages = [];
  for (let i = 0; i < n; i++) {
    const page = await Page.open(tabUrl(query));
    await ready(page);
    pages.push(page);
  }
  await sleep(300); // let the tabs introduce themselves over the channel
  return pages;
}
/** `fn(arg)` in each page, one after the other (WebDriver's way), the results in order. */
async function eachTab(pages, fn, arg) {
  const results = [];
  for (const page of pages) results.push(await page.evaluate(fn, arg));
  return results;
}
/** No page problems in `pages` but those `expected(problem)` allows. */
async function noProblems(pages, expected = () => false) {
  for (const page of pages) {
    const problems = (await page.takeProblems()).filter((p) => !expected(p));
    check(problems.length === 0, `page problems: ${problems.map((p) => `${p.kind}: ${p.text}`).join("; ")}`);
  }
}

describe("shareAcrossTabs", () => {
  beforeEach(() => newProfile());

  it("4 tabs with an expired token refresh once", async () => {
    const name = uniqueNs("tabs4");
    const expired = await mintToken(origin, name, -5);
    // The refresh takes a second on the server, so all four requests overlap it.
    const pages = await openTabs(4, { ns: name, token: expired, delay: 1000 });
    await eachTab(pages, () => {
      window.pending = window.callMe();
    });
    const statuses = await eachTab(pages, () => window.pending);
    const calls = await eachTab(pages, () => window.callbackCalls);
    const seen = await stats(origin, name);
    console.log(`  statuses ${statuses.join(",")}; callback calls per tab ${calls.join(",")}; server tokensIssued ${seen.tokensIssued} (1 is the expired token)`);
    check(statuses.every((s) => s === 200), `every tab's request succeeds: ${statuses}`);
    check(calls.reduce((a, b) => a + b, 0) === 1, `exactly one callback call across tabs: ${calls}`);
    check(seen.tokensIssued === 2, `the server minted one token for the refresh: ${seen.tokensIssued - 1}`);
    check(seen.unauthorized === 0, `no tab sent the expired token: ${seen.unauthorized}`);
    await noProblems(pages);
  });

  it("logout in one tab clears all", async () => {
    const name = uniqueNs("logout");
    const token = await mintToken(origin, name, 300);
    const pages = await openTabs(3, { ns: name, token });
    check((await pages[2].evaluate(() => window.callMe())) === 200, "logged in");
    await pages[0].evaluate(() => window.client.clear());
    await sleep(300);
    const held = await eachTab(pages, () => window.client.hasToken);
    const cleared = await eachTab(pages, () => window.events.some((e) => e.type === "cleared"));
    console.log(`  hasToken after logout: ${held.join(",")}`);
    check(held.every((h) => h === false), `every tab forgot the token: ${held}`);
    check(cleared.every(Boolean), `every tab reported "cleared": ${cleared}`);
    await noProblems(pages);
  });

  it("a token set in one tab reaches a tab opened later", async () => {
    const name = uniqueNs("newcomer");
    const token = await mintToken(origin, name, 300);
    const [first] = await openTabs(1, { ns: name });
    await first.evaluate((t) => window.client.setToken(t), token);
    const [late] = await openTabs(1, { ns: name });
    check(await late.evaluate(() => window.client.hasToken), "the new tab received the token");
    check((await late.evaluate(() => window.callMe())) === 200, "and uses it");
    check((await late.evaluate(() => window.callbackCalls)) === 0, "without a refresh of its own");
    await noProblems([first, late]);
  });

  it("without Web Locks the option is off and the client still works", async () => {
    const name = uniqueNs("nolocks");
    const expired = await mintToken(origin, name, -5);
    const pages = await openTabs(2, { ns: name, token: expired, locks: "off" });
    check((await eachTab(pages, () => navigator.locks === undefined)).every(Boolean), "the pages see no navigator.locks");
    const statuses = await eachTab(pages, () => window.callMe());
    const calls = await eachTab(pages, () => window.callbackCalls);
    check(statuses.every((s) => s === 200), `requests succeed: ${statuses}`);
    check(calls.every((c) => c === 1), `each tab refreshed on its own: ${calls}`);
    await noProblems(pages);
  });
});

describe("shareAcrossTabs with dpop", () => {
  beforeEach(() => newProfile());
  const thumbprints = (pages) => eachTab(pages, () => window.client.dpopThumbprint());
  const keyEvents = (pages) => eachTab(pages, () => window.events.filter((e) => e.type === "dpop-key").map((e) => e.stored));
  // A tab's first request has no nonce: the 401 challenge's body, cancelled by the client as it
  // retries, is what Chromium reports as an aborted request (and its console a 401).
  const challenge = (p) =>
    (p.kind === "requestfailed" && p.errorText === "net::ERR_ABORTED" && p.status === 401) ||
    (p.kind === "console" && /status of 401\b/.test(p.text));
  /** Proofs the devserver refused, but for nonce challenges (which the client answers). */
  const refusals = (log) => log.entries.filter((e) => !e.accepted && e.reason !== "use_dpop_nonce").map((e) => `${e.route} ${e.reason}`);

  it("4 tabs that start together and a reload sign with one key; a token refreshed in one works in all", async () => {
    const name = uniqueNs("dpop4");
    const query = { ns: name, channel: uniqueNs("keys"), dpop: 1 };
    await enableDpop(origin, name);
    const pages = await openTabs(4, query);
    // No tab has needed the key yet: all four make or load it at the same instant.
    const at = Date.now() + 500;
    await eachTab(pages, (t) => {
      window.pending = new Promise((r) => setTimeout(r, t - Date.now())).then(() => window.client.dpopThumbprint());
    }, at);
    const started = await eachTab(pages, () => window.pending);
    const key = started[0];
    const events = await keyEvents(pages);
    console.log(`  thumbprints ${started.map((t) => t.slice(0, 8)).join(",")}; dpop-key stored per tab ${JSON.stringify(events)}`);
    check(new Set(started).size === 1, `the tabs that started together hold ${new Set(started).size} keys`);
    check(events.every((e) => e.length === 1 && e[0] === true), `each tab loaded or made one stored key: ${JSON.stringify(events)}`);
    await pages[3].goto(tabUrl(query));
    await ready(pages[3]);
    check((await pages[3].evaluate(() => window.client.dpopThumbprint())) === key, "the reloaded tab signs with another key");
    // One tab logs in (a refresh: the token endpoint with a proof); the others use its token.
    check((await pages[0].evaluate(() => window.client.refresh())) === true, "tab 1 got a token");
    const statuses = await eachTab(pages, () => window.callMe());
    const calls = await eachTab(pages, () => window.callbackCalls);
    const log = await dpopLog(origin, name);
    const proven = log.entries.filter((e) => e.endpoint === "resource" && e.accepted && e.scheme === "DPoP" && e.jkt === key);
    console.log(`  statuses ${statuses.join(",")}; callback calls ${calls.join(",")}; server keys ${log.keys.length}, proven API requests ${proven.length}`);
    check(statuses.every((s) => s === 200), `every tab's request succeeds: ${statuses}`);
    check(calls.join() === "1,0,0,0", `only tab 1 asked for a token: ${calls}`);
    check(log.keys.length === 1 && log.keys[0] === key, `the server verified proofs of ${log.keys.length} keys`);
    check(proven.length === 4 && log.entries.some((e) => e.endpoint === "token" && e.accepted && e.jkt === key), "the server did not accept a proof of the key from every tab and the token endpoint");
    check(refusals(log).length === 0, `the server refused: ${refusals(log)}`);
    await noProblems(pages, challenge);
  });

  it("signing out in one tab deletes the key; the next login binds a new one", async () => {
    const name = uniqueNs("dpopout");
    await enableDpop(origin, name);
    const pages = await openTabs(3, { ns: name, channel: uniqueNs("keys"), dpop: 1 });
    check((await pages[0].evaluate(() => window.client.refresh())) === true, "logged in");
    const [first] = await thumbprints(pages.slice(0, 1));
    check((await eachTab(pages, () => window.callMe())).every((s) => s === 200), "every tab uses the token");
    check(await pages[2].evaluate(() => window.storedKey()), "the key is not in IndexedDB");
    // Tab 2's provider answers invalid_grant: its callback says "signed out".
    await pages[1].evaluate(() => ((window.signOut = true), window.client.refresh()));
    await sleep(300);
    check((await eachTab(pages, () => window.client.hasToken)).every((h) => h === false), "a tab still holds the token");
    await pages[2].waitFor(async () => !(await window.storedKey()), null, { timeout: 3_000, what: "the key to be deleted from IndexedDB" });
    // The next login, in tab 3: a new key, in every tab.
    check((await pages[2].evaluate(() => window.client.refresh())) === true, "logged in again");
    const after = await thumbprints(pages);
    const statuses = await eachTab(pages, () => window.callMe());
    const log = await dpopLog(origin, name);
    console.log(`  key ${first.slice(0, 8)} → ${after.map((t) => t.slice(0, 8)).join(",")}; statuses ${statuses}; server keys ${log.keys.map((k) => k.slice(0, 8))}`);
    check(new Set(after).size === 1 && after[0] !== first, `after the next login the tabs hold ${after.map((t) => t.slice(0, 8))} (old key ${first.slice(0, 8)})`);
    check(statuses.every((s) => s === 200), `every tab's request succeeds: ${statuses}`);
    check(log.keys.join() === [first, after[0]].join(), `the server verified keys ${log.keys.map((k) => k.slice(0, 8))}`);
    const last = log.entries.filter((e) => e.endpoint === "resource" && e.accepted).slice(-3);
    check(last.length === 3 && last.every((e) => e.jkt === after[0]), "the tabs' last requests were not proven with the new key");
    check(refusals(log).length === 0, `the server refused: ${refusals(log)}`);
    check(await pages[0].evaluate(() => window.storedKey()), "the new key is not in IndexedDB");
    await noProblems(pages, challenge);
  });
});
