//! Shared harness of the browser tests: the test server's addresses, a small JS toolkit that
//! drives `AuthClient` through its JS surface, and option builders.
#![allow(dead_code)]

use js_sys::{Object, Reflect};
use tokenfetch::AuthClient;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The test server (tokenfetch-devserver), started by `npm test` before the browser tests.
pub const SERVER: &str = match option_env!("TOKENFETCH_TEST_SERVER") {
    Some(url) => url,
    None => "http://127.0.0.1:8787",
};
/// The same server on its second port: another origin.
pub const OTHER: &str = match option_env!("TOKENFETCH_TEST_OTHER_ORIGIN") {
    Some(url) => url,
    None => "http://127.0.0.1:8788",
};

#[wasm_bindgen(inline_js = r#"
export function uniqueNs(name) { return name + "-" + Math.random().toString(36).slice(2, 10); }
export async function mint(server, ns, ttl) {
  const r = await fetch(`${server}/auth/token?ns=${ns}&ttl=${ttl}`, { method: "POST" });
  if (!r.ok) throw new Error("mint failed: " + r.status);
  return (await r.json()).access_token;
}
export async function control(server, path) {
  const r = await fetch(server + path, { method: "POST", credentials: "include" });
  if (!r.ok) throw new Error("control failed: " + path + " " + r.status);
  return r.json();
}
export async function stats(server, ns) {
  return (await fetch(`${server}/control/stats?ns=${ns}`)).json();
}
// An onTokenExpired that mints a token on the server; fn.calls counts its calls.
export function tokenCallback(server, ns, ttl, delayMs, shape) {
  const fn = async () => {
    fn.calls++;
    // Like a careful app, give up on a token endpoint that hangs (and free the connection).
    const r = await fetch(`${server}/auth/token?ns=${ns}&ttl=${ttl}&delay=${delayMs}`, { method: "POST", signal: AbortSignal.timeout(3000) });
    const body = await r.json();
    return shape === "object" ? body : body.access_token;
  };
  fn.calls = 0;
  return fn;
}
// A callback that returns `value` (a thunk result) and counts its calls.
export function fixedCallback(kind) {
  const fn = () => {
    fn.calls++;
    switch (kind) {
      case "null": return null;
      case "undefined": return undefined;
      case "empty": return "";
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
export function recorder() {
  const fn = (event) => { fn.events.push(JSON.parse(JSON.stringify(event))); };
  fn.events = [];
  return fn;
}
export function events(fn) { return fn.events; }
export function eventTypes(fn) { return fn.events.map((e) => e.type).join(","); }
// Runs client.fetch and returns { status, body (parsed JSON or text), headers }.
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
export async function rejection(promise) {
  try { await promise; return null; } catch (e) { return e; }
}
export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
export function now() { return Date.now(); }
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
export function isInstance(value, name) { return value instanceof globalThis[name]; }
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
// A callback returning `value` once, counting calls.
export function returning(value) { const fn = () => { fn.calls++; return value; }; fn.calls = 0; return fn; }
export function bigString(n) { return "a".repeat(n); }
export function lastSegment(token) { return token.split(".").pop(); }
// Shifts what Date.now() says by `ms` (cumulative), as a machine with a wrong clock or one that just
// woke from sleep would see it; restoreClock() undoes it.
const realNow = Date.now.bind(Date);
let shift = 0;
export function shiftClock(ms) { shift += ms; Date.now = () => realNow() + shift; }
export function restoreClock() { shift = 0; Date.now = realNow; }
// A JWT-shaped token (unsigned) expiring `seconds` from the real now, without iat.
export function fakeJwtExpiringIn(seconds) { return fakeJwt(JSON.stringify({ exp: Math.floor(realNow() / 1000) + seconds })); }
export function dispatchVisibilityChange() { document.dispatchEvent(new Event("visibilitychange")); }
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
    return client.fetch(`${path}?r=${id}`, { headers: { "X-Request-Id": id } })
      .then((r) => { outcomes.push({ ok: true, status: r.status, ms: performance.now() - t0 }); return r.arrayBuffer().catch(() => null); },
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
    statuses: JSON.stringify(statuses),
    maxMs: Math.round(Math.max(0, ...outcomes.map((o) => o.ms))),
    latency: (() => { const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b); const at = (q) => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0); return `p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, ${ms.filter((m) => m > 5000).length} over 5 s; slow ones: ${JSON.stringify(outcomes.filter((o) => o.ms > 5000).slice(0, 8).map((o) => [o.ok ? o.status : o.error, Math.round(o.ms)]))}`; })(),
    elapsedMs: Math.round(performance.now() - started),
  };
}
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
export function countEvents(recorder, type) { return recorder.events.filter((e) => e.type === type).length; }
export function throwingSink() { return () => { throw new Error("listener bug"); }; }
export function field(object, path) { return path.split(".").reduce((o, k) => (o == null ? o : o[k]), object); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = uniqueNs)]
    pub fn unique_ns(name: &str) -> String;
    pub async fn mint(server: &str, ns: &str, ttl: i32) -> JsValue;
    #[wasm_bindgen(js_name = control)]
    pub async fn control_at(server: &str, path: &str) -> JsValue;
    #[wasm_bindgen(js_name = stats)]
    pub async fn stats_at(server: &str, ns: &str) -> JsValue;
    #[wasm_bindgen(js_name = tokenCallback)]
    pub fn token_callback(server: &str, ns: &str, ttl: i32, delay_ms: u32, shape: &str) -> JsValue;
    #[wasm_bindgen(js_name = fixedCallback)]
    pub fn fixed_callback(kind: &str) -> JsValue;
    pub fn calls(callback: &JsValue) -> u32;
    pub fn recorder() -> JsValue;
    pub fn events(recorder: &JsValue) -> js_sys::Array;
    #[wasm_bindgen(js_name = eventTypes)]
    pub fn event_types(recorder: &JsValue) -> String;
    pub async fn call(client: &JsValue, input: &JsValue, init: &JsValue) -> JsValue;
    /// Like `call`, but starts at once (a Rust `async fn` would wait until polled).
    #[wasm_bindgen(js_name = call)]
    pub fn start_call(client: &JsValue, input: &JsValue, init: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = callMany)]
    pub async fn call_many(client: &JsValue, url: &str, n: u32) -> JsValue;
    pub async fn rejection(promise: &js_sys::Promise) -> JsValue;
    pub async fn sleep(ms: u32) -> JsValue;
    pub fn now() -> f64;
    pub fn field(object: &JsValue, path: &str) -> JsValue;
    #[wasm_bindgen(js_name = bodyInit)]
    pub fn body_init(kind: &str, method: &str) -> JsValue;
    #[wasm_bindgen(js_name = referenceEcho)]
    pub async fn reference_echo(server: &str, kind: &str, method: &str) -> JsValue;
    #[wasm_bindgen(js_name = echoedBody)]
    pub fn echoed_body(echo: &JsValue) -> String;
    #[wasm_bindgen(js_name = abortedSignal)]
    pub fn aborted_signal() -> JsValue;
    #[wasm_bindgen(js_name = abortLater)]
    pub fn abort_later(ms: u32) -> JsValue;
    #[wasm_bindgen(js_name = requestObject)]
    pub fn request_object(url: &str, method: &str, text: &str) -> JsValue;
    #[wasm_bindgen(js_name = recordConsole)]
    pub fn record_console() -> JsValue;
    #[wasm_bindgen(js_name = stopConsole)]
    pub fn stop_console(lines: &JsValue) -> String;
    pub fn describe(value: &JsValue) -> String;
    #[wasm_bindgen(js_name = memoryContains)]
    pub fn memory_contains(memory: &JsValue, text: &JsValue) -> bool;
    #[wasm_bindgen(js_name = fakeJwt)]
    pub fn fake_jwt(claims_json: &str) -> JsValue;
    pub fn returning(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = bigString)]
    pub fn big_string(n: u32) -> JsValue;
    #[wasm_bindgen(js_name = lastSegment)]
    pub fn last_segment(token: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = shiftClock)]
    pub fn shift_clock(ms: f64);
    #[wasm_bindgen(js_name = restoreClock)]
    pub fn restore_clock();
    #[wasm_bindgen(js_name = fakeJwtExpiringIn)]
    pub fn fake_jwt_expiring_in(seconds: i32) -> JsValue;
    #[wasm_bindgen(js_name = dispatchVisibilityChange)]
    pub fn dispatch_visibility_change();
    pub async fn storm(clients: &js_sys::Array, per_client: u32, path: &str, deadline_ms: u32) -> JsValue;
    #[wasm_bindgen(js_name = refreshesNeverOverlap)]
    pub fn refreshes_never_overlap(recorder: &JsValue) -> bool;
    #[wasm_bindgen(js_name = failureReasons)]
    pub fn failure_reasons(recorders: &js_sys::Array) -> String;
    #[wasm_bindgen(js_name = countEvents)]
    pub fn count_events(recorder: &JsValue, kind: &str) -> u32;
    #[wasm_bindgen(js_name = throwingSink)]
    pub fn throwing_sink() -> JsValue;
    #[wasm_bindgen(js_name = isInstance)]
    pub fn is_instance(value: &JsValue, class: &str) -> bool;
}

/// A fresh namespace on the server: counters, revocations and faults of its own.
pub fn ns(name: &str) -> String {
    unique_ns(name)
}

/// A token for `ns` as a JS string: it never enters wasm memory through the test itself.
pub async fn js_token(ns: &str, ttl: i32) -> JsValue {
    mint(SERVER, ns, ttl).await
}

/// A token for `ns` living `ttl` seconds (negative: already expired).
pub async fn token(ns: &str, ttl: i32) -> String {
    mint(SERVER, ns, ttl).await.as_string().unwrap_or_default()
}

/// POSTs to a control route of the test server.
pub async fn control(path: &str) -> JsValue {
    control_at(SERVER, path).await
}

/// Revokes every token of `ns` issued so far.
pub async fn revoke(ns: &str) {
    control(&format!("/control/revoke?ns={ns}")).await;
}

/// A number from the server's counters for `ns`.
pub async fn stat(ns: &str, name: &str) -> f64 {
    let stats = stats_at(SERVER, ns).await;
    field(&stats, name).as_f64().unwrap_or(f64::NAN)
}

/// `client.fetch(url)`, returning `{ status, body }`.
pub async fn get(client: &JsValue, url: &str) -> JsValue {
    call(client, &JsValue::from_str(url), &JsValue::UNDEFINED).await
}

/// Awaits a promise started earlier.
pub async fn settle(promise: js_sys::Promise) -> JsValue {
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap()
}

/// The `status` of a `{ status, body }` result.
pub fn status(result: &JsValue) -> u16 {
    field(result, "status").as_f64().unwrap_or(0.0) as u16
}

/// Shifts the page's clock for as long as it lives (restored on drop, also when a test fails).
#[derive(Debug)]
pub struct ShiftedClock;

impl ShiftedClock {
    /// `Date.now()` says `ms` more than the real time from now on.
    pub fn by(ms: f64) -> ShiftedClock {
        shift_clock(ms);
        ShiftedClock
    }

    /// Moves the clock `ms` further, as a machine waking from sleep sees it.
    pub fn jump(&self, ms: f64) {
        shift_clock(ms);
    }
}

impl Drop for ShiftedClock {
    fn drop(&mut self) {
        restore_clock();
    }
}

/// Builds the options object of `new AuthClient(options)`.
#[derive(Debug)]
pub struct Opts(Object);

impl Opts {
    /// Options with `baseUrl` set to the test server.
    pub fn new() -> Opts {
        Opts(Object::new()).set("baseUrl", SERVER)
    }

    /// Empty options.
    pub fn empty() -> Opts {
        Opts(Object::new())
    }

    /// Sets one option.
    pub fn set(self, key: &str, value: impl Into<JsValue>) -> Opts {
        Reflect::set(&self.0, &JsValue::from_str(key), &value.into()).unwrap();
        self
    }

    /// `new AuthClient(options)`, errors included.
    pub fn try_build(self) -> Result<AuthClient, JsValue> {
        AuthClient::new(Some(JsValue::from(self.0).unchecked_into()))
    }

    /// `new AuthClient(options)` as the JS object an application holds.
    pub fn build(self) -> JsValue {
        JsValue::from(self.try_build().expect("valid options"))
    }
}

/// Calls a JS method on `target` with `args`; `Err` holds what it threw.
pub fn try_invoke(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let function: js_sys::Function = Reflect::get(target, &method.into()).unwrap().unchecked_into();
    function.apply(target, &args.iter().collect::<js_sys::Array>())
}

/// Calls a JS method on `target` with `args`; it must not throw.
pub fn invoke(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    try_invoke(target, method, args).unwrap()
}
