// What the WebdriverIO specs share (e2e/, tests/tabs/): pages as windows of one browser profile,
// scripts run in them, waits, the problems a page reported, screenshots; alike in both engines.
// Chromium speaks WebDriver BiDi: its console, page errors and failed requests arrive as events,
// from before a page's own scripts run. WebKitGTK's driver speaks classic WebDriver only: there
// the page records its errors itself from the moment it has loaded (so what a page reports while
// it loads is not seen: the tests check the page's own status for that), and failed requests
// are not seen.
import { browser } from "@wdio/globals";

export const engine = () => (browser.capabilities.browserName === "MiniBrowser" ? "webkit" : "chromium");
export const origin = process.env.TF_E2E_ORIGIN;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Throws `message` unless `condition`. */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}

const problems = [];
const statusOf = new Map(); // BiDi request id → HTTP status
let listening = false;

function listen() {
  if (listening || !browser.isBidi) return;
  listening = true; // the listeners outlive reloadSession
  browser.on("log.entryAdded", (e) => {
    if (e.type === "javascript") problems.push({ kind: "pageerror", text: e.text });
    else if (e.level === "error") problems.push({ kind: "console", text: e.text });
  });
  browser.on("network.responseStarted", (e) => statusOf.set(e.request.request, e.response.status));
  browser.on("network.fetchError", (e) => {
    const status = statusOf.get(e.request.request);
    const text = `${e.request.method} ${e.request.url} ${e.errorText} (status ${status ?? "none"})`;
    problems.push({ kind: "requestfailed", text, errorText: e.errorText, status });
  });
}

// Page errors and console.error calls, recorded in the page (WebKit, after each load).
const captureProblems = () => {
  if (window.__tfProblems) return;
  const seen = (window.__tfProblems = []);
  const text = (value) => (value instanceof Error ? value.message : String(value));
  addEventListener("error", (e) => seen.push({ kind: "pageerror", text: e.message || text(e.error) }));
  addEventListener("unhandledrejection", (e) => seen.push({ kind: "pageerror", text: `unhandled rejection: ${text(e.reason)}` }));
  const consoleError = console.error;
  console.error = (...args) => {
    seen.push({ kind: "console", text: args.map(text).join(" ") });
    return consoleError.apply(console, args);
  };
};

let current = null; // the window WebDriver is switched to
let windows = 0;
let initScripts = [];

/**
 * A fresh browser profile (cookies, storage, locks, other tabs): a new session, as a new browser
 * context would be. `init` functions run in every page before its own scripts (Chromium) or
 * once it has loaded (WebKit).
 */
export async function newProfile({ viewport, init = [] } = {}) {
  await browser.reloadSession();
  listen();
  // WebdriverIO subscribes to the other events itself; a new session must ask for this one again.
  if (browser.isBidi) await browser.sessionSubscribe({ events: ["network.responseStarted"] });
  problems.length = 0;
  current = null;
  windows = 0;
  initScripts = browser.isBidi ? [] : [captureProblems, ...init];
  for (const fn of browser.isBidi ? init : []) await browser.addInitScript(fn);
  if (viewport) await browser.setWindowSize(viewport.width, viewport.height);
}

/** A page: a window (not a tab: WebKitGTK's background tabs never paint) of the profile. */
export class Page {
  static async open(url) {
    const handle = windows++ === 0 ? await browser.getWindowHandle() : (await browser.createWindow("window")).handle;
    const page = new Page(handle);
    await page.goto(url);
    return page;
  }
  constructor(handle) {
    this.handle = handle;
  }
  async #focus() {
    if (current !== this.handle) await browser.switchToWindow(this.handle);
    current = this.handle;
  }
  async goto(url) {
    await this.#focus();
    await browser.url(url);
    for (const fn of initScripts) await this.evaluate(fn);
  }
  /** `fn(arg)` in the page, awaited; its result travels as JSON. `fn` must not close over Node variables. */
  async evaluate(fn, arg = null) {
    await this.#focus();
    // The page's own error comes back as a value: a driver error would make WebdriverIO retry.
    const result = await browser.execute(
      `return Promise.resolve().then(() => (${fn})(arguments[0])).then(
        (value) => ({ ok: true, value: value === undefined ? null : value }),
        (err) => ({ ok: false, error: err instanceof Error ? err.message : String(err) }))`,
      arg,
    );
    if (!result?.ok) throw new Error(`in the page: ${result?.error}`);
    return result.value;
  }
  /** Polls `fn(arg)` in the page every 100 ms until it returns something truthy, and returns that. */
  async waitFor(fn, arg, { timeout = 10_000, what = "a condition in the page" } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await this.evaluate(fn, arg);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
      await sleep(100);
    }
  }
  text(selector) {
    return this.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);
  }
  count(selector) {
    return this.evaluate((s) => document.querySelectorAll(s).length, selector);
  }
  attr(selector, name) {
    return this.evaluate(([s, n]) => document.querySelector(s)?.getAttribute(n) ?? null, [selector, name]);
  }
  /** Clicks with real input events once the element exists. */
  async click(selector) {
    await this.#focus();
    await browser.$(selector).click();
  }
  /** A PNG: the full page in Chromium (BiDi), the viewport in WebKit. */
  async screenshot() {
    await this.#focus();
    if (browser.isBidi) {
      const { data } = await browser.browsingContextCaptureScreenshot({ context: this.handle, origin: "document" });
      return Buffer.from(data, "base64");
    }
    return Buffer.from(await browser.takeScreenshot(), "base64");
  }
  /** Page errors, console errors and failed requests seen since the last call. */
  async takeProblems() {
    if (browser.isBidi) return problems.splice(0);
    return this.evaluate(() => (window.__tfProblems ?? []).splice(0)).catch((err) => [{ kind: "pageerror", text: err.message }]);
  }
}
