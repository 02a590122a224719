//! A JS value as a [`TokenResult`]: what `onTokenExpired` answered or the `refreshUrl` body said.
//! The one place where the contract's JS shapes are read (which keys, in which order, which types);
//! the engine checks the result it gets.

use alloc::string::String;

use tokenfetch_engine::event::Reason;
use tokenfetch_engine::token_result::{is_decimal_literal, TokenResult};
use wasm_bindgen::JsValue;

use crate::web::host::{get, global_call, is_array};

/// Keys that may hold the token, in the order they are looked up.
const TOKEN_KEYS: [&str; 4] = ["accessToken", "access_token", "token", "authToken"];
/// Keys that may hold a lifetime in seconds from now.
const EXPIRES_IN_KEYS: [&str; 2] = ["expiresIn", "expires_in"];
/// Keys that may hold an expiry in seconds since the epoch.
const EXPIRES_AT_KEYS: [&str; 2] = ["expiresAt", "expires_on"];
/// Keys that may hold the OAuth `token_type`.
const TOKEN_TYPE_KEYS: [&str; 2] = ["tokenType", "token_type"];

/// `null`/`undefined`: give up; `false`: signed out; a string: the token; a plain object: the
/// token under [`TOKEN_KEYS`] (the first present), its lifetime or expiry in seconds (numbers, or
/// strings holding a decimal number) and its `token_type`. Anything else, or a value of the wrong
/// type under one of the keys, is refused with the reason.
pub(crate) fn token_result(value: &JsValue) -> Result<TokenResult, Reason> {
    if value.is_undefined() || value.is_null() {
        return Ok(TokenResult::GiveUp);
    }
    if value.as_bool() == Some(false) {
        return Ok(TokenResult::SignedOut);
    }
    if let Some(token) = value.as_string() {
        return Ok(TokenResult::from(token));
    }
    if !value.is_object() || value.is_function() || is_array(value) {
        return Err(Reason::InvalidType);
    }
    let first = |keys: &[&str]| keys.iter().map(|key| get(value, key)).find(|field| !field.is_undefined());
    let token = match first(&TOKEN_KEYS) {
        None => return Ok(TokenResult::GiveUp),
        Some(field) if field.is_null() => return Ok(TokenResult::GiveUp),
        Some(field) => field.as_string().ok_or(Reason::InvalidType)?,
    };
    Ok(TokenResult::Token {
        expires_in: seconds(first(&EXPIRES_IN_KEYS))?,
        expires_at: seconds(first(&EXPIRES_AT_KEYS))?,
        token_type: first(&TOKEN_TYPE_KEYS).and_then(|field| field.as_string()),
        token,
    })
}

/// A count of seconds: a number, or a string holding one (some servers, Azure AD v1 among them,
/// send `"3599"`), ASCII whitespace around it allowed; the engine checks the value's range.
fn seconds(field: Option<JsValue>) -> Result<Option<f64>, Reason> {
    let Some(field) = field.filter(|field| !field.is_null()) else {
        return Ok(None);
    };
    if let Some(number) = field.as_f64() {
        return Ok(Some(number));
    }
    let text: String = field.as_string().ok_or(Reason::InvalidExpiry)?;
    let text = text.trim_ascii();
    if !is_decimal_literal(text) {
        return Err(Reason::InvalidExpiry);
    }
    // The host's own number parser: correctly rounded, and no float tables in the wasm.
    let number = global_call("parseFloat", &JsValue::from_str(text), &JsValue::UNDEFINED);
    number.ok().and_then(|n| n.as_f64()).map(Some).ok_or(Reason::InvalidExpiry)
}
