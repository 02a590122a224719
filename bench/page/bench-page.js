// The in-browser half of `npm run bench`: bench/bench.mjs opens /index.html (served by the
// devserver with pkg/ at /pkg/ and the esbuild bundles of the other clients at /vendor/) and
// calls the functions on `window.bench`. Everything is same-origin; the token server is the
// devserver itself, called through its client at /shared/devserver.js.
import init, { AuthClient } from "/pkg/index.js";
import ky from "/vendor/ky.js";
import { axios, createAuthRefreshInterceptor } from "/vendor/axios-auth-refresh.js";
import { enableDpop, issueDpopToken, issueToken, mintToken, revoke, stats } from "/shared/devserver.js";

const wasm = await init();

const API = "/api/me";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Tokens live an hour: within a run only a revoke makes the server refuse one.
const TTL = 3600;
/** `{access_token, token_type, expires_in}` from the devserver, after `delayMs` ms. */
const tokenResponse = (ns, delayMs) => issueToken("", ns, TTL, { delayMs });
const mint = (ns) => mintToken("", ns, TTL);
/** One GET through `client` (tokenfetch), its body read with `read`; resolves to the status. */
const through = (client, read = "json") => async () => {
  const r = await client.fetch(API);
  await r[read]();
  return r.status;
};

/**
 * A `dpop: true` client of `ns`, which goes into the devserver's DPoP mode (nonces required, never
 * rotated here), holding a token bound to its key; it refreshes at the token endpoint with a proof
 * (`auth: "proof"`, `delay` ms, `called()` each time). One first request learns the nonce: what
 * follows is the steady state, with no challenges.
 */
async function dpopClient(ns, { delay = 0, called = () => {} } = {}) {
  await enableDpop("", ns);
  const client = new AuthClient({
    dpop: true,
    onTokenExpired: async () => (called(), (await client.fetch(`/auth/token?ns=${ns}&ttl=${TTL}&delay=${delay}`, { auth: "proof", method: "POST" })).json()),
  });
  client.setToken((await issueDpopToken("", ns, TTL, { dpopJkt: await client.dpopThumbprint() })).access_token);
  await through(client)();
  return client;
}

/**
 * The per-request contenders (a row is one entry of `fns`), each set up the way its
 * documentation shows for "bearer token + refresh on 401", each doing one authenticated GET and
 * parsing the JSON body (axios always does). The refresh path is configured everywhere but never
 * taken here (tokens live an hour). "tokenfetch (DPoP)" is tokenfetch with `dpop: true`.
 */
async function makeContenders(ns) {
  let token = await mint(ns);
  // Single-flight refresh shared by the hand-written setups (ky, raw fetch).
  let pending = null;
  const refresh = () =>
    (pending ??= mint(ns).then(
      (t) => ((token = t), (pending = null), t),
      (e) => ((pending = null), Promise.reject(e)),
    ));

  const client = new AuthClient({ token, onTokenExpired: () => tokenResponse(ns) });
  const bound = await dpopClient(`${ns}-dpop`); // DPoP's row: a namespace of its own in DPoP mode

  const axiosApi = axios.create();
  axiosApi.interceptors.request.use((config) => {
    config.headers.Authorization = `Bearer ${token}`;
    return config;
  });
  createAuthRefreshInterceptor(axiosApi, async (failedRequest) => {
    await refresh();
    failedRequest.response.config.headers.Authorization = `Bearer ${token}`;
  });

  const kyApi = ky.create({
    hooks: {
      beforeRequest: [
        ({ request }) => {
          request.headers.set("Authorization", `Bearer ${token}`);
        },
      ],
      afterResponse: [
        async ({ request, response, retryCount }) => {
          if (response.status === 401 && retryCount === 0) {
            const fresh = await refresh();
            const headers = new Headers(request.headers);
            headers.set("Authorization", `Bearer ${fresh}`);
            return ky.retry({ request: new Request(request, { headers }), code: "TOKEN_REFRESHED" });
          }
        },
      ],
    },
  });

  return {
    client,
    bound,
    fns: {
      "raw fetch": async () => {
        const r = await fetch(API, { headers: { Authorization: `Bearer ${token}` } });
        await r.json();
        return r.status;
      },
      tokenfetch: through(client),
      "tokenfetch (DPoP)": through(bound),
      "axios + axios-auth-refresh": async () => (await axiosApi.get(API)).status,
      ky: async () => {
        const r = await kyApi.get(API);
        await r.json();
        return r.status;
      },
    },
  };
}

let overhead = null;

async function overheadSetup(ns) {
  overhead = await makeContenders(ns);
  const statuses = {};
  for (const [name, fn] of Object.entries(overhead.fns)) statuses[name] = await fn();
  return { names: Object.keys(overhead.fns), statuses, crossOriginIsolated: self.crossOriginIsolated };
}

/**
 * `rounds` rounds, each running `n` sequential requests through every contender, the order
 * rotating by one each round (round `first + i` starts with contender `(first + i) % count`).
 * Returns, per round, µs per request for each contender.
 */
async function overheadRounds(names, first, rounds, n) {
  const out = [];
  for (let r = first; r < first + rounds; r++) {
    const round = {};
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      const fn = overhead.fns[name];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const status = await fn();
        if (status !== 200) throw new Error(`${name}: status ${status}`);
      }
      round[name] = ((performance.now() - t0) * 1000) / n;
    }
    out.push(round);
  }
  return out;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Fires `count` requests at once through `send`; per-request latency to settled + body read. */
async function fire(count, send) {
  const latencies = [];
  const statuses = {};
  let ok = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: count }, async () => {
      const start = performance.now();
      let status;
      try {
        status = await send();
      } catch (err) {
        status = err?.response?.status ?? `error: ${err?.name ?? err}`;
      }
      latencies.push(performance.now() - start);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 200) ok++;
    }),
  );
  const wallMs = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return { requests: count, successes: ok, statuses, wallMs, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: latencies.at(-1) };
}

/** A 401-storm client: `(ns, token, delay, called) => { send, done? }` (or a promise of it); `called()` counts a refresh. */
const tokenfetchStorm = (dpop) => async (ns, token, delay, called) => {
  const client = dpop ? await dpopClient(ns, { delay, called }) : new AuthClient({ token, onTokenExpired: async () => (called(), tokenResponse(ns, delay)) });
  return { send: through(client, "text"), done: () => client.free() };
};

// createAuthRefreshInterceptor with its defaults: statusCodes [401], deduplicateRefresh: true
// (v5's successor of pauseInstanceWhileRefreshing: one refresh at a time, requests made during
// it wait for it), maxRetries 3; or the same with deduplicateRefresh: false, what the maintainer
// advises when several requests fail together (issues #56, #90). The callback is the README's:
// store the token and put it on the failed request's config.
const axiosStorm = (options) => (ns, initial, delay, called) => {
  let token = initial;
  const api = axios.create();
  api.interceptors.request.use((config) => {
    config.headers.Authorization = `Bearer ${token}`;
    return config;
  });
  const refresh = async (failedRequest) => {
    called();
    token = (await tokenResponse(ns, delay)).access_token;
    failedRequest.response.config.headers.Authorization = `Bearer ${token}`;
  };
  createAuthRefreshInterceptor(api, refresh, options);
  return { send: async () => (await api.get(API)).status };
};

// The reference: what a careful hand-written wrapper over fetch does. A 401 for a request sent
// with a token that has been replaced since is retried with the current one; otherwise every
// caller awaits the one refresh in flight.
function rawStorm(ns, initial, delay, called) {
  let token = initial;
  let pending = null;
  const refresh = () =>
    (pending ??= (async () => {
      called();
      try {
        token = (await tokenResponse(ns, delay)).access_token;
      } finally {
        pending = null;
      }
    })());
  const get = (t) => fetch(API, { headers: { Authorization: `Bearer ${t}` } });
  const send = async () => {
    const used = token;
    let r = await get(used);
    if (r.status === 401) {
      if (token === used) await refresh();
      r = await get(token);
    }
    await r.text();
    return r.status;
  };
  return { send };
}

/** The rows of the 401 storm, in order (a row is one entry). */
const stormClients = {
  tokenfetch: tokenfetchStorm(false),
  "tokenfetch (DPoP)": tokenfetchStorm(true),
  "axios + axios-auth-refresh": axiosStorm({}),
  "axios + axios-auth-refresh (deduplicateRefresh: false)": axiosStorm({ deduplicateRefresh: false }),
  "raw fetch, hand-written single-flight": rawStorm,
};

/** 401 storm: `count` concurrent requests with a revoked token, a refresh that takes `delay` ms. */
async function storm(lib, ns, count, delay) {
  let calls = 0;
  const { send, done } = await stormClients[lib](ns, await mint(ns), delay, () => calls++);
  await revoke("", ns);
  const result = await fire(count, send);
  done?.();
  await sleep(20);
  return { ...result, callbackCalls: calls, server: await stats("", ns) };
}

async function settle() {
  for (let i = 0; i < 3; i++) {
    if (typeof gc === "function") gc();
    await sleep(30);
  }
}

function memorySnapshot(requests) {
  return {
    requests,
    wasmBytes: wasm.memory.buffer.byteLength,
    jsHeapBytes: performance.memory?.usedJSHeapSize ?? null,
  };
}

/**
 * Requests through one tokenfetch client in batches of `concurrency`, with a snapshot (after
 * forced GC) at each of `points` (cumulative request counts).
 */
async function memory(lib, ns, points, concurrency) {
  const client = new AuthClient({ token: await mint(ns), onTokenExpired: () => tokenResponse(ns) });
  const send = through(client);
  await settle();
  const snapshots = [memorySnapshot(0)];
  let done = 0;
  let failures = 0;
  const t0 = performance.now();
  for (const target of points) {
    while (done < target) {
      const batch = Math.min(concurrency, target - done);
      const statuses = await Promise.all(Array.from({ length: batch }, send));
      failures += statuses.filter((s) => s !== 200).length;
      done += batch;
    }
    await settle();
    snapshots.push(memorySnapshot(done));
  }
  const seconds = (performance.now() - t0) / 1000;
  client.free();
  return {
    lib,
    concurrency,
    failures,
    seconds,
    snapshots,
    gcExposed: typeof gc === "function",
    preciseMemoryInfo: !!performance.memory,
  };
}

/**
 * µs per proof of the DPoP row's client, `n` `dpopProof` calls one after another: the page's
 * share of DPoP's per-request cost (claims, `jti`, WebCrypto's signature; no `ath`, no request).
 */
async function proofCost(n) {
  const started = performance.now();
  for (let i = 0; i < n; i++) await overhead.bound.dpopProof("GET", API);
  return ((performance.now() - started) * 1000) / n;
}

window.bench = { overheadSetup, overheadRounds, proofCost, storm, stormNames: Object.keys(stormClients), memory, mint };
window.benchReady = true;
