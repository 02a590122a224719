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

/// The devserver's API (www/shared/devserver.js, shared with the demos and the Node scripts).
#[wasm_bindgen(module = "/www/shared/devserver.js")]
extern "C" {
    #[wasm_bindgen(js_name = uniqueNs)]
    fn unique_ns(name: &str) -> String;
    #[wasm_bindgen(js_name = mintToken)]
    async fn mint_token(origin: &str, ns: &str, ttl: i32) -> JsValue;
    #[wasm_bindgen(js_name = control)]
    pub async fn control_at(origin: &str, path: &str) -> JsValue;
    #[wasm_bindgen(js_name = stats)]
    pub async fn stats_at(origin: &str, ns: &str) -> JsValue;
    #[wasm_bindgen(js_name = tokenCallback)]
    fn token_callback_with(origin: &str, ns: &str, options: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = oauthLogin)]
    async fn oauth_login_with(origin: &str, ns: &str, options: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = oauthToken)]
    async fn oauth_token_with(origin: &str, refresh_token: &JsValue, options: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = oauthCallback)]
    fn oauth_callback_with(origin: &str, session: &JsValue, options: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = enableDpop)]
    async fn enable_dpop_with(origin: &str, ns: &str, options: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = dpopLog)]
    async fn dpop_log_at(origin: &str, ns: &str) -> JsValue;
    #[wasm_bindgen(js_name = issueDpopToken)]
    async fn issue_dpop_token_with(origin: &str, ns: &str, ttl: i32, options: &JsValue) -> JsValue;
}

/// The DPoP side of the JS toolkit (tests/support/harness.js): proofs decoded and verified, a
/// key of the test's own, the client's stored key read back, host features hidden or refusing.
#[wasm_bindgen(module = "/tests/support/harness.js")]
extern "C" {
    /// A proof's `{ header, claims, signatureBytes }` (unverified), or null.
    #[wasm_bindgen(js_name = decodeJws)]
    pub fn decode_jws(jws: &JsValue) -> JsValue;
    /// Whether a proof's signature verifies with the `jwk` of its own header.
    #[wasm_bindgen(js_name = proofVerifies)]
    pub async fn proof_verifies(jws: &JsValue) -> JsValue;
    /// A proof signed with a key of the test's own: `{ proof, thumbprint }`.
    #[wasm_bindgen(js_name = foreignProof)]
    pub async fn foreign_proof(htm: &str, htu: &str, nonce: &JsValue, token: &JsValue) -> JsValue;
    /// A copied token sent with plain fetch: `{ status, body, wwwAuthenticate }`.
    #[wasm_bindgen(js_name = replayToken)]
    pub async fn replay_token(url: &str, scheme: &str, token: &JsValue, proof: &JsValue) -> JsValue;
    /// RFC 7638 thumbprint of the key the client stored for a channel, or null.
    #[wasm_bindgen(js_name = storedThumbprint)]
    pub async fn stored_thumbprint(channel: &str) -> JsValue;
    /// What exporting the stored private key does: `{ found, extractable, type, usages, jwk, pkcs8 }`.
    #[wasm_bindgen(js_name = exportStoredPrivateKey)]
    pub async fn export_stored_private_key(channel: &str) -> JsValue;
    #[wasm_bindgen(js_name = hideIndexedDb)]
    pub fn hide_indexed_db();
    #[wasm_bindgen(js_name = refuseIndexedDbPut)]
    pub fn refuse_indexed_db_put();
    #[wasm_bindgen(js_name = hideSubtle)]
    pub fn hide_subtle();
    #[wasm_bindgen(js_name = hasSubtle)]
    pub fn has_subtle() -> bool;
    #[wasm_bindgen(js_name = unshadowAll)]
    pub fn unshadow_all();
    /// Replaces every `DPoP-Nonce` the page gets by `"repeat-1"` ("fixed") or a new one each time
    /// ("fresh"), up to `cap` times; returns the state `replaced_nonces` reads.
    #[wasm_bindgen(js_name = fakeNonces)]
    pub fn fake_nonces(mode: &str, cap: u32) -> JsValue;
    #[wasm_bindgen(js_name = replacedNonces)]
    pub fn replaced_nonces(state: &JsValue) -> u32;
    /// `/oauth/login` through the client with `auth: "proof"`: a session bound to its key.
    #[wasm_bindgen(js_name = proofLogin)]
    pub async fn proof_login(client: &JsValue, origin: &str, ns: &str, ttl: i32) -> JsValue;
    /// An `onTokenExpired` redeeming the session's refresh token with `auth: "proof"`.
    #[wasm_bindgen(js_name = proofGrantCallback)]
    pub fn proof_grant_callback(origin: &str, session: &JsValue, ttl: i32) -> JsValue;
    #[wasm_bindgen(js_name = useClient)]
    pub fn use_client(callback: &JsValue, client: &JsValue);
    #[wasm_bindgen(js_name = useSession)]
    pub fn use_session(callback: &JsValue, session: &JsValue);
    #[wasm_bindgen(js_name = lastToken)]
    pub fn last_token(callback: &JsValue) -> JsValue;
    /// `n` proofs from `dpopProof`: `{ count, distinct, shortestJtiBytes, firstVerifies }`.
    #[wasm_bindgen(js_name = manyProofs)]
    pub async fn many_proofs(client: &JsValue, method: &str, url: &str, n: u32) -> JsValue;
    /// A DPoP log's entries as `"<endpoint> <METHOD> <origin><route> <accepted|reason>"` lines.
    #[wasm_bindgen(js_name = dpopOutcomes)]
    pub fn dpop_outcomes(log: &JsValue) -> String;
    /// How many entries of a DPoP log for `origin` (any, when empty) were refused for `reason`.
    #[wasm_bindgen(js_name = dpopRefusals)]
    pub fn dpop_refusals(log: &JsValue, origin: &str, reason: &str) -> u32;
    /// The largest |iat - serverTime| of a DPoP log's proofs, in seconds.
    #[wasm_bindgen(js_name = largestIatGap)]
    pub fn largest_iat_gap(log: &JsValue) -> f64;
    #[wasm_bindgen(js_name = eventsText)]
    pub fn events_text(recorder: &JsValue) -> String;
    #[wasm_bindgen(js_name = sha256Base64url)]
    pub async fn sha256_base64url(text: &JsValue) -> JsValue;
}

/// Turns DPoP mode on for `ns`: bound tokens, strict proofs, nonces required.
pub async fn enable_dpop(ns: &str) {
    enable_dpop_with(SERVER, ns, &JsValue::UNDEFINED).await;
}

/// What the DPoP checks of `ns` saw: `{ entries, nonces, keys, counts, .. }`.
pub async fn dpop_log(ns: &str) -> JsValue {
    dpop_log_at(SERVER, ns).await
}

/// An access token of `ns` bound to the key `jkt` (the authorization request's `dpop_jkt`), as a
/// JS string.
pub async fn bound_token(ns: &str, ttl: i32, jkt: &str) -> JsValue {
    let body = issue_dpop_token_with(SERVER, ns, ttl, &object(&[("dpopJkt", jkt.into())])).await;
    field(&body, "access_token")
}

/// A token body `{ access_token, token_type: "Bearer", .. }` of `ns` in DPoP mode: a token the
/// server did not bind.
pub async fn bearer_token_body(ns: &str, ttl: i32) -> JsValue {
    issue_dpop_token_with(SERVER, ns, ttl, &object(&[("bearer", true.into())])).await
}

/// `client.dpopThumbprint()`.
pub async fn thumbprint(client: &JsValue) -> String {
    settle(invoke(client, "dpopThumbprint", &[]).unchecked_into()).await.as_string().unwrap_or_default()
}

/// `client.dpopProof(method, url)`: the proof, or what it rejected with.
pub async fn try_proof(client: &JsValue, method: &str, url: &str) -> Result<JsValue, JsValue> {
    let promise: js_sys::Promise = try_invoke(client, "dpopProof", &[method.into(), url.into()])?.unchecked_into();
    wasm_bindgen_futures::JsFuture::from(promise).await
}

/// The JS toolkit of the tests (tests/support/harness.js).
#[wasm_bindgen(module = "/tests/support/harness.js")]
extern "C" {
    fn track(client: &JsValue);
    fn release(client: &JsValue);
    /// How many clients made through [`Opts::build`] are alive.
    #[wasm_bindgen(js_name = liveClients)]
    pub fn live_clients() -> u32;
    #[wasm_bindgen(js_name = afterPanic)]
    fn after_panic();
    #[wasm_bindgen(js_name = serverAnswers)]
    fn server_answers(url: &str) -> bool;
    #[wasm_bindgen(js_name = fixedCallback)]
    pub fn fixed_callback(kind: &str) -> JsValue;
    pub fn calls(callback: &JsValue) -> u32;
    pub fn returning(value: &JsValue) -> JsValue;
    /// Wraps a callback answering a token body: adds `fields` to its answer and keeps the claims of
    /// the last JWT it answered in `lastClaims`.
    #[wasm_bindgen(js_name = withFields)]
    pub fn with_fields(callback: &JsValue, fields: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = jwtClaims)]
    pub fn jwt_claims(token: &JsValue) -> JsValue;
    pub fn recorder() -> JsValue;
    pub fn events(recorder: &JsValue) -> js_sys::Array;
    #[wasm_bindgen(js_name = eventTypes)]
    pub fn event_types(recorder: &JsValue) -> String;
    /// Shortest time (ms) from `since` to the first event of `kind`, or between two of them.
    #[wasm_bindgen(js_name = shortestGap)]
    pub fn shortest_gap(recorder: &JsValue, kind: &str, since: f64) -> f64;
    /// The real time (ms since the epoch), however the test shifted `Date.now()`.
    #[wasm_bindgen(js_name = realTime)]
    pub fn real_time() -> f64;
    #[wasm_bindgen(js_name = countEvents)]
    pub fn count_events(recorder: &JsValue, kind: &str) -> u32;
    #[wasm_bindgen(js_name = throwingSink)]
    pub fn throwing_sink() -> JsValue;
    #[wasm_bindgen(js_name = refreshesNeverOverlap)]
    pub fn refreshes_never_overlap(recorder: &JsValue) -> bool;
    #[wasm_bindgen(js_name = failureReasons)]
    pub fn failure_reasons(recorders: &js_sys::Array) -> String;
    pub async fn call(client: &JsValue, input: &JsValue, init: &JsValue) -> JsValue;
    /// Like `call`, but starts at once (a Rust `async fn` would wait until polled).
    #[wasm_bindgen(js_name = call)]
    pub fn start_call(client: &JsValue, input: &JsValue, init: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = callMany)]
    pub async fn call_many(client: &JsValue, url: &str, n: u32) -> JsValue;
    /// Like `call_many`, but starts at once.
    #[wasm_bindgen(js_name = callMany)]
    pub fn start_call_many(client: &JsValue, url: &str, n: u32) -> js_sys::Promise;
    /// GET `path` every `every_ms` for `duration_ms`: `{ sent, statuses, rejected }`.
    pub async fn steady(client: &JsValue, path: &str, every_ms: u32, duration_ms: u32) -> JsValue;
    pub async fn storm(clients: &js_sys::Array, per_client: u32, path: &str, deadline_ms: u32) -> JsValue;
    pub async fn rejection(promise: &js_sys::Promise) -> JsValue;
    /// Microtask turns between calling `client.fetch(input, init)` (the global `fetch` for
    /// `null`) and seeing its promise settled.
    #[wasm_bindgen(js_name = turnsToSettle)]
    pub async fn turns_to_settle(client: &JsValue, input: &JsValue, init: &JsValue) -> JsValue;
    /// `client.fetch(...args)` (the global `fetch` for `null`): `{ threw, resolved, value, error, name, isTypeError }`.
    #[wasm_bindgen(js_name = settleOf)]
    pub async fn settle_of(client: &JsValue, args: &js_sys::Array) -> JsValue;
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
    /// `{ init: { headers }, headers }` with a live `Headers` object built from `pairs`.
    #[wasm_bindgen(js_name = initWithHeaders)]
    pub fn init_with_headers(pairs: &JsValue) -> JsValue;
    /// Whether a stream body is locked right after `fetch` / `client.fetch` returns: `{ global, client }`.
    #[wasm_bindgen(js_name = streamLockedOnReturn)]
    pub async fn stream_locked_on_return(client: &JsValue, url: &str) -> JsValue;
    #[wasm_bindgen(js_name = isInstance)]
    pub fn is_instance(value: &JsValue, class: &str) -> bool;
    #[wasm_bindgen(js_name = recordConsole)]
    pub fn record_console() -> JsValue;
    #[wasm_bindgen(js_name = stopConsole)]
    pub fn stop_console(lines: &JsValue) -> String;
    pub fn describe(value: &JsValue) -> String;
    #[wasm_bindgen(js_name = memoryContains)]
    pub fn memory_contains(memory: &JsValue, text: &JsValue) -> bool;
    #[wasm_bindgen(js_name = fakeJwt)]
    pub fn fake_jwt(claims_json: &str) -> JsValue;
    #[wasm_bindgen(js_name = bigString)]
    pub fn big_string(n: u32) -> JsValue;
    #[wasm_bindgen(js_name = lastSegment)]
    pub fn last_segment(token: &JsValue) -> JsValue;
    /// `String(value)`.
    #[wasm_bindgen(js_name = valueText)]
    pub fn value_text(value: &JsValue) -> String;
    #[wasm_bindgen(js_name = shiftClock)]
    fn shift_clock(ms: f64);
    #[wasm_bindgen(js_name = restoreClock)]
    fn restore_clock();
    #[wasm_bindgen(js_name = clockShift)]
    fn clock_shift() -> f64;
    #[wasm_bindgen(js_name = fakeJwtExpiringIn)]
    pub fn fake_jwt_expiring_in(seconds: i32) -> JsValue;
    /// An unsigned JWT issued `age` seconds ago, expiring `remaining` seconds from now.
    #[wasm_bindgen(js_name = fakeJwtLived)]
    pub fn fake_jwt_lived(age: i32, remaining: i32) -> JsValue;
    #[wasm_bindgen(js_name = dispatchVisibilityChange)]
    pub fn dispatch_visibility_change();
}

/// A fresh namespace on the server: counters, revocations and faults of its own. Every test that
/// needs the server starts here, so a missing server fails each of them at once, saying how to
/// start it.
pub fn ns(name: &str) -> String {
    clean_up_after_panics();
    require_server();
    unique_ns(name)
}

/// Panics with how to start the devserver when it does not answer at [`SERVER`] (checked once per
/// test binary; every later test fails just as fast).
fn require_server() {
    thread_local!(static ANSWERS: std::cell::OnceCell<bool> = const { std::cell::OnceCell::new() });
    let answers = ANSWERS.with(|answers| *answers.get_or_init(|| server_answers(&format!("{SERVER}/health"))));
    assert!(
        answers,
        "no tokenfetch-devserver answers at {SERVER}: start it with `cargo devserver` in the repository \
         root (a second terminal), then run the tests again; to use another address, start it with \
         `cargo run -p tokenfetch-devserver -- --port N --other-port M` and build the tests with \
         TOKENFETCH_TEST_SERVER=http://127.0.0.1:N TOKENFETCH_TEST_OTHER_ORIGIN=http://127.0.0.1:M"
    );
}

/// A token for `ns` as a JS string: it never enters wasm memory through the test itself.
pub async fn js_token(ns: &str, ttl: i32) -> JsValue {
    mint_token(SERVER, ns, ttl).await
}

/// A token for `ns` living `ttl` seconds (negative: already expired).
pub async fn token(ns: &str, ttl: i32) -> String {
    mint_token(SERVER, ns, ttl).await.as_string().unwrap_or_default()
}

/// POSTs to a control route of the test server.
pub async fn control(path: &str) -> JsValue {
    control_at(SERVER, path).await
}

/// Revokes every token of `ns` issued so far.
pub async fn revoke(ns: &str) {
    control(&format!("/control/revoke?ns={ns}")).await;
}

/// The server's counters for `ns` (`GET /control/stats`).
pub async fn stats(ns: &str) -> JsValue {
    stats_at(SERVER, ns).await
}

/// A number from the server's counters for `ns`.
pub async fn stat(ns: &str, name: &str) -> f64 {
    field(&stats(ns).await, name).as_f64().unwrap_or(f64::NAN)
}

/// A plain object from `(key, value)` pairs.
pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        Reflect::set(&object, &JsValue::from_str(key), value).unwrap();
    }
    object.into()
}

/// An `onTokenExpired` minting a token of `ns` on `origin` (`fn.calls` counts): `ttl` seconds,
/// answered after `delay_ms`, as the token (`"string"`) or the whole body (`"object"`).
pub fn token_callback(origin: &str, ns: &str, ttl: i32, delay_ms: u32, shape: &str) -> JsValue {
    let options = object(&[("ttl", ttl.into()), ("delayMs", delay_ms.into()), ("shape", shape.into())]);
    token_callback_with(origin, ns, &options)
}

/// Opens an OAuth-style session of `ns` (`/oauth/login`) whose access tokens live `ttl` seconds
/// and whose refresh tokens rotate with no reuse tolerance: `{ access_token, refresh_token, .. }`.
pub async fn oauth_login(ns: &str, ttl: i32) -> JsValue {
    oauth_login_with(SERVER, ns, &object(&[("ttl", ttl.into())])).await
}

/// Redeems `refresh_token` at `/oauth/token` (what a second party holding it would do).
pub async fn oauth_token(refresh_token: &JsValue) -> JsValue {
    oauth_token_with(SERVER, refresh_token, &JsValue::UNDEFINED).await
}

/// An `onTokenExpired` doing refresh-token rotation for `session` at `/oauth/token` (new access
/// tokens live `ttl` seconds, each grant answered after `delay_ms`); `false` on `invalid_grant`.
pub fn oauth_callback(session: &JsValue, ttl: i32, delay_ms: u32) -> JsValue {
    oauth_callback_with(SERVER, session, &object(&[("ttl", ttl.into()), ("delayMs", delay_ms.into())]))
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

/// wasm32 aborts on a panic: no destructor runs, so a failed test would leave its clients running
/// and the clock shifted for the tests after it. A panic hook (chained before the test runner's)
/// undoes both.
/// Installed by the harness's first call in a test binary (every test makes a namespace, options
/// or a clock before it can fail). After a panic the wasm instance stays "panicking" (the trap
/// skipped the unwinding that would reset it) and the hook can no longer be set: then it is not.
fn clean_up_after_panics() {
    thread_local!(static INSTALLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if std::thread::panicking() || INSTALLED.with(|installed| installed.replace(true)) {
        return;
    }
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        after_panic();
    }));
}

/// Shifts the page's clock for as long as it lives (restored on drop, also when the test panics).
#[derive(Debug)]
pub struct ShiftedClock;

impl ShiftedClock {
    /// `Date.now()` says `ms` more than the real time from now on.
    pub fn by(ms: f64) -> ShiftedClock {
        clean_up_after_panics();
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

/// An `AuthClient` a test holds, as the JS object an application holds: `free()`d when dropped
/// (its timer, listeners and token go with it), so no client outlives its test. Derefs to the
/// JS object for `client.fetch` and the getters. A test that panics gets its clients freed by the
/// panic hook instead.
pub struct Client {
    object: JsValue,
    freed: std::cell::Cell<bool>,
}

impl Client {
    /// Holds a client made from Rust (`AuthClient::new`).
    pub fn hold(client: AuthClient) -> Client {
        clean_up_after_panics();
        let object = JsValue::from(client);
        track(&object);
        Client { object, freed: std::cell::Cell::new(false) }
    }

    /// `client.free()` now, as an application would; dropping it later does nothing more.
    pub fn free(&self) {
        if !self.freed.replace(true) {
            release(&self.object);
        }
    }
}

impl std::ops::Deref for Client {
    type Target = JsValue;
    fn deref(&self) -> &JsValue {
        &self.object
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.object.fmt(f)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.free();
    }
}

/// The JS objects of `clients`, for helpers that take an array of clients.
pub fn array_of(clients: &[Client]) -> js_sys::Array {
    clients.iter().map(|client| -> &JsValue { client }).collect()
}

/// Builds the options object of `new AuthClient(options)`.
#[derive(Debug)]
pub struct Opts(Object);

impl Opts {
    /// Options with `baseUrl` set to the test server.
    pub fn new() -> Opts {
        Opts::empty().set("baseUrl", SERVER)
    }

    /// Empty options.
    pub fn empty() -> Opts {
        clean_up_after_panics();
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

    /// `new AuthClient(options)` as the JS object an application holds, freed when dropped.
    pub fn build(self) -> Client {
        Client::hold(self.try_build().expect("valid options"))
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
