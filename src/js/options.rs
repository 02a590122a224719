//! Reads the JS options object once, at construction, onto [`Options`]: each option's type
//! checked, the first wrong one reported as a `TypeError` that names it (ranges are the
//! engine's, URLs the browser's).

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::error::OptionsError;
use crate::js::events;
use crate::options::Options;
use crate::web::host::{call, elements, get, is_array, static_call};
use crate::web::source::{AnswerFuture, Source, SourceError};
use crate::web::token_result::token_result;

/// Reads options, remembering the first problem instead of stopping at it (one way out keeps
/// the wasm small).
struct Reader<'a> {
    options: &'a JsValue,
    problem: Option<&'static str>,
}

impl Reader<'_> {
    /// `options[key]` when it is neither `undefined` nor `null` and `accept` takes it.
    fn read<T>(&mut self, key: &str, problem: &'static str, accept: impl Fn(JsValue) -> Option<T>) -> Option<T> {
        let value = get(self.options, key);
        if value.is_undefined() || value.is_null() {
            return None;
        }
        let accepted = accept(value);
        if accepted.is_none() {
            self.problem = self.problem.or(Some(problem));
        }
        accepted
    }

    fn string(&mut self, key: &str, problem: &'static str) -> Option<String> {
        self.read(key, problem, |v| v.as_string())
    }

    fn number(&mut self, key: &str, problem: &'static str) -> Option<f64> {
        self.read(key, problem, |v| v.as_f64())
    }

    fn function(&mut self, key: &str, problem: &'static str) -> Option<JsValue> {
        self.read(key, problem, |v| v.is_function().then_some(v))
    }

    /// An array whose every item `item` accepts.
    fn list<T>(&mut self, key: &str, problem: &'static str, item: impl Fn(JsValue) -> Option<T>) -> Option<Vec<T>> {
        self.read(key, problem, |v| if is_array(&v) { elements(&v).into_iter().map(&item).collect() } else { None })
    }
}

/// The options of `new AuthClient(options)` as [`Options`].
pub(crate) fn read(options: &JsValue) -> Result<Options, OptionsError> {
    if !(options.is_undefined() || options.is_null() || options.is_object()) || is_array(options) {
        return Err(OptionsError::type_error("AuthClient options must be an object"));
    }
    let mut r = Reader { options, problem: None };
    let mut read = Options::new();
    read.token = r.string("token", "token must be a string or null");
    if let Some(callback) = r.function("onTokenExpired", "onTokenExpired must be a function") {
        read.source = Some(Source::Callback(Rc::new(move || ask(&callback))));
    }
    read.refresh_url = r.string("refreshUrl", "refreshUrl must be a string");
    read.base_url = r.string("baseUrl", "baseUrl must be a string");
    read.allowed_origins = r.list("allowedOrigins", "allowedOrigins must be an array of strings", |v| v.as_string());
    let settings = &mut read.settings;
    settings.refresh_ahead_seconds = r.number("refreshAheadSeconds", "refreshAheadSeconds must be a number");
    settings.refresh_on = r.list("refreshOn", "refreshOn must be an array of numbers", |v| v.as_f64());
    settings.refresh_timeout_ms = r.number("refreshTimeoutMs", "refreshTimeoutMs must be a number");
    settings.auto_refresh = r.read("autoRefresh", "autoRefresh must be a boolean", |v| v.as_bool());
    settings.auth_scheme = r.string("authScheme", "authScheme must be a string");
    // `true` is the channel "tokenfetch"; `false` is off.
    let share =
        r.read("shareAcrossTabs", "shareAcrossTabs must be a boolean or a non-empty channel name", |v| {
            match (v.as_bool(), v.as_string()) {
                (Some(on), _) => Some(on.then(|| String::from("tokenfetch"))),
                (None, Some(name)) if !name.is_empty() => Some(Some(name)),
                _ => None,
            }
        });
    read.share_across_tabs = share.flatten();
    read.on_event = r.function("onEvent", "onEvent must be a function").map(events::sink);
    read.dpop = r.read("dpop", "dpop must be a boolean", |v| v.as_bool()).unwrap_or(false);
    match r.problem {
        Some(problem) => Err(OptionsError::type_error(problem)),
        None => Ok(read),
    }
}

/// Calls the application's `onTokenExpired` now; awaits what it returns when it is a thenable.
fn ask(callback: &JsValue) -> AnswerFuture {
    let none = JsValue::UNDEFINED;
    let returned = call(callback, &none, &none, &none);
    Box::pin(async move {
        let mut value = returned.map_err(SourceError::thrown)?;
        if get(&value, "then").is_function() {
            let promise = static_call("Promise", "resolve", &value).map_err(SourceError::thrown)?;
            value = JsFuture::from(promise.unchecked_into::<Promise>()).await.map_err(SourceError::thrown)?;
        }
        token_result(&value).map_err(SourceError::from)
    })
}
