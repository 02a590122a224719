//! What the host (a browser window, a worker, Node) offers, reached one way: read a property,
//! set one, call a method, construct a class. One binding each instead of one per getter and
//! method keeps the wasm's imports (and their glue) few; the host's own objects do the work.

use alloc::string::String;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// `object[key]`; a throwing getter or a non-object reads as `undefined`.
pub(crate) fn get(object: &JsValue, key: &str) -> JsValue {
    get_key(object, &JsValue::from_str(key))
}

/// `object[key]` with any key (an array index, say). Checked first rather than caught: a caught
/// exception is slow (tens of µs) and leaks a slot of wasm-bindgen's externref table.
pub(crate) fn get_key(object: &JsValue, key: &JsValue) -> JsValue {
    if !object.is_object() && !object.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(object, key).unwrap_or(JsValue::UNDEFINED)
}

/// `object[key] = value` on an object this crate made.
pub(crate) fn set(object: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// `target[method](a, b)`; what it throws (or a missing method's `TypeError`) is the `Err`.
/// Methods that take fewer arguments ignore the extra `undefined`s.
pub(crate) fn invoke(target: &JsValue, method: &str, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue> {
    call(&get(target, method), target, a, b)
}

/// `function.call(this, a, b)`.
pub(crate) fn call(function: &JsValue, this: &JsValue, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue> {
    function.unchecked_ref::<Function>().call2(this, a, b)
}

/// `new globalThis[class](a, b)`.
pub(crate) fn construct(class: &str, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue> {
    Reflect::construct(get(&global(), class).unchecked_ref::<Function>(), &Array::of2(a, b))
}

/// `globalThis[function](a)`: `fetch`, `String`, `parseFloat`...
pub(crate) fn global_call(function: &str, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue> {
    call(&get(&global(), function), &JsValue::UNDEFINED, a, b)
}

/// `globalThis[namespace][method](a)`: `JSON.parse`, `Date.now`, `Array.isArray`...
pub(crate) fn static_call(namespace: &str, method: &str, a: &JsValue) -> Result<JsValue, JsValue> {
    invoke(&get(&global(), namespace), method, a, &JsValue::UNDEFINED)
}

/// The global object (`globalThis`). js-sys's lookup, which its futures use anyway.
pub(crate) fn global() -> JsValue {
    js_sys::global().into()
}

/// The elements of a JS array (or of anything with a `length` and indices).
#[cfg(feature = "js")]
pub(crate) fn elements(array: &JsValue) -> alloc::vec::Vec<JsValue> {
    let length = get(array, "length").as_f64().unwrap_or(0.0) as u32;
    (0..length).map(|index| get_key(array, &JsValue::from(index))).collect()
}

/// A string, or what `String()` makes of a `URL` (anything else: `None`).
#[cfg(feature = "js")]
pub(crate) fn text_of(value: &JsValue) -> Option<String> {
    if value.is_string() {
        return value.as_string();
    }
    let url_class = get(&global(), "URL");
    let is_url = invoke(&get(&url_class, "prototype"), "isPrototypeOf", value, &JsValue::UNDEFINED).ok()?;
    (is_url.as_bool() == Some(true)).then(|| get(value, "href").as_string()).flatten()
}

/// `Array.isArray(value)`.
pub(crate) fn is_array(value: &JsValue) -> bool {
    static_call("Array", "isArray", value).ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Milliseconds since the epoch.
pub(crate) fn now() -> f64 {
    // Its own binding: read at every step of every call, where a lookup would cost three.
    js_sys::Date::now()
}

/// 53 random bits (seeds the per-token jitter and the tab id; nothing secret).
pub(crate) fn random_seed() -> u64 {
    let random = static_call("Math", "random", &JsValue::UNDEFINED).ok().and_then(|v| v.as_f64()).unwrap_or(0.5);
    (random * 9_007_199_254_740_992.0) as u64
}

/// The page's (or worker's) URL, when the global has a `location` (Node has none).
pub(crate) fn page_href() -> Option<String> {
    get(&get(&global(), "location"), "href").as_string()
}

/// Whether the page is shown (true where there is no document).
pub(crate) fn page_visible() -> bool {
    get(&get(&global(), "document"), "visibilityState").as_string().as_deref() != Some("hidden")
}

/// The one closure type handed to JS for event listeners: the type js-sys's futures already use
/// for promise callbacks, so the wasm holds one copy of wasm-bindgen's closure plumbing instead of
/// one per signature. What it returns is ignored by every caller.
pub(crate) type Callback = Closure<dyn FnMut(JsValue) -> Result<(), JsError>>;
