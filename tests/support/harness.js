// The browser tests' JS toolkit (tests/support/mod.rs binds it): callbacks that count their
// calls, an event recorder, request runners that report what the caller got, request bodies of
// every kind, a shiftable clock, microtask counting, and the clients the tests hold.
//
// The devserver's own API (tokens, controls, stats, OAuth) is www/shared/devserver.js, bound
// separately: a wasm-bindgen snippet cannot import another local file.

// --- clients the tests hold ------------------------------------------------------------------

const live = new Set();

/** Remembers a client a test made, until `release`. */
export function track(client) { live.add(client); return client; }

/** `client.free()` once: its timer, listeners and token go. */
export function release(client) {
  if (live.delete(client)) client.free();
}

/** How many tracked clients are still alive. */
export function liveClients() { return live.size; }

// After a panic (wasm32 aborts: no destructor runs): the clock and the host features a test
// shadowed go back at once, and the clients alive now, the failed test's, are freed on the next
// task, after the test runner has moved on.
export function afterPanic() {
  restoreClock();
  unshadowAll();
  const left = [...live];
  setTimeout(() => { for (const client of left) release(client); }, 0);
}

// --- the devserver ----------------------------------------------------------------------------

/**
 * Whether the devserver answers `GET url` right now. Synchronous (an XHR), so that the first
 * helper a test calls can fail at once with a message instead of a test timing out: a refused
 * connection throws here without waiting.
 */
export function serverAnswers(url) {
  try {
    const xhr = new XMLHttpRequest();
    xhr.open("GET", url, false);
    xhr.send();
    return xhr.status === 200;
  } catch {
    return false;
  }
}

// --- callbacks and events --------------------------------------------------------------------

// A callback that returns what `kind` names and counts its calls.
export function fixedCallback(kind) {
  const fn = () => {
    fn.calls++;
    switch (kind) {
      case "null": return null;
      case "undefined": return undefined;
      case "empty": return "";
      case "false": return false;
      case "throw": throw new Error("no session");
      case "reject": return Promise.reject(new Error("no session"));
      case "never": return new Promise(() => {});
      case "number": return 42;
      case "crlf": return "abc\r\nX-Injected: 1";
    }
  };
  fn.calls = 0;
  return fn;
}
export function calls(fn) { return fn.calls; }
// A callback returning `value` every time, counting calls.
export function returning(value) { const fn = () => { fn.calls++; return value; }; fn.calls = 0; return fn; }
// Wraps a callback that answers a token body: adds `fields` (e.g. { expires_in: 3600 }) to its
// answer, counts calls, and keeps the claims of the last JWT answered (`fn.lastClaims`).
export function withFields(inner, fields) {
  const fn = async () => {
    fn.calls++;
    const answer = await inner();
    const body = typeof answer === "string" ? { access_token: answer } : answer;
    fn.lastClaims = jwtClaims(body.access_token);
    return { ...body, ...fields };
  };
  fn.calls = 0;
  fn.lastClaims = null;
  return fn;
}
// The claims of a JWT (unverified), or null.
export function jwtClaims(token) {
  try { return JSON.parse(fromBase64url(token.split(".")[1])); } catch { return null; }
}
// An onEvent that records copies of the events, each with `at` (real ms since the epoch).
export function recorder() {
  const fn = (event) => { fn.events.push({ ...JSON.parse(JSON.stringify(event)), at: realNow() }); };
  fn.events = [];
  return fn;
}
export function events(fn) { return fn.events; }
export function eventTypes(fn) { return fn.events.map((e) => e.type).join(","); }
// The shortest time (ms) between `since` and the first event of `type`, or between two of them.
export function shortestGap(recorder, type, since) {
  let last = since;
  let shortest = Infinity;
  for (const e of recorder.events) if (e.type === type) { shortest = Math.min(shortest, e.at - last); last = e.at; }
  return shortest;
}
export function countEvents(recorder, type) { return recorder.events.filter((e) => e.type === type).length; }
export function throwingSink() { return () => { throw new Error("listener bug"); }; }
// True when refresh-start and its outcome alternate: no two refreshes of one client overlapped.
export function refreshesNeverOverlap(recorder) {
  let open = false;
  for (const e of recorder.events) {
    if (e.type === "refresh-start") { if (open) return false; open = true; }
    else if (e.type === "refreshed" || e.type === "refresh-failed") { open = false; }
  }
  return true;
}
export function failureReasons(recorders) {
  const reasons = {};
  for (const r of recorders) for (const e of r.events) if (e.type === "refresh-failed") reasons[e.reason] = (reasons[e.reason] ?? 0) + 1;
  return JSON.stringify(reasons);
}

// --- requests --------------------------------------------------------------------------------

// Runs client.fetch and returns { status, body (parsed JSON or text) }.
export async function call(client, input, init) {
  const response = await client.fetch(input, init);
  const text = await response.text();
  let body = text;
  try { body = JSON.parse(text); } catch {}
  return { status: response.status, body };
}
export async function callMany(client, url, n) {
  return Promise.all(Array.from({ length: n }, () => call(client, url)));
}
// Sends GET `path` through `client` every `everyMs` for `durationMs` (each request waits for the
// previous one). Returns { sent, statuses: {"200": n, ...}, rejected }.
export async function steady(client, path, everyMs, durationMs) {
  const end = performance.now() + durationMs;
  const statuses = {};
  let sent = 0;
  let rejected = 0;
  while (performance.now() < end) {
    sent++;
    try { const r = await call(client, `${path}${path.includes("?") ? "&" : "?"}n=${sent}`); statuses[r.status] = (statuses[r.status] ?? 0) + 1; }
    catch { rejected++; }
    await sleep(everyMs);
  }
  return { sent, statuses: JSON.stringify(statuses), rejected };
}
export async function rejection(promise) {
  try { await promise; return null; } catch (e) { return e; }
}
// How many microtask turns pass between calling `client.fetch(input, init)` (the global `fetch`
// when `client` is null) and its promise being seen settled: 0 when it was settled when
// returned. Gives up after 1000 turns (Infinity).
export function turnsToSettle(client, input, init) {
  let settled = false;
  const promise = client ? client.fetch(input, init) : fetch(input, init);
  promise.then(() => { settled = true; }, () => { settled = true; });
  return new Promise((resolve) => {
    let turns = 0;
    const tick = () => {
      if (settled || turns >= 1000) resolve(settled ? turns : Infinity);
      else { turns++; queueMicrotask(tick); }
    };
    queueMicrotask(tick);
  });
}
// Calls `client.fetch(...args)` (or the global fetch when `client` is null) and reports whether
// it threw synchronously, and what its promise settled with.
export async function settleOf(client, args) {
  let promise;
  try { promise = client ? client.fetch(...args) : fetch(...args); }
  catch (e) { return { threw: true, error: e }; }
  try { return { threw: false, resolved: true, value: await promise }; }
  catch (e) { return { threw: false, resolved: false, error: e, name: e?.name, isTypeError: e instanceof TypeError }; }
}
export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
export function now() { return Date.now(); }
// The real time, however the tests shifted Date.now().
export function realTime() { return realNow(); }
export function field(object, path) { return path.split(".").reduce((o, k) => (o == null ? o : o[k]), object); }

// Fires `perClient` requests through each client at once, each with its own X-Request-Id, and
// waits at most `deadlineMs` for all of them to settle. Returns what happened.
export async function storm(clients, perClient, path, deadlineMs) {
  const started = performance.now();
  const outcomes = [];
  let counter = 0;
  const runs = clients.flatMap((client, c) => Array.from({ length: perClient }, () => {
    const id = `r${c}-${counter++}-${Math.random().toString(36).slice(2, 8)}`;
    const t0 = performance.now();
    // One URL per request: Chrome's HTTP cache lets only one GET per URL through at a time.
    // A cut connection rejects fetch in Chromium and Firefox; WebKit may resolve with the head it
    // got and fail the body instead (a "broken body").
    return client.fetch(`${path}${path.includes("?") ? "&" : "?"}r=${id}`, { headers: { "X-Request-Id": id } })
      .then((r) => { const ms = performance.now() - t0; return r.arrayBuffer().then(() => { outcomes.push({ ok: true, status: r.status, ms }); }, () => { outcomes.push({ ok: true, status: r.status, brokenBody: true, ms }); }); },
            (e) => { outcomes.push({ ok: false, error: e?.name ?? String(e), ms: performance.now() - t0 }); });
  }));
  let timer;
  const deadline = new Promise((r) => { timer = setTimeout(r, deadlineMs); });
  await Promise.race([Promise.allSettled(runs), deadline]);
  clearTimeout(timer);
  const statuses = {};
  for (const o of outcomes) { const k = o.ok ? String(o.status) : o.error; statuses[k] = (statuses[k] ?? 0) + 1; }
  return {
    sent: clients.length * perClient,
    settled: outcomes.length,
    resolved: outcomes.filter((o) => o.ok).length,
    rejected: outcomes.filter((o) => !o.ok).length,
    brokenBodies: outcomes.filter((o) => o.brokenBody).length,
    statuses: JSON.stringify(statuses),
    maxMs: Math.round(Math.max(0, ...outcomes.map((o) => o.ms))),
    latency: (() => { const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b); const at = (q) => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0); return `p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, ${ms.filter((m) => m > 5000).length} over 5 s; slow ones: ${JSON.stringify(outcomes.filter((o) => o.ms > 5000).slice(0, 8).map((o) => [o.ok ? o.status : o.error, Math.round(o.ms)]))}`; })(),
    elapsedMs: Math.round(performance.now() - started),
  };
}

// --- request bodies and arguments ------------------------------------------------------------

// Request bodies of every kind fetch accepts, with the content type the browser derives.
export function body(kind) {
  switch (kind) {
    case "string": return { body: JSON.stringify({ hello: "wörld" }), headers: { "Content-Type": "application/json" } };
    case "blob": return { body: new Blob([new Uint8Array([0, 1, 2, 253, 254, 255])], { type: "image/png" }) };
    case "arraybuffer": return { body: new Uint8Array([9, 8, 7, 6]).buffer };
    case "typedarray": return { body: new Uint8Array([1, 2, 3]) };
    case "formdata": { const f = new FormData(); f.append("name", "Ada"); f.append("file", new Blob(["abc"], { type: "text/plain" }), "a.txt"); return { body: f }; }
    case "urlsearchparams": return { body: new URLSearchParams({ q: "a b", n: "1" }) };
  }
}
export function bodyInit(kind, method) { return { method, ...body(kind), headers: { ...(body(kind).headers || {}), "X-Custom": "kept" } }; }
// What the body looks like on the wire: sent once through plain fetch to the open echo route.
export async function referenceEcho(server, kind, method) {
  const r = await fetch(`${server}/open/echo`, bodyInit(kind, method));
  return r.json();
}
// An echoed body as text, with a multipart boundary (random per serialisation) replaced by "BOUNDARY".
export function echoedBody(echo) {
  const text = atob(echo.bodyBase64 || "");
  const boundary = /boundary=(.+)$/.exec(echo.contentType || "")?.[1];
  return boundary ? text.split(boundary).join("BOUNDARY") : text;
}
export function abortedSignal() { const c = new AbortController(); c.abort(); return c.signal; }
export function abortLater(ms) { const c = new AbortController(); setTimeout(() => c.abort(), ms); return c.signal; }
export function requestObject(url, method, text) { return new Request(url, { method, body: text, headers: { "Content-Type": "text/plain" } }); }
// A request init whose headers are a live `Headers` object, returned beside it to change later.
export function initWithHeaders(pairs) { const headers = new Headers(pairs); return { init: { headers }, headers }; }
// Whether a ReadableStream body is locked right after `fetch` (the global one, then
// `client.fetch`) returns: `{ global, client }`. Waits for both calls to settle, however they end
// (Chromium refuses stream uploads over HTTP/1.1; Firefox sends the stream's toString()).
export async function streamLockedOnReturn(client, url) {
  const stream = () => new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("abc")); c.close(); } });
  const [a, b] = [stream(), stream()];
  const byFetch = fetch(url, { method: "POST", body: a, duplex: "half" });
  const global = a.locked;
  const byClient = client.fetch(url, { method: "POST", body: b, duplex: "half" });
  const locked = b.locked;
  await Promise.allSettled([byFetch, byClient]);
  // Whether this engine takes a stream as a request body at all (Firefox turns it into the text
  // "[object ReadableStream]").
  const streams = (await new Request(url, { method: "POST", body: stream(), duplex: "half" }).text()) === "abc";
  return { global, client: locked, streams };
}
export function isInstance(value, name) { return value instanceof globalThis[name]; }

// --- the console, memory, tokens -------------------------------------------------------------

// Records every console line (and still prints it) until stopConsole() is called.
export function recordConsole() {
  const lines = [];
  const saved = {};
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    saved[level] = console[level];
    console[level] = (...args) => { lines.push(args.map((a) => { try { return a instanceof Error ? `${a.name}: ${a.message} ${a.stack}` : typeof a === "string" ? a : JSON.stringify(a); } catch { return String(a); } }).join(" ")); saved[level].apply(console, args); };
  }
  lines.stop = () => { Object.assign(console, saved); return lines.join("\n"); };
  return lines;
}
export function stopConsole(lines) { return lines.stop(); }
export function describe(value) {
  if (value instanceof Error) return `${value.name}: ${value.message} ${value.stack}`;
  try { return JSON.stringify(value) + " " + String(value); } catch { return String(value); }
}
// Whether the wasm memory holds `text` (as UTF-8) anywhere.
export function memoryContains(memory, text) {
  const hay = new Uint8Array(memory.buffer);
  const needle = new TextEncoder().encode(text);
  const first = needle[0];
  outer: for (let i = hay.indexOf(first); i !== -1 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
// A JWT-shaped string (unsigned) with the given claims object.
export function fakeJwt(claimsJson) {
  const b64 = (s) => btoa(s).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(claimsJson)}.c2ln`;
}
export function bigString(n) { return "a".repeat(n); }
export function lastSegment(token) { return token.split(".").pop(); }
export function valueText(value) { return String(value); }

// --- time --------------------------------------------------------------------------------------

// Shifts what Date.now() says by `ms` (cumulative), as a machine with a wrong clock or one that just
// woke from sleep would see it; restoreClock() undoes it.
const realNow = Date.now.bind(Date);
let shift = 0;
export function shiftClock(ms) { shift += ms; Date.now = () => realNow() + shift; }
export function restoreClock() { shift = 0; Date.now = realNow; }
export function clockShift() { return shift; }
// A JWT-shaped token (unsigned) expiring `seconds` from the real now, without iat.
export function fakeJwtExpiringIn(seconds) { return fakeJwt(JSON.stringify({ exp: Math.floor(realNow() / 1000) + seconds })); }
// A JWT-shaped token (unsigned) issued `age` seconds ago that expires `remaining` seconds from now.
export function fakeJwtLived(age, remaining) {
  const now = Math.floor(realNow() / 1000);
  return fakeJwt(JSON.stringify({ iat: now - age, exp: now + remaining }));
}
export function dispatchVisibilityChange() { document.dispatchEvent(new Event("visibilitychange")); }

// --- DPoP (RFC 9449) ---------------------------------------------------------------------------
// Proofs decoded, a key of the test's own (the "attacker" who copied a token), the client's
// stored key read back from IndexedDB, host features hidden or made to refuse (undone by
// `unshadowAll`, also after a panic), and token-endpoint calls made through the client with
// `auth: "proof"`, as an app makes them.

const encode = (text) => new TextEncoder().encode(text);
function toBase64url(data) {
  let binary = "";
  for (const byte of new Uint8Array(data)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function fromBase64url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}
const sha256url = async (text) => toBase64url(await crypto.subtle.digest("SHA-256", encode(text)));

/** A compact JWS's `{ header, claims, signature }` (unverified), or null. */
export function decodeJws(jws) {
  try {
    const [h, c, s] = String(jws).split(".");
    return { header: JSON.parse(fromBase64url(h)), claims: JSON.parse(fromBase64url(c)), signatureBytes: fromBase64url(s).length };
  } catch { return null; }
}
/** Whether the proof's signature verifies with the `jwk` of its own header (ES256). */
export async function proofVerifies(jws) {
  try {
    const [h, c, s] = jws.split(".");
    const { jwk } = JSON.parse(fromBase64url(h));
    const key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const signature = Uint8Array.from(fromBase64url(s), (ch) => ch.charCodeAt(0));
    return await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, encode(`${h}.${c}`));
  } catch { return false; }
}
/** base64url SHA-256 of `text` (what `ath` is of a token). */
export function sha256Base64url(text) { return sha256url(text); }

/**
 * RFC 7638 thumbprint of an EC public key, written out from the RFC: the required members
 * `crv`, `kty`, `x`, `y` in lexicographic order, no whitespace, SHA-256, base64url.
 */
export async function thumbprintOf(publicKey) {
  const { crv, kty, x, y } = await crypto.subtle.exportKey("jwk", publicKey);
  return sha256url(`{"crv":"${crv}","kty":"${kty}","x":"${x}","y":"${y}"}`);
}

/** A key pair of the test's own and a proof signed with it: `{ proof, thumbprint }`. */
export async function foreignProof(htm, htu, nonce, token) {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  const { crv, kty, x, y } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const header = { typ: "dpop+jwt", alg: "ES256", jwk: { crv, kty, x, y } };
  const claims = { jti: toBase64url(crypto.getRandomValues(new Uint8Array(16))), htm, htu, iat: Math.floor(realNow() / 1000) };
  if (nonce) claims.nonce = nonce;
  if (token) claims.ath = await sha256url(token);
  const input = `${toBase64url(encode(JSON.stringify(header)))}.${toBase64url(encode(JSON.stringify(claims)))}`;
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, encode(input));
  return { proof: `${input}.${toBase64url(signature)}`, thumbprint: await thumbprintOf(pair.publicKey) };
}

/**
 * A copied token sent by someone else with plain fetch: `Authorization: <scheme> <token>` and,
 * when `proof` is a string, `DPoP: proof`. `{ status, body, wwwAuthenticate }`.
 */
export async function replayToken(url, scheme, token, proof) {
  const headers = { Authorization: `${scheme} ${token}` };
  if (typeof proof === "string") headers.DPoP = proof;
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body = text;
  try { body = JSON.parse(text); } catch {}
  return { status: response.status, body, wwwAuthenticate: response.headers.get("WWW-Authenticate") };
}

const DPOP_DATABASE = "tokenfetch-dpop";
const DPOP_STORE = "keys";
/** The key pair the client stored for channel `name` in IndexedDB (its record as is), or null. */
export function storedKeyPair(name) {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DPOP_DATABASE, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(DPOP_STORE);
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const database = opening.result;
      const get = database.transaction(DPOP_STORE, "readonly").objectStore(DPOP_STORE).get(name);
      get.onsuccess = () => { database.close(); resolve(get.result ?? null); };
      get.onerror = () => { database.close(); reject(get.error); };
    };
  });
}
/** The RFC 7638 thumbprint of the stored key of channel `name`, or null when none is stored. */
export async function storedThumbprint(name) {
  const pair = await storedKeyPair(name);
  return pair?.publicKey ? thumbprintOf(pair.publicKey) : null;
}
/**
 * What exporting the stored private key of channel `name` does, in every format WebCrypto has
 * for one: `{ found, extractable, usages, jwk, pkcs8 }`, each format "rejected <name>" or "exported".
 */
export async function exportStoredPrivateKey(name) {
  const pair = await storedKeyPair(name);
  if (!pair?.privateKey) return { found: false };
  const attempt = (format) => crypto.subtle.exportKey(format, pair.privateKey).then(() => "exported", (e) => `rejected ${e?.name}`);
  return {
    found: true,
    extractable: pair.privateKey.extractable,
    type: pair.privateKey.type,
    usages: pair.privateKey.usages.join(","),
    jwk: await attempt("jwk"),
    pkcs8: await attempt("pkcs8"),
  };
}

// Host features a test hides or breaks: `shadow` replaces `target[name]` with an own property
// holding `value`, `unshadowAll` puts back what was there.
const shadows = [];
function shadow(target, name, value) {
  const own = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, { value, configurable: true, writable: true, enumerable: own?.enumerable ?? false });
  shadows.push(() => { if (own) Object.defineProperty(target, name, own); else delete target[name]; });
}
/** Undoes every shadow, last first. */
export function unshadowAll() { while (shadows.length) shadows.pop()(); }
/** `indexedDB` is undefined, as where the host has none. */
export function hideIndexedDb() { shadow(globalThis, "indexedDB", undefined); }
/** IndexedDB refuses to store a CryptoKey, as Safari's private browsing and Lockdown Mode do. */
export function refuseIndexedDbPut() {
  shadow(IDBObjectStore.prototype, "put", function put() {
    throw new DOMException("Failed to execute 'put' on 'IDBObjectStore': CryptoKey could not be cloned.", "DataCloneError");
  });
}
/** `crypto.subtle` is undefined, as outside a secure context. */
export function hideSubtle() { shadow(globalThis.crypto, "subtle", undefined); }
/** Whether `crypto.subtle` is there (a check that `unshadowAll` put it back). */
export function hasSubtle() { return typeof globalThis.crypto?.subtle?.sign === "function"; }
/**
 * A proxy in front of the devserver: requests go through to it, but the `DPoP-Nonce` of every
 * answer that has one is replaced by `"repeat-1"` (`mode` "fixed") or a new `"fresh-N"` each time
 * ("fresh"), nonces the server never issued. After `cap` replacements it lets answers through
 * as they are (so a client that loops ends). Returns `{ replaced }`, counting.
 */
export function fakeNonces(mode, cap) {
  const inner = globalThis.fetch;
  const state = { replaced: 0 };
  shadow(globalThis, "fetch", async function fetch(...args) {
    const response = await inner.apply(globalThis, args);
    if (!response.headers.has("DPoP-Nonce") || state.replaced >= cap) return response;
    state.replaced++;
    const headers = new Headers(response.headers);
    headers.set("DPoP-Nonce", mode === "fixed" ? "repeat-1" : `fresh-${state.replaced}`);
    const body = await response.arrayBuffer();
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  });
  return state;
}
export function replacedNonces(state) { return state.replaced; }

// Token-endpoint calls through the client, with its proof and no token (`auth: "proof"`).
async function answerOf(response) {
  const text = await response.text();
  let body;
  try { body = JSON.parse(text); } catch { body = { error: "not_json" }; }
  return { ...body, status: response.status };
}
/**
 * Logs in at `/oauth/login` with the client's proof, which binds the session and its tokens to
 * the client's key: `{ access_token, token_type, expires_in, refresh_token, status }`.
 */
export async function proofLogin(client, origin, ns, ttl) {
  return answerOf(await client.fetch(`${origin}/oauth/login?ns=${encodeURIComponent(ns)}&ttl=${ttl}`, { method: "POST", auth: "proof" }));
}
/**
 * An `onTokenExpired` redeeming the session's refresh token at `/oauth/token` through
 * `fn.client` (set with `useClient`) with `auth: "proof"`, as an app with a DPoP-bound session
 * does; `false` on `invalid_grant`. New access tokens live `ttl` seconds. `fn.calls` counts
 * calls; `fn.tokens` keeps the access tokens it answered, for the test's checks.
 */
export function proofGrantCallback(origin, session, ttl) {
  let refreshToken = session?.refresh_token;
  const fn = async () => {
    fn.calls++;
    refreshToken ??= fn.session?.refresh_token;
    const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken });
    const answer = await answerOf(await fn.client.fetch(`${origin}/oauth/token?ttl=${ttl}`, { method: "POST", body, auth: "proof" }));
    if (answer.error === "invalid_grant") return false;
    if (answer.status !== 200) throw new Error(`POST /oauth/token answered ${answer.status} ${answer.error ?? ""}`);
    refreshToken = answer.refresh_token;
    fn.tokens.push(answer.access_token);
    return { access_token: answer.access_token, token_type: answer.token_type, expires_in: answer.expires_in };
  };
  fn.calls = 0;
  fn.tokens = [];
  fn.client = null;
  return fn;
}
export function useClient(callback, client) { callback.client = client; }
/** The session whose refresh token `callback` redeems, when it was made before the login. */
export function useSession(callback, session) { callback.session = session; }
export function lastToken(callback) { return callback.tokens[callback.tokens.length - 1]; }
export function tokensOf(callback) { return callback.tokens; }

/** `n` proofs from `client.dpopProof(method, url)`, one after another: `{ count, distinct, shortest, verified }`. */
export async function manyProofs(client, method, url, n) {
  const jtis = new Set();
  let shortest = Infinity;
  const batch = 100;
  let first = null;
  for (let done = 0; done < n; done += batch) {
    const proofs = await Promise.all(Array.from({ length: Math.min(batch, n - done) }, () => client.dpopProof(method, url)));
    for (const proof of proofs) {
      const { jti } = decodeJws(proof).claims;
      jtis.add(jti);
      shortest = Math.min(shortest, fromBase64url(jti).length);
    }
    first ??= proofs[0];
  }
  return { count: n, distinct: jtis.size, shortestJtiBytes: shortest, firstVerifies: await proofVerifies(first) };
}

/** The entries of a DPoP log as `"<endpoint> <METHOD> <origin><route> <accepted|reason>"` lines. */
export function dpopOutcomes(log) {
  return log.entries.map((e) => `${e.endpoint} ${e.method} ${e.origin}${e.route} ${e.accepted ? "accepted" : e.reason}`).join("\n");
}
/** How many entries of a DPoP log for `origin` (any, when empty) were refused for `reason`. */
export function dpopRefusals(log, origin, reason) {
  return log.entries.filter((e) => (!origin || e.origin === origin) && !e.accepted && e.reason === reason).length;
}
/** The largest |iat - serverTime| of the log's proofs, seconds (-1 without proofs). */
export function largestIatGap(log) {
  return Math.max(-1, ...log.entries.filter((e) => e.iat !== null).map((e) => Math.abs(e.iat - e.serverTime)));
}
/** The client's events as one JSON text. */
export function eventsText(recorder) { return JSON.stringify(recorder.events); }
