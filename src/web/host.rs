//! What the host (a browser window, a worker, Node) offers, read without assuming any of it:
//! the clock, randomness, the page's URL, properties of JS values, and JS's number parser.

use alloc::string::String;
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Milliseconds since the epoch.
pub(crate) fn now() -> f64 {
    js_sys::Date::now()
}

/// 53 random bits (seeds the per-token jitter and the tab id; nothing secret).
pub(crate) fn random_seed() -> u64 {
    (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64
}

/// `object[key]`; a throwing getter or a non-object reads as `undefined`.
pub(crate) fn get(object: &JsValue, key: &str) -> JsValue {
    if !object.is_object() && !object.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `object[key] = value` on an object this crate made.
pub(crate) fn set(object: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// The global object (`globalThis`). js-sys's lookup, which its futures use anyway.
pub(crate) fn global() -> JsValue {
    js_sys::global().into()
}

/// The page's (or worker's) URL, when the global has a `location` (Node has none).
pub(crate) fn page_href() -> Option<String> {
    get(&get(&global(), "location"), "href").as_string()
}

/// Whether the page is shown (true where there is no document).
pub(crate) fn page_visible() -> bool {
    get(&get(&global(), "document"), "visibilityState").as_string().as_deref() != Some("hidden")
}

/// The value of a number literal the engine has already checked, by JS's own parser (correctly
/// rounded, and no float-parsing tables in the wasm).
pub(crate) fn parse_number(literal: &str) -> Option<f64> {
    let value = js_sys::Number::parse_float(literal);
    (!value.is_nan()).then_some(value)
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// A `setTimeout` that is cleared when dropped.
#[derive(Debug)]
pub(crate) struct Timeout {
    id: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    /// Calls `callback` once after `ms`.
    pub(crate) fn new(ms: u32, callback: impl FnOnce() + 'static) -> Timeout {
        let callback = Closure::once(callback);
        let id = set_timeout(callback.as_ref().unchecked_ref(), f64::from(ms));
        Timeout { id, _callback: callback }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}
