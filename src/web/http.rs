//! Requests and responses: building a `Request` the way `fetch` does (synchronously, resolving
//! against a base URL), sending it through the global `fetch`, and reading what the engine needs
//! of a response. Everything goes through [`host`](crate::web::host)'s four operations.

use alloc::string::String;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::web::host::{construct, get, global, global_call, invoke, static_call};

const NONE: JsValue = JsValue::UNDEFINED;

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
        return construct("Request", input, init);
    };
    // `input instanceof Request`, through the operations every other call uses.
    let prototype = get(&get(&global(), "Request"), "prototype");
    if invoke(&prototype, "isPrototypeOf", input, &NONE)?.as_bool() == Some(true) {
        return construct("Request", input, init);
    }
    // `fetch` applies `String()` to anything that is not a Request.
    let text = if input.is_string() { input.clone() } else { global_call("String", input, &NONE)? };
    construct("Request", &get(&construct("URL", &text, &JsValue::from_str(base))?, "href"), init)
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
/// that `challenged` says may ask for a new token, `Age` only beside a `Date`.
pub(crate) fn head(response: &JsValue, challenged: impl FnOnce(u16) -> bool) -> ResponseHead {
    let headers = get(response, "headers");
    let status = get(response, "status").as_f64().unwrap_or(0.0) as u16;
    let date = invoke(&headers, "get", &JsValue::from_str("Date"), &NONE).unwrap_or(JsValue::NULL);
    let date_ms =
        if date.is_null() { None } else { static_call("Date", "parse", &date).ok().and_then(|ms| ms.as_f64()) };
    ResponseHead {
        status,
        www_authenticate: if challenged(status) { header(&headers, "WWW-Authenticate") } else { None },
        date_ms: date_ms.filter(|ms| ms.is_finite()),
        age: date_ms.is_some() && header(&headers, "Age").is_some(),
    }
}

/// Frees a response's connection instead of waiting for the garbage collector.
pub(crate) fn discard(response: &JsValue) {
    let body = get(response, "body");
    if body.is_object() {
        let _ = invoke(&body, "cancel", &NONE, &NONE);
    }
}
