//! Reads the JS options object once, at construction: types checked with serde-wasm-bindgen
//! (`TypeError` naming the option), ranges by the engine (`RangeError`), URLs by the browser.

use js_sys::{Array, Function};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::engine::options::{RawSettings, Settings};
use crate::engine::token::Token;
use crate::web::js::{get, origin_of, page_href, range_error, resolve_url, type_error};

/// The client's configuration, fixed at construction.
#[derive(Debug)]
pub(crate) struct Config {
    pub settings: Settings,
    pub on_token_expired: Option<Function>,
    pub refresh_url: Option<String>,
    /// Absolute base for relative request URLs; `None`: the page URL at call time.
    pub base_url: Option<String>,
    /// Serialized origins (`https://api.example.com`) that receive the token.
    pub allowed_origins: Vec<String>,
    /// The BroadcastChannel/Web Lock name when `shareAcrossTabs` is on.
    pub share_channel: Option<String>,
    pub on_event: Option<Function>,
}

impl Config {
    /// Whether the request URL's origin may receive the token.
    pub fn is_allowed(&self, url: &str) -> bool {
        origin_of(url).is_some_and(|origin| self.allowed_origins.contains(&origin))
    }

    /// Whether a callback or `refreshUrl` can produce tokens.
    pub fn has_source(&self) -> bool {
        self.on_token_expired.is_some() || self.refresh_url.is_some()
    }
}

/// Reads one option with serde-wasm-bindgen; a value of the wrong type becomes `TypeError(message)`.
fn read<T: DeserializeOwned>(options: &JsValue, key: &str, message: &str) -> Result<Option<T>, JsValue> {
    serde_wasm_bindgen::from_value::<Option<T>>(get(options, key)).map_err(|_| type_error(message))
}

/// Reads an optional function.
fn function(options: &JsValue, key: &str, message: &str) -> Result<Option<Function>, JsValue> {
    let value = get(options, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value.dyn_into::<Function>().map(Some).map_err(|_| type_error(message))
}

/// Parses the constructor's options; returns the configuration and the initial token.
pub(crate) fn parse(options: &JsValue) -> Result<(Config, Option<Token>), JsValue> {
    if !(options.is_undefined() || options.is_null() || options.is_object()) || Array::is_array(options) {
        return Err(type_error("AuthClient options must be an object"));
    }
    let token = match read::<String>(options, "token", "token must be a string or null")? {
        None => None,
        Some(text) if text.is_empty() => None,
        Some(text) => Some(Token::parse(text).map_err(|e| type_error(e.message()))?),
    };
    let raw = RawSettings {
        refresh_ahead_seconds: read(options, "refreshAheadSeconds", "refreshAheadSeconds must be a number")?,
        refresh_timeout_ms: read(options, "refreshTimeoutMs", "refreshTimeoutMs must be a number")?,
        refresh_on: read(options, "refreshOn", "refreshOn must be an array of numbers")?,
        auto_refresh: read(options, "autoRefresh", "autoRefresh must be a boolean")?,
        auth_scheme: read(options, "authScheme", "authScheme must be a string")?,
    };
    let settings = Settings::from_raw(raw).map_err(|e| range_error(e.message))?;

    let page = page_href();
    let base_url = match read::<String>(options, "baseUrl", "baseUrl must be a string")? {
        None => None,
        Some(base) => Some(
            resolve_url(&base, page.as_deref())
                .map_err(|_| type_error("baseUrl is not a valid URL"))?
                .href(),
        ),
    };
    let base = base_url.clone().or(page);
    let refresh_url = match read::<String>(options, "refreshUrl", "refreshUrl must be a string")? {
        None => None,
        Some(url) => Some(
            resolve_url(&url, base.as_deref())
                .map_err(|_| type_error("refreshUrl is not a valid URL"))?
                .href(),
        ),
    };
    let allowed_origins = match read::<Vec<String>>(options, "allowedOrigins", "allowedOrigins must be an array of strings")? {
        Some(list) => list
            .iter()
            .map(|entry| match origin_of(entry) {
                Some(origin) if origin != "null" => Ok(origin),
                _ => Err(type_error("allowedOrigins holds an entry that is not an absolute http(s) URL or origin")),
            })
            .collect::<Result<Vec<String>, JsValue>>()?,
        None => base.as_deref().and_then(origin_of).filter(|o| o != "null").into_iter().collect(),
    };
    let share = get(options, "shareAcrossTabs");
    let share_channel = if let Some(on) = share.as_bool() {
        on.then(|| "tokenfetch".to_owned())
    } else if let Some(name) = share.as_string() {
        if name.is_empty() {
            return Err(type_error("shareAcrossTabs must be a boolean or a non-empty channel name"));
        }
        Some(name)
    } else if share.is_undefined() || share.is_null() {
        None
    } else {
        return Err(type_error("shareAcrossTabs must be a boolean or a non-empty channel name"));
    };
    let config = Config {
        settings,
        on_token_expired: function(options, "onTokenExpired", "onTokenExpired must be a function")?,
        refresh_url,
        base_url,
        allowed_origins,
        share_channel,
        on_event: function(options, "onEvent", "onEvent must be a function")?,
    };
    Ok((config, token))
}
