// npm run bench: size, per-request overhead, 401 storm, memory and start-up of tokenfetch beside
// ky, axios + axios-auth-refresh, auth0-spa-js and oidc-client-ts, all measured in this one run
// (BENCHMARKS.md says how). Builds pkg/ when it is older than its sources (BENCH_BUILD=auto,
// always, never) and the release devserver, prints a table and writes bench/results.json.
//
//   node bench/bench.mjs [--server PATH_TO_TOKENFETCH_DEVSERVER] [--profile]
//
// --profile: instead of the benchmark, where the per-request time goes: Chromium's CPU profiler
// (CDP) over 2,000 sequential requests each through raw fetch and tokenfetch, self time per
// function in µs per request (noisy at the few-µs level; compare runs, not single lines).
// DPoP (tokenfetch with `dpop: true`) has a row in b and c, against the devserver's DPoP mode.
// Env: BENCH_PORT (default 8910, and the next port), CHROMIUM, BENCH_QUICK=1 (small counts to
// try the harness; written to bench/dist/results-quick.json, never to bench/results.json).
//
// A row of b (per-request) or c (401 storm) is one entry in bench/page/bench-page.js's
// `makeContenders` (its `fns`) or `stormClients`: the tables, results.json and the checks follow.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { chromium as browsers, devserverBin, spawnDevserver } from "../scripts/lib/setup.mjs";
import { dpopLog, mintToken, stats as serverStats } from "../www/shared/devserver.js";

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = join(benchDir, "..");
const distDir = join(benchDir, "dist");
const pkgDir = join(distDir, "pkg"); // the run measures a snapshot of pkg/ taken when it starts
const argv = process.argv.slice(2);
const port = Number(process.env.BENCH_PORT ?? 8910);
const origin = `http://127.0.0.1:${port}`;
const quick = process.env.BENCH_QUICK === "1";

// What is measured. The targets come from issue 4, revised by issue 11 (the lean package) and
// issue 17 (DPoP in: 28.5 KB).
const config = {
  // Short rounds, many of them: the machine's background load drifts over seconds, so every
  // contender runs within the same ~0.1 s window of each round and is compared within it.
  overhead: { rounds: quick ? 20 : 200, perRound: 10, warmup: quick ? 2 : 10 },
  storm: { requests: 1000, refreshDelayMs: 50 },
  memory: { points: quick ? [1000, 2000, 5000] : [1000, 10000, 50000], concurrency: 50 },
  startup: { loads: quick ? 3 : 15 },
};
const KB = 1000;
const MB = 1000 * 1000;
const targets = {
  packageGzBytes: 28.5 * KB, // the budget with DPoP in; 24 KB (axios + axios-auth-refresh) is the goal
  packageGoalGzBytes: 24 * KB,
  overheadRatio: 1.05,
  dpopOverheadUs: 300, // a DPoP request against a Bearer one through tokenfetch, at the median
  stormCallbackCalls: 1,
  memoryGrowthBytes: 1 * MB,
  startupVsKy: 1.5, // not cached, against ky in the same run
};
// For the memory figures: exact performance.memory and a gc() to call before reading it.
const chromiumArgs = [...browsers.args, "--enable-precise-memory-info", "--js-flags=--expose-gc"];

const log = (msg) => process.stderr.write(`bench: ${msg}\n`);
const sh = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? null : s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** pkg/ built unless it is newer than every source of it (BENCH_BUILD), and the release devserver. */
function build() {
  const mode = process.env.BENCH_BUILD ?? "auto";
  if (!["auto", "always", "never"].includes(mode)) throw new Error(`BENCH_BUILD must be auto, always or never (got ${mode})`);
  const wasm = join(root, "pkg", "tokenfetch_bg.wasm");
  const builtAt = existsSync(wasm) && existsSync(join(root, "pkg", "index.js")) ? statSync(wasm).mtimeMs : 0;
  if (mode === "never" && !builtAt) throw new Error("BENCH_BUILD=never but pkg/ is not built");
  const sources = ["src", "engine/src", "npm", "pkg-template", "Cargo.toml", "Cargo.lock", "scripts/build.sh", "scripts/merge-pkg.mjs", "scripts/inline-wasm.mjs"];
  const files = (p) => (statSync(p).isDirectory() ? readdirSync(p, { recursive: true }).map((f) => join(p, f)) : [p]);
  const stale = sources.map((s) => join(root, s)).filter(existsSync).flatMap(files).some((f) => statSync(f).mtimeMs > builtAt);
  if (mode === "always" || (mode === "auto" && stale)) {
    log("building pkg/ (npm run build)");
    sh("npm", ["run", "--silent", "build"]);
  } else {
    log(`using pkg/ as built (${new Date(builtAt).toISOString()}; BENCH_BUILD=always rebuilds it)`);
  }
  log("building the release devserver (cargo build --release -p tokenfetch-devserver)");
  sh("cargo", ["build", "--quiet", "--release", "-p", "tokenfetch-devserver"]);
}

// ---------------------------------------------------------------------------------------------
// a. Size

let gzipTool = "gzip -9 -n";
function gzipBytes(buf) {
  const r = spawnSync("gzip", ["-9", "-n", "-c"], { input: buf, maxBuffer: 64 * 1024 * 1024 });
  if (r.status === 0) return r.stdout.length;
  gzipTool = "zlib level 9 (no gzip binary)";
  return gzipSync(buf, { level: 9 }).length;
}

const versionOf = (name) => JSON.parse(readFileSync(join(benchDir, "node_modules", name, "package.json"), "utf8")).version;
// Each other client as its users import it: a one-line entry re-exporting that, bundled with
// esbuild as an app would ship it, to /vendor/<file> for the pages.
const competitors = [
  { name: "ky", file: "ky.js", packages: ["ky"], imports: 'import ky from "ky"', entry: 'export { default } from "ky";' },
  {
    name: "axios + axios-auth-refresh",
    file: "axios-auth-refresh.js",
    packages: ["axios", "axios-auth-refresh"],
    imports: 'import axios from "axios"; import createAuthRefreshInterceptor from "axios-auth-refresh"',
    entry: 'export { default as axios } from "axios"; export { default as createAuthRefreshInterceptor } from "axios-auth-refresh";',
  },
  { name: "auth0-spa-js", file: "auth0-spa-js.js", packages: ["@auth0/auth0-spa-js"], imports: 'import { createAuth0Client } from "@auth0/auth0-spa-js"', entry: 'export { createAuth0Client } from "@auth0/auth0-spa-js";' },
  { name: "oidc-client-ts", file: "oidc-client-ts.js", packages: ["oidc-client-ts"], imports: 'import { UserManager } from "oidc-client-ts"', entry: 'export { UserManager } from "oidc-client-ts";' },
];

const bundleOptions = { bundle: true, minify: true, format: "esm", platform: "browser", write: false, logLevel: "silent" };
async function bundle(entry) {
  const result = await esbuild.build({ stdin: { contents: entry, resolveDir: benchDir }, ...bundleOptions });
  return Buffer.from(result.outputFiles[0].contents);
}

async function measureSize() {
  // index.js is all a page downloads: the .wasm is inside it (tokenfetch_bg.wasm beside it is only
  // for apps that pass it to init() or initSync() themselves).
  const buf = readFileSync(join(pkgDir, "index.js"));
  const file = { file: "pkg/index.js", rawBytes: buf.length, gzBytes: gzipBytes(buf) };
  const rows = [{ name: "tokenfetch (pkg/ as shipped)", files: [file], rawBytes: file.rawBytes, gzBytes: file.gzBytes, how: "gzip -9 of each file a browser downloads, summed" }];
  // tokenfetch through the same esbuild step as the others: what an app bundling it would ship.
  const tfBundle = await bundle('export { default, AuthClient } from "./dist/pkg/index.js";'); // the run's snapshot
  rows.push({ name: "tokenfetch (via esbuild --minify)", rawBytes: tfBundle.length, gzBytes: gzipBytes(tfBundle), how: "esbuild --bundle --minify --format=esm of pkg/index.js, gzip -9" });
  mkdirSync(join(distDir, "vendor"), { recursive: true });
  for (const c of competitors) {
    const buf = await bundle(c.entry);
    writeFileSync(join(distDir, "vendor", c.file), buf);
    const versions = Object.fromEntries(c.packages.map((p) => [p, versionOf(p)]));
    rows.push({ name: c.name, versions, imports: c.imports, rawBytes: buf.length, gzBytes: gzipBytes(buf), how: "esbuild --bundle --minify --format=esm of the import, gzip -9" });
  }
  return { gzipTool, esbuild: esbuild.version, rows };
}

// ---------------------------------------------------------------------------------------------
// The site: the bench page at /, the devserver's API client at /shared/devserver.js, pkg/ at
// /pkg/, the other clients' bundles at /vendor/, and for the start-up's "not cached" loads one
// more copy of both per load under /fresh/N/, so that every such load asks for new URLs.

function assembleSite() {
  const site = mkdtempSync(join(tmpdir(), "tokenfetch-bench-"));
  cpSync(join(benchDir, "page"), site, { recursive: true });
  cpSync(join(root, "www", "shared", "devserver.js"), join(site, "shared", "devserver.js"));
  for (const base of ["", ...Array.from({ length: 2 * (config.startup.loads + 1) }, (_, i) => `fresh/${i}/`)]) {
    cpSync(pkgDir, join(site, base, "pkg"), { recursive: true });
    cpSync(join(distDir, "vendor"), join(site, base, "vendor"), { recursive: true });
  }
  return site;
}

/** A fresh context's page on /index.html, once its `window.bench` is ready; closed after `use(page)`. */
async function withBenchPage(browser, use) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("console", (msg) => msg.type() === "error" && errors.push(`console: ${msg.text()}`));
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30_000 }).catch(() => {
      throw new Error(`bench page did not load: ${errors.join("; ") || "no error reported"}`);
    });
    return await use(page, context);
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// b. Per-request overhead

const measureOverhead = (browser, runId) =>
  withBenchPage(browser, async (page) => {
    const { rounds, perRound, warmup } = config.overhead;
    const ns = `bench-overhead-${runId}`;
    const setup = await page.evaluate((n) => window.bench.overheadSetup(n), ns);
    for (const [name, status] of Object.entries(setup.statuses)) {
      if (status !== 200) throw new Error(`overhead: ${name} answered ${status} to its first request`);
    }
    const names = setup.names;
    const run = (first, count) =>
      withTimeout(
        page.evaluate(([n, f, r, k]) => window.bench.overheadRounds(n, f, r, k), [names, first, count, perRound]),
        180_000,
        `overhead rounds ${first + 1}–${first + count}`,
      );
    await run(0, warmup); // warm-up, not counted
    const samples = Object.fromEntries(names.map((n) => [n, []]));
    const paired = Object.fromEntries(names.map((n) => [n, []]));
    for (let first = 0; first < rounds; first += 20) {
      for (const round of await run(first, Math.min(20, rounds - first))) {
        for (const n of names) {
          samples[n].push(round[n]);
          paired[n].push(round[n] / round["raw fetch"]);
        }
      }
    }
    // The page's share of DPoP's cost: proofs alone, after the rounds (same warm page).
    const proofUs = median(await page.evaluate(async () => [await window.bench.proofCost(500), await window.bench.proofCost(500), await window.bench.proofCost(500)]));
    // The DPoP row's requests go to a namespace of its own (in DPoP mode): the counts add up.
    const [stats, dpopStats] = await Promise.all([serverStats(origin, ns), serverStats(origin, `${ns}-dpop`)]);
    const { counts: dpop, entries: dpopEntries } = await dpopLog(origin, `${ns}-dpop`);
    const rawMedian = median(samples["raw fetch"]);
    const requestsPerContender = rounds * perRound;
    return {
      ns,
      requestsPerContender,
      rounds,
      perRound,
      warmup,
      crossOriginIsolated: setup.crossOriginIsolated,
      // Expected beyond the rounds: the DPoP row's set-up request, refused once for a nonce and retried.
      serverCheck: { expectedAuthorized: names.length * (1 + (warmup + rounds) * perRound) + 1, expectedUnauthorized: 1, authorized: stats.authorized + dpopStats.authorized, unauthorized: stats.unauthorized + dpopStats.unauthorized, dpop },
      // DPoP's cost: per round, the DPoP row's µs per request minus tokenfetch's (Bearer), median.
      dpopExtraUs: median(samples["tokenfetch (DPoP)"].map((us, i) => us - samples.tokenfetch[i])),
      dpopProofUs: proofUs,
      // The server's share: its proof checks (ES256 verification, jti, ath, nonce), as it logged them.
      dpopServerCheckUs: median(dpopEntries.filter((e) => e.accepted && e.checkMicros !== null).map((e) => e.checkMicros)),
      contenders: names.map((n) => {
        const medianUs = median(samples[n]);
        return { name: n, medianUs, ratioToRaw: median(paired[n]), ratioOfMedians: medianUs / rawMedian, roundsUs: samples[n] };
      }),
    };
  });

/** --profile: self time per function (µs per request) for raw fetch and tokenfetch. */
const profileOverhead = (browser, runId) =>
  withBenchPage(browser, async (page, context) => {
    await page.evaluate((n) => window.bench.overheadSetup(n), `bench-profile-${runId}`);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 50 }); // µs
    const [rounds, perRound] = [200, 10];
    const lines = [];
    for (const who of ["raw fetch", "tokenfetch"]) {
      await page.evaluate(([w]) => window.bench.overheadRounds([w], 0, 20, 10), [who]); // warm-up
      await cdp.send("Profiler.start");
      const samples = await page.evaluate(([w, r, k]) => window.bench.overheadRounds([w], 0, r, k), [who, rounds, perRound]);
      const { profile } = await cdp.send("Profiler.stop");
      const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
      const self = new Map();
      profile.samples.forEach((id, i) => {
        const f = frames.get(id);
        const where = f.url ? ` ${f.url.split("/").pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}` : "";
        const key = `${f.functionName || "(anonymous)"}${where}`;
        self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
      });
      lines.push(`${who}: median ${median(samples.map((r) => r[who])).toFixed(0)} µs per request under the profiler`);
      const top = [...self].filter(([k]) => k !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, 25);
      for (const [key, us] of top) lines.push(`  ${(us / (rounds * perRound)).toFixed(1).padStart(7)} µs  ${key}`);
      lines.push("");
    }
    return lines.join("\n");
  });

// ---------------------------------------------------------------------------------------------
// c. 401 storm, one fresh page per client

async function measureStorm(browser, runId) {
  const { requests, refreshDelayMs } = config.storm;
  const runs = [];
  for (const lib of await withBenchPage(browser, (page) => page.evaluate(() => window.bench.stormNames))) {
    const ns = `bench-storm-${lib.replace(/\W+/g, "-")}-${runId}`;
    const r = await withBenchPage(browser, (page) =>
      withTimeout(page.evaluate(([l, n, c, d]) => window.bench.storm(l, n, c, d), [lib, ns, requests, refreshDelayMs]), 180_000, `storm (${lib})`),
    );
    runs.push({ lib, ns, ...r });
  }
  const axiosAuthRefreshOptions =
    "createAuthRefreshInterceptor(instance, refresh) with its defaults (statusCodes [401], deduplicateRefresh: true, maxRetries: 3), and once more with deduplicateRefresh: false";
  return { requests, refreshDelayMs, axiosAuthRefreshOptions, runs };
}

// ---------------------------------------------------------------------------------------------
// d. Memory

async function measureMemory(browser, runId) {
  const { points, concurrency } = config.memory;
  const ns = `bench-memory-tokenfetch-${runId}`;
  const r = await withBenchPage(browser, (page) =>
    withTimeout(page.evaluate(([n, p, c]) => window.bench.memory("tokenfetch", n, p, c), [ns, points, concurrency]), 240_000, "memory (tokenfetch)"),
  );
  // snapshots[0] is before the first request; the growth is from the first point to the last.
  const [first, last] = [r.snapshots[1], r.snapshots.at(-1)];
  const run = { ...r, wasmGrowthBytes: last.wasmBytes - first.wasmBytes, jsHeapGrowthBytes: last.jsHeapBytes - first.jsHeapBytes };
  return { points, concurrency, runs: [run] };
}

// ---------------------------------------------------------------------------------------------
// e. Start-up

async function loadStartup(page, lib, token, base = "", preload = false) {
  const query = new URLSearchParams({ lib, token, base, preload: preload ? "1" : "0" });
  await page.goto(`${origin}/startup.html?${query}`);
  const r = await (await page.waitForFunction(() => window.startup, null, { timeout: 30_000 })).jsonValue();
  if (r.error) throw new Error(`start-up page (${lib}): ${r.error}`);
  return r;
}

const startupModes = {
  "not cached": "one context, each load importing from URLs never fetched before (/fresh/N/): the library downloaded, parsed and compiled (tokenfetch: index.js with the .wasm inside); the browser process is warm",
  "not cached, preloaded": "as not cached, with the <link> hints a page puts in its <head> for the library's files (modulepreload of the one module each library is)",
  "HTTP cache": "one context, reloads after a first load: the files come from the HTTP cache",
  "new context": "a new browser context per load: empty HTTP cache, a fresh renderer process, new connections",
};

async function measureStartup(browser, runId) {
  const libs = ["tokenfetch", "ky", "axios + axios-auth-refresh"];
  const { loads } = config.startup;
  const token = await mintToken(origin, `bench-startup-${runId}`, 3600);
  const results = Object.fromEntries(libs.map((l) => [l, Object.fromEntries(Object.keys(startupModes).map((m) => [m, []]))]));
  // One context (and page) per library, and the loads interleaved: each round loads every library
  // once, in an order that rotates, so that the machine's background load (which changes over
  // seconds on a shared machine) falls on all of them alike, as in b.
  const contexts = await Promise.all(libs.map(() => browser.newContext()));
  try {
    const pages = Object.fromEntries(await Promise.all(libs.map(async (lib, i) => [lib, await contexts[i].newPage()])));
    const rounds = async (mode, load) => {
      // The first round of each mode is not counted: it warms the renderers (and fills the cache).
      for (let i = 0; i <= loads; i++) {
        for (let k = 0; k < libs.length; k++) {
          const lib = libs[(i + k) % libs.length];
          const result = await load(pages[lib], lib, i);
          if (i > 0) results[lib][mode].push(result);
        }
      }
    };
    await rounds("not cached", (page, lib, i) => loadStartup(page, lib, token, `/fresh/${i}`));
    await rounds("not cached, preloaded", (page, lib, i) => loadStartup(page, lib, token, `/fresh/${loads + 1 + i}`, true));
    await rounds("HTTP cache", (page, lib) => loadStartup(page, lib, token));
  } finally {
    for (const context of contexts) await context.close();
  }
  for (let i = 0; i < loads; i++) {
    for (const lib of libs) {
      const context = await browser.newContext();
      try {
        results[lib]["new context"].push(await loadStartup(await context.newPage(), lib, token));
      } finally {
        await context.close();
      }
    }
  }
  const summarize = (list) => ({
    medianTotalMs: median(list.map((l) => l.totalMs)),
    medianImportMs: median(list.map((l) => l.importMs)),
    medianInitMs: median(list.map((l) => l.initMs)),
    medianConstructMs: median(list.map((l) => l.constructMs)),
    loadsFromHttpCache: list.filter((l) => l.resources.length > 0 && l.resources.every((x) => x.transferSize === 0)).length,
    // Files whose body took over 30 ms to arrive after its first byte: on loopback that is a
    // Nagle / delayed-ACK stall (a server that does not set TCP_NODELAY), not bandwidth.
    slowDownloads: list.flatMap((l) => l.resources).filter((x) => x.downloadMs > 30).length,
    downloads: list.flatMap((l) => l.resources).length,
    loads: list,
  });
  const modes = Object.keys(startupModes);
  return { loadsPerMode: loads, modes: startupModes, libs: libs.map((lib) => ({ lib, ...Object.fromEntries(modes.map((m) => [m, summarize(results[lib][m])])) })) };
}

// ---------------------------------------------------------------------------------------------
// Report

function table(headers, rows, align = []) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c ?? "")));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const right = (i) => align[i] === "r";
  const fmt = (r) => "| " + r.map((c, i) => (right(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ") + " |";
  const sep = "|" + widths.map((w, i) => (right(i) ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|") + "|";
  return [fmt(cells[0]), sep, ...cells.slice(1).map(fmt)].join("\n");
}

const kb = (b) => `${(b / KB).toFixed(1)} KB`;
const mbSigned = (b) => `${b >= 0 ? "+" : "−"}${(Math.abs(b) / MB).toFixed(3)} MB`;
const ms = (x) => (x == null ? "" : `${x.toFixed(1)} ms`);
const r = (n) => n.map(() => "r");

function evaluateTargets(res) {
  const tf = res.size.rows[0];
  const tfOverhead = res.overhead.contenders.find((c) => c.name === "tokenfetch");
  const axOverhead = res.overhead.contenders.find((c) => c.name === "axios + axios-auth-refresh");
  const [tfStorm, dpopStorm] = ["tokenfetch", "tokenfetch (DPoP)"].map((lib) => res.storm.runs.find((s) => s.lib === lib));
  const tfMem = res.memory.runs[0];
  const [tfStart, kyStart] = ["tokenfetch", "ky"].map((lib) => res.startup.libs.find((s) => s.lib === lib));
  const vsKy = (mode) => tfStart[mode].medianTotalMs / kyStart[mode].medianTotalMs;
  const startup = (mode) => `${ms(tfStart[mode].medianTotalMs)} vs ky ${ms(kyStart[mode].medianTotalMs)} (${vsKy(mode).toFixed(2)}×)`;
  const row = (target, measured, pass) => ({ target, measured, pass });
  return [
    row(`package ≤ ${kb(targets.packageGzBytes)} gzipped`, `${kb(tf.gzBytes)} (${tf.gzBytes} B)`, tf.gzBytes <= targets.packageGzBytes),
    row(
      `goal: package ≤ ${kb(targets.packageGoalGzBytes)} gzipped (axios + axios-auth-refresh)`,
      `${kb(tf.gzBytes)} (${tf.gzBytes - targets.packageGoalGzBytes} B to go)`,
      tf.gzBytes <= targets.packageGoalGzBytes,
    ),
    row(
      `overhead ≤ ${targets.overheadRatio}× raw fetch and below axios + axios-auth-refresh`,
      `${tfOverhead.ratioToRaw.toFixed(3)}× raw; ${tfOverhead.medianUs.toFixed(0)} µs vs axios ${axOverhead.medianUs.toFixed(0)} µs`,
      tfOverhead.ratioToRaw <= targets.overheadRatio && tfOverhead.medianUs < axOverhead.medianUs,
    ),
    row(`DPoP ≤ +${targets.dpopOverheadUs} µs per request over Bearer (median of rounds)`, `+${res.overhead.dpopExtraUs.toFixed(0)} µs`, res.overhead.dpopExtraUs <= targets.dpopOverheadUs),
    ...[tfStorm, dpopStorm].map((x) =>
      row(
        `401 storm${x === dpopStorm ? " with dpop" : ""} → exactly ${targets.stormCallbackCalls} callback call and ${res.storm.requests} successes`,
        `${x.callbackCalls} call(s), ${x.successes} successes`,
        x.callbackCalls === targets.stormCallbackCalls && x.successes === res.storm.requests,
      ),
    ),
    row(
      `memory growth < ${(targets.memoryGrowthBytes / MB).toFixed(0)} MB (${res.memory.points[0]} → ${res.memory.points.at(-1)} requests; wasm and JS heap each)`,
      `wasm ${mbSigned(tfMem.wasmGrowthBytes)}, JS heap ${mbSigned(tfMem.jsHeapGrowthBytes)}`,
      tfMem.wasmGrowthBytes < targets.memoryGrowthBytes && tfMem.jsHeapGrowthBytes < targets.memoryGrowthBytes && tfMem.failures === 0,
    ),
    row(`start-up not cached, with each library's preload hints, ≤ ${targets.startupVsKy}× ky's`, startup("not cached, preloaded"), vsKy("not cached, preloaded") <= targets.startupVsKy),
    row(
      `start-up not cached ≤ ${targets.startupVsKy}× ky's (same run)`,
      `${startup("not cached")}; ${ms(tfStart["HTTP cache"].medianTotalMs)} from HTTP cache; ${ms(tfStart["new context"].medianTotalMs)} in a new context`,
      vsKy("not cached") <= targets.startupVsKy,
    ),
  ];
}

function report(res) {
  const m = res.machine;
  const lines = [
    `tokenfetch benchmark — ${res.generatedAt}${quick ? "  (BENCH_QUICK=1: small counts, not the benchmark's figures)" : ""}`,
    `machine: ${m.nproc} CPUs (nproc), ${m.cpuModel}; ${m.chromium} (headless); node ${m.node}`,
    `load average (1/5/15 min) at start: ${res.loadAverage.start}; at end: ${res.loadAverage.end}`,
    "",
  ];
  const tfGz = res.size.rows[0].gzBytes;
  lines.push(`a. Size — ${res.size.gzipTool}; competitors bundled with esbuild ${res.size.esbuild} --bundle --minify --format=esm (KB = 1000 B)`);
  const sizeRow = (row) => [row.name, row.versions ? Object.values(row.versions).join(" + ") : res.tokenfetchVersion, `${row.rawBytes} B`, `${row.gzBytes} B (${kb(row.gzBytes)})`, `${(row.gzBytes / tfGz).toFixed(2)}×`];
  lines.push(table(["library", "version", "raw", "gzip -9", "vs tokenfetch"], res.size.rows.map(sizeRow), ["l", "l", "r", "r", "r"]));
  lines.push(`   tokenfetch files: ${res.size.rows[0].files.map((f) => `${f.file} ${f.gzBytes} B gz`).join(", ")}`, "");

  const o = res.overhead;
  const rawUs = o.contenders.find((c) => c.name === "raw fetch").medianUs;
  lines.push(
    `b. Per-request overhead — ${o.requestsPerContender} sequential GET /api/me per contender: ${o.rounds} interleaved rounds of ${o.perRound} per contender, rotating order (+${o.warmup} warm-up rounds); same-origin devserver`,
  );
  const overheadRow = (c) => [c.name, c.medianUs.toFixed(1), (c.medianUs - rawUs >= 0 ? "+" : "") + (c.medianUs - rawUs).toFixed(1), `${c.ratioToRaw.toFixed(3)}×`, `${c.ratioOfMedians.toFixed(3)}×`];
  const overheadHeaders = ["contender", "median µs/request", "µs over raw", "× raw fetch (median of rounds)", "× raw (ratio of medians)"];
  lines.push(table(overheadHeaders, o.contenders.map(overheadRow), ["l", ...r([1, 2, 3, 4])]));
  const sc = o.serverCheck;
  lines.push(
    `   server saw ${sc.authorized} authorized / ${sc.unauthorized} unauthorized requests (expected ${sc.expectedAuthorized} / ${sc.expectedUnauthorized}); DPoP proofs ${sc.dpop.accepted} accepted / ${sc.dpop.refused} refused (${sc.dpop.nonceChallenges} nonce challenge at setup)`,
    `   DPoP: tokenfetch (DPoP) − tokenfetch (Bearer), paired per round: +${o.dpopExtraUs.toFixed(1)} µs per request at the median (proof signed with WebCrypto, verified by the devserver: ES256, jti, ath, nonce); devserver in DPoP mode with nonces required, not rotated during the run: no challenge in the steady state`,
    `   DPoP in the page alone: ${o.dpopProofUs.toFixed(1)} µs per client.dpopProof() (median of 3 × 500 in a row: claims, jti, ECDSA P-256 signature by WebCrypto); the devserver's check of each proof took ${o.dpopServerCheckUs.toFixed(0)} µs at the median (its log's checkMicros: jwt-compact's ES256 verification, pure Rust); the rest is the ath digest and the larger request`,
    "",
  );

  const s = res.storm;
  lines.push(`c. 401 storm — ${s.requests} concurrent GETs with a revoked token, refresh callback takes ${s.refreshDelayMs} ms`);
  const stormRow = (x) => [x.lib, x.callbackCalls, `${x.successes} / ${x.requests}`, ms(x.p50Ms), ms(x.p99Ms), ms(x.wallMs), `${x.server.requests} / ${x.server.unauthorized}`];
  const stormHeaders = ["client", "callback calls", "successes", "p50", "p99", "all done", "server: requests / 401s"];
  lines.push(table(stormHeaders, s.runs.map(stormRow), ["l", ...r([1, 2, 3, 4, 5, 6])]));
  for (const x of s.runs) {
    const other = Object.entries(x.statuses).filter(([k]) => k !== "200");
    if (other.length) lines.push(`   ${x.lib}: other outcomes ${other.map(([k, v]) => `${k}×${v}`).join(", ")}`);
  }
  lines.push(`   axios-auth-refresh setup: ${s.axiosAuthRefreshOptions}`, "");

  const mem = res.memory;
  lines.push(`d. Memory — one client, requests in batches of ${mem.concurrency}, gc() before each reading (MB = 10^6 B)`);
  for (const x of mem.runs) {
    const mb = (b) => `${(b / MB).toFixed(3)} MB`;
    const rows = [["wasm memory (buffer.byteLength)", ...x.snapshots.map((sn) => mb(sn.wasmBytes))], ["JS heap (usedJSHeapSize)", ...x.snapshots.map((sn) => mb(sn.jsHeapBytes))]];
    lines.push(table(["requests through one client", ...x.snapshots.map((sn) => String(sn.requests))], rows, ["l", ...r(x.snapshots)]));
    lines.push(
      `   growth ${mem.points[0]} → ${mem.points.at(-1)}: wasm ${mbSigned(x.wasmGrowthBytes)}, JS heap ${mbSigned(x.jsHeapGrowthBytes)}; ${x.failures} failed requests; ${x.seconds.toFixed(0)} s`,
    );
  }
  lines.push("");

  lines.push(`e. Start-up — import() → await init() → new AuthClient(), median of ${res.startup.loadsPerMode} page loads per mode (ky/axios: import → configured instance)`);
  const modes = Object.keys(res.startup.modes);
  const startupRow = (x) => [
    x.lib,
    ...modes.map((m) => `${ms(x[m].medianTotalMs)} (${x[m].medianImportMs.toFixed(1)} + ${x[m].medianInitMs.toFixed(1)})`),
    modes.map((m) => `${x[m].loadsFromHttpCache}/${x[m].loads.length}`).join(", "),
  ];
  lines.push(table(["library", ...modes.map((m) => `${m}: total (import + init)`), "loads served from HTTP cache"], res.startup.libs.map(startupRow), ["l", ...r(modes), "r"]));
  for (const [mode, what] of Object.entries(res.startup.modes)) lines.push(`   ${mode}: ${what}`);
  const slow = res.startup.libs.map((x) => `${x.lib} ${modes.map((m) => `${x[m].slowDownloads}/${x[m].downloads}`).join(", ")}`);
  lines.push(`   file downloads > 30 ms after the first byte (loopback: Nagle/delayed-ACK stalls): ${slow.join("; ")} (${modes.join(", ")})`, "");

  lines.push("Targets", table(["", "target", "measured"], res.targets.map((t) => [t.pass ? "PASS" : "MISS", t.target, t.measured])));
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const runId = Date.now().toString(36);
  const serverBin = argv.includes("--server") ? argv[argv.indexOf("--server") + 1] : (build(), devserverBin("release"));
  const loadStart = loadavg().map((l) => l.toFixed(2)).join(" ");
  rmSync(pkgDir, { recursive: true, force: true });
  cpSync(join(root, "pkg"), pkgDir, { recursive: true });
  const tokenfetchVersion = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;
  log("measuring sizes and bundling the other clients with esbuild");
  const size = await measureSize();
  const site = assembleSite();
  let server;
  let browser;
  const cleanup = () => (server?.stop(), rmSync(site, { recursive: true, force: true }));
  process.once("SIGINT", () => (cleanup(), process.exit(130)));
  process.once("SIGTERM", () => (cleanup(), process.exit(143)));
  try {
    server = await spawnDevserver(serverBin, port, ["--static", site, "--ttl", "3600"]);
    browser = await chromium.launch({ executablePath: browsers.binary, args: chromiumArgs, headless: true });
    if (argv.includes("--profile")) {
      log("profiling the per-request work (Chromium's CPU profiler)");
      console.log(await profileOverhead(browser, runId));
      return;
    }
    const measured = {};
    for (const [key, what, measure] of [
      ["overhead", "b. per-request overhead", measureOverhead],
      ["storm", "c. 401 storm", measureStorm],
      ["memory", "d. memory", measureMemory],
      ["startup", "e. start-up", measureStartup],
    ]) {
      log(what);
      measured[key] = await measure(browser, runId);
    }
    const machine = { nproc: availableParallelism(), cpuModel: cpus()[0]?.model ?? "unknown", chromium: `Chromium ${browser.version()}`, node: process.version, platform: `${process.platform} ${process.arch}` };
    const results = { generatedAt: new Date().toISOString(), quick, command: "npm run bench", machine, tokenfetchVersion, config, thresholds: targets, size, ...measured };
    results.loadAverage = { start: loadStart, end: loadavg().map((l) => l.toFixed(2)).join(" ") };
    results.targets = evaluateTargets(results);
    results.durationSeconds = (Date.now() - started) / 1000;
    const text = report(results);
    console.log(text);
    console.log(`\n(${results.durationSeconds.toFixed(0)} s; full figures in bench/${quick ? "dist/results-quick.json" : "results.json"})`);
    // A quick run's figures are not the benchmark's: they never replace bench/results.json.
    writeFileSync(quick ? join(distDir, "results-quick.json") : join(benchDir, "results.json"), JSON.stringify({ ...results, report: text }, null, 2) + "\n");
  } finally {
    await browser?.close().catch(() => {});
    cleanup();
  }
}

main().catch((err) => {
  console.error(`bench: error: ${err?.stack ?? err}`);
  process.exitCode = 1;
});
