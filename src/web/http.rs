//! Requests and responses: building a `Request` the way `fetch` does (synchronously, resolving
//! against a base URL), sending it through the global `fetch`, and reading what the engine needs
//! of a response. The per-request work is one call each into `requests.js`; the rest goes through
//! [`host`](crate::web::host)'s four operations.

use alloc::string::String;

use js_sys::Promise;
use tokenfetch_engine::dpop::Proof;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::web::host::{construct, get, global, global_call, invoke};

const NONE: JsValue = JsValue::UNDEFINED;

// The per-request host work, one call each (requests.js says why it is JS).
#[wasm_bindgen(module = "/src/web/requests.js")]
extern "C" {
    #[wasm_bindgen(js_name = request, catch)]
    fn js_request(input: &JsValue, init: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = target)]
    fn js_target(request: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = send, catch)]
    fn js_send(pristine: &JsValue, authorization: Option<&str>, on_response: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_name = head)]
    fn js_head(response: &JsValue) -> f64;
    #[wasm_bindgen(js_name = sendWithProof, catch)]
    fn js_send_with_proof(
        pristine: &JsValue,
        authorization: Option<&str>,
        to: Option<&str>,
        ring: &JsValue,
        htm: &str,
        htu: &str,
        iat: f64,
        nonce: Option<&str>,
        ath: bool,
        on_response: &JsValue,
    ) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_name = nonce)]
    fn js_nonce(response: &JsValue) -> Option<String>;
    #[wasm_bindgen(js_name = redirectedTo)]
    fn js_redirected_to(response: &JsValue) -> Option<String>;
    #[wasm_bindgen(js_name = errorCode)]
    fn js_error_code(response: &JsValue) -> Promise;
}

/// What a new request tells the engine before it decides whether the request gets the token.
#[derive(Debug)]
pub(crate) enum Target {
    /// Its signal is already aborted: nothing is sent.
    Aborted,
    /// It carries an `Authorization` of its own, sent as given.
    OwnAuthorization,
    /// Its URL, resolved.
    Url(String),
}

/// Reads [`Target`] of a `Request`.
pub(crate) fn target(request: &JsValue) -> Target {
    let target = js_target(request);
    match target.as_string() {
        Some(url) => Target::Url(url),
        None if target.is_null() => Target::OwnAuthorization,
        None => Target::Aborted,
    }
}

/// Sends `pristine` (a copy of it when it has a body, so that the body replays) through the
/// global `fetch` as it is now, with `authorization` as its `Authorization` (none without one),
/// and hands the response to `on_response`; the promise is the one `then` returns. What
/// building the request throws is the `Err`.
pub(crate) fn send_pristine(
    pristine: &JsValue,
    authorization: Option<&str>,
    on_response: &JsValue,
) -> Result<Promise, JsValue> {
    js_send(pristine, authorization, on_response)
}

/// [`send_pristine`] with a DPoP proof of `proof`'s claims made with `ring`'s key, to `to` when a
/// redirect resend moved the request; without `authorization` the caller's headers stay as given.
pub(crate) fn send_with_proof(
    pristine: &JsValue,
    authorization: Option<&str>,
    to: Option<&str>,
    ring: &JsValue,
    proof: &Proof,
    on_response: &JsValue,
) -> Result<Promise, JsValue> {
    let nonce = proof.nonce.as_deref();
    let iat = proof.iat as f64;
    js_send_with_proof(pristine, authorization, to, ring, &proof.htm, &proof.htu, iat, nonce, proof.ath, on_response)
}

/// What DPoP needs of a response: its `DPoP-Nonce`, and for a 401 the URL that answered when a
/// redirect led there.
pub(crate) fn dpop_head(response: &JsValue, status: u16) -> (Option<String>, Option<String>) {
    (js_nonce(response), if status == 401 { js_redirected_to(response) } else { None })
}

/// The promise of the `error` member of a response's JSON body (`undefined` when there is none).
pub(crate) fn error_code(response: &JsValue) -> Promise {
    js_error_code(response)
}

/// Sends `request` through the global `fetch`; what the promise rejects with (the network's
/// `TypeError`, an `AbortError`) reaches the caller unchanged.
pub(crate) fn send(request: &JsValue) -> Result<Promise, JsValue> {
    Ok(global_call("fetch", request, &NONE)?.unchecked_into())
}

/// `new Request(input, init)`, built at once (a `Request` input's body is used and a `Headers`
/// object is read now). Without `base`, a relative URL resolves as `fetch` resolves it (the
/// document's base URL); with it, a string or `URL` input resolves against `base`.
pub(crate) fn new_request(input: &JsValue, init: &JsValue, base: Option<&str>) -> Result<JsValue, JsValue> {
    let Some(base) = base else {
        return js_request(input, init);
    };
    // `input instanceof Request`, through the operations every other call uses.
    let prototype = get(&get(&global(), "Request"), "prototype");
    if invoke(&prototype, "isPrototypeOf", input, &NONE)?.as_bool() == Some(true) {
        return js_request(input, init);
    }
    // `fetch` applies `String()` to anything that is not a Request.
    let text = if input.is_string() { input.clone() } else { global_call("String", input, &NONE)? };
    js_request(&get(&construct("URL", &text, &JsValue::from_str(base))?, "href"), init)
}

/// The serialized origin of an absolute URL (`"null"` for opaque ones), or `None`.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    get(&construct("URL", &JsValue::from_str(url), &NONE).ok()?, "origin").as_string()
}

/// `url` resolved against `base`, as `new URL(url, base).href`.
pub(crate) fn resolve(url: &str, base: Option<&str>) -> Option<String> {
    let base = base.map_or(NONE, JsValue::from_str);
    get(&construct("URL", &JsValue::from_str(url), &base).ok()?, "href").as_string()
}

/// The value of header `name`.
pub(crate) fn header(headers: &JsValue, name: &str) -> Option<String> {
    invoke(headers, "get", &JsValue::from_str(name), &NONE).ok()?.as_string()
}

/// What the engine needs of a response.
#[derive(Debug, Default)]
pub(crate) struct ResponseHead {
    pub(crate) status: u16,
    pub(crate) www_authenticate: Option<String>,
    /// `Date` read by the host's date parser (ms since the epoch).
    pub(crate) date_ms: Option<f64>,
    pub(crate) age: bool,
}

/// Reads a response's status and the headers that matter: `WWW-Authenticate` only for a status
/// whose challenge `challenged` says matters, `Age` only beside a `Date`.
pub(crate) fn head(response: &JsValue, challenged: impl FnOnce(u16) -> bool) -> ResponseHead {
    // `date * 2048 + status * 2 + age`, an integer below 2^53 (requests.js).
    let packed = js_head(response) as u64;
    let status = ((packed >> 1) & 0x3ff) as u16;
    let date = packed >> 11;
    ResponseHead {
        status,
        www_authenticate: if challenged(status) { header(&get(response, "headers"), "WWW-Authenticate") } else { None },
        date_ms: (date > 0).then_some(date as f64),
        age: packed & 1 == 1,
    }
}

/// Frees a response's connection instead of waiting for the garbage collector.
pub(crate) fn discard(response: &JsValue) {
    let body = get(response, "body");
    if body.is_object() {
        let _ = invoke(&body, "cancel", &NONE, &NONE);
    }
}
