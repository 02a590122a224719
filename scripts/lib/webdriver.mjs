// WebKit (Safari's engine) for the Node-driven browser tests: WebKitGTK's MiniBrowser under a
// private Xvfb, driven through WebKitWebDriver with a small W3C WebDriver client over fetch.
//
// Why not webdriverio or selenium-webdriver: WebKitGTK's driver speaks only classic W3C
// WebDriver (it refuses `webSocketUrl`, so no BiDi events, preload scripts or network
// interception), and these tests need ten of its endpoints. webdriverio would bring ~100
// packages and asks for BiDi by default; selenium-webdriver brings selenium-manager binaries for
// three systems. Both would still leave us the window bookkeeping below.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Budget for one WebDriver command; a scripted wait gets its own budget on top. */
const COMMAND_MS = 30_000;

/** A WebDriver error, with the driver's own error code and message. */
export class WebDriverError extends Error {
  constructor(method, path, status, value) {
    super(`WebDriver ${method} ${path} answered ${status}: ${value?.error ?? "?"}: ${value?.message ?? JSON.stringify(value)}`);
    this.name = "WebDriverError";
    this.code = value?.error;
  }
}

/** One W3C WebDriver session (classic protocol): just the commands our tests use. */
export class WebDriverSession {
  static async create(driverUrl, capabilities) {
    const { sessionId, capabilities: granted } = await command(driverUrl, "POST", "/session", {
      capabilities: { alwaysMatch: capabilities },
    });
    return new WebDriverSession(driverUrl, sessionId, granted);
  }

  constructor(driverUrl, id, capabilities) {
    this.driverUrl = driverUrl;
    this.id = id;
    this.capabilities = capabilities;
  }

  #send(method, suffix, body, timeoutMs) {
    return command(this.driverUrl, method, `/session/${this.id}${suffix}`, body, timeoutMs);
  }

  navigate(url) {
    return this.#send("POST", "/url", { url }, 60_000);
  }
  /** Runs `script` (a function body; `arguments` holds `args`) and returns its JSON result. */
  execute(script, args = []) {
    return this.#send("POST", "/execute/sync", { script, args });
  }
  /** Like `execute`, but the result is what the script passes to its last argument, a callback. */
  executeAsync(script, args = [], timeoutMs = COMMAND_MS) {
    return this.#send("POST", "/execute/async", { script, args }, timeoutMs + 5_000);
  }
  setTimeouts(timeouts) {
    return this.#send("POST", "/timeouts", timeouts);
  }
  currentWindow() {
    return this.#send("GET", "/window");
  }
  /** Opens a window (not a tab: WebKitGTK's background tabs are hidden and never paint). */
  async newWindow() {
    return (await this.#send("POST", "/window/new", { type: "window" })).handle;
  }
  switchTo(handle) {
    return this.#send("POST", "/window", { handle });
  }
  closeWindow() {
    return this.#send("DELETE", "/window");
  }
  setWindowRect(rect) {
    return this.#send("POST", "/window/rect", rect);
  }
  async findElement(selector) {
    const value = await this.#send("POST", "/element", { using: "css selector", value: selector });
    return Object.values(value)[0]; // the web element reference
  }
  click(element) {
    return this.#send("POST", `/element/${element}/click`, {});
  }
  /** A PNG of the current window's viewport. */
  async screenshot() {
    return Buffer.from(await this.#send("GET", "/screenshot"), "base64");
  }
  delete() {
    return command(this.driverUrl, "DELETE", `/session/${this.id}`, undefined, 10_000);
  }
}

async function command(driverUrl, method, path, body, timeoutMs = COMMAND_MS) {
  let response;
  try {
    response = await fetch(driverUrl + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json; charset=utf-8" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const why = err?.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (err?.cause?.message ?? err?.message);
    throw new Error(`WebDriver ${method} ${path}: ${why}`);
  }
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(method, path, response.status, { error: "not JSON", message: text.slice(0, 500) });
  }
  if (!response.ok) throw new WebDriverError(method, path, response.status, json.value);
  return json.value;
}

/** A TCP port nobody listens on right now (the driver binds it a moment later). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** WebKitGTK's MiniBrowser: MINIBROWSER, else where Debian and Fedora install it (not on PATH). */
export function miniBrowserPath() {
  if (process.env.MINIBROWSER) return process.env.MINIBROWSER;
  const candidates = ["/usr/libexec/webkit2gtk-4.1/MiniBrowser"];
  for (const dir of existsSync("/usr/lib") ? readdirSync("/usr/lib") : []) {
    candidates.unshift(`/usr/lib/${dir}/webkit2gtk-4.1/MiniBrowser`);
  }
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error("WebKitGTK's MiniBrowser is not installed: run scripts/install-tools.sh (apt libwebkit2gtk-4.1-0)");
  return found;
}

/** Children to stop even when the test script dies without cleaning up. */
const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function track(child) {
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** A private X server for MiniBrowser to draw into; resolves once it accepts clients. */
export async function startXvfb() {
  // -displayfd: Xvfb picks a free display itself and writes its number once it is ready.
  // -noreset: by default Xvfb resets whenever its last client leaves, which happens between two
  // contexts. Once (not reproduced since) the second context's MiniBrowser failed with "cannot
  // open display"; a reset at that moment is the likely cause, and nothing here needs resets.
  const child = track(
    spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp", "-noreset"], {
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    }),
  );
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const display = await new Promise((resolve, reject) => {
    let out = "";
    child.stdio[3].on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(`:${out.trim()}`);
    });
    child.on("error", (err) => reject(new Error(`cannot start Xvfb (apt xvfb): ${err.message}`)));
    child.on("exit", (code) => reject(new Error(`Xvfb exited (${code}) before it was ready:\n${log}`)));
    setTimeout(() => reject(new Error(`Xvfb was not ready within 10 s:\n${log}`)), 10_000).unref();
  });
  const state = () =>
    child.exitCode === null && child.signalCode === null
      ? `Xvfb ${display} is running`
      : `Xvfb ${display} has exited (${child.signalCode ?? child.exitCode})${log ? `:\n${log}` : ""}`;
  return { display, state, stop: () => stopChild(child) };
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(3_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/**
 * WebKitWebDriver on a free port with DISPLAY=`display`; resolves once it answers /status.
 * One driver holds one session at a time, so each browser context gets its own.
 */
export async function startWebKitWebDriver(display) {
  const bin = process.env.WEBKITWEBDRIVER ?? "WebKitWebDriver";
  const port = await freePort();
  const child = track(
    spawn(bin, [`--port=${port}`], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DISPLAY: display } }),
  );
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let failed = null;
  child.on("error", (err) => (failed = `cannot start ${bin} (apt webkit2gtk-driver): ${err.message}`));
  child.on("exit", (code, signal) => (failed ??= `${bin} exited (${signal ?? code}):\n${log}`));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (failed) throw new Error(failed);
    try {
      await command(url, "GET", "/status", undefined, 1_000);
      return { url, log: () => log, stop: () => stopChild(child) };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${bin} did not answer ${url}/status within 15 s:\n${log}`);
    await sleep(50);
  }
}

/** The capabilities that make WebKitWebDriver start MiniBrowser in automation mode. */
export function miniBrowserCapabilities() {
  return {
    browserName: "MiniBrowser",
    "webkitgtk:browserOptions": { binary: miniBrowserPath(), args: ["--automation"] },
  };
}
