// shareAcrossTabs in real browser windows of one profile: four windows holding the same expired
// token refresh once (counted on the server), logout in one logs out all, a window opened later
// gets the token, and without Web Locks the client works as if the option were off.
//
// WebDriver drives one window at a time: the requests that must overlap are started in every
// window first and awaited afterwards. The page is tests/tabs/index.html, served at /tabs/.
import { check, newProfile, origin, Page, sleep } from "../../e2e/support.mjs";
import { mintToken, stats, uniqueNs } from "../../www/shared/devserver.js";

/** Opens `n` windows of the current profile on the test page and waits until each is ready. */
async function openTabs(n, query) {
  const pages = [];
  for (let i = 0; i < n; i++) {
    const page = await Page.open(`${origin}/tabs/?${new URLSearchParams(query)}`);
    await page.waitFor(() => document.body.dataset.ready === "1", null, { what: "the tab page to be ready" });
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
async function noProblems(pages) {
  for (const page of pages) {
    const problems = await page.takeProblems();
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
