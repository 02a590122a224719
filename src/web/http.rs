//! Requests and responses: building a `Request` the way `fetch` does (synchronously, resolving
//! against a base URL), sending it through the global `fetch`, and reading what the engine needs
//! of a response.

use alloc::string::String;
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response, Url};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, whether the global is a window, a worker or Node.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &Request) -> Promise;

    /// `String(value)`, as `fetch` applies to an input that is neither a string nor a Request.
    #[wasm_bindgen(js_name = String, catch)]
    fn js_string(value: &JsValue) -> Result<String, JsValue>;
}

/// Sends `request`; a rejection (the network's `TypeError`, an `AbortError`) comes back unchanged.
pub(crate) async fn send(request: &Request) -> Result<Response, JsValue> {
    JsFuture::from(global_fetch(request)).await.map(JsCast::unchecked_into)
}

/// `new Request(input, init)` with a string or `URL` input resolved against `base` (when given):
/// built at once, so a `Request` input's body is used and a `Headers` object is read now.
pub(crate) fn new_request(input: &JsValue, init: &RequestInit, base: Option<&str>) -> Result<Request, JsValue> {
    if let Some(request) = input.dyn_ref::<Request>() {
        return Request::new_with_request_and_init(request, init);
    }
    let text = match input.as_string() {
        Some(text) => text,
        None => js_string(input)?,
    };
    let url = match base {
        Some(base) => Url::new_with_base(&text, base)?,
        None => Url::new(&text)?,
    };
    Request::new_with_str_and_init(&url.href(), init)
}

/// The serialized origin of an absolute URL (`"null"` for opaque ones), or `None`.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    Url::new(url).ok().map(|url| url.origin())
}

/// `url` resolved against `base`, as `new URL(url, base).href`.
pub(crate) fn resolve(url: &str, base: Option<&str>) -> Option<String> {
    match base {
        Some(base) => Url::new_with_base(url, base),
        None => Url::new(url),
    }
    .ok()
    .map(|url| url.href())
}

/// What the engine needs of a response.
#[derive(Debug, Default)]
pub(crate) struct ResponseHead {
    pub(crate) status: u16,
    pub(crate) www_authenticate: Option<String>,
    pub(crate) date: Option<String>,
    pub(crate) age: bool,
}

/// Reads a response's status and the headers that matter.
pub(crate) fn head(response: &Response) -> ResponseHead {
    let headers = response.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    ResponseHead {
        status: response.status(),
        www_authenticate: header("WWW-Authenticate"),
        date: header("Date"),
        age: header("Age").is_some(),
    }
}

/// Frees a response's connection instead of waiting for the garbage collector.
pub(crate) fn discard(response: &Response) {
    if let Some(body) = response.body() {
        let _ = body.cancel();
    }
}
