// What the Node-driven browser tests share: Chromium as this machine can run it, a devserver
// serving a temporary site, and the closing line the test summary counts.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { runChecks } from "./checks.mjs";

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
export async function startDevserver(bin, port, site, extraArgs = []) {
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ["--port", String(port), "--other-port", String(port + 1), "--static", site, ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = null;
  child.on("exit", (code, signal) => (exited = signal ?? code));
  child.on("error", (err) => (exited = err.message));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`devserver exited (${exited}) before answering:\n${log}`);
    try {
      if ((await fetch(`${origin}/health`)).ok) return { origin, child, log: () => log, stop: () => child.kill() };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`devserver did not answer ${origin}/health within 60 s:\n${log}`);
    await sleep(250);
  }
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

/**
 * A whole Node-driven browser suite: assembles the site from `entries`, starts the devserver on
 * `port` and Chromium, runs the checks `makeChecks({ server, browser })` returns, tears everything
 * down and sets the exit code.
 */
export async function runSuite(label, { serverBin, port, entries, serverArgs = [] }, makeChecks) {
  const site = makeSite(entries);
  let server;
  let browser;
  let ok = false;
  try {
    server = await startDevserver(serverBin, port, site.dir, serverArgs);
    browser = await launchChromium();
    ok = await runChecks(label, makeChecks({ server, browser }));
  } catch (err) {
    console.log(`${label}: FAILED ${err?.stack ?? err}\n${label}: 0 passed, 1 failed`);
  } finally {
    await browser?.close().catch(() => {});
    server?.stop();
    site.dispose();
  }
  process.exitCode = ok ? 0 : 1;
}
