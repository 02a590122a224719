//! Reads the JS options object once, at construction, onto [`Options`]: each option's type
//! checked with a `TypeError` that names it (ranges are the engine's, URLs the browser's).

use alloc::rc::Rc;
use alloc::{boxed::Box, string::String, vec::Vec};

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::error::OptionsError;
use crate::js::events;
use crate::options::Options;
use crate::web::host::{call, elements, get, is_array, static_call};
use crate::web::source::{token_result_input, AnswerFuture, SourceError};

/// `options[key]`, or `None` when it is `undefined` or `null`.
fn present(options: &JsValue, key: &str) -> Option<JsValue> {
    let value = get(options, key);
    (!value.is_undefined() && !value.is_null()).then_some(value)
}

fn string(options: &JsValue, key: &str, message: &'static str) -> Result<Option<String>, OptionsError> {
    present(options, key).map(|v| v.as_string().ok_or(OptionsError::type_error(message))).transpose()
}

fn number(options: &JsValue, key: &str, message: &'static str) -> Result<Option<f64>, OptionsError> {
    present(options, key).map(|v| v.as_f64().ok_or(OptionsError::type_error(message))).transpose()
}

fn function(options: &JsValue, key: &str, message: &'static str) -> Result<Option<JsValue>, OptionsError> {
    present(options, key)
        .map(|v| if v.is_function() { Ok(v) } else { Err(OptionsError::type_error(message)) })
        .transpose()
}

/// An array whose every item `item` accepts.
fn list<T>(
    options: &JsValue,
    key: &str,
    message: &'static str,
    item: impl Fn(JsValue) -> Option<T>,
) -> Result<Option<Vec<T>>, OptionsError> {
    let Some(value) = present(options, key) else { return Ok(None) };
    if !is_array(&value) {
        return Err(OptionsError::type_error(message));
    }
    let mut items = Vec::new();
    for value in elements(&value) {
        items.push(item(value).ok_or(OptionsError::type_error(message))?);
    }
    Ok(Some(items))
}

/// The options of `new AuthClient(options)` as [`Options`].
pub(crate) fn read(options: &JsValue) -> Result<Options, OptionsError> {
    if !(options.is_undefined() || options.is_null() || options.is_object()) || is_array(options) {
        return Err(OptionsError::type_error("AuthClient options must be an object"));
    }
    let mut read = Options::new();
    if let Some(token) = string(options, "token", "token must be a string or null")? {
        read = read.token(token);
    }
    if let Some(callback) = function(options, "onTokenExpired", "onTokenExpired must be a function")? {
        read = read.on_token_expired_answer(Rc::new(move || ask(&callback)));
    }
    if let Some(url) = string(options, "refreshUrl", "refreshUrl must be a string")? {
        read = read.refresh_url(url);
    }
    if let Some(url) = string(options, "baseUrl", "baseUrl must be a string")? {
        read = read.base_url(url);
    }
    if let Some(origins) =
        list(options, "allowedOrigins", "allowedOrigins must be an array of strings", |v| v.as_string())?
    {
        read = read.allowed_origins(origins);
    }
    if let Some(seconds) = number(options, "refreshAheadSeconds", "refreshAheadSeconds must be a number")? {
        read = read.refresh_ahead_seconds(seconds);
    }
    if let Some(statuses) = list(options, "refreshOn", "refreshOn must be an array of numbers", |v| v.as_f64())? {
        read = read.refresh_on_numbers(statuses);
    }
    if let Some(ms) = number(options, "refreshTimeoutMs", "refreshTimeoutMs must be a number")? {
        read = read.refresh_timeout_ms(ms);
    }
    if let Some(on) = present(options, "autoRefresh") {
        read = read.auto_refresh(on.as_bool().ok_or(OptionsError::type_error("autoRefresh must be a boolean"))?);
    }
    if let Some(scheme) = string(options, "authScheme", "authScheme must be a string")? {
        read = read.auth_scheme(scheme);
    }
    if let Some(share) = present(options, "shareAcrossTabs") {
        const MESSAGE: &str = "shareAcrossTabs must be a boolean or a non-empty channel name";
        match (share.as_bool(), share.as_string()) {
            (Some(true), _) => read = read.share_across_tabs("tokenfetch"),
            (Some(false), _) => {}
            (None, Some(name)) if !name.is_empty() => read = read.share_across_tabs(name),
            _ => return Err(OptionsError::type_error(MESSAGE)),
        }
    }
    if let Some(listener) = function(options, "onEvent", "onEvent must be a function")? {
        read = read.on_event_with_thrown(events::sink(listener));
    }
    Ok(read)
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
        Ok(token_result_input(&value))
    })
}
