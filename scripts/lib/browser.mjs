// What the Node-driven browser tests share: one small page API over two engines (Chromium
// through playwright-core, WebKit through WebDriver), a devserver serving a temporary site, and
// the closing line the test summary counts.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { runChecks } from "./checks.mjs";
import { spawnDevserver } from "./devserver.mjs";
import { miniBrowserCapabilities, startWebKitWebDriver, startXvfb, WebDriverSession } from "./webdriver.mjs";

export { check, runChecks } from "./checks.mjs";

export const chromiumArgs = [
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

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Debian's Chromium, headless (never a downloaded browser). */
export function launchChromium() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: chromiumArgs, headless: true });
}

/** A temporary folder holding `entries` ([source, name inside the site]); removed by `dispose()`. */
export function makeSite(entries) {
  const dir = mkdtempSync(join(tmpdir(), "tokenfetch-site-"));
  // node_modules (the React demo's, 40+ MB) is never part of a served site.
  const filter = (path) => !path.split(/[\\/]/).includes("node_modules");
  for (const [source, name] of entries) cpSync(source, join(dir, name), { recursive: true, filter });
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts tokenfetch-devserver on `port` (and `port + 1`) serving `site`; waits for /health. */
export function startDevserver(bin, port, site, extraArgs = []) {
  return spawnDevserver(bin, port, ["--static", site, ...extraArgs]);
}

/** The devserver binary named by `--server PATH` on the command line; exits with `usage` otherwise. */
export function serverBinFromArgs(usage) {
  const index = process.argv.indexOf("--server");
  const bin = index >= 0 ? process.argv[index + 1] : undefined;
  if (!bin) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return bin;
}

// --- one page API, two engines ----------------------------------------------------------------
//
// browser = await launchBrowser("chromium" | "webkit")
// context = await browser.newContext({ viewport })    a fresh profile (cookies, storage, locks)
// page    = await context.newPage()                    a tab (Chromium) or a window (WebKit)
// page.goto(url) · page.evaluate(fn, arg) · page.waitFor(fn, arg, { timeout, what })
// page.text(css) · page.count(css) · page.attr(css, name) · page.click(css) · page.screenshot()
// page.takeProblems(): page errors, console errors and failed requests seen since the last call,
//   as { kind: "pageerror" | "console" | "requestfailed", text, ... }
//
// `fn` runs in the page: it must not close over Node variables (pass them as `arg`), and it may
// return a promise. Results travel as JSON.

export const engines = ["chromium", "webkit"];

/** `--engine chromium|webkit` from the command line (default chromium); exits on anything else. */
export function engineFromArgs() {
  const index = process.argv.indexOf("--engine");
  const engine = index >= 0 ? process.argv[index + 1] : "chromium";
  if (!engines.includes(engine)) {
    console.error(`--engine must be one of ${engines.join(", ")} (got ${engine})`);
    process.exit(2);
  }
  return engine;
}

/** Chromium (Debian's, headless) or WebKit (WebKitGTK's MiniBrowser under a private Xvfb). */
export async function launchBrowser(engine) {
  if (engine === "chromium") return new ChromiumBrowser(await launchChromium());
  if (engine === "webkit") return new WebKitBrowser(await startXvfb());
  throw new Error(`unknown engine ${engine}`);
}

/** What both engines' pages share: everything that is a script run in the page. */
class BasePage {
  problems = [];

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
  /** textContent of the first element matching `selector`, or null. */
  text(selector) {
    return this.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);
  }
  count(selector) {
    return this.evaluate((s) => document.querySelectorAll(s).length, selector);
  }
  attr(selector, name) {
    return this.evaluate(([s, n]) => document.querySelector(s)?.getAttribute(n) ?? null, [selector, name]);
  }
}

class ChromiumBrowser {
  engine = "chromium";
  constructor(browser) {
    this.browser = browser;
  }
  async newContext({ viewport } = {}) {
    return new ChromiumContext(await this.browser.newContext(viewport ? { viewport } : {}));
  }
  close() {
    return this.browser.close();
  }
}

class ChromiumContext {
  constructor(context) {
    this.context = context;
  }
  /** Runs `fn` in every page of this context before the page's own scripts. */
  addInitScript(fn) {
    return this.context.addInitScript(fn);
  }
  async newPage() {
    return new ChromiumPage(await this.context.newPage());
  }
  close() {
    return this.context.close();
  }
}

class ChromiumPage extends BasePage {
  constructor(page) {
    super();
    this.page = page;
    page.on("pageerror", (err) => this.problems.push({ kind: "pageerror", text: err.message }));
    page.on("console", (msg) => {
      if (msg.type() === "error") this.problems.push({ kind: "console", text: msg.text() });
    });
    page.on("requestfailed", async (req) => {
      const status = (await req.response().catch(() => null))?.status();
      const errorText = req.failure()?.errorText;
      this.problems.push({ kind: "requestfailed", text: `${req.method()} ${req.url()} ${errorText} (status ${status ?? "none"})`, errorText, status });
    });
  }
  async goto(url) {
    await this.page.goto(url);
  }
  evaluate(fn, arg) {
    return this.page.evaluate(fn, arg);
  }
  click(selector) {
    return this.page.click(selector, { timeout: 10_000 });
  }
  screenshot() {
    return this.page.screenshot({ fullPage: true });
  }
  async takeProblems() {
    return this.problems.splice(0);
  }
}

class WebKitBrowser {
  engine = "webkit";
  constructor(xvfb) {
    this.xvfb = xvfb;
    this.contexts = new Set();
  }
  /** A context is its own WebKitWebDriver and session: a MiniBrowser with a fresh profile. */
  async newContext({ viewport } = {}) {
    const driver = await startWebKitWebDriver(this.xvfb.display);
    let session;
    try {
      session = await WebDriverSession.create(driver.url, miniBrowserCapabilities());
      await session.setTimeouts({ script: 60_000, pageLoad: 60_000 });
    } catch (err) {
      await driver.stop();
      throw new Error(`${err.message}\n${this.xvfb.state()}; WebKitWebDriver's log:\n${driver.log()}`);
    }
    const context = new WebKitContext(driver, session, viewport, () => this.contexts.delete(context));
    this.contexts.add(context);
    return context;
  }
  async close() {
    for (const context of [...this.contexts]) await context.close();
    await this.xvfb.stop();
  }
}

// Page errors and console.error calls, recorded in the page; run after every load (classic
// WebDriver has no preload scripts, so what a page reports while it loads is not seen here: the
// tests check the page's own status for that).
const captureProblems = () => {
  if (window.__tfProblems) return;
  const problems = (window.__tfProblems = []);
  const text = (value) => (value instanceof Error ? value.message : String(value));
  addEventListener("error", (e) => problems.push({ kind: "pageerror", text: e.message || text(e.error) }));
  addEventListener("unhandledrejection", (e) => problems.push({ kind: "pageerror", text: `unhandled rejection: ${text(e.reason)}` }));
  const consoleError = console.error;
  console.error = (...args) => {
    problems.push({ kind: "console", text: args.map(text).join(" ") });
    return consoleError.apply(console, args);
  };
};

class WebKitContext {
  #queue = Promise.resolve();
  #current = null;
  #initScripts = [captureProblems];
  pages = [];

  constructor(driver, session, viewport, onClose) {
    this.driver = driver;
    this.session = session;
    this.viewport = viewport;
    this.onClose = onClose;
  }
  /** Runs `fn` in every page of this context as soon as a load has finished (see captureProblems). */
  addInitScript(fn) {
    this.#initScripts.push(fn);
  }
  /**
   * Runs `action(session)` with `handle` the current window. WebDriver drives one window at a
   * time, so the pages of a context take turns: each action is one short command.
   */
  inWindow(handle, action) {
    const run = this.#queue.then(async () => {
      if (this.#current !== handle) {
        await this.session.switchTo(handle);
        this.#current = handle;
      }
      return action(this.session);
    });
    this.#queue = run.catch(() => {});
    return run;
  }
  async newPage() {
    const handle = await this.inWindow(this.#current, async (session) => {
      const h = this.pages.length === 0 ? await session.currentWindow() : await session.newWindow();
      await session.switchTo(h);
      this.#current = h;
      if (this.viewport) await session.setWindowRect(this.viewport);
      return h;
    });
    const page = new WebKitPage(this, handle, this.#initScripts);
    this.pages.push(page);
    return page;
  }
  async close() {
    this.onClose();
    await this.#queue;
    await this.session.delete().catch(() => {});
    await this.driver.stop();
  }
}

class WebKitPage extends BasePage {
  constructor(context, handle, initScripts) {
    super();
    this.context = context;
    this.handle = handle;
    this.initScripts = initScripts;
  }
  async goto(url) {
    await this.context.inWindow(this.handle, (session) => session.navigate(url));
    for (const fn of this.initScripts) await this.evaluate(fn);
  }
  async evaluate(fn, arg = null) {
    // One async script: the result of fn(arg), awaited, or the error it threw, as JSON.
    const script = `const [arg, done] = arguments;
      Promise.resolve().then(() => (${fn})(arg)).then(
        (value) => done({ ok: true, value: value === undefined ? null : value }),
        (err) => done({ ok: false, error: err instanceof Error ? err.message : String(err) }));`;
    const result = await this.context.inWindow(this.handle, (session) => session.executeAsync(script, [arg], 60_000));
    if (!result?.ok) throw new Error(`in the page: ${result?.error}`);
    return result.value;
  }
  async click(selector) {
    // Waits for the element like Playwright does, then clicks it with real input events.
    await this.waitFor((s) => !!document.querySelector(s), selector, { what: `an element ${selector}` });
    await this.context.inWindow(this.handle, async (session) => session.click(await session.findElement(selector)));
  }
  screenshot() {
    return this.context.inWindow(this.handle, (session) => session.screenshot());
  }
  async takeProblems() {
    const inPage = await this.evaluate(() => (window.__tfProblems ?? []).splice(0)).catch((err) => [{ kind: "pageerror", text: err.message }]);
    return [...this.problems.splice(0), ...inPage];
  }
}

/**
 * A whole Node-driven browser suite: assembles the site from `entries`, starts the devserver on
 * `port` and the browser (`engine`, default chromium), runs the checks
 * `makeChecks({ server, browser })` returns, tears everything down and sets the exit code. The
 * closing line is `<label>: N passed, M failed`, the label suffixed with the engine unless it is
 * Chromium.
 */
export async function runSuite(label, { serverBin, port, entries, serverArgs = [], engine = "chromium" }, makeChecks) {
  const name = engine === "chromium" ? label : `${label}-${engine}`;
  const site = makeSite(entries);
  let server;
  let browser;
  let ok = false;
  try {
    server = await startDevserver(serverBin, port, site.dir, serverArgs);
    browser = await launchBrowser(engine);
    ok = await runChecks(name, makeChecks({ server, browser }));
  } catch (err) {
    console.log(`${name}: FAILED ${err?.stack ?? err}\n${name}: 0 passed, 1 failed`);
  } finally {
    await browser?.close().catch(() => {});
    server?.stop();
    site.dispose();
  }
  process.exitCode = ok ? 0 : 1;
}
