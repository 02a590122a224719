//! Requests and responses: building a `Request` the way `fetch` does (synchronously, resolving
//! against a base URL), sending it through the global `fetch`, and reading what the engine needs
//! of a response. Everything goes through [`host`](crate::web::host)'s four operations.

use alloc::string::String;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::web::host::{construct, get, global, global_call, invoke, static_call};

const NONE: JsValue = JsValue::UNDEFINED;

/// Sends `request` through the global `fetch`; a rejection (the network's `TypeError`, an
/// `AbortError`) comes back unchanged.
pub(crate) async fn send(request: &JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(global_call("fetch", request, &NONE)?.unchecked_into::<Promise>()).await
}

/// `new Request(input, init)` with a string or `URL` input resolved against `base` (when given):
/// built at once, so a `Request` input's body is used and a `Headers` object is read now.
pub(crate) fn new_request(input: &JsValue, init: &JsValue, base: Option<&str>) -> Result<JsValue, JsValue> {
    // `input instanceof Request`, through the operations every other call uses.
    let prototype = get(&get(&global(), "Request"), "prototype");
    if invoke(&prototype, "isPrototypeOf", input, &NONE)?.as_bool() == Some(true) {
        return construct("Request", input, init);
    }
    // `fetch` applies `String()` to anything that is not a Request.
    let text = if input.is_string() { input.clone() } else { global_call("String", input, &NONE)? };
    let base = base.map_or(NONE, JsValue::from_str);
    construct("Request", &get(&construct("URL", &text, &base)?, "href"), init)
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

/// Reads a response's status and the headers that matter.
pub(crate) fn head(response: &JsValue) -> ResponseHead {
    let headers = get(response, "headers");
    ResponseHead {
        status: get(response, "status").as_f64().unwrap_or(0.0) as u16,
        www_authenticate: header(&headers, "WWW-Authenticate"),
        date_ms: header(&headers, "Date")
            .and_then(|date| static_call("Date", "parse", &JsValue::from_str(&date)).ok()?.as_f64())
            .filter(|ms| ms.is_finite()),
        age: header(&headers, "Age").is_some(),
    }
}

/// Frees a response's connection instead of waiting for the garbage collector.
pub(crate) fn discard(response: &JsValue) {
    let body = get(response, "body");
    if body.is_object() {
        let _ = invoke(&body, "cancel", &NONE, &NONE);
    }
}
