// Where the browsers, their WebDriver servers and the devserver are, and how to start them:
// written once for npm test (scripts/test.mjs), WebdriverIO (wdio.conf.mjs), npm start, the bench
// and tests/node. Only Node's own modules, so that every one of them can import it.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const env = process.env;
// cargo-installed tools (wasm-pack, geckodriver, wasm-bindgen-test-runner): CI shells do not always have them on PATH.
env.PATH = [join(env.CARGO_HOME ?? join(env.HOME ?? "/", ".cargo"), "bin"), env.PATH].join(delimiter);
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const targetDir = env.CARGO_TARGET_DIR ?? join(root, "target");
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `name` on PATH, or undefined. */
export const which = (name) => env.PATH.split(delimiter).filter(Boolean).map((dir) => join(dir, name)).find(existsSync);

// Debian's browsers and drivers, never downloaded ones. Chromium's flags are webdriver.json's
// (wasm-bindgen-test-runner reads that file): as root it needs --no-sandbox, and without a
// network the switches that stop it dialling out.
const webdriverJson = JSON.parse(readFileSync(join(root, "webdriver.json"), "utf8"));
export const chromium = {
  binary: env.CHROMIUM ?? "/usr/bin/chromium",
  driver: env.CHROMEDRIVER ?? "/usr/bin/chromedriver",
  args: webdriverJson["goog:chromeOptions"].args,
};
export const geckodriver = env.GECKODRIVER ?? which("geckodriver");
// WebKitGTK (Safari's engine): its WebDriver starts MiniBrowser, which Debian keeps off PATH.
const libDirs = existsSync("/usr/lib") ? readdirSync("/usr/lib").map((d) => `/usr/lib/${d}`) : [];
export const webkit = {
  driver: env.WEBKITWEBDRIVER ?? which("WebKitWebDriver"),
  miniBrowser: env.MINIBROWSER ?? [...libDirs, "/usr/libexec"].map((d) => `${d}/webkit2gtk-4.1/MiniBrowser`).find(existsSync),
};

/**
 * `[command, args]` to run with a display: MiniBrowser has no headless mode (WebKitGTK 2.50), so
 * without DISPLAY it draws into a private Xvfb through Debian's `xvfb-run -a`. -noreset: Xvfb
 * would otherwise reset whenever its last client leaves, between two MiniBrowser sessions.
 */
export function withDisplay(command, args = []) {
  if (env.DISPLAY) return [command, args];
  return ["xvfb-run", ["-a", "-s", "-screen 0 1280x1024x24 -nolisten tcp -noreset", command, ...args]];
}

/** Spawns `command` in a process group of its own; `stop()` ends the group and waits for it. */
export function spawnGroup(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, ...options });
  let log = "";
  child.stdout?.on("data", (d) => (log += d));
  child.stderr?.on("data", (d) => (log += d));
  child.exited = null;
  child.on("exit", (code, signal) => (child.exited = signal ?? code));
  child.on("error", (err) => (child.exited = err.message));
  child.log = () => log;
  const kill = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {} // already gone
  };
  child.stop = () =>
    new Promise((resolve) => {
      if (child.exited !== null) return resolve(kill("SIGTERM")); // its group may live on
      child.once("exit", () => resolve());
      kill("SIGTERM");
    });
  process.once("exit", () => kill("SIGKILL"));
  return child;
}

/** Polls `url` until it answers 2xx; throws when `child` exits first or after `timeoutMs`. */
export async function waitForHttp(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exited !== null) throw new Error(`${child.spawnfile} exited (${child.exited}) before ${url} answered:\n${child.log()}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s:\n${child.log()}`);
    await sleep(100);
  }
}

export const devserverBin = (profile = "debug") => env.TF_DEVSERVER ?? join(targetDir, profile, "tokenfetch-devserver");

/**
 * Starts the devserver `bin` on `port` (its second origin on `otherPort`) with `args` and waits
 * until /health answers; `stop()` ends it.
 */
export async function spawnDevserver(bin, port, args = [], { timeoutMs = 60_000, otherPort = port + 1 } = {}) {
  const origin = `http://127.0.0.1:${port}`;
  if (!existsSync(bin)) throw new Error(`no devserver at ${bin}: cargo build -p tokenfetch-devserver`);
  for (const p of [port, otherPort]) {
    if (await fetch(`http://127.0.0.1:${p}/`).then(() => true, () => false)) {
      throw new Error(`something already listens on 127.0.0.1:${p}: stop it or choose other ports`);
    }
  }
  const child = spawnGroup(bin, ["--port", String(port), "--other-port", String(otherPort), ...args]);
  await waitForHttp(`${origin}/health`, child, timeoutMs);
  return { origin, child, log: child.log, stop: child.stop };
}

/**
 * The demo site in `dir`: www/* at the root (landing page, /plain/, /shared/), the React demo's
 * build at /react/, pkg/ at /pkg/, and `extra` ([source, name]) pairs.
 */
export function assembleSite(dir, extra = []) {
  if (!existsSync(join(root, "pkg/index.js"))) throw new Error("pkg/ is not built: run npm run build");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(join(root, "www"))) {
    if (entry !== "react") cpSync(join(root, "www", entry), join(dir, entry), { recursive: true });
  }
  const react = existsSync(join(root, "www/react/dist")) ? [["www/react/dist", "react"]] : []; // vite build
  for (const [source, name] of [...react, ["pkg", "pkg"], ...extra]) {
    cpSync(join(root, source), join(dir, name), { recursive: true });
  }
  return dir;
}
