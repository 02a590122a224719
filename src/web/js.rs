//! Small helpers over JS values: errors, property reads, the global `fetch`, time and URLs.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

use gloo_timers::callback::Timeout;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Request, Url};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, whether the global is a window or a worker.
    #[wasm_bindgen(js_name = fetch)]
    pub(crate) fn global_fetch(request: &Request) -> Promise;

    /// `String(value)`, as `fetch` applies to an input that is neither a string nor a Request.
    #[wasm_bindgen(js_name = String, catch)]
    pub(crate) fn js_string(value: &JsValue) -> Result<String, JsValue>;
}

/// A `TypeError` with a fixed message.
pub(crate) fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// A `RangeError` with a fixed message.
pub(crate) fn range_error(message: &str) -> JsValue {
    js_sys::RangeError::new(message).into()
}

/// Sets each `(key, value)` on `object`.
pub(crate) fn set_all(object: &Object, fields: &[(&str, JsValue)]) {
    for (key, value) in fields {
        let _ = Reflect::set(object, &JsValue::from_str(key), value);
    }
}

/// A plain object with the given properties.
pub(crate) fn object(fields: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    set_all(&object, fields);
    object
}

/// `object[key]`; a throwing getter or a non-object reads as `undefined`.
pub(crate) fn get(object: &JsValue, key: &str) -> JsValue {
    if !object.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The page's (or worker's) URL, when the global has a `location`.
pub(crate) fn page_href() -> Option<String> {
    get(&get(&js_sys::global(), "location"), "href").as_string()
}

/// Resolves `url` against `base` (or takes it as absolute) the way `new URL(url, base)` does.
pub(crate) fn resolve_url(url: &str, base: Option<&str>) -> Result<Url, JsValue> {
    match base {
        Some(base) => Url::new_with_base(url, base),
        None => Url::new(url),
    }
}

/// The origin of an absolute URL (`"null"` for opaque ones), or `None` when it does not parse.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    Url::new(url).ok().map(|u| u.origin())
}

/// Calls an application-supplied function; its exceptions are reported, never propagated.
pub(crate) fn call_quietly(function: &Function, argument: &JsValue, what: &str) {
    if let Err(error) = function.call1(&JsValue::UNDEFINED, argument) {
        web_sys::console::error_2(&JsValue::from_str(what), &error);
    }
}

/// Runs `future` against `other`; `None` when `other` finishes first.
async fn first_of<F: Future, G: Future>(future: F, other: G) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut other = pin!(other);
    poll_fn(|cx| {
        if let Poll::Ready(value) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(value));
        }
        if other.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// Resolves after `ms`; dropping the future cancels the timer.
pub(crate) async fn sleep(ms: u32) {
    let mut timer = None;
    let elapsed = Promise::new(&mut |resolve, _reject| {
        timer = Some(Timeout::new(ms, move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }));
    });
    let _ = JsFuture::from(elapsed).await;
    drop(timer);
}

/// `future`'s output, or `None` when `ms` pass first. The timer is cancelled either way.
pub(crate) async fn within<F: Future>(future: F, ms: u32) -> Option<F::Output> {
    first_of(future, sleep(ms)).await
}

/// `future`'s output, or the signal's abort reason as soon as it aborts (as `fetch` rejects).
/// Only this caller stops waiting: the work behind `future` goes on for others.
pub(crate) async fn unless_aborted<F: Future>(future: F, signal: &AbortSignal) -> Result<F::Output, JsValue> {
    if signal.aborted() {
        return Err(signal.reason());
    }
    let mut listener: Option<Closure<dyn FnMut()>> = None;
    let aborted = Promise::new(&mut |resolve, _reject| {
        let closure = Closure::once(move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        let _ = signal.add_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
        listener = Some(closure);
    });
    let result = first_of(future, JsFuture::from(aborted)).await;
    if let Some(closure) = listener {
        let _ = signal.remove_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
    }
    result.ok_or_else(|| signal.reason())
}
