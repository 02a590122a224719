// shareAcrossTabs in real browser tabs: four tabs holding the same expired token refresh once
// (counted on the server), logout in one tab logs out all, a tab opened later gets the token,
// and without Web Locks the client works as if the option were off.
//
//   node tests/tabs/tabs.e2e.mjs --server target/debug/tokenfetch-devserver [--engine chromium|webkit]
//
// Chromium: tabs of one browser context (playwright-core). WebKit: windows of one MiniBrowser
// (one WebDriver session), which WebDriver drives one at a time: the requests that must overlap
// are started in every window first and awaited afterwards.
//
// Env: TF_TABS_PORT (default 8940; the second origin is the next port).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { check, engineFromArgs, runSuite, serverBinFromArgs, sleep } from "../../scripts/lib/browser.mjs";
import { mintToken, stats, uniqueNs } from "../../www/shared/devserver.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const serverBin = serverBinFromArgs("node tests/tabs/tabs.e2e.mjs --server PATH_TO_TOKENFETCH_DEVSERVER [--engine chromium|webkit]");
const engine = engineFromArgs();
const port = Number(process.env.TF_TABS_PORT ?? 8940);

const entries = [
  [join(root, "pkg"), "pkg"],
  [join(root, "tests", "tabs"), "tabs"],
  [join(root, "www", "shared", "devserver.js"), join("shared", "devserver.js")], // the page's refresh callback
];
await runSuite("tabs", { serverBin, port, entries, engine }, ({ server, browser }) => {
  /** Opens `n` tabs of one browser profile on the test page and waits until each is ready. */
  async function openTabs(context, n, query) {
    const pages = [];
    for (let i = 0; i < n; i++) {
      const page = await context.newPage();
      await page.goto(`${server.origin}/tabs/?${new URLSearchParams(query)}`);
      await page.waitFor(() => document.body.dataset.ready === "1", null, { what: "the tab page to be ready" });
      pages.push(page);
    }
    await sleep(300); // let the tabs introduce themselves over the channel
    return pages;
  }
  const eachTab = (pages, fn, arg) => Promise.all(pages.map((p) => p.evaluate(fn, arg)));
  async function noProblems(pages) {
    for (const page of pages) {
      const problems = await page.takeProblems();
      check(problems.length === 0, `page problems: ${problems.map((p) => `${p.kind}: ${p.text}`).join("; ")}`);
    }
  }

  return [
    [
      "4 tabs with an expired token refresh once",
      async () => {
        const name = uniqueNs("tabs4");
        const expired = await mintToken(server.origin, name, -5);
        const context = await browser.newContext();
        try {
          // The refresh takes a second on the server, so all four requests overlap it.
          const pages = await openTabs(context, 4, { ns: name, token: expired, delay: 1000 });
          await eachTab(pages, () => {
            window.pending = window.callMe();
          });
          const statuses = await eachTab(pages, () => window.pending);
          const calls = await eachTab(pages, () => window.callbackCalls);
          const seen = await stats(server.origin, name);
          console.log(`  statuses ${statuses.join(",")}; callback calls per tab ${calls.join(",")}; server tokensIssued ${seen.tokensIssued} (1 is the expired token)`);
          check(statuses.every((s) => s === 200), `every tab's request succeeds: ${statuses}`);
          check(calls.reduce((a, b) => a + b, 0) === 1, `exactly one callback call across tabs: ${calls}`);
          check(seen.tokensIssued === 2, `the server minted one token for the refresh: ${seen.tokensIssued - 1}`);
          check(seen.unauthorized === 0, `no tab sent the expired token: ${seen.unauthorized}`);
          await noProblems(pages);
        } finally {
          await context.close();
        }
      },
    ],
    [
      "logout in one tab clears all",
      async () => {
        const name = uniqueNs("logout");
        const token = await mintToken(server.origin, name, 300);
        const context = await browser.newContext();
        try {
          const pages = await openTabs(context, 3, { ns: name, token });
          check((await pages[2].evaluate(() => window.callMe())) === 200, "logged in");
          await pages[0].evaluate(() => window.client.clear());
          await sleep(300);
          const held = await eachTab(pages, () => window.client.hasToken);
          const cleared = await eachTab(pages, () => window.events.some((e) => e.type === "cleared"));
          console.log(`  hasToken after logout: ${held.join(",")}`);
          check(held.every((h) => h === false), `every tab forgot the token: ${held}`);
          check(cleared.every(Boolean), `every tab reported "cleared": ${cleared}`);
          await noProblems(pages);
        } finally {
          await context.close();
        }
      },
    ],
    [
      "a token set in one tab reaches a tab opened later",
      async () => {
        const name = uniqueNs("newcomer");
        const token = await mintToken(server.origin, name, 300);
        const context = await browser.newContext();
        try {
          const [first] = await openTabs(context, 1, { ns: name });
          await first.evaluate((t) => window.client.setToken(t), token);
          const [late] = await openTabs(context, 1, { ns: name });
          check(await late.evaluate(() => window.client.hasToken), "the new tab received the token");
          check((await late.evaluate(() => window.callMe())) === 200, "and uses it");
          check((await late.evaluate(() => window.callbackCalls)) === 0, "without a refresh of its own");
          await noProblems([first, late]);
        } finally {
          await context.close();
        }
      },
    ],
    [
      "without Web Locks the option is off and the client still works",
      async () => {
        const name = uniqueNs("nolocks");
        const expired = await mintToken(server.origin, name, -5);
        const context = await browser.newContext();
        try {
          const pages = await openTabs(context, 2, { ns: name, token: expired, locks: "off" });
          check((await eachTab(pages, () => navigator.locks === undefined)).every(Boolean), "the pages see no navigator.locks");
          const statuses = await eachTab(pages, () => window.callMe());
          const calls = await eachTab(pages, () => window.callbackCalls);
          check(statuses.every((s) => s === 200), `requests succeed: ${statuses}`);
          check(calls.every((c) => c === 1), `each tab refreshed on its own: ${calls}`);
          await noProblems(pages);
        } finally {
          await context.close();
        }
      },
    ],
  ];
});
